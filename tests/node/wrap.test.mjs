// X-Wing key wrapping through the built package, imported by its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as s from 'signet-crypto';

await s.init();

/** Asserts that `fn` throws a SignetError with `code`. */
function throwsCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.equal(e.name, 'SignetError');
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('round trip to 1 and to 10 recipients', () => {
  for (const n of [1, 10]) {
    const pairs = Array.from({ length: n }, () => s.generateWrapKeyPair());
    const key = new Uint8Array(randomBytes(32));
    const envelope = s.wrapKey({ key, recipients: pairs.map((p) => p.publicKey) });
    assert.ok(envelope instanceof Uint8Array);
    assert.equal(envelope.length, 13 + n * 1184 + 32);
    assert.deepEqual(
      s.envelopeRecipients(envelope),
      pairs.map((p) => s.wrapPublicKeyId(p.publicKey)),
    );
    for (const { secretKey } of pairs) {
      assert.deepEqual(s.unwrapKey({ envelope, secretKey }), key);
      assert.deepEqual(secretKey.unwrapKey(envelope), key);
    }
    pairs.forEach((p) => p.secretKey.free());
  }
});

test('a key that is not a recipient gets NO_MATCHING_KEY', () => {
  const a = s.generateWrapKeyPair();
  const b = s.generateWrapKeyPair();
  const envelope = s.wrapKey({ key: new Uint8Array(32).fill(1), recipients: [a.publicKey] });
  throwsCode(() => s.unwrapKey({ envelope, secretKey: b.secretKey }), 'NO_MATCHING_KEY');
  a.secretKey.free();
  b.secretKey.free();
});

test('tampering gives DECRYPTION_FAILED and the module keeps working', () => {
  const a = s.generateWrapKeyPair();
  const key = new Uint8Array(randomBytes(32));
  const envelope = s.wrapKey({ key, recipients: [a.publicKey] });
  // One byte in the HPKE enc, one in the sealed key, one in the header MAC.
  for (const pos of [13 + 16 + 500, 13 + 16 + 1120 + 3, envelope.length - 1]) {
    const t = envelope.slice();
    t[pos] ^= 0x80;
    throwsCode(() => s.unwrapKey({ envelope: t, secretKey: a.secretKey }), 'DECRYPTION_FAILED');
  }
  throwsCode(() => s.unwrapKey({ envelope: envelope.slice(0, -1), secretKey: a.secretKey }),
    'MALFORMED_INPUT');
  // Still usable after the errors.
  assert.deepEqual(s.unwrapKey({ envelope, secretKey: a.secretKey }), key);
  a.secretKey.free();
});

test('argument errors are INVALID_ARGUMENT', () => {
  const a = s.generateWrapKeyPair();
  throwsCode(() => s.wrapKey({ key: new Uint8Array(31), recipients: [a.publicKey] }),
    'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey({ key: new Uint8Array(32), recipients: [] }), 'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey({ key: 'not bytes', recipients: [a.publicKey] }), 'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey({ key: new Uint8Array(32), recipients: a.publicKey }),
    'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey({ recipients: [a.publicKey] }), 'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey(null), 'INVALID_ARGUMENT');
  throwsCode(() => s.wrapKey({ key: new Uint8Array(32), recipients: [new Uint8Array(10)] }),
    'MALFORMED_INPUT');
  const envelope = s.wrapKey({ key: new Uint8Array(32), recipients: [a.publicKey] });
  throwsCode(() => s.unwrapKey({ envelope, secretKey: {} }), 'INVALID_ARGUMENT');
  throwsCode(() => s.unwrapKey({ envelope }), 'INVALID_ARGUMENT');
  throwsCode(() => s.unwrapKey({ envelope: Array.from(envelope), secretKey: a.secretKey }),
    'INVALID_ARGUMENT');
  a.secretKey.free();
  throwsCode(() => s.unwrapKey({ envelope, secretKey: a.secretKey }), 'LOCKED');
});

test('public key text form and ids', () => {
  const { publicKey, secretKey } = s.generateWrapKeyPair();
  const text = s.wrapPublicKeyToText(publicKey);
  assert.match(text, /^signet-wrap-pub1:[A-Za-z0-9_-]+$/);
  assert.deepEqual(s.wrapPublicKeyFromText(text), publicKey);
  assert.deepEqual(secretKey.publicKey, publicKey);
  assert.equal(secretKey.id, s.wrapPublicKeyId(publicKey));
  assert.equal(s.wrapPublicKeyId(text), secretKey.id);
  assert.match(secretKey.id, /^[0-9a-f]{32}$/);
  const envelope = s.wrapKey({ key: new Uint8Array(32).fill(9), recipients: [text] });
  assert.deepEqual(s.unwrapKey({ envelope, secretKey }), new Uint8Array(32).fill(9));
  throwsCode(() => s.wrapPublicKeyFromText('signet-wrap-pub1:!!'), 'MALFORMED_INPUT');
  secretKey.free();
});

test('protected export round trip; wrong passphrase is BAD_PASSPHRASE', () => {
  const { publicKey, secretKey } = s.generateWrapKeyPair();
  const blob = secretKey.exportProtected('correct horse battery staple');
  assert.ok(blob instanceof Uint8Array);
  const back = s.importWrapSecretKey(blob, 'correct horse battery staple');
  assert.deepEqual(back.publicKey, publicKey);
  throwsCode(() => s.importWrapSecretKey(blob, 'wrong'), 'BAD_PASSPHRASE');
  throwsCode(() => secretKey.exportProtected(42), 'INVALID_ARGUMENT');
  secretKey.free();
  back.free();
});
