// The vault's integrity promises through the public JS API and a storage adapter:
// after each kind of operation every single-record change is TAMPERED or leaves
// the newest state intact; the vault id pins the vault; key rotation locks old
// headers out of everything written after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as signet from 'signet-crypto';

const { NoteVault } = signet;
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
let seq = 0;
const uniq = (p) => `${p}-${process.pid}-${++seq}`;

function mapAdapter(map = new Map()) {
  return {
    map,
    get: (k) => (map.has(k) ? new Uint8Array(map.get(k)) : null),
    put: (k, v) => void map.set(k, new Uint8Array(v)),
    delete: (k) => void map.delete(k),
    list: (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
    apply(ops) {
      for (const op of ops) {
        if (op.type === 'put') map.set(op.key, new Uint8Array(op.value));
        else map.delete(op.key);
      }
    },
  };
}

const copyMap = (m) => new Map([...m].map(([k, v]) => [k, new Uint8Array(v)]));
const same = (a, b) => a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

async function code(p) {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return e.code;
  }
}

/** The notes `unlock` (a passphrase, or open options such as `{ recoveryCode }`) opens. */
async function contentOf(map, unlock) {
  const how = typeof unlock === 'string' ? { passphrase: unlock } : unlock;
  const v = await NoteVault.open({ name: 'x', ...how, storage: mapAdapter(map) });
  const out = v.list().map((s) => `${s.id}:${v.get(s.id).title}:${v.get(s.id).body}`).sort();
  v.free();
  return out;
}

/** `key` with its trailing hex revision one higher. */
function bumped(key) {
  const i = key.lastIndexOf('/');
  const rev = key.slice(i + 1);
  return key.slice(0, i + 1) + (BigInt('0x' + rev) + 1n).toString(16).padStart(rev.length, '0');
}

/** Every single-record change of `after` (reached from `before` by one operation). */
function* singleRecordChanges(before, after) {
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    if (!same(before.get(k), after.get(k))) {
      const s = copyMap(after);
      if (before.has(k)) s.set(k, before.get(k));
      else s.delete(k);
      yield [`revert ${k}`, s];
    }
  }
  const keys = [...after.keys()];
  for (const [i, a] of keys.entries()) {
    const d = copyMap(after);
    d.delete(a);
    yield [`delete ${a}`, d];
    for (const b of keys.slice(i + 1)) {
      const s = copyMap(after);
      s.set(a, after.get(b));
      s.set(b, after.get(a));
      yield [`swap ${a} ${b}`, s];
    }
    const dup = copyMap(after);
    dup.set(bumped(a), after.get(a));
    yield [`copy ${a} to a fresh key`, dup];
    const root = keys.find((k) => k.startsWith('root/'));
    if (root && root !== a) {
      const over = copyMap(after);
      over.set(root, after.get(a));
      yield [`copy ${a} over the root`, over];
    }
  }
}

test('after each operation, every single-record change is TAMPERED or harmless', { timeout: 600_000 }, async () => {
  await signet.init();
  const bob = signet.generateWrapKeyPair();
  const office = signet.generateWrapKeyPair();
  const escrow = { escrowSecretKey: office.secretKey };
  // Key-slot operations also return the other secrets that must open (or keep
  // refusing) exactly as in the clean state.
  const ops = {
    'add recovery code': async (v) => ({ extra: [{ recoveryCode: await v.addRecoveryCode() }] }),
    'replace recovery code': async (v) => {
      const old = await v.addRecoveryCode({ label: 'old' });
      return { extra: [{ recoveryCode: old }, { recoveryCode: await v.addRecoveryCode() }] };
    },
    'add escrow': async (v) => {
      await v.addEscrow({ publicKey: office.publicKey, label: 'office' });
      return { extra: [escrow] };
    },
    'remove slot': async (v) => {
      const id = await v.addEscrow({ publicKey: office.publicKey });
      const rc = await v.addRecoveryCode();
      await v.removeSlot(id);
      return { extra: [escrow, { recoveryCode: rc }] };
    },
    'recovery and new passphrase': async (v, _ids, adapter) => {
      const recoveryCode = await v.addRecoveryCode();
      const w = await NoteVault.open({ name: 'x', recoveryCode, storage: adapter });
      await w.setPassphrase('new pw');
      w.free();
      return { pass: 'new pw', extra: [{ recoveryCode }] };
    },
    create: async (v) => { await v.put({ title: 'new', body: 'n' }); },
    update: async (v, ids) => { await v.put({ id: ids[0], title: 'first', body: 'changed' }); },
    delete: async (v, ids) => { await v.delete(ids[1]); },
    'share-accept': async (v, ids) => { await v.acceptSharedNote(v.shareNote(ids[0], bob.publicKey), bob.secretKey); },
    'passphrase change': async (v) => { await v.changePassphrase('pw', 'new pw'); return 'new pw'; },
    restore: async (v) => {
      const backup = await v.exportBackup();
      const t = mapAdapter();
      (await NoteVault.importBackup({ backup, passphrase: 'pw', name: 'x', storage: t })).free();
      return { map: t.map };
    },
  };
  let checked = 0;
  for (const [name, op] of Object.entries(ops)) {
    const adapter = mapAdapter();
    const v = await NoteVault.create({ name: uniq('tamper'), passphrase: 'pw', storage: adapter, kdf });
    const ids = [await v.put({ title: 'first', body: 'a' }), await v.put({ title: 'second', body: 'b' })];
    let before = copyMap(adapter.map);
    const r = await op(v, ids, adapter);
    v.free();
    const pass = typeof r === 'string' ? r : (r?.pass ?? 'pw');
    let after = adapter.map;
    if (r?.map) {
      before = new Map();
      after = r.map;
    }
    after = copyMap(after);
    const outcome = (map, unlock) => contentOf(copyMap(map), unlock).catch((e) => e.code);
    const expected = await contentOf(copyMap(after), pass);
    const extra = r?.extra ?? [];
    const clean = await Promise.all(extra.map((u) => outcome(after, u)));
    for (const [change, state] of singleRecordChanges(before, after)) {
      let got;
      try {
        got = await contentOf(state, pass);
      } catch (e) {
        assert.equal(e.code, 'TAMPERED', `${name}, ${change}: ${e.code} ${e.message}`);
        got = null;
      }
      if (got) assert.deepEqual(got, expected, `${name}, ${change}: a changed state was accepted`);
      for (const [i, u] of extra.entries()) {
        const o = await outcome(state, u);
        if (o !== 'TAMPERED') assert.deepEqual(o, clean[i], `${name}, ${change}, slot ${i}`);
      }
      checked++;
    }
  }
  console.log(`# vault integrity: ${checked} single-record changes checked`);
  bob.secretKey.free();
  office.secretKey.free();
});

test('vaultId pins the vault on open and on importBackup', async () => {
  const adapter = mapAdapter();
  const v = await NoteVault.create({ name: uniq('id'), passphrase: 'pw', storage: adapter, kdf });
  await v.put({ title: 't', body: 'b' });
  const vaultId = v.vaultId;
  assert.match(vaultId, /^[0-9a-f]{32}$/);
  const counter = v.manifestCounter;
  const backup = await v.exportBackup();
  v.lock();
  assert.equal(v.vaultId, vaultId, 'readable after lock()');
  v.free();

  const ok = await NoteVault.open({ name: 'x', passphrase: 'pw', storage: adapter, expectedVaultId: vaultId, minManifestCounter: counter });
  ok.free();
  // Another vault with the same passphrase and a higher counter in its place.
  const other = mapAdapter();
  const o = await NoteVault.create({ name: uniq('other'), passphrase: 'pw', storage: other, kdf });
  for (let i = 0; i < 5; i++) await o.put({ title: `o${i}`, body: '' });
  assert.ok(o.manifestCounter > counter);
  o.free();
  assert.equal(await code(NoteVault.open({ name: 'x', passphrase: 'pw', storage: other, minManifestCounter: counter })), 'OK');
  assert.equal(await code(NoteVault.open({ name: 'x', passphrase: 'pw', storage: other, expectedVaultId: vaultId, minManifestCounter: counter })), 'TAMPERED');
  assert.equal(await code(NoteVault.open({ name: 'x', passphrase: 'pw', storage: adapter, expectedVaultId: 'zz' })), 'INVALID_ARGUMENT');

  const restore = (extra) => code(NoteVault.importBackup({ backup, passphrase: 'pw', name: 'x', storage: mapAdapter(), ...extra }));
  assert.equal(await restore({ expectedVaultId: vaultId, minManifestCounter: counter }), 'OK');
  assert.equal(await restore({ minManifestCounter: counter + 1 }), 'TAMPERED');
  assert.equal(await restore({ expectedVaultId: '0'.repeat(32) }), 'TAMPERED');
});

test('changePassphrase and rotateKeys: an old root or backup with the old passphrase opens nothing newer', async () => {
  const adapter = mapAdapter();
  const v = await NoteVault.create({ name: uniq('rotate'), passphrase: 'old', storage: adapter, kdf });
  await v.put({ title: 'before', body: 'written before the change' });
  const oldState = copyMap(adapter.map);
  const oldBackup = await v.exportBackup();
  await v.changePassphrase('old', 'new');
  const secret = await v.put({ title: 'after', body: 'written after the change' });
  await v.rotateKeys();
  const current = copyMap(adapter.map);
  v.free();
  assert.equal((await contentOf(current, 'new')).length, 2);
  assert.equal(await code(contentOf(current, 'old')), 'BAD_PASSPHRASE');
  // The old root (header) in place of the newest one.
  const mixed = copyMap(current);
  for (const k of [...mixed.keys()]) if (k.startsWith('root/')) mixed.delete(k);
  for (const [k, val] of oldState) if (k.startsWith('root/')) mixed.set(k, val);
  assert.equal(await code(contentOf(mixed, 'old')), 'TAMPERED');
  // The old backup restores exactly what it held.
  const r = await NoteVault.importBackup({ backup: oldBackup, passphrase: 'old', name: 'x', storage: mapAdapter() });
  assert.deepEqual(r.list().map((s) => s.title), ['before']);
  assert.equal(await code(Promise.resolve().then(() => r.get(secret))), 'NOT_FOUND');
  r.free();
});
