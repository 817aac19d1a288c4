// One-shot encrypt()/decrypt() with the AES-GCM bulk in WebCrypto (pkg/oneshot.js):
// one path each in the package (the JS engine drivers), compared with the Wasm
// glue's own `encrypt` (rPGP's writer) and `decrypt` (the Rust driver of the
// same engine): same plaintext, same signature results, same error codes, and
// each reads what the other wrote.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import nodeCrypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

const MiB = 1 << 20;
const glue = await import('../../pkg/wasm/signet_crypto.js');
let k;
let sk;
let other;

function bytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function codeOf(p) {
  try {
    await p;
  } catch (e) {
    return e.code;
  }
  return 'resolved';
}

before(async () => {
  await s.init();
  k = await s.generateKey({ userIds: ['Oneshot <oneshot@example.gov.vn>'], profile: 'rfc9580' });
  sk = await s.unlockKey(k.privateKey);
  other = await s.generateKey({ userIds: ['Other <other@example.gov.vn>'], profile: 'rfc9580' });
});

test('fast and Wasm paths read each other, same results (sizes around chunk edges)', async () => {
  const sizes = [0, 1, 4096, 256 * 1024 - 7, 256 * 1024, 256 * 1024 + 1, MiB + 3, 3 * MiB + 17];
  for (const [i, n] of sizes.entries()) {
    const data = bytes(n, i + 1);
    for (const armor of [false, true]) {
      const fast = await s.encrypt({ data, encryptionKeys: [k.publicKey], armor });
      const slow = await glue.encrypt({ data, encryptionKeys: [k.publicKey], armor });
      assert.equal(typeof fast, armor ? 'string' : 'object', `armor ${armor}`);
      if (armor) assert.match(fast, /^-----BEGIN PGP MESSAGE-----\n/);
      for (const msg of [fast, slow]) {
        const a = await s.decrypt({ message: msg, decryptionKeys: [sk] });
        const b = await glue.decrypt({ message: msg, decryptionKeys: [sk] });
        assert.deepEqual(a, b, `size ${n}`);
        assert.deepEqual(a.data, data, `size ${n}`);
        assert.deepEqual(a.signatures, []);
      }
    }
  }
});

test('passwords, strings, several recipients', async () => {
  const fast = await s.encrypt({ data: 'Công văn mật', passwords: ['mật khẩu'] });
  assert.equal(new TextDecoder().decode((await glue.decrypt({ message: fast, passwords: ['mật khẩu'] })).data), 'Công văn mật');
  const slow = await glue.encrypt({ data: 'Công văn mật', passwords: ['mật khẩu'] });
  assert.deepEqual(await s.decrypt({ message: slow, passwords: ['mật khẩu'] }), await glue.decrypt({ message: slow, passwords: ['mật khẩu'] }));
  const two = await s.encrypt({ data: 'x', encryptionKeys: [other.publicKey, k.publicKey], passwords: ['p'], armor: false });
  assert.equal(new TextDecoder().decode((await s.decrypt({ message: two, decryptionKeys: [sk] })).data), 'x');
  assert.equal(new TextDecoder().decode((await glue.decrypt({ message: two, passwords: ['p'] })).data), 'x');
});

test('signed messages keep their signature results (Wasm path)', async () => {
  const signed = await s.encrypt({ data: 'ký', encryptionKeys: [k.publicKey], signingKeys: [sk] });
  const a = await s.decrypt({ message: signed, decryptionKeys: [sk], verificationKeys: [k.publicKey] });
  const b = await glue.decrypt({ message: signed, decryptionKeys: [sk], verificationKeys: [k.publicKey] });
  assert.deepEqual(a, b);
  assert.equal(a.signatures.length, 1);
  assert.equal(a.signatures[0].valid, true);
  // Without verification keys the signature is still reported (issuer only).
  const c = await s.decrypt({ message: signed, decryptionKeys: [sk] });
  const d = await glue.decrypt({ message: signed, decryptionKeys: [sk] });
  assert.deepEqual(c, d);
  assert.equal(c.signatures.length, 1);
});

test('SEIPDv1 and OpenPGP.js messages', async () => {
  const v1 = await s.encrypt({ data: 'v1', passwords: ['p'], seipd: 'v1' });
  assert.equal(new TextDecoder().decode((await s.decrypt({ message: v1, passwords: ['p'] })).data), 'v1');
  // OpenPGP.js SEIPDv2 GCM (its own partial lengths and literal packet) through the fast path.
  const data = bytes(700 * 1024, 9);
  const pub = await openpgp.readKey({ armoredKey: k.publicKey });
  const m = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }), encryptionKeys: pub, format: 'binary',
    config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm, aeadChunkSizeByte: 10 },
  });
  const a = await s.decrypt({ message: m, decryptionKeys: [sk] });
  assert.deepEqual(a, await glue.decrypt({ message: m, decryptionKeys: [sk] }));
  assert.deepEqual(a.data, data);
  // And OpenPGP.js reads the fast path's output.
  const ours = await s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false });
  const priv = await openpgp.readPrivateKey({ armoredKey: k.privateKey });
  const back = await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: ours }), decryptionKeys: priv, format: 'binary' });
  assert.deepEqual(back.data, data);
});

test('errors are the Wasm path\'s: tampering, truncation, wrong key, bad options', async () => {
  const data = bytes(600 * 1024, 3);
  const ct = await s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false });
  for (const bad of [
    (() => { const t = ct.slice(); t[t.length - 40] ^= 1; return t; })(),
    (() => { const t = ct.slice(); t[t.length >> 1] ^= 0x80; return t; })(),
    ct.subarray(0, ct.length - 1),
    ct.subarray(0, ct.length >> 1),
    new Uint8Array([...ct, 0xc0, 0x00]),
  ]) {
    const fast = await codeOf(s.decrypt({ message: bad, decryptionKeys: [sk] }));
    const slow = await codeOf(glue.decrypt({ message: bad, decryptionKeys: [sk] }));
    assert.notEqual(fast, 'resolved');
    assert.equal(fast, slow);
  }
  const wrong = await s.unlockKey(other.privateKey);
  assert.equal(await codeOf(s.decrypt({ message: ct, decryptionKeys: [wrong] })), await codeOf(glue.decrypt({ message: ct, decryptionKeys: [wrong] })));
  wrong.free();
  assert.equal(await codeOf(s.decrypt({ message: ct, passwords: ['nope'] })), 'NO_MATCHING_KEY');
  for (const o of [{ data: 5, passwords: ['x'] }, { data: 'x' }, { data: 'x', passwords: 'x' }, { data: 'x', passwords: ['x'], armor: 'yes' }, { data: 'x', passwords: [''] }]) {
    assert.equal(await codeOf(s.encrypt(o)), await codeOf(glue.encrypt({ ...o })), JSON.stringify(o));
    assert.equal(await codeOf(s.encrypt(o)), 'INVALID_ARGUMENT', JSON.stringify(o));
  }
});

test('the fast path is taken: the AES-GCM bulk goes to the host (node:crypto), with any options', async () => {
  // Counted, not timed: every GCM cipher the package makes through node:crypto
  // (its host AES in Node) and the octets it is given.
  const seen = { calls: 0, octets: 0 };
  const wrap = (orig) => function (alg, ...rest) {
    const c = orig.call(this, alg, ...rest);
    if (!/-gcm$/.test(alg)) return c;
    seen.calls++;
    const update = c.update.bind(c);
    c.update = (d, ...r) => {
      seen.octets += d.length;
      return update(d, ...r);
    };
    return c;
  };
  const orig = { enc: nodeCrypto.createCipheriv, dec: nodeCrypto.createDecipheriv };
  nodeCrypto.createCipheriv = wrap(orig.enc);
  nodeCrypto.createDecipheriv = wrap(orig.dec);
  syncBuiltinESMExports();
  const counted = async (fn) => {
    seen.calls = 0;
    seen.octets = 0;
    const t0 = performance.now();
    await fn();
    return { ...seen, ms: performance.now() - t0 };
  };
  try {
    const data = bytes(8 * MiB, 5);
    const ct = await s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false });
    const encFast = await counted(() => s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false }));
    const encSlow = await counted(() => glue.encrypt({ data, encryptionKeys: [k.publicKey], armor: false }));
    const decFast = await counted(() => s.decrypt({ message: ct, decryptionKeys: [sk] }));
    // One path each: signing keys, custom limits and verification keys change nothing.
    const encOpts = await counted(() => s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false, signingKeys: [sk], limits: { maxMessageSize: 64 * MiB } }));
    const decOpts = await counted(() => s.decrypt({ message: ct, decryptionKeys: [sk], verificationKeys: [k.publicKey], limits: { maxMessageSize: 64 * MiB } }));
    const decSlow = await counted(() => glue.decrypt({ message: ct, decryptionKeys: [sk] }));
    console.log(`# 8 MiB one-shot: encrypt ${encFast.ms.toFixed(0)} vs ${encSlow.ms.toFixed(0)} ms, decrypt ${decFast.ms.toFixed(0)} vs ${decSlow.ms.toFixed(0)} ms (host AES vs Wasm)`);
    // Every plaintext octet through the host's GCM, in whole chunks; none on the Wasm path.
    assert.ok(encFast.calls > 0 && encFast.octets >= data.length, JSON.stringify(encFast));
    assert.ok(decFast.calls > 0 && decFast.octets >= data.length, JSON.stringify(decFast));
    assert.ok(encOpts.calls > 0 && encOpts.octets >= data.length, JSON.stringify(encOpts));
    assert.deepEqual({ calls: decOpts.calls, octets: decOpts.octets }, { calls: decFast.calls, octets: decFast.octets });
    assert.equal(encSlow.calls, 0);
    assert.equal(decSlow.calls, 0);
  } finally {
    nodeCrypto.createCipheriv = orig.enc;
    nodeCrypto.createDecipheriv = orig.dec;
    syncBuiltinESMExports();
  }
});
