// Resource limits set from JS (`limits` on decrypt / verify / encrypt, third
// argument of unlockKey): lowering a limit makes the matching input fail with
// LIMIT_EXCEEDED, the defaults accept it, and unsafe or misspelt limits are
// INVALID_ARGUMENT. Compressed messages come from OpenPGP.js (we never compress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as signet from 'signet-crypto';

await signet.init();

async function rejectsWith(promise, code, text) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (text) assert.match(e.message, text);
    return true;
  });
}

const k = await signet.generateKey({ userIds: ['Hạn mức <limits@example.gov.vn>'], profile: 'rfc9580' });
const other = await signet.generateKey({ userIds: ['Other <o@example.gov.vn>'], profile: 'rfc9580' });
const priv = await signet.unlockKey(k.privateKey);
const data = new Uint8Array(200_000).fill(65);

test('maxMessageSize bounds one-shot input', async () => {
  const msg = await signet.encrypt({ data, encryptionKeys: [k.publicKey], armor: false });
  const out = await signet.decrypt({ message: msg, decryptionKeys: [priv] });
  assert.equal(out.data.length, data.length);
  await rejectsWith(signet.decrypt({ message: msg, decryptionKeys: [priv], limits: { maxMessageSize: 100_000 } }), 'LIMIT_EXCEEDED');
  // Raising within the ceiling is allowed and behaves like the default here.
  const big = await signet.decrypt({ message: msg, decryptionKeys: [priv], limits: { maxMessageSize: 1024 ** 3 } });
  assert.equal(big.data.length, data.length);
});

test('maxDecompressedSize and maxCompressionLayers bound compressed messages', async () => {
  const key = await openpgp.readKey({ armoredKey: k.publicKey });
  const zeros = new Uint8Array(4 << 20); // 4 MiB of zeros: a few KiB compressed
  const plain = await openpgp.createMessage({ binary: zeros });
  const msg = await openpgp.encrypt({
    message: await plain.compress(openpgp.enums.compression.zlib),
    encryptionKeys: key,
    format: 'binary',
  });
  assert.ok(msg.length < 64 * 1024, `expected a compressed message, got ${msg.length} bytes`);
  const out = await signet.decrypt({ message: msg, decryptionKeys: [priv] });
  assert.equal(out.data.length, zeros.length);
  await rejectsWith(signet.decrypt({ message: msg, decryptionKeys: [priv], limits: { maxDecompressedSize: 1 << 20 } }), 'LIMIT_EXCEEDED');
  await rejectsWith(signet.decrypt({ message: msg, decryptionKeys: [priv], limits: { maxCompressionLayers: 0 } }), 'LIMIT_EXCEEDED');
});

test('maxSessionKeyPackets and maxArgon2MemoryKiB bound decryption work', async () => {
  const two = await signet.encrypt({ data, encryptionKeys: [other.publicKey, k.publicKey] });
  assert.equal((await signet.decrypt({ message: two, decryptionKeys: [priv] })).data.length, data.length);
  await rejectsWith(signet.decrypt({ message: two, decryptionKeys: [priv], limits: { maxSessionKeyPackets: 1 } }), 'LIMIT_EXCEEDED');
  // Streams: the session key is found where the private keys are (decryptSessionKey),
  // under the caller's limits too.
  // (In Node a string message of decryptStream is a path: give it a stream.)
  const bin = await signet.encrypt({ data, encryptionKeys: [other.publicKey, k.publicKey], armor: false });
  const drain = async (s) => { let n = 0; for await (const c of s) n += c.length; return n; };
  assert.equal(await drain(await signet.decryptStream({ message: new Blob([bin]).stream(), decryptionKeys: [priv] })), data.length);
  await rejectsWith((async () => drain(await signet.decryptStream({ message: new Blob([bin]).stream(), decryptionKeys: [priv], limits: { maxSessionKeyPackets: 1 } })))(), 'LIMIT_EXCEEDED');
  assert.throws(() => signet.decryptSessionKey({ message: two, decryptionKeys: [priv], limits: { maxSessionKeyPackets: 1 } }), (e) => e.code === 'LIMIT_EXCEEDED');
  assert.equal((await signet.decryptSessionKey({ message: two, decryptionKeys: [priv] })).length, 33);
  // Our password messages use Argon2id with 64 MiB (docs/benchmarks.md).
  const pw = await signet.encrypt({ data, passwords: ['mật khẩu'] });
  await rejectsWith(signet.decrypt({ message: pw, passwords: ['mật khẩu'], limits: { maxArgon2MemoryKiB: 1024 } }), 'LIMIT_EXCEEDED');
  assert.equal((await signet.decrypt({ message: pw, passwords: ['mật khẩu'] })).data.length, data.length);
});

test('maxKeySize bounds unlockKey and verification keys', async () => {
  await rejectsWith(signet.unlockKey(k.privateKey, null, { limits: { maxKeySize: 200 } }), 'LIMIT_EXCEEDED');
  const again = await signet.unlockKey(k.privateKey, null, { limits: {} });
  const sig = await signet.sign({ data, signingKeys: [again], detached: true });
  again.free();
  assert.equal((await signet.verify({ data, signature: sig, verificationKeys: [k.publicKey] })).valid, true);
  await rejectsWith(signet.verify({ data, signature: sig, verificationKeys: [k.publicKey], limits: { maxKeySize: 200 } }), 'LIMIT_EXCEEDED');
  await rejectsWith(signet.verify({ data, signature: sig, verificationKeys: [k.publicKey], limits: { maxSignatures: 0 } }), 'LIMIT_EXCEEDED');
});

test('unsafe, misspelt or mistyped limits are INVALID_ARGUMENT', async () => {
  const msg = await signet.encrypt({ data, encryptionKeys: [k.publicKey] });
  const d = (limits) => signet.decrypt({ message: msg, decryptionKeys: [priv], limits });
  await rejectsWith(d({ maxMessageSize: 2 ** 31 }), 'INVALID_ARGUMENT', /above the allowed maximum/);
  await rejectsWith(d({ maxArgon2MemoryKiB: 4 * 1024 * 1024 }), 'INVALID_ARGUMENT', /maxArgon2MemoryKiB/);
  await rejectsWith(d({ maxMesageSize: 10 }), 'INVALID_ARGUMENT', /maxMessageSize/);
  await rejectsWith(d({ maxSignatures: -1 }), 'INVALID_ARGUMENT');
  await rejectsWith(d({ maxSignatures: '5' }), 'INVALID_ARGUMENT');
  await rejectsWith(d('tight'), 'INVALID_ARGUMENT');
  await rejectsWith(signet.unlockKey(k.privateKey, null, 7), 'INVALID_ARGUMENT');
  // Still usable afterwards.
  assert.equal((await d({ maxSignatures: 1024 })).data.length, data.length);
});
