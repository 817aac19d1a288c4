// The OpenPGP policy through the package (docs/policy.md): weak RSA refused
// with err.reason "too-weak" unless limits.minRsaBits lowers the floor, SHA-1
// data signatures invalid with reason "too-weak", expiry through the primary
// user ID reported by readKey, encrypt and verify. Fixtures made by OpenPGP.js
// (tests/fixtures/policy/gen.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as signet from 'signet-crypto';

await signet.init();

const fixture = (name) => readFileSync(new URL(`../fixtures/policy/${name}`, import.meta.url), 'utf8');
const data = new TextEncoder().encode(fixture('data.txt'));

async function refused(promise, reason) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, 'KEY_UNUSABLE', `${e.code}: ${e.message}`);
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

async function check(cert, sig, limits) {
  const v = await signet.verify({ data, signature: fixture(sig), verificationKeys: [fixture(cert)], limits });
  assert.equal(v.signatures.length, 1);
  const [s] = v.signatures;
  assert.equal(s.valid, v.valid);
  return { valid: s.valid, reason: s.reason };
}

test('RSA below 2048 bits: refused with a reason, unless minRsaBits lowers the floor', async () => {
  for (const bits of [512, 768, 1024, 1536]) {
    const cert = fixture(`rsa-${bits}.asc`);
    await refused(signet.encrypt({ data: 'x', encryptionKeys: [cert] }), 'too-weak');
    assert.deepEqual(await check(`rsa-${bits}.asc`, `rsa-${bits}.sig`), { valid: false, reason: 'too-weak' });
    assert.equal((await signet.readKey(cert)).reason, 'too-weak');
    const legacy = { minRsaBits: 1024 };
    if (bits >= 1024) {
      assert.equal(typeof await signet.encrypt({ data: 'x', encryptionKeys: [cert], limits: legacy }), 'string');
      assert.deepEqual(await check(`rsa-${bits}.asc`, `rsa-${bits}.sig`, legacy), { valid: true, reason: null });
      assert.equal((await signet.readKey(cert, { limits: legacy })).reason, null, 'readKey agrees with encrypt');
    } else {
      await refused(signet.encrypt({ data: 'x', encryptionKeys: [cert], limits: legacy }), 'too-weak');
      assert.equal((await signet.readKey(cert, { limits: legacy })).reason, 'too-weak');
    }
  }
  const strong = fixture('rsa-2048.asc');
  assert.equal((await signet.readKey(strong)).reason, null);
  assert.deepEqual(await check('rsa-2048.asc', 'rsa-2048.sig'), { valid: true, reason: null });
  await assert.rejects(signet.encrypt({ data: 'x', encryptionKeys: [strong], limits: { minRsaBits: 512 } }),
    (e) => e.code === 'INVALID_ARGUMENT');
});

test('SHA-1 data signatures are invalid: too weak', async () => {
  assert.deepEqual(await check('rsa-2048.asc', 'rsa-2048-sha1.sig'), { valid: false, reason: 'too-weak' });
});

test('expiry through the primary user ID: readKey, encrypt and verify say "expired"', async () => {
  const cert = fixture('uid-expiry.asc');
  const info = await signet.readKey(cert);
  assert.equal(info.reason, 'expired');
  assert.equal(info.expires.getTime() - info.created.getTime(), 30 * 86400 * 1000);
  await refused(signet.encrypt({ data: 'x', encryptionKeys: [cert] }), 'expired');
  assert.deepEqual(await check('uid-expiry.asc', 'uid-expiry-inside.sig'), { valid: true, reason: null });
  assert.deepEqual(await check('uid-expiry.asc', 'uid-expiry-after.sig'), { valid: false, reason: 'expired' });
});

test('a soft revocation keeps earlier signatures; the error and readKey say "revoked"', async () => {
  const cert = fixture('revoked-soft.asc');
  assert.deepEqual(await check('revoked-soft.asc', 'revoked-before.sig'), { valid: true, reason: null });
  assert.deepEqual(await check('revoked-soft.asc', 'revoked-after.sig'), { valid: false, reason: 'revoked' });
  await refused(signet.encrypt({ data: 'x', encryptionKeys: [cert] }), 'revoked');
  assert.equal((await signet.readKey(cert)).reason, 'revoked');
});
