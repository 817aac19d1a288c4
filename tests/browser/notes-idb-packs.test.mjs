// The IndexedDB store packs note records (src/bindings/idb_store.js): a large batch
// (backup import) writes packs, 1,024 loose note records are packed by the next put,
// a pack mostly emptied by updates is unpacked, and a vault opened from packs reads
// back every note. Tampering with a packed record or its index entry is still caught:
// packing is a container, the vault checks what it reads. Every engine, public API.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

forEachEngine(({ h, test }) => {
  test('IndexedDB packs: import, loose records packed, unpacking, reopen, tamper', { timeout: 600_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async (kdf) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const stamp = Date.now();
      const raw = async (name, fn) => {
        const db = await new Promise((ok, no) => {
          const q = indexedDB.open(`signet-notes:${name}`);
          q.onsuccess = () => ok(q.result);
          q.onerror = () => no(q.error);
        });
        try {
          return await fn(db);
        } finally {
          db.close();
        }
      };
      const tx = (db, names, mode, body) => new Promise((ok, no) => {
        const t = db.transaction(names, mode);
        let out;
        body(t, (x) => { out = x; });
        t.oncomplete = () => ok(out);
        t.onerror = () => no(t.error);
      });
      /** Counts: packs, packed entries, their live entries, loose note records; whether
       *  every pack is at least half live. */
      const census = (name) => raw(name, (db) => tx(db, ['live', 'packed', 'records'], 'readonly', (t, set) => {
        const c = {};
        t.objectStore('packed').count().onsuccess = (e) => { c.packed = e.target.result; };
        t.objectStore('live').getAll().onsuccess = (e) => {
          c.packs = e.target.result.length;
          c.live = e.target.result.reduce((a, m) => a + m.count, 0);
          c.halfLive = e.target.result.every((m) => 2 * m.count >= m.n);
        };
        t.objectStore('records').getAllKeys().onsuccess = (e) => {
          c.looseNotes = e.target.result.filter((k) => k.startsWith('note/')).length;
          set(c);
        };
      }));
      const code = async (p) => { try { await p; return 'ok'; } catch (e) { return e.code ?? String(e); } };
      const out = {};
      const body = (i) => `nội dung ${i} `.repeat(1 + (i % 7));

      // 1. Loose puts: the 1,024th loose note record makes that put pack them.
      const a = `packs-a-${stamp}`;
      const v = await s.NoteVault.create({ name: a, passphrase: 'pw', storage: 'indexeddb', kdf });
      const ids = [];
      for (let i = 0; i < 1023; i++) ids.push(await v.put({ title: `n${i}`, body: body(i) }));
      out.before = await census(a);
      ids.push(await v.put({ title: 'n1023', body: body(1023) }));
      out.after = await census(a);
      for (let i = 1024; i < 1100; i++) ids.push(await v.put({ title: `n${i}`, body: body(i) }));
      const backup = await v.exportBackup();
      v.free();
      const w = await s.NoteVault.open({ name: a, passphrase: 'pw', storage: 'indexeddb' });
      out.aCount = w.list().length;
      out.aBodies = ids.every((id, i) => w.get(id).body === body(i));
      // 2. Updates empty most of the packs: they are unpacked, and nothing is lost.
      for (let i = 0; i < 800; i++) await w.put({ id: ids[i], title: `n${i}`, body: `${body(i)}v2` });
      out.updated = await census(a);
      w.free();
      const w2 = await s.NoteVault.open({ name: a, passphrase: 'pw', storage: 'indexeddb' });
      out.a2Count = w2.list().length;
      out.a2Bodies = ids.every((id, i) => w2.get(id).body === (i < 800 ? `${body(i)}v2` : body(i)));
      w2.free();

      // 3. A backup import is one batch: written packed.
      const b = `packs-b-${stamp}`;
      (await s.NoteVault.importBackup({ backup, passphrase: 'pw', name: b, storage: 'indexeddb' })).free();
      out.imported = await census(b);
      const x = await s.NoteVault.open({ name: b, passphrase: 'pw', storage: 'indexeddb' });
      out.bCount = x.list().length;
      out.bBodies = ids.every((id, i) => x.get(id).body === body(i));
      await x.delete(ids[5]);
      // A key rotation rewrites every note in one batch: new packs, the old ones emptied
      // and deleted.
      await x.rotateKeys();
      out.rotated = await census(b);
      out.rotatedBodies = ids.every((id, i) => i === 5 || x.get(id).body === body(i));
      x.free();

      // 4. Tampering inside a pack: a flipped byte of a note's ciphertext opens and is
      // TAMPERED when read; a dropped index entry (the record gone) fails the open.
      const victim = await raw(b, (db) => tx(db, ['packed', 'packs'], 'readwrite', (t, set) => {
        t.objectStore('packed').getAllKeys().onsuccess = (k) => {
          const key = k.target.result[10];
          t.objectStore('packed').get(key).onsuccess = (e) => {
            const at = e.target.result;
            const packs = t.objectStore('packs');
            packs.get(at.pack).onsuccess = (p) => {
              const pack = p.target.result;
              pack.data[pack.ends[at.i] - 1] ^= 1; // the record's last byte: its GCM tag
              packs.put(pack, at.pack);
              set(key);
            };
          };
        };
      }));
      const victimId = victim.split('/')[1];
      const y = await s.NoteVault.open({ name: b, passphrase: 'pw', storage: 'indexeddb' });
      out.flipOpens = y.list().length;
      out.flipGet = await code((async () => y.get(victimId))());
      out.otherGet = y.get(ids.find((id) => id !== victimId && id !== ids[5])).title.startsWith('n');
      y.free();
      await raw(b, (db) => tx(db, ['packed'], 'readwrite', (t) => { t.objectStore('packed').delete(victim); }));
      out.droppedOpen = await code(s.NoteVault.open({ name: b, passphrase: 'pw', storage: 'indexeddb' }));

      // 5. A database of the first layout (version 1: the loose records only) opens,
      // and its next large batch is packed.
      const map = new Map();
      const mem = {
        get: (k) => map.get(k) ?? null,
        put: (k, val) => void map.set(k, new Uint8Array(val)),
        delete: (k) => void map.delete(k),
        list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
      };
      const m = await s.NoteVault.create({ name: 'mem', passphrase: 'pw', storage: mem, kdf });
      const old = await m.put({ title: 'old layout', body: 'loose' });
      m.free();
      const c = `packs-c-${stamp}`;
      const v1 = await new Promise((ok, no) => {
        const q = indexedDB.open(`signet-notes:${c}`, 1);
        q.onupgradeneeded = () => q.result.createObjectStore('records');
        q.onsuccess = () => ok(q.result);
        q.onerror = () => no(q.error);
      });
      await tx(v1, ['records'], 'readwrite', (t) => { for (const [k, val] of map) t.objectStore('records').put(val, k); });
      v1.close();
      const z = await s.NoteVault.open({ name: c, passphrase: 'pw', storage: 'indexeddb' });
      out.oldBody = z.get(old).body;
      await z.rotateKeys();
      out.oldRotated = await census(c);
      z.free();
      return out;
    }, kdf);
    console.log(`# packs: after 1,024 puts ${JSON.stringify(r.after)}; after 800 updates ${JSON.stringify(r.updated)}; imported ${JSON.stringify(r.imported)}`);
    // 1,023 loose note records stay loose; the 1,024th put packs them all.
    assert.deepEqual(r.before, { packs: 0, packed: 0, live: 0, looseNotes: 1023, halfLive: true });
    assert.equal(r.after.looseNotes, 0);
    assert.ok(r.after.halfLive);
    assert.equal(r.after.packed, 1024);
    assert.equal(r.after.live, 1024);
    assert.ok(r.after.packs >= 1);
    assert.equal(r.aCount, 1100);
    assert.ok(r.aBodies, 'every note reads back from packs and loose records');
    // 800 of the 1,024 packed notes replaced: packs that fell below half live were
    // unpacked (or deleted), one record per note is left, none lost.
    assert.equal(r.updated.packed + r.updated.looseNotes, 1100, JSON.stringify(r.updated));
    assert.equal(r.updated.live, r.updated.packed, JSON.stringify(r.updated));
    assert.ok(r.updated.halfLive, JSON.stringify(r.updated));
    assert.equal(r.a2Count, 1100);
    assert.ok(r.a2Bodies, 'every note reads back after the unpacking');
    assert.equal(r.imported.looseNotes, 0);
    assert.equal(r.imported.packed, 1100);
    assert.equal(r.bCount, 1100);
    assert.ok(r.bBodies);
    assert.equal(r.rotated.looseNotes, 0, JSON.stringify(r.rotated));
    assert.equal(r.rotated.packed, 1099);
    assert.equal(r.rotated.live, 1099, 'the emptied packs are gone');
    assert.ok(r.rotatedBodies);
    assert.equal(r.flipOpens, 1099);
    assert.equal(r.flipGet, 'TAMPERED');
    assert.ok(r.otherGet);
    assert.equal(r.droppedOpen, 'TAMPERED');
    assert.equal(r.oldBody, 'loose');
    assert.deepEqual(r.oldRotated, { packed: 0, packs: 0, live: 0, halfLive: true, looseNotes: 1 });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
