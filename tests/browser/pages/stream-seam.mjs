// The WebCrypto seam of the streaming engine (pkg/stream-worker.js), checked
// with its deterministic counters rather than timings: shared by Node
// (tests/node/stream-seam.test.mjs, native AES-GCM host) and every browser
// engine (tests/browser/stream-seam.test.mjs, crypto.subtle). `s` is the
// package, `w` its Wasm module, `engines` pkg/stream-worker.js.

const KiB = 1024;
const MiB = 1 << 20;
/** What stream.js pushes: a first batch of 320 KiB, then 1 MiB batches. */
const STEPS = [320 * KiB, MiB];

function payload(n) {
  const b = new Uint8Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x; b[i + 1] = x >> 8; b[i + 2] = x >> 16; b[i + 3] = x >> 24;
  }
  return b;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Pushes `bytes` in the stream's batch sizes; returns the output per push. */
async function run(engine, bytes) {
  const outs = [];
  for (let off = 0, i = 0; off < bytes.length; i++) {
    const n = STEPS[Math.min(i, STEPS.length - 1)];
    outs.push(await engine.push(bytes.slice(off, off + n)));
    off += n;
  }
  outs.push(await engine.finish());
  return outs;
}

/**
 * Encrypts and decrypts `size` octets through the engines; returns the
 * counters and facts the tests assert on (plain data, so it crosses from a
 * page to the test runner).
 */
export async function seamCase(s, w, engines, size = 8 * MiB + 12345) {
  const key = await s.generateKey({ userIds: ['Seam <seam@example.gov.vn>'], profile: 'rfc9580' });
  const sk = await s.unlockKey(key.privateKey);
  try {
    const data = payload(size);
    const enc = new engines.EncryptEngine(w, { encryptionKeys: [key.publicKey], backend: 'webcrypto' });
    const backend = enc.info.backend;
    const encOuts = await run(enc, data);
    const message = concat(encOuts.flat());
    const dec = new engines.DecryptEngine(w, {
      backend: 'webcrypto',
      getSessionKey: engines.sessionKeyGetter(w, [sk], []),
    });
    const decOuts = await run(dec, message);
    const plain = concat(decOuts.flat());
    // An independent check of the message: the one-shot Wasm path.
    const again = await s.decrypt({ message, decryptionKeys: [sk] });
    return {
      backend,
      size,
      messageSize: message.length,
      roundTrip: equal(plain, data),
      oneShotAgrees: equal(again.data, data),
      firstPlain: decOuts[0].reduce((a, p) => a + p.length, 0),
      enc: { ...enc.seam },
      dec: { ...dec.seam },
    };
  } finally {
    sk.free();
  }
}

/**
 * The bounds, asserted by both test files: `assert` is node:assert.
 * - Input is copied into Wasm memory once (plus, when decrypting, the chunks
 *   that hold packet framing); output leaves as WebCrypto's own buffers, so
 *   the octets copied out of Wasm stay a small share of the input.
 * - At most DEPTH + 1 = 3 batches are in flight (memory bounded).
 * - The first push (320 KiB, holding the first 256 KiB chunk) already yields
 *   plaintext: the first chunk is released as soon as its tag verifies.
 */
export function checkSeam(assert, r) {
  assert.equal(r.backend, 'webcrypto');
  assert.ok(r.roundTrip, 'the engines round-trip');
  assert.ok(r.oneShotAgrees, 'the one-shot path decrypts the engine output');
  for (const [name, c] of [['encrypt', r.enc], ['decrypt', r.dec]]) {
    const what = `${name}: ${JSON.stringify(c)}`;
    assert.ok(c.jobs >= Math.floor(r.size / (256 * KiB)), what);
    assert.ok(c.maxInflight >= 1 && c.maxInflight <= 3, `batches in flight ${what}`);
  }
  assert.equal(r.enc.pushed, r.size);
  assert.equal(r.enc.copiedIn, r.size, 'encrypt: each input octet is copied into Wasm once');
  assert.ok(r.enc.copiedOut <= r.size / 64 + 4096, `encrypt copies out ${r.enc.copiedOut}`);
  assert.equal(r.dec.pushed, r.messageSize);
  assert.ok(r.dec.copiedIn <= 1.5 * r.messageSize, `decrypt copies in ${r.dec.copiedIn}`);
  assert.ok(r.dec.copiedOut <= r.size / 64 + 4096, `decrypt copies out ${r.dec.copiedOut}`);
  assert.ok(r.firstPlain >= 200 * KiB, `first push released ${r.firstPlain} octets`);
}

/**
 * Time to first byte through `decryptStream` (worker in browsers, in-thread in
 * Node) with a slow source: after the first `gateAt` octets the source sends
 * nothing more until the first plaintext arrived (then, with `breakAtGate`, it
 * errors). Resolves to how much of the source was read when it did, or to
 * `stalled` when it never came, and to the round trip or the error seen.
 */
export async function gatedCase(s, { size = 4 * MiB, gateAt = 384 * KiB, breakAtGate = false } = {}) {
  const key = await s.generateKey({ userIds: ['Seam <seam@example.gov.vn>'], profile: 'rfc9580' });
  const sk = await s.unlockKey(key.privateKey);
  try {
    const data = payload(size);
    const message = await s.encrypt({ data, encryptionKeys: [key.publicKey], armor: false });
    let open;
    const gate = new Promise((ok) => { open = ok; });
    let sent = 0;
    const source = new ReadableStream({
      async pull(c) {
        if (sent >= message.length) return c.close();
        if (sent >= gateAt) {
          await gate;
          if (breakAtGate) throw new Error('the source broke');
        }
        const n = Math.min(64 * KiB, message.length - sent);
        c.enqueue(message.slice(sent, sent + n));
        sent += n;
      },
    }, { highWaterMark: 0 });
    const out = await s.decryptStream({ message: source, decryptionKeys: [sk] });
    const reader = out.getReader();
    const first = await Promise.race([
      reader.read(),
      new Promise((ok) => setTimeout(() => ok('stalled'), 10000)),
    ]);
    if (first === 'stalled') {
      open();
      await reader.cancel();
      return { stalled: true };
    }
    const readAtFirst = sent;
    open();
    const parts = [first.value];
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        parts.push(r.value);
      }
    } catch (e) {
      return { stalled: false, readAtFirst, error: String(e?.message ?? e) };
    }
    return { stalled: false, readAtFirst, firstLength: first.value.length, roundTrip: equal(concat(parts), data) };
  } finally {
    sk.free();
  }
}
