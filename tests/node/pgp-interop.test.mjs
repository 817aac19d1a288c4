// Interoperability with OpenPGP.js 6.x (npm `openpgp`), both directions.
// OpenPGP.js 6.3 has no RFC 9980 (ML-KEM/ML-DSA) support, so the "pqc" profile
// is exercised against rPGP/RFC 9980 vectors natively instead (tests/pgp_vectors.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as signet from 'signet-crypto';

await signet.init();
const dec = new TextDecoder();
const enc = new TextEncoder();
const PASS = 'interop passphrase';

async function theirKey(kind) {
  const opts = {
    userIDs: [{ name: `OpenPGP.js ${kind}`, email: `${kind}@example.org` }],
    passphrase: PASS,
    format: 'armored',
  };
  if (kind === 'v4-legacy') Object.assign(opts, { type: 'ecc', curve: 'curve25519Legacy' });
  if (kind === 'v4-curve25519') Object.assign(opts, { type: 'curve25519' });
  if (kind === 'v6') Object.assign(opts, { type: 'curve25519', config: { v6Keys: true } });
  const k = await openpgp.generateKey(opts);
  const priv = await openpgp.decryptKey({
    privateKey: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
    passphrase: PASS,
  });
  return { ...k, priv, pub: await openpgp.readKey({ armoredKey: k.publicKey }) };
}

async function ourKey(profile) {
  const k = await signet.generateKey({ userIds: [`Signet ${profile} <${profile}@example.gov.vn>`], profile, passphrase: PASS });
  return { ...k, handle: await signet.unlockKey(k.privateKey, PASS) };
}

async function theyEncrypt(encryptionKeys, signingKeys, config = {}) {
  return openpgp.encrypt({
    message: await openpgp.createMessage({ binary: enc.encode('từ OpenPGP.js') }),
    encryptionKeys,
    signingKeys,
    config,
  });
}

for (const kind of ['v4-legacy', 'v4-curve25519', 'v6']) {
  test(`OpenPGP.js ${kind} key: its messages and protected key work here`, async () => {
    const them = await theirKey(kind);
    const info = await signet.readKey(them.publicKey);
    assert.equal(info.version, kind === 'v6' ? 6 : 4);
    const handle = await signet.unlockKey(them.privateKey, PASS);
    assert.equal(handle.fingerprint, them.pub.getFingerprint().toUpperCase());
    const msg = await theyEncrypt(them.pub, them.priv);
    const out = await signet.decrypt({ message: msg, decryptionKeys: [handle], verificationKeys: [them.publicKey] });
    assert.equal(dec.decode(out.data), 'từ OpenPGP.js');
    assert.equal(out.signatures.length, 1);
    assert.equal(out.signatures[0].valid, true);
    handle.free();
  });

  for (const profile of ['rfc9580', 'compat']) {
    test(`OpenPGP.js ${kind} <-> our ${profile} key, both directions`, async () => {
      const them = await theirKey(kind);
      const us = await ourKey(profile);
      const ourPub = await openpgp.readKey({ armoredKey: us.publicKey });

      // Theirs -> ours, signed.
      const msg = await theyEncrypt(ourPub, them.priv);
      const out = await signet.decrypt({ message: msg, decryptionKeys: [us.handle], verificationKeys: [them.publicKey] });
      assert.equal(dec.decode(out.data), 'từ OpenPGP.js');
      assert.equal(out.signatures[0]?.valid, true);

      // Ours -> theirs and ours, signed; they decrypt with their key and with ours.
      const ct = await signet.encrypt({
        data: 'từ Signet', encryptionKeys: [them.publicKey, us.publicKey], signingKeys: [us.handle],
      });
      const ourPriv = await openpgp.decryptKey({
        privateKey: await openpgp.readPrivateKey({ armoredKey: us.privateKey }), passphrase: PASS,
      });
      for (const decryptionKeys of [them.priv, ourPriv]) {
        const r = await openpgp.decrypt({
          message: await openpgp.readMessage({ armoredMessage: ct }),
          decryptionKeys, verificationKeys: ourPub, expectSigned: true,
        });
        assert.equal(r.data, 'từ Signet');
        assert.equal(await r.signatures[0].verified, true);
      }

      // Our detached and inline signatures verify there.
      const det = await signet.sign({ data: 'ký', signingKeys: [us.handle], detached: true });
      const v = await openpgp.verify({
        message: await openpgp.createMessage({ binary: enc.encode('ký') }),
        signature: await openpgp.readSignature({ armoredSignature: det }),
        verificationKeys: ourPub, expectSigned: true,
      });
      assert.equal(await v.signatures[0].verified, true);
      const inline = await signet.sign({ data: 'ký inline', signingKeys: [us.handle] });
      const vi = await openpgp.verify({
        message: await openpgp.readMessage({ armoredMessage: inline }),
        verificationKeys: ourPub, expectSigned: true,
      });
      assert.equal(vi.data, 'ký inline');
      us.handle.free();
    });
  }
}

test('OpenPGP.js signatures verify here: detached, inline, cleartext', async () => {
  const them = await theirKey('v6');
  const message = await openpgp.createMessage({ binary: enc.encode('văn bản') });
  const det = await openpgp.sign({ message, signingKeys: them.priv, detached: true });
  const v = await signet.verify({ data: 'văn bản', signature: det, verificationKeys: [them.publicKey] });
  assert.equal(v.valid, true);
  assert.equal((await signet.verify({ data: 'văn bản!', signature: det, verificationKeys: [them.publicKey] })).valid, false);
  const inline = await openpgp.sign({ message, signingKeys: them.priv });
  const vi = await signet.verify({ message: inline, verificationKeys: [them.publicKey] });
  assert.equal(vi.valid, true);
  assert.equal(dec.decode(vi.data), 'văn bản');
  const clear = await openpgp.sign({
    message: await openpgp.createCleartextMessage({ text: 'văn bản rõ' }), signingKeys: them.priv,
  });
  const vc = await signet.verify({ message: clear, verificationKeys: [them.publicKey] });
  assert.equal(vc.valid, true);
  assert.equal(dec.decode(vc.data), 'văn bản rõ');
});

test('password messages both ways: SEIPDv1 and SEIPDv2 with GCM, OCB, EAX', async () => {
  const variants = [
    { name: 'seipdv1', config: {} },
    { name: 'gcm', config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm } },
    { name: 'ocb', config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb } },
    { name: 'eax', config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.eax } },
    { name: 'gcm+argon2', config: { aeadProtect: true, s2kType: openpgp.enums.s2k.argon2 } },
  ];
  for (const { name, config } of variants) {
    const msg = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: enc.encode(`pw ${name}`) }), passwords: ['mật khẩu'], config,
    });
    const out = await signet.decrypt({ message: msg, passwords: ['mật khẩu'] });
    assert.equal(dec.decode(out.data), `pw ${name}`, name);
  }
  for (const seipd of ['auto', 'v1', 'v2']) {
    const ct = await signet.encrypt({ data: `ours ${seipd}`, passwords: ['mật khẩu'], seipd });
    const r = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: ct }), passwords: ['mật khẩu'],
    });
    assert.equal(r.data, `ours ${seipd}`);
  }
});

test('pqc profile in OpenPGP.js', { skip: 'OpenPGP.js 6.3 has no RFC 9980 (ML-KEM/ML-DSA) support' }, () => {});
