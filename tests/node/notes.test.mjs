// NoteVault through the built package in Node: memory storage, a JS adapter object,
// backups, sharing, auto-lock and argument checking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as signet from 'signet-crypto';
import { createHmac, randomBytes } from 'node:crypto';

const { NoteVault } = signet;
// The smallest parameters creation accepts, so the suite stays quick.
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
let seq = 0;
const uniq = (p) => `${p}-${process.pid}-${++seq}`;

async function rejects(promiseOrFn, code) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    assert.equal(e.name, 'SignetError');
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/** A storage adapter over a Map with async methods, as a mini app might write. */
function mapAdapter(map = new Map(), { withApply = false } = {}) {
  const a = {
    map,
    async get(k) { return map.has(k) ? new Uint8Array(map.get(k)) : null; },
    async put(k, v) { map.set(k, new Uint8Array(v)); },
    async delete(k) { map.delete(k); },
    async list(prefix) { return [...map.keys()].filter((k) => k.startsWith(prefix)); },
  };
  if (withApply) {
    a.applied = 0;
    a.apply = async (ops) => {
      a.applied++;
      for (const op of ops) {
        if (op.type === 'put') map.set(op.key, new Uint8Array(op.value));
        else map.delete(op.key);
      }
    };
  }
  return a;
}

test('memory vault: put, get, list, search, delete, reopen by name', async () => {
  await signet.init();
  const name = uniq('mem');
  const v = await NoteVault.create({ name, passphrase: 'mật khẩu', storage: 'memory', kdf });
  const a = await v.put({ title: 'Họp ở Hà Nội', body: 'Mang hồ sơ', tags: ['công việc'] });
  const b = await v.put({ title: 'Groceries', body: 'milk' });
  assert.match(a, /^[0-9a-f]{32}$/);
  const na = v.get(a);
  assert.equal(na.title, 'Họp ở Hà Nội');
  assert.deepEqual(na.tags, ['công việc']);
  assert.equal(typeof na.created, 'number');
  assert.ok(Math.abs(na.created - Date.now()) < 60_000);
  assert.deepEqual(v.list().map((s) => s.id).sort(), [a, b].sort());
  assert.deepEqual(Object.keys(v.list()[0]).sort(), ['id', 'tags', 'title', 'updated']);
  assert.deepEqual(v.search('ha noi').map((s) => s.id), [a]);
  assert.deepEqual(v.search('CONG VIEC').map((s) => s.id), [a]);
  assert.equal(v.search('milk').length, 0, 'bodies are searched on request only');
  assert.deepEqual(v.search('milk', { bodies: true }).map((s) => s.id), [b]);
  assert.deepEqual(v.search('ho so ha noi', { bodies: true }).map((s) => s.id), [a]);
  assert.deepEqual(v.search('ha noi', { bodies: false }).map((s) => s.id), [a]);
  assert.throws(() => v.search('milk', { bodies: 'yes' }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.equal(v.search('paris').length, 0);
  assert.equal(await v.put({ id: b, title: 'Groceries', body: 'milk, rice', tags: [] }), b);
  await v.delete(a);
  await rejects(async () => v.get(a), 'NOT_FOUND');
  const counter = v.manifestCounter;
  assert.ok(counter >= 4);
  v.lock();
  assert.equal(v.locked, true);
  await rejects(async () => v.list(), 'LOCKED');
  await rejects(v.put({ title: 'x', body: 'y' }), 'LOCKED');
  v.free();

  const again = await NoteVault.open({ name, passphrase: 'mật khẩu', storage: 'memory' });
  assert.equal(again.get(b).body, 'milk, rice');
  assert.equal(again.manifestCounter, counter);
  await rejects(NoteVault.open({ name, passphrase: 'mat khau', storage: 'memory' }), 'BAD_PASSPHRASE');
  await rejects(NoteVault.open({ name: uniq('none'), passphrase: 'x', storage: 'memory' }), 'NOT_FOUND');
  await rejects(NoteVault.create({ name, passphrase: 'x', storage: 'memory', kdf }), 'INVALID_ARGUMENT');
  again.free();
});

test('default storage outside browsers is memory', async () => {
  const name = uniq('default');
  const v = await NoteVault.create({ name, passphrase: 'pw', kdf });
  await v.put({ title: 't', body: 'b' });
  const w = await NoteVault.open({ name, passphrase: 'pw' });
  assert.equal(w.list().length, 1);
  v.free();
  w.free();
});

test('JS adapter storage: ciphertext only, tamper and rollback detection', async () => {
  const adapter = mapAdapter();
  const name = uniq('adapter');
  const v = await NoteVault.create({ name, passphrase: 'pw', storage: adapter, kdf });
  const id = await v.put({ title: 'Secret title', body: 'Secret body', tags: ['tagX'] });
  const seen = v.manifestCounter;
  const oldState = new Map([...adapter.map].map(([k, val]) => [k, new Uint8Array(val)]));
  await v.put({ id, title: 'Secret title', body: 'changed', tags: ['tagX'] });
  const later = v.manifestCounter;
  v.free();

  const text = new TextDecoder('latin1');
  for (const [k, val] of adapter.map) {
    assert.ok(!/Secret|tagX/.test(k) && !/Secret|tagX/.test(text.decode(val)), `plaintext in ${k}`);
  }
  assert.deepEqual([...adapter.map.keys()].filter((k) => k.startsWith('note/')).length, 1);

  // Reopen through a second adapter object on the same data.
  const w = await NoteVault.open({ name, passphrase: 'pw', storage: mapAdapter(adapter.map) });
  assert.equal(w.get(id).body, 'changed');
  w.free();

  // Flip a byte in the note record.
  const noteKey = [...adapter.map.keys()].find((k) => k.startsWith('note/'));
  const good = adapter.map.get(noteKey);
  const bad = new Uint8Array(good);
  bad[bad.length - 5] ^= 1;
  adapter.map.set(noteKey, bad);
  // Opening decrypts the shards, not the notes (format 4): the title is listed from
  // its shard, and the modified body is TAMPERED when it is read.
  const t = await NoteVault.open({ name, passphrase: 'pw', storage: adapter });
  assert.deepEqual(t.list().map((n) => n.title), ['Secret title']);
  assert.deepEqual(t.search('secret').map((n) => n.id), [id]);
  assert.throws(() => t.get(id), (e) => e.code === 'TAMPERED');
  assert.throws(() => t.search('changed', { bodies: true }), (e) => e.code === 'TAMPERED');
  await rejects(t.exportBackup(), 'TAMPERED');
  t.free();
  // A record of another revision of the note under its key: caught at open.
  adapter.map.set(noteKey, oldState.get([...oldState.keys()].find((k) => k.startsWith('note/'))));
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: adapter }), 'TAMPERED');
  adapter.map.delete(noteKey);
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: adapter }), 'TAMPERED');
  adapter.map.set(noteKey, good);

  // Whole-store rollback: invisible alone, caught with the counter kept elsewhere.
  const rolled = mapAdapter(oldState);
  const r = await NoteVault.open({ name, passphrase: 'pw', storage: rolled });
  assert.equal(r.manifestCounter, seen);
  r.free();
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: rolled, minManifestCounter: later }), 'TAMPERED');
});

test('adapter apply() receives each change as one batch; adapter errors are STORAGE', async () => {
  const adapter = mapAdapter(new Map(), { withApply: true });
  const v = await NoteVault.create({ name: uniq('apply'), passphrase: 'pw', storage: adapter, kdf });
  const before = adapter.applied;
  await v.put({ title: 'a', body: 'b' });
  assert.equal(adapter.applied, before + 1);
  adapter.apply = async () => { throw new Error('disk full'); };
  const e = await rejects(v.put({ title: 'c', body: 'd' }), 'STORAGE');
  assert.match(e.message, /disk full/);
  assert.equal(v.list().length, 1, 'a failed write changes nothing');
  v.free();
  await rejects(NoteVault.create({ name: uniq('bad'), passphrase: 'pw', storage: { get() {} }, kdf }), 'INVALID_ARGUMENT');
});

test('adapter getMany() fetches every note in one call on open', async () => {
  const map = new Map();
  const name = uniq('many');
  const v = await NoteVault.create({ name, passphrase: 'pw', storage: mapAdapter(map), kdf });
  for (let i = 0; i < 5; i++) await v.put({ title: `t${i}`, body: 'b' });
  v.free();
  const a = mapAdapter(map);
  const calls = { get: 0, getMany: 0 };
  const get = a.get;
  a.get = (k) => { calls.get++; return get(k); };
  a.getMany = async (keys) => { calls.getMany++; return Promise.all(keys.map(get)); };
  const w = await NoteVault.open({ name, passphrase: 'pw', storage: a });
  assert.equal(w.list().length, 5);
  assert.deepEqual(calls, { get: 1, getMany: 2 }, 'the root, then one batch of shards and one of notes');
  w.free();
  a.getMany = async (keys) => keys.map(() => null);
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: a }), 'TAMPERED');
  a.getMany = async () => 'nope';
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: a }), 'STORAGE');
});

test('overlapping writes without await are all applied, in call order', async () => {
  const adapter = mapAdapter(new Map(), { withApply: true });
  const v = await NoteVault.create({ name: uniq('overlap'), passphrase: 'pw', storage: adapter, kdf });
  // Record which note each batch wrote; a slow apply makes the calls really overlap.
  const written = [];
  const apply = adapter.apply;
  adapter.apply = async (ops) => {
    await new Promise((r) => setTimeout(r, 2));
    written.push(ops.find((o) => o.type === 'put' && o.key.startsWith('note/')).key.split('/')[1]);
    return apply(ops);
  };
  const ids = await Promise.all([...Array(10).keys()].map((i) => v.put({ title: `n${i}`, body: '' })));
  assert.equal(new Set(ids).size, 10);
  assert.deepEqual(written, ids, 'batches committed in call order');
  assert.equal(v.list().length, 10);
  v.free();
});

test('changePassphrase, exportBackup, importBackup', async () => {
  const adapter = mapAdapter();
  const name = uniq('backup');
  const v = await NoteVault.create({ name, passphrase: 'old', storage: adapter, kdf });
  const id = await v.put({ title: 'Sổ tay', body: 'nội dung', tags: ['a', 'b'] });
  const oldRecords = new Map(adapter.map);
  await rejects(v.changePassphrase('wrong', 'new'), 'BAD_PASSPHRASE');
  await rejects(v.changePassphrase('old', 42), 'INVALID_ARGUMENT');
  await v.changePassphrase('old', new TextEncoder().encode('bytes-pass'));
  await v.changePassphrase(new TextEncoder().encode('bytes-pass'), 'new');
  // Each change rotated the vault key: every record was written anew.
  for (const k of oldRecords.keys()) assert.ok(!adapter.map.has(k), `${k} survived the rotation`);
  await rejects(NoteVault.open({ name, passphrase: 'old', storage: adapter }), 'BAD_PASSPHRASE');

  const backup = await v.exportBackup();
  assert.ok(backup instanceof Uint8Array);
  const target = mapAdapter();
  const r = await NoteVault.importBackup({ backup, passphrase: 'new', name: uniq('restored'), storage: target });
  assert.deepEqual(r.get(id).tags, ['a', 'b']);
  r.free();
  await rejects(NoteVault.importBackup({ backup, passphrase: 'new', name: 'x', storage: target }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.importBackup({ backup, passphrase: 'old', name: 'x', storage: mapAdapter() }), 'BAD_PASSPHRASE');

  const empty = mapAdapter();
  for (const i of [0, 10, 60, backup.length - 40, backup.length - 1]) {
    const bad = new Uint8Array(backup);
    bad[i] ^= 0x10;
    const e = await NoteVault.importBackup({ backup: bad, passphrase: 'new', name: 'x', storage: empty }).then(
      () => null, (err) => err);
    assert.ok(['MALFORMED_INPUT', 'BAD_PASSPHRASE', 'TAMPERED', 'LIMIT_EXCEEDED', 'UNSUPPORTED'].includes(e?.code), `flip at ${i}: ${e?.code}`);
    assert.equal(empty.map.size, 0, 'nothing half-imported');
  }
  // Cut inside the root record: not a backup; cut inside the ciphertext: fails authentication.
  await rejects(NoteVault.importBackup({ backup: backup.subarray(0, 100), passphrase: 'new', name: 'x', storage: empty }), 'MALFORMED_INPUT');
  await rejects(NoteVault.importBackup({ backup: backup.subarray(0, backup.length - 20), passphrase: 'new', name: 'x', storage: empty }), 'TAMPERED');
  assert.equal(empty.map.size, 0);
  v.free();
});

test('sharing a note to a colleague', async () => {
  const alice = await NoteVault.create({ name: uniq('alice'), passphrase: 'a', storage: 'memory', kdf });
  const bob = await NoteVault.create({ name: uniq('bob'), passphrase: 'b', storage: 'memory', kdf });
  const bobKeys = signet.generateWrapKeyPair();
  const eveKeys = signet.generateWrapKeyPair();
  const id = await alice.put({ title: 'Kế hoạch', body: 'Gặp lúc 9 giờ', tags: ['họp'] });
  const blob = alice.shareNote(id, bobKeys.publicKey);
  assert.ok(blob instanceof Uint8Array);
  const bid = await bob.acceptSharedNote(blob, bobKeys.secretKey);
  assert.equal(bob.get(bid).body, 'Gặp lúc 9 giờ');
  assert.deepEqual(bob.search('ke hoach').map((s) => s.id), [bid]);
  await rejects(bob.acceptSharedNote(blob, eveKeys.secretKey), 'NO_MATCHING_KEY');
  const bad = new Uint8Array(blob);
  bad[bad.length - 1] ^= 1;
  await rejects(bob.acceptSharedNote(bad, bobKeys.secretKey), 'DECRYPTION_FAILED');
  // Several recipients at once.
  const both = alice.shareNote(id, [bobKeys.publicKey, eveKeys.publicKey]);
  assert.ok(both.length > blob.length);
  await rejects(async () => alice.shareNote(id, new Uint8Array(10)), 'MALFORMED_INPUT');
  assert.equal(bob.list().length, 1);
  for (const o of [alice, bob, bobKeys.secretKey, eveKeys.secretKey]) o.free();
});

test('autoLockMs locks an idle vault', async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const v = await NoteVault.create({ name: uniq('auto'), passphrase: 'pw', storage: 'memory', kdf, autoLockMs: 400 });
  await v.put({ title: 't', body: 'b' });
  await sleep(200);
  assert.equal(v.list().length, 1, 'activity restarts the timer');
  await sleep(250);
  assert.equal(v.locked, false, 'not yet: 250 ms since the last call');
  await sleep(500);
  assert.equal(v.locked, true);
  await rejects(async () => v.list(), 'LOCKED');
  v.free();
});

test('bad arguments are INVALID_ARGUMENT', async () => {
  await rejects(NoteVault.create(undefined), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ passphrase: 'x', storage: 'memory', kdf }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ name: 'n', passphrase: 5, storage: 'memory', kdf }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ name: uniq('n'), passphrase: 'x', storage: 'floppy', kdf }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ name: uniq('n'), passphrase: 'x', storage: 'memory', kdf: { memoryKiB: 1024, iterations: 1, parallelism: 1 } }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ name: uniq('n'), passphrase: 'x', storage: 'memory', kdf: { memoryKiB: '64' } }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.create({ name: uniq('n'), passphrase: '', storage: 'memory', kdf }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.importBackup({ backup: 'nope', passphrase: 'x', name: 'n', storage: 'memory' }), 'INVALID_ARGUMENT');
  const v = await NoteVault.create({ name: uniq('args'), passphrase: 'pw', storage: 'memory', kdf });
  await rejects(v.put({ title: 1, body: 'b' }), 'INVALID_ARGUMENT');
  await rejects(v.put({ title: 't', body: 'b', tags: 'x' }), 'INVALID_ARGUMENT');
  await rejects(v.put({ id: 'zz', title: 't', body: 'b' }), 'INVALID_ARGUMENT');
  await rejects(v.put(null), 'INVALID_ARGUMENT');
  await rejects(async () => v.get('abc'), 'INVALID_ARGUMENT');
  await rejects(v.delete('0'.repeat(32)), 'NOT_FOUND');
  v.free();
});

test('unlock time with the default Argon2id parameters (m=64 MiB, t=3, p=1)', async () => {
  const name = uniq('timing');
  let t = performance.now();
  const v = await NoteVault.create({ name, passphrase: 'pw', storage: 'memory' });
  const createMs = performance.now() - t;
  v.free();
  t = performance.now();
  const w = await NoteVault.open({ name, passphrase: 'pw', storage: 'memory' });
  const openMs = performance.now() - t;
  w.free();
  console.log(`# notes: Wasm in Node ${process.version}: create ${createMs.toFixed(0)} ms, unlock ${openMs.toFixed(0)} ms (default KDF)`);
  assert.ok(openMs > 0);
});

test('list() and search() return titles and tags with any characters intact', async () => {
  const v = await NoteVault.create({ name: uniq('chars'), passphrase: 'pw', storage: 'memory', kdf });
  const title = 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 del \u007f Ư 😀 \u2028';
  const tags = ['"', '\\', '\u001f', 'Đà Nẵng', ''];
  const id = await v.put({ title, body: 'b', tags });
  for (const got of [v.list(), v.search('ĐÀ NẴNG'), v.search('da nang')]) {
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], { id, title, tags, updated: v.get(id).updated });
  }
  v.free();
});

test('key slots: recovery code, escrow, slots(), removeSlot, setPassphrase; passkey is UNSUPPORTED in Node', async () => {
  const name = uniq('slots');
  const v = await NoteVault.create({ name, passphrase: 'pw', storage: 'memory', kdf });
  await v.put({ title: 'kept', body: 'b' });
  const code = await v.addRecoveryCode({ label: 'paper' });
  assert.match(code, /^([0-9A-HJKMNP-TV-Z]{5}-){6}[0-9A-HJKMNP-TV-Z]{5}$/);
  const office = signet.generateWrapKeyPair();
  const escrowId = await v.addEscrow({ publicKey: signet.wrapPublicKeyToText(office.publicKey), label: 'Sở' });
  const slots = v.slots();
  assert.deepEqual(slots.map((s) => s.kind), ['passphrase', 'recoveryCode', 'escrow']);
  assert.equal(slots[0].id, 'passphrase');
  assert.equal(slots[0].created, null);
  assert.equal(slots[1].label, 'paper');
  assert.ok(slots[1].created > 1.7e12);
  assert.equal(slots[2].id, escrowId);
  assert.equal(slots[2].wrapPublicKeyId, signet.wrapPublicKeyId(office.publicKey));
  assert.equal(JSON.stringify(slots).includes(code), false, 'no secret in slots()');
  await rejects(v.addPasskey({ label: 'x' }), 'UNSUPPORTED');
  await rejects(NoteVault.open({ name, passkey: true, storage: 'memory' }), 'NO_MATCHING_KEY');

  // The recovery code opens (typed loosely) and sets a new passphrase.
  const typo = code.slice(0, 6) + (code[6] === 'A' ? 'B' : 'A') + code.slice(7);
  const e = await rejects(NoteVault.open({ name, recoveryCode: typo, storage: 'memory' }), 'INVALID_ARGUMENT');
  assert.match(e.message, /group 2/);
  const r = await NoteVault.open({ name, recoveryCode: code.toLowerCase().replaceAll('-', ' '), storage: 'memory' });
  assert.equal(r.list()[0].title, 'kept');
  await rejects(r.rotateKeys(), 'INVALID_ARGUMENT');
  await r.setPassphrase('new pw');
  await rejects(NoteVault.open({ name, passphrase: 'pw', storage: 'memory' }), 'BAD_PASSPHRASE');
  (await NoteVault.open({ name, passphrase: 'new pw', storage: 'memory' })).free();
  r.free();

  // Escrow opens with the office's secret key; a stranger's key does not.
  const o = await NoteVault.open({ name, escrowSecretKey: office.secretKey, storage: 'memory' });
  assert.equal(o.list()[0].title, 'kept');
  o.free();
  const stranger = signet.generateWrapKeyPair();
  await rejects(NoteVault.open({ name, escrowSecretKey: stranger.secretKey, storage: 'memory' }), 'NO_MATCHING_KEY');

  // Removing a slot rotates; the passphrase slot stays; exactly one unlock option.
  await rejects(v.removeSlot('passphrase'), 'INVALID_ARGUMENT');
  await rejects(v.removeSlot('0011223344556677'), 'NOT_FOUND');
  v.free();
  const w = await NoteVault.open({ name, passphrase: 'new pw', storage: 'memory' });
  await w.removeSlot(escrowId);
  await rejects(NoteVault.open({ name, escrowSecretKey: office.secretKey, storage: 'memory' }), 'NO_MATCHING_KEY');
  // Replacing the code revokes the old one.
  const code2 = await w.addRecoveryCode();
  await rejects(NoteVault.open({ name, recoveryCode: code, storage: 'memory' }), 'BAD_PASSPHRASE');
  (await NoteVault.open({ name, recoveryCode: code2, storage: 'memory' })).free();
  await rejects(w.addEscrow({ publicKey: 'nope' }), 'MALFORMED_INPUT');
  await rejects(NoteVault.open({ name, storage: 'memory' }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.open({ name, passphrase: 'new pw', recoveryCode: code2, storage: 'memory' }), 'INVALID_ARGUMENT');
  await rejects(NoteVault.open({ name, escrowSecretKey: {}, storage: 'memory' }), 'INVALID_ARGUMENT');
  w.lock();
  await rejects(async () => w.slots(), 'LOCKED');
  w.free();
  office.secretKey.free();
  stranger.secretKey.free();
});

/** A software authenticator with the PRF extension (HMAC-SHA-256 under a per-credential
 *  secret), standing in for a page's main thread: the `webauthn` ceremony a vault in a
 *  worker is given. It answers with the cloneable parts of a credential. */
function fakeAuthenticator() {
  const creds = new Map(); // base64url id -> secret
  const b64url = (b) => Buffer.from(b).toString('base64url');
  const a = { seen: [], outputs: [], prfSecret: null };
  const answer = (id, salt) => {
    const first = new Uint8Array(createHmac('sha256', a.prfSecret ?? creds.get(b64url(id))).update(salt).digest());
    a.outputs.push(first);
    return { rawId: new Uint8Array(id).buffer, clientExtensionResults: { prf: { enabled: true, results: { first } } } };
  };
  a.create = async ({ publicKey, signal }) => {
    a.seen.push({ kind: 'create', publicKey, signal });
    const id = randomBytes(16);
    creds.set(b64url(id), randomBytes(32));
    return answer(id, publicKey.extensions.prf.eval.first);
  };
  a.get = async ({ publicKey, signal }) => {
    a.seen.push({ kind: 'get', publicKey, signal });
    const known = publicKey.allowCredentials.find((c) => creds.has(b64url(c.id)));
    if (!known) throw Object.assign(new Error('no credential'), { name: 'NotAllowedError' });
    return answer(known.id, publicKey.extensions.prf.evalByCredential[b64url(known.id)].first);
  };
  a.forget = () => creds.clear();
  return a;
}

test('passkey through a caller-supplied webauthn ceremony: register, unlock, wrong PRF, refusals, timeout', async () => {
  const name = uniq('pk');
  const auth = fakeAuthenticator();
  const v = await NoteVault.create({ name, passphrase: 'pw', storage: 'memory', kdf });
  await v.put({ title: 'kept', body: 'b' });
  const id = await v.addPasskey({ label: 'phone', rpName: 'Sở', webauthn: auth });
  const [made] = auth.seen;
  assert.equal(made.kind, 'create');
  assert.equal(made.publicKey.rp.name, 'Sở');
  assert.equal(made.publicKey.authenticatorSelection.userVerification, 'required');
  assert.equal(made.publicKey.extensions.prf.eval.first.length, 32);
  assert.ok(made.signal instanceof AbortSignal);
  assert.deepEqual(v.slots().map((s) => [s.kind, s.label]), [['passphrase', ''], ['passkey', 'phone']]);
  assert.equal(v.slots()[1].id, id);

  const w = await NoteVault.open({ name, passkey: true, webauthn: auth, storage: 'memory' });
  assert.equal(w.list()[0].title, 'kept');
  w.free();
  const asked = auth.seen.at(-1).publicKey;
  assert.equal(asked.allowCredentials.length, 1);
  assert.deepEqual(Object.values(asked.extensions.prf.evalByCredential)[0].first, made.publicKey.extensions.prf.eval.first,
    'the unlock asks for the PRF on the salt registered');
  // Every PRF output handed to the package was overwritten once used.
  assert.ok(auth.outputs.length >= 2 && auth.outputs.every((o) => o.every((b) => b === 0)));

  // The right credential with another PRF output: no slot takes the key it gives.
  auth.prfSecret = randomBytes(32);
  await rejects(NoteVault.open({ name, passkey: true, webauthn: auth, storage: 'memory' }), 'NO_MATCHING_KEY');
  auth.prfSecret = null;
  // The ceremony refused (no credential of this vault), or not possible here.
  auth.forget();
  const refused = await rejects(NoteVault.open({ name, passkey: true, webauthn: auth, storage: 'memory' }), 'KEY_UNUSABLE');
  assert.equal(refused.reason, 'passkey-refused');
  const notHere = { create: auth.create, get: async () => { throw Object.assign(new Error('no WebAuthn'), { name: 'NotSupportedError' }); } };
  await rejects(NoteVault.open({ name, passkey: true, webauthn: notHere, storage: 'memory' }), 'UNSUPPORTED');
  const noPrf = { create: auth.create, get: async ({ publicKey }) => ({ rawId: publicKey.allowCredentials[0].id, clientExtensionResults: {} }) };
  await rejects(NoteVault.open({ name, passkey: true, webauthn: noPrf, storage: 'memory' }), 'UNSUPPORTED');

  // A ceremony that never answers settles at timeoutMs, and is told to stop.
  let signal;
  const silent = { create: auth.create, get: ({ signal: s }) => { signal = s; return new Promise(() => {}); } };
  const t0 = Date.now();
  const late = await rejects(NoteVault.open({ name, passkey: true, webauthn: silent, timeoutMs: 300, storage: 'memory' }), 'KEY_UNUSABLE');
  assert.ok(Date.now() - t0 < 5000, `settled after ${Date.now() - t0} ms`);
  assert.match(late.message, /within 300 ms/);
  assert.equal(signal.aborted, true);

  await rejects(NoteVault.open({ name, passkey: true, webauthn: { get: auth.get }, storage: 'memory' }), 'INVALID_ARGUMENT');
  await rejects(v.addPasskey({ webauthn: 'navigator' }), 'INVALID_ARGUMENT');
  v.free();
});
