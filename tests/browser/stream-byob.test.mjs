// decryptStream's output is a byte stream where the engine has them (issue #25): a
// page reads the plaintext into its own reused buffer with a BYOB reader, through the
// shared worker, for SEIPDv2 (WebCrypto GCM) and SEIPDv1 in two passes from a Blob;
// the default reader still gives Uint8Array chunks. An engine without readable byte
// streams keeps the default stream (the test says so).
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { forEachEngine } from './harness.mjs';

/** 24 MiB of zeros, zlib-compressed in a password SEIPDv1 message (OpenPGP.js): a
 *  few KiB of input that decompress to many output buffers in one push. */
async function compressedV1() {
  const msg = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: new Uint8Array(24 << 20) }),
    passwords: ['pw'],
    format: 'binary',
    config: { aeadProtect: false, preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
  });
  return Array.from(msg);
}

async function byobCompressedOnPage(bytes) {
  const s = await import('/pkg/index.js');
  await s.init();
  const out = await s.decryptStream({ message: new Blob([new Uint8Array(bytes)]), passwords: ['pw'] });
  const r = { released: 0, zeros: true, byob: typeof ReadableByteStreamController === 'function' };
  if (r.byob) {
    const reader = out.getReader({ mode: 'byob' });
    let buf = new ArrayBuffer(256 * 1024);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buf));
      if (done) break;
      if (value.some((b) => b !== 0)) r.zeros = false;
      r.released += value.length;
      buf = value.buffer;
    }
  } else {
    for await (const c of out) {
      if (c.some((b) => b !== 0)) r.zeros = false;
      r.released += c.length;
    }
  }
  return r;
}

async function byobOnPage() {
  const s = await import('/pkg/index.js');
  await s.init();
  const MiB = 1 << 20;
  const TOTAL = 5 * MiB + 4321;
  const plain = new Uint8Array(TOTAL);
  let x = 3;
  for (let i = 0; i < TOTAL; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; plain[i] = x >>> 24; }
  const streamOf = (b, step = 200 * 1024) => {
    let off = 0;
    return new ReadableStream({ pull(c) { if (off >= b.length) return c.close(); c.enqueue(b.slice(off, off + step)); off += step; } }, { highWaterMark: 0 });
  };
  const byteStreams = typeof ReadableByteStreamController === 'function';
  const results = {};
  // v2 (WebCrypto GCM: plaintext from WebCrypto's results), v1 and v2 on the Rust
  // backend (plaintext the decryptor writes into the buffers the page handed back).
  for (const name of ['v2', 'v1', 'v2-rust']) {
    const [seipd, backend] = name.split('-');
    const chunks = [];
    for await (const c of await s.encryptStream({ data: streamOf(plain), passwords: ['pw'], seipd })) chunks.push(c);
    const blob = new Blob(chunks);
    const out = await s.decryptStream({ message: blob, passwords: ['pw'], backend });
    const r = { byob: false, released: 0, same: true, reads: 0 };
    if (byteStreams) {
      const reader = out.getReader({ mode: 'byob' });
      let buf = new ArrayBuffer(64 * 1024);
      for (;;) {
        const { done, value } = await reader.read(new Uint8Array(buf));
        if (done) break;
        // Every byte: the worker refills buffers the page handed back (recycled).
        for (let k = 0; k < value.length; k++) if (value[k] !== plain[r.released + k]) { r.same = false; break; }
        r.released += value.length;
        r.reads += 1;
        buf = value.buffer; // the same memory, handed back for the next read
      }
      r.byob = true;
    } else {
      try { out.getReader({ mode: 'byob' }); } catch (e) { r.refused = e.name; }
      await out.cancel();
    }
    // The default reader: Uint8Array chunks, the same bytes.
    let n = 0;
    r.chunksOk = true;
    for await (const c of await s.decryptStream({ message: blob, passwords: ['pw'], backend })) {
      if (!(c instanceof Uint8Array) || c.length === 0) r.chunksOk = false;
      for (let k = 0; k < c.length; k += 997) if (c[k] !== plain[n + k]) r.same = false;
      n += c.length;
    }
    r.defaultReleased = n;
    results[name] = r;
  }
  return { byteStreams, total: TOTAL, results };
}

forEachEngine(({ h, test, engine }) => {
  test('BYOB read of decryptStream output (SEIPDv2 and two-pass SEIPDv1), default reader unchanged', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(byobOnPage);
    for (const [seipd, x] of Object.entries(r.results)) {
      assert.equal(x.same, true, seipd);
      assert.equal(x.chunksOk, true, seipd);
      assert.equal(x.defaultReleased, r.total, seipd);
      if (r.byteStreams) {
        assert.equal(x.byob, true);
        assert.equal(x.released, r.total, seipd);
        assert.ok(x.reads >= r.total / (64 * 1024), 'the reader filled its 64 KiB buffer, read after read');
      } else {
        assert.equal(x.refused, 'TypeError', 'no byte streams here: a BYOB reader is refused');
      }
    }
    console.log(`# ${engine}: ${r.byteStreams ? 'BYOB reads into one 64 KiB buffer: ok' : 'no readable byte streams: default stream'}`);
    await page.close();
  });

  test('BYOB read of compressed two-pass SEIPDv1: one push decompresses to many buffers, all released', async () => {
    const msg = await compressedV1();
    assert.ok(msg.length < 1 << 20, 'the whole message is one push');
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(byobCompressedOnPage, msg);
    assert.equal(r.released, 24 << 20);
    assert.equal(r.zeros, true);
    await page.close();
  });
});
