// OpenPGP API of the built package, through its public name. Also prints
// per-operation timings (Wasm in Node) for the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as signet from 'signet-crypto';

await signet.init();

const enc = new TextEncoder();
const dec = new TextDecoder();

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    assert.equal(e.name, 'SignetError');
    return true;
  });
}

function time(label, t0) {
  const ms = performance.now() - t0;
  console.log(`# timing ${label}: ${ms.toFixed(1)} ms`);
  return ms;
}

test('generateKey + readKey for every profile', async () => {
  for (const [profile, version, pq] of [['pqc', 6, true], ['rfc9580', 6, false], ['compat', 4, false]]) {
    const t0 = performance.now();
    const k = await signet.generateKey({ userIds: ['Nguyễn Văn A <a@example.gov.vn>'], profile, expiresInDays: 10 });
    time(`generateKey ${profile}`, t0);
    assert.match(k.fingerprint, /^[0-9A-F]+$/);
    assert.match(k.publicKey, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    assert.match(k.privateKey, /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const info = await signet.readKey(k.publicKey);
    assert.equal(info.fingerprint, k.fingerprint);
    assert.equal(info.version, version);
    assert.equal(info.isPostQuantum, pq);
    assert.equal(info.isPrivate, false);
    assert.deepEqual(info.userIds, ['Nguyễn Văn A <a@example.gov.vn>']);
    assert.ok(info.created instanceof Date);
    assert.ok(info.expires instanceof Date);
    assert.equal(info.expires - info.created, 10 * 86400 * 1000);
    assert.equal(info.subkeys.length, 1);
    assert.ok(info.subkeys[0].usage.encryptCommunications);
    assert.ok(info.usage.sign && info.usage.certify);
    const bin = await signet.readKey(new Uint8Array(Buffer.from(k.privateKey)));
    assert.equal(bin.isPrivate, true);
  }
  // Default profile is pqc; no expiry -> null.
  const d = await signet.generateKey({ userIds: ['x <x@example.org>'] });
  const info = await signet.readKey(d.publicKey);
  assert.equal(info.isPostQuantum, true);
  assert.equal(info.expires, null);
  assert.equal(info.algorithm, 'ML-DSA-65+Ed25519');
  assert.equal(info.subkeys[0].algorithm, 'ML-KEM-768+X25519');
});

test('bad options are INVALID_ARGUMENT', async () => {
  await rejectsWith(signet.generateKey({ userIds: [] }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.generateKey({ userIds: 'a' }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.generateKey({ userIds: ['a'], profile: 'rsa' }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.generateKey({ userIds: ['a'], expiresInDays: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.generateKey(null), 'INVALID_ARGUMENT');
  await rejectsWith(signet.encrypt({ data: 5, passwords: ['x'] }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.encrypt({ data: 'x' }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.encrypt({ data: 'x', passwords: 'x' }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.encrypt({ data: 'x', passwords: ['x'], signingKeys: [{}] }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.encrypt({ data: 'x', passwords: ['x'], armor: 'yes' }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.decrypt({ passwords: ['x'] }), 'INVALID_ARGUMENT');
  await rejectsWith(signet.readKey(42), 'INVALID_ARGUMENT');
  await rejectsWith(signet.readKey('not a key'), 'MALFORMED_INPUT');
});

test('unlock, handles, export', async () => {
  const k = await signet.generateKey({ userIds: ['h <h@example.org>'], profile: 'rfc9580', passphrase: 'pw' });
  await rejectsWith(signet.unlockKey(k.privateKey, 'wrong'), 'BAD_PASSPHRASE');
  await rejectsWith(signet.unlockKey(k.privateKey), 'BAD_PASSPHRASE');
  await rejectsWith(signet.unlockKey(k.publicKey, 'pw'), 'KEY_UNUSABLE');
  const key = await signet.unlockKey(k.privateKey, 'pw');
  assert.equal(key.fingerprint, k.fingerprint);
  assert.equal((await signet.readKey(key.publicKey())).fingerprint, k.fingerprint);
  assert.equal(key.info().isPrivate, true);
  await rejectsWith(signet.exportPrivateKey(key, ''), 'INVALID_ARGUMENT');
  const exported = await signet.exportPrivateKey(key, 'new');
  await rejectsWith(signet.unlockKey(exported, 'pw'), 'BAD_PASSPHRASE');
  const again = await signet.unlockKey(exported, 'new');
  assert.equal(again.fingerprint, k.fingerprint);

  // A handle survives being passed in arrays, repeatedly.
  for (let i = 0; i < 3; i++) {
    const sig = await signet.sign({ data: 'x', signingKeys: [key, again], detached: true });
    const v = await signet.verify({ data: 'x', signature: sig, verificationKeys: [k.publicKey] });
    assert.equal(v.valid, true);
    assert.equal(v.signatures.length, 2);
  }
  key.free();
  await rejectsWith(signet.sign({ data: 'x', signingKeys: [key] }), 'INVALID_ARGUMENT');
  again.free();
});

test('revokeKey: the certificate carries the revocation; encrypting to it fails, and its signatures (after a soft one: later signatures)', async () => {
  const { dearmor } = await import('../../pkg/sop/packets.js');
  // RFC 9580 §5.2.3.31: subpacket 29 = reason code, then the UTF-8 description.
  const reasons = { unspecified: 0, superseded: 1, compromised: 2, retired: 3 };
  for (const [profile, reason] of [['rfc9580', 'compromised'], ['compat', 'superseded'], ['pqc', undefined]]) {
    const k = await signet.generateKey({ userIds: ['r <r@example.org>'], profile });
    const key = await signet.unlockKey(k.privateKey);
    const sig = await signet.sign({ data: 'doc', signingKeys: [key], detached: true });
    assert.equal((await signet.verify({ data: 'doc', signature: sig, verificationKeys: [k.publicKey] })).valid, true);
    const description = 'mất máy tính';
    // A soft revocation covers what comes after it: keep `sig` in an earlier second.
    if (reason === 'superseded') await new Promise((r) => setTimeout(r, 1100));
    const revoked = await signet.revokeKey(key, reason ? { reason, description } : undefined);
    assert.match(revoked, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const info = await signet.readKey(revoked);
    assert.equal(info.fingerprint, k.fingerprint);
    assert.equal(info.isPrivate, false);
    assert.equal(info.revoked, true, profile);
    assert.equal((await signet.readKey(k.publicKey)).revoked, false);
    const bin = Buffer.from(dearmor(enc.encode(revoked)));
    const text = reason ? Buffer.from(description) : Buffer.alloc(0);
    const sub = Buffer.concat([Buffer.from([1 + 1 + text.length, 29, reasons[reason ?? 'unspecified']]), text]);
    assert.ok(bin.includes(sub), `${profile}: reason subpacket`);
    await rejectsWith(signet.encrypt({ data: 'x', encryptionKeys: [revoked] }), 'KEY_UNUSABLE');
    const before = await signet.verify({ data: 'doc', signature: sig, verificationKeys: [revoked] });
    if (reason === 'superseded') {
      // docs/policy.md: earlier signatures stay valid, later ones do not.
      assert.equal(before.valid, true, profile);
      const later = await signet.sign({ data: 'doc', signingKeys: [key], detached: true });
      const after = await signet.verify({ data: 'doc', signature: later, verificationKeys: [revoked] });
      assert.deepEqual([after.valid, after.signatures[0].reason], [false, 'revoked']);
    } else {
      assert.deepEqual([before.valid, before.signatures[0].reason], [false, 'revoked'], profile);
    }
    await rejectsWith(signet.revokeKey(key, { reason: 'lost' }), 'INVALID_ARGUMENT');
    await rejectsWith(signet.revokeKey(key, { description: 7 }), 'INVALID_ARGUMENT');
    key.free();
    await rejectsWith(signet.revokeKey(key), 'INVALID_ARGUMENT');
  }
});

test('encrypt with sessionKeyOut: the session key decryptSessionKey finds', async () => {
  const keyLen = { 7: 16, 8: 24, 9: 32 };
  for (const [profile, seipd] of [['rfc9580', 'v2'], ['compat', 'v1'], ['pqc', 'auto']]) {
    const k = await signet.generateKey({ userIds: ['s <s@example.org>'], profile });
    const key = await signet.unlockKey(k.privateKey);
    // Without the option the result is unchanged.
    assert.equal(typeof await signet.encrypt({ data: 'x', encryptionKeys: [k.publicKey] }), 'string');
    const r = await signet.encrypt({ data: 'xin chào', encryptionKeys: [k.publicKey], passwords: ['pw'], armor: false, seipd, sessionKeyOut: true });
    assert.deepEqual(Object.keys(r).sort(), ['message', 'sessionKey']);
    assert.ok(r.message instanceof Uint8Array);
    assert.equal(r.sessionKey.length, 1 + keyLen[r.sessionKey[0]], `${profile}: cipher ${r.sessionKey[0]}`);
    // The recipient's key and the password both lead to the same session key.
    for (const found of [
      signet.decryptSessionKey({ message: r.message, decryptionKeys: [key] }),
      signet.decryptSessionKey({ message: r.message, passwords: ['pw'] }),
    ]) {
      assert.deepEqual(found.subarray(1), r.sessionKey.subarray(1), profile);
      // v6 session-key packets name no cipher (0); v3/v4 ones do.
      assert.ok(found[0] === 0 || found[0] === r.sessionKey[0]);
    }
    assert.equal(dec.decode((await signet.decrypt({ message: r.message, decryptionKeys: [key] })).data), 'xin chào');
    const other = await signet.encrypt({ data: 'xin chào', passwords: ['pw'], sessionKeyOut: true });
    assert.match(other.message, /^-----BEGIN PGP MESSAGE-----/);
    assert.notDeepEqual(other.sessionKey, r.sessionKey, 'a fresh session key per message');
    await rejectsWith(signet.encrypt({ data: 'x', passwords: ['pw'], sessionKeyOut: 'yes' }), 'INVALID_ARGUMENT');
    key.free();
  }
});

test('encrypt/decrypt round trips, armored and binary, keys and passwords', async () => {
  for (const profile of ['pqc', 'rfc9580', 'compat']) {
    const k = await signet.generateKey({ userIds: ['r <r@example.org>'], profile });
    const key = await signet.unlockKey(k.privateKey);
    const armored = await signet.encrypt({ data: 'xin chào', encryptionKeys: [k.publicKey], signingKeys: [key] });
    assert.equal(typeof armored, 'string');
    assert.match(armored, /^-----BEGIN PGP MESSAGE-----/);
    const out = await signet.decrypt({ message: armored, decryptionKeys: [key], verificationKeys: [k.publicKey] });
    assert.ok(out.data instanceof Uint8Array);
    assert.equal(dec.decode(out.data), 'xin chào');
    assert.equal(out.signatures.length, 1);
    assert.equal(out.signatures[0].valid, true);
    assert.equal(out.signatures[0].fingerprint, k.fingerprint);
    assert.ok(out.signatures[0].created instanceof Date);

    const binary = await signet.encrypt({ data: enc.encode('bytes'), encryptionKeys: [k.publicKey], armor: false });
    assert.ok(binary instanceof Uint8Array);
    const b = await signet.decrypt({ message: binary, decryptionKeys: [key] });
    assert.equal(dec.decode(b.data), 'bytes');
    assert.deepEqual(b.signatures, []);

    // Tampering: DECRYPTION_FAILED, never data.
    const t = binary.slice();
    t[t.length - 5] ^= 1;
    await rejectsWith(signet.decrypt({ message: t, decryptionKeys: [key] }), 'DECRYPTION_FAILED');
    key.free();
  }
  const pw = await signet.encrypt({ data: 'by password', passwords: ['mật khẩu'] });
  assert.equal(dec.decode((await signet.decrypt({ message: pw, passwords: ['mật khẩu'] })).data), 'by password');
  const v1 = await signet.encrypt({ data: 'v1', passwords: ['p'], seipd: 'v1' });
  assert.equal(dec.decode((await signet.decrypt({ message: v1, passwords: ['p'] })).data), 'v1');
  await assert.rejects(signet.decrypt({ message: pw, passwords: ['wrong'] }),
    (e) => ['NO_MATCHING_KEY', 'DECRYPTION_FAILED'].includes(e.code));
});

test('SEIPDv1 password candidates: the next after a failed MDC, at most four bodies', async () => {
  // A v4 SKESK without an encrypted session key and with a salted S2K: its key
  // is the S2K output, so a wrong password shows only at the MDC (RFC 9580
  // §5.3: such a SKESK "uses the S2K output as the session key").
  const cheap = (salt) => Uint8Array.of(0xc3, 12, 4, 9, 1, 8, ...new Array(8).fill(salt));
  const data = enc.encode('held until its MDC, then the next candidate');
  const real = await signet.encrypt({ data, passwords: ['right'], seipd: 'v1', armor: false });
  const withBogus = (n) => {
    const out = new Uint8Array(14 * n + real.length);
    for (let i = 0; i < n; i++) out.set(cheap(i), 14 * i);
    out.set(real, 14 * n);
    return out;
  };
  // Three bogus candidates before the right one: each fails its MDC, the
  // fourth decrypts (the one-shot driver asks the engine for the next key).
  const few = withBogus(3);
  assert.equal(dec.decode((await signet.decrypt({ message: few, passwords: ['right'] })).data), dec.decode(data));
  await rejectsWith(signet.decrypt({ message: few, passwords: ['wrong'] }), 'DECRYPTION_FAILED');
  // Forty: refused after four bodies, whatever the password.
  for (const pw of ['right', 'wrong']) {
    await assert.rejects(signet.decrypt({ message: withBogus(40), passwords: [pw] }), (e) => {
      assert.equal(e.code, 'LIMIT_EXCEEDED', `${pw}: ${e.message}`);
      assert.match(e.message, /integrity check/);
      return true;
    });
  }
});

test('sign/verify: detached, inline, verify without data', async () => {
  const k = await signet.generateKey({ userIds: ['s <s@example.org>'], profile: 'pqc' });
  const key = await signet.unlockKey(k.privateKey);
  const det = await signet.sign({ data: 'doc', signingKeys: [key], detached: true });
  assert.match(det, /^-----BEGIN PGP SIGNATURE-----/);
  assert.equal((await signet.verify({ data: 'doc', signature: det, verificationKeys: [k.publicKey] })).valid, true);
  const bad = await signet.verify({ data: 'doc!', signature: det, verificationKeys: [k.publicKey] });
  assert.equal(bad.valid, false);
  assert.equal(bad.signatures[0].valid, false);
  const inline = await signet.sign({ data: 'inline', signingKeys: [key], armor: false });
  assert.ok(inline instanceof Uint8Array);
  const v = await signet.verify({ message: inline, verificationKeys: [k.publicKey] });
  assert.equal(v.valid, true);
  assert.equal(dec.decode(v.data), 'inline');
  const v2 = await signet.verify({ signature: inline, verificationKeys: [k.publicKey] });
  assert.equal(v2.valid, true);
  key.free();
});

test('timings: 1 MiB encrypt/decrypt, sign/verify (Wasm in Node)', async () => {
  const mib = new Uint8Array(1 << 20);
  for (let i = 0; i < mib.length; i += 65536) crypto.getRandomValues(mib.subarray(i, i + 65536));
  for (const profile of ['pqc', 'rfc9580', 'compat']) {
    const k = await signet.generateKey({ userIds: ['t <t@example.org>'], profile });
    const key = await signet.unlockKey(k.privateKey);
    let t0 = performance.now();
    const ct = await signet.encrypt({ data: mib, encryptionKeys: [k.publicKey], armor: false });
    time(`encrypt 1 MiB ${profile}`, t0);
    t0 = performance.now();
    const pt = await signet.decrypt({ message: ct, decryptionKeys: [key] });
    time(`decrypt 1 MiB ${profile}`, t0);
    assert.equal(pt.data.length, mib.length);
    t0 = performance.now();
    const sig = await signet.sign({ data: mib, signingKeys: [key], detached: true, armor: false });
    time(`sign 1 MiB ${profile}`, t0);
    t0 = performance.now();
    const v = await signet.verify({ data: mib, signature: sig, verificationKeys: [k.publicKey] });
    time(`verify 1 MiB ${profile}`, t0);
    assert.equal(v.valid, true);
    console.log(`# size ${profile}: public key ${k.publicKey.length} B armored, private ${k.privateKey.length} B armored, `
      + `detached signature ${sig.length} B, message overhead ${ct.length - mib.length} B (1 recipient)`);
    key.free();
  }
});

test('internal hooks are not exported and useNativeAes takes no second host', async () => {
  for (const name of ['useNativeAes', 'useNativeGcm', '__signetTestArgon2id', 'cfbDecryptRange', 'StreamSigner', 'streamMemory', 'StreamEncryptor', 'StreamDecryptor', 'initSync']) {
    assert.equal(name in signet, false, `${name} is exported`);
  }
  // Reachable only through the glue file (not in the package's exports map):
  // the package registered node:crypto once; nothing can replace or remove it.
  const glue = await import('../../pkg/wasm/signet_crypto.js');
  const good = { ecbEncrypt: () => false, sha1: () => new Uint8Array(20) };
  for (const h of [good, null, {}, 'x']) {
    assert.throws(() => glue.useNativeAes(h), (e) => e.code === 'INVALID_ARGUMENT');
  }
  // node:crypto is still the SEIPDv1 host: a 2 MiB message still decrypts.
  const data = new Uint8Array(2 << 20).map((_, i) => i % 251);
  const msg = await signet.encrypt({ data, passwords: ['pw'], seipd: 'v1', armor: false });
  const d = await signet.decrypt({ message: msg, passwords: ['pw'] });
  assert.deepEqual(d.data, data);
});

test('messageRecipients: whom a message is for, from its first bytes, ours and OpenPGP.js\'s', async () => {
  const openpgp = await import('openpgp');
  const v6 = await signet.generateKey({ userIds: ['A <a@example.gov.vn>'], profile: 'rfc9580' });
  const v4 = await signet.generateKey({ userIds: ['B <b@example.gov.vn>'], profile: 'compat' });
  const idsOf = async (cert) => {
    const i = await signet.readKey(cert);
    return [i, ...i.subkeys].flatMap((k) => [k.keyId, k.fingerprint]);
  };
  const [a, b] = [await idsOf(v6.publicKey), await idsOf(v4.publicKey)];
  const big = new Uint8Array(1 << 20);
  const ours = await signet.encrypt({ data: big, encryptionKeys: [v6.publicKey], passwords: ['pw'], armor: false });
  const r = signet.messageRecipients(ours.subarray(0, 4096));
  assert.equal(r.ids.length, 1);
  assert.ok(a.includes(r.ids[0]), 'names the v6 key by fingerprint');
  assert.deepEqual([r.password, r.anonymous], [true, false]);
  // OpenPGP.js: armored, to the v4 key (a key ID) and an anonymous recipient.
  const theirs = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: big }),
    encryptionKeys: [await openpgp.readKey({ armoredKey: v4.publicKey }), await openpgp.readKey({ armoredKey: v6.publicKey })],
    wildcard: false,
  });
  const t = signet.messageRecipients(theirs.slice(0, 8192));
  assert.equal(t.ids.length, 2);
  assert.ok(b.includes(t.ids[0]) && a.includes(t.ids[1]), JSON.stringify(t));
  assert.equal(t.password, false);
  // Too short to reach the encrypted data: null. Not an encrypted message: its error code.
  assert.equal(signet.messageRecipients(ours.subarray(0, 3)), null);
  const signed = await signet.sign({ data: 'x', signingKeys: [await signet.unlockKey(v6.privateKey)] });
  assert.throws(() => signet.messageRecipients(signed), (e) => e.name === 'SignetError' && typeof e.code === 'string');
});
