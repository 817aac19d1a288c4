// Streaming API in Node (in-thread engine): WebCrypto vs pure-Rust backends,
// interop with OpenPGP.js both ways, truncation and tampering, options.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';

const MiB = 1 << 20;

function streamOf(bytes, step = 64 * 1024) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.length) return c.close();
      // Fresh copies, as a file reader would hand out.
      c.enqueue(bytes.slice(off, off + step));
      off += step;
    },
  }, { highWaterMark: 0 });
}

async function collect(stream) {
  const parts = [];
  let n = 0;
  for await (const p of stream) {
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function pseudoRandom(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x; out[i + 1] = x >> 8; out[i + 2] = x >> 16; out[i + 3] = x >> 24;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length)
    .equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

let key;
let pub;
before(async () => {
  await s.init();
  const g = await s.generateKey({ userIds: ['Stream <stream@example.gov.vn>'], profile: 'rfc9580' });
  key = await s.unlockKey(g.privateKey);
  pub = g.publicKey;
});

async function codeOf(promise) {
  try {
    await promise;
    return 'no error';
  } catch (e) {
    return e.code ?? String(e);
  }
}

test('32 MiB round trip: WebCrypto and pure-Rust backends agree byte for byte', async () => {
  const data = pseudoRandom(32 * MiB, 7);
  const progress = [];
  const ctWc = await collect(await s.encryptStream({
    data: streamOf(data, 1000 * 1000), encryptionKeys: [pub], backend: 'webcrypto',
    onProgress: (p) => progress.push(p),
  }));
  const ctRust = await collect(await s.encryptStream({ data: streamOf(data), encryptionKeys: [pub], backend: 'rust' }));
  assert.ok(progress.length > 4);
  assert.equal(progress.at(-1).bytesIn, data.length);
  assert.equal(progress.at(-1).bytesOut, ctWc.length);
  assert.ok(progress.every((p, i) => i === 0 || p.bytesIn >= progress[i - 1].bytesIn));
  // Overhead: 16-byte tag per 256 KiB chunk plus framing and one PKESK.
  assert.ok(ctWc.length - data.length < 64 * 1024, `overhead ${ctWc.length - data.length}`);
  for (const ct of [ctWc, ctRust]) {
    for (const backend of ['webcrypto', 'rust']) {
      const pt = await collect(await s.decryptStream({
        message: streamOf(ct, 333 * 1000), decryptionKeys: [key], backend,
      }));
      assert.ok(equal(pt, data), backend);
    }
  }
  // The one-shot (rPGP) path reads the streamed message too.
  const d = await s.decrypt({ message: ctWc, decryptionKeys: [key] });
  assert.ok(equal(d.data, data));
});

test('OpenPGP.js SEIPDv2 GCM and OCB messages decrypt via our stream', async () => {
  const data = pseudoRandom(3 * MiB + 12345, 3);
  for (const aead of ['gcm', 'ocb']) {
    const config = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead[aead], aeadChunkSizeByte: 12 };
    const msg = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data }), passwords: ['pw'], format: 'binary', config,
    });
    for (const backend of ['webcrypto', 'rust']) {
      const pt = await collect(await s.decryptStream({ message: streamOf(msg), passwords: ['pw'], backend }));
      assert.ok(equal(pt, data), `${aead} ${backend}`);
    }
    // Their armored output too.
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data.subarray(0, 1000) }), passwords: ['pw'], config,
    });
    const pt = await collect(await s.decryptStream({
      message: streamOf(new TextEncoder().encode(armored), 100), passwords: ['pw'],
    }));
    assert.ok(equal(pt, data.subarray(0, 1000)), `${aead} armored`);
  }
  // To our v6 key, from OpenPGP.js.
  const recipient = await openpgp.readKey({ armoredKey: pub });
  const msg = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }), encryptionKeys: recipient, format: 'binary',
  });
  const pt = await collect(await s.decryptStream({ message: streamOf(msg), decryptionKeys: [key] }));
  assert.ok(equal(pt, data));
});

test('our streamed GCM and OCB output decrypts in OpenPGP.js', async () => {
  const data = pseudoRandom(2 * MiB + 1, 5);
  for (const aead of ['gcm', 'ocb']) {
    const ct = await collect(await s.encryptStream({ data: streamOf(data), passwords: ['pw'], aead }));
    const { data: pt } = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: ct }), passwords: ['pw'], format: 'binary',
    });
    assert.ok(equal(pt, data), aead);
  }
  const armored = await collect(await s.encryptStream({ data: streamOf(data), passwords: ['pw'], armor: true }));
  const text = new TextDecoder().decode(armored);
  assert.match(text, /^-----BEGIN PGP MESSAGE-----\n/);
  const { data: pt } = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: text }), passwords: ['pw'], format: 'binary',
  });
  assert.ok(equal(pt, data));
});

test('truncated messages are MALFORMED_INPUT, tampered ones DECRYPTION_FAILED, on both backends', async () => {
  const data = pseudoRandom(MiB + 7, 9);
  const ct = await collect(await s.encryptStream({ data: streamOf(data), encryptionKeys: [pub] }));
  for (const backend of ['webcrypto', 'rust']) {
    for (const cut of [ct.length - 1, ct.length - 16, ct.length - 300, 600 * 1000]) {
      const out = await s.decryptStream({ message: streamOf(ct.subarray(0, cut)), decryptionKeys: [key], backend });
      // Cut inside a packet: structure, found before any cryptography.
      assert.equal(await codeOf(collect(out)), 'MALFORMED_INPUT', `${backend} cut ${cut}`);
    }
    for (const pos of [ct.length - 5, ct.length - 5000, 400 * 1000]) {
      const bad = ct.slice();
      bad[pos] ^= 0x20;
      const out = await s.decryptStream({ message: streamOf(bad), decryptionKeys: [key], backend });
      assert.equal(await codeOf(collect(out)), 'DECRYPTION_FAILED', `${backend} flip ${pos}`);
    }
  }
});

test('options and errors keep their codes', async () => {
  const data = new Uint8Array(100);
  assert.equal(await codeOf(s.encryptStream({ data: streamOf(data), signingKeys: key, passwords: ['x'] })), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(s.encryptStream({ data: new Uint8Array(3), passwords: ['x'] })), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(s.encryptStream({ data: streamOf(data), encryptionKeys: ['nonsense'] })), 'MALFORMED_INPUT');
  assert.equal(await codeOf(s.encryptStream({ data: streamOf(data), passwords: ['x'], aead: 'eax' })), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(s.decryptStream({ message: streamOf(data) })), 'INVALID_ARGUMENT');
  const ct = await collect(await s.encryptStream({ data: streamOf(data), passwords: ['right'] }));
  const wrong = await s.decryptStream({ message: streamOf(ct), passwords: ['wrong'] });
  assert.equal(await codeOf(collect(wrong)), 'NO_MATCHING_KEY');
  const other = await s.unlockKey((await s.generateKey({ userIds: ['O <o@example.gov.vn>'], profile: 'rfc9580' })).privateKey);
  const ct2 = await collect(await s.encryptStream({ data: streamOf(data), encryptionKeys: [pub] }));
  assert.equal(await codeOf(collect(await s.decryptStream({ message: streamOf(ct2), decryptionKeys: [other] }))), 'NO_MATCHING_KEY');
  // Keys and passwords together: the password opens it when the key does not fit.
  const both = await s.decryptStream({ message: streamOf(ct), decryptionKeys: [other], passwords: ['right'] });
  assert.ok(equal(await collect(both), data));
  other.free();
  // decryptSessionKey: the split used by the worker.
  const sk = s.decryptSessionKey({ message: ct2.subarray(0, 2000), decryptionKeys: [key] });
  // The engine class is internal (not a package export): from the glue.
  const { StreamDecryptor } = await import('../../pkg/wasm/signet_crypto.js');
  const dec = new StreamDecryptor({ backend: 'rust' });
  const parts = [dec.push(ct2)];
  assert.equal(dec.needsSessionKey, true);
  parts.push(dec.setSessionKey(sk));
  sk.fill(0);
  parts.push(dec.finish());
  assert.ok(equal(Buffer.concat(parts), data));
  dec.free();
});

test('decryptStream with a sessionKey: the one encrypt gave or decryptSessionKey found', async () => {
  const data = pseudoRandom(3 * MiB + 5, 3);
  const g4 = await s.generateKey({ userIds: ['v4 <v4@example.gov.vn>'], profile: 'compat' });
  for (const [seipd, cert] of [['v2', pub], ['v1', g4.publicKey]]) {
    const { message, sessionKey } = await s.encrypt({ data, encryptionKeys: [cert], armor: false, seipd, sessionKeyOut: true });
    for (const backend of ['webcrypto', 'rust']) {
      const pt = await collect(await s.decryptStream({ message: streamOf(message), sessionKey, backend }));
      assert.ok(equal(pt, data), `${seipd} ${backend}`);
    }
    assert.equal(sessionKey.some((b) => b !== 0), true, 'the caller\'s array is not wiped');
    const wrong = sessionKey.slice();
    wrong[5] ^= 1;
    assert.equal(await codeOf(collect(await s.decryptStream({ message: streamOf(message), sessionKey: wrong }))), 'DECRYPTION_FAILED', seipd);
  }
  // decryptSessionKey's form (v6 PKESK: cipher octet 0) works for SEIPDv2.
  const msg = await s.encrypt({ data, encryptionKeys: [pub], armor: false });
  const found = s.decryptSessionKey({ message: msg, decryptionKeys: [key] });
  assert.ok(equal(await collect(await s.decryptStream({ message: streamOf(msg), sessionKey: found })), data));
  assert.equal(await codeOf(s.decryptStream({ message: streamOf(msg), sessionKey: 'x' })), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(s.decryptStream({ message: streamOf(msg), sessionKey: found, passwords: ['pw'] })), 'INVALID_ARGUMENT');
  assert.equal(await codeOf(collect(await s.decryptStream({ message: streamOf(msg), sessionKey: new Uint8Array([9, 1, 2]) }))), 'INVALID_ARGUMENT');
});

test('cancel and abort stop the stream', async () => {
  const data = pseudoRandom(8 * MiB, 11);
  let pulled = 0;
  const src = new ReadableStream({
    pull(c) {
      pulled += 1;
      c.enqueue(data.slice(0, MiB));
    },
  }, { highWaterMark: 0 });
  const out = await s.encryptStream({ data: src, passwords: ['pw'] });
  const reader = out.getReader();
  await reader.read();
  await reader.cancel();
  const after = pulled;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pulled, after, 'input still pulled after cancel');

  const ac = new AbortController();
  const out2 = await s.encryptStream({ data: streamOf(data), passwords: ['pw'], signal: ac.signal });
  const r2 = out2.getReader();
  await r2.read();
  ac.abort(new Error('stop'));
  await assert.rejects(r2.read(), /stop/);
});
