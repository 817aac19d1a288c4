// The small entry `signet-crypto/notes` (key wrapping and the notes vault, from the
// Wasm build without OpenPGP) through its package name in Node: it works on its own,
// and its envelopes, vaults and shared notes are the full entry's, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as notes from 'signet-crypto/notes';
import * as full from 'signet-crypto';

await notes.init();
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

/** A storage adapter over a Map (async methods), shareable between the two modules. */
function mapAdapter(map = new Map()) {
  return {
    async get(k) { return map.has(k) ? new Uint8Array(map.get(k)) : null; },
    async put(k, v) { map.set(k, new Uint8Array(v)); },
    async delete(k) { map.delete(k); },
    async list(prefix) { return [...map.keys()].filter((k) => k.startsWith(prefix)); },
  };
}

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, 'SignetError');
    assert.equal(e.code, code, e.message);
    return true;
  });
}

test('no OpenPGP in the notes entry; its Wasm is the one integrity.json pins', () => {
  for (const name of ['encrypt', 'decrypt', 'generateKey', 'readKey', 'encryptStream']) assert.equal(notes[name], undefined, name);
  const pins = JSON.parse(readFileSync(new URL('../../pkg/integrity.json', import.meta.url), 'utf8')).files;
  assert.equal(notes.getVersion().wasmSha384, pins['wasm/signet_notes_bg.wasm']);
  assert.notEqual(notes.getVersion().wasmSha384, full.getVersion().wasmSha384);
  assert.deepEqual(notes.errorCodes(), full.errorCodes());
});

test('wrapping: the notes entry and the full entry open each other\'s envelopes', () => {
  const a = notes.generateWrapKeyPair();
  const b = full.generateWrapKeyPair();
  const key = new Uint8Array(randomBytes(32));
  const fromNotes = notes.wrapKey({ key, recipients: [a.publicKey, b.publicKey] });
  const fromFull = full.wrapKey({ key, recipients: [a.publicKey, b.publicKey] });
  for (const envelope of [fromNotes, fromFull]) {
    assert.deepEqual(notes.unwrapKey({ envelope, secretKey: a.secretKey }), key);
    assert.deepEqual(full.unwrapKey({ envelope, secretKey: b.secretKey }), key);
    assert.deepEqual(notes.envelopeRecipients(envelope), full.envelopeRecipients(envelope));
  }
  const text = notes.wrapPublicKeyToText(a.publicKey);
  assert.deepEqual(full.wrapPublicKeyFromText(text), a.publicKey);
  const bad = new Uint8Array(fromNotes);
  bad[bad.length - 1] ^= 1;
  assert.throws(() => notes.unwrapKey({ envelope: bad, secretKey: a.secretKey }), (e) => e.code === 'DECRYPTION_FAILED');
  a.secretKey.free();
  b.secretKey.free();
});

test('vault: made by the notes entry, opened by the full entry; sharing across both', async () => {
  const map = new Map();
  const v = await notes.NoteVault.create({ name: 'entry', passphrase: 'mật khẩu', storage: mapAdapter(map), kdf });
  const id = await v.put({ title: 'Kế hoạch', body: 'Gặp lúc 9 giờ', tags: ['họp'] });
  assert.deepEqual(v.search('ke hoach').map((s) => s.id), [id]);
  const backup = await v.exportBackup();
  v.free();

  const again = await full.NoteVault.open({ name: 'entry', passphrase: 'mật khẩu', storage: mapAdapter(map) });
  assert.equal(again.get(id).body, 'Gặp lúc 9 giờ');
  await rejects(full.NoteVault.open({ name: 'entry', passphrase: 'sai', storage: mapAdapter(map) }), 'BAD_PASSPHRASE');

  const restored = await notes.NoteVault.importBackup({ backup, passphrase: 'mật khẩu', name: 'restored', storage: mapAdapter() });
  assert.equal(restored.get(id).title, 'Kế hoạch');

  const bob = notes.generateWrapKeyPair();
  const bobVault = await notes.NoteVault.create({ name: 'bob', passphrase: 'pw', storage: mapAdapter(), kdf });
  const bid = await bobVault.acceptSharedNote(again.shareNote(id, bob.publicKey), bob.secretKey);
  assert.equal(bobVault.get(bid).body, 'Gặp lúc 9 giờ');
  for (const o of [again, restored, bobVault, bob.secretKey]) o.free();
});
