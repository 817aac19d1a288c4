// NoteVault on IndexedDB in headless Chromium: data survives a page reload, storage
// holds only ciphertext, and the default storage in a browser is IndexedDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

let h;
before(async () => { h = await launch(); });
after(async () => { await h?.close(); });

const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

test('IndexedDB vault: create, reload the page, reopen, read back', async () => {
  const context = await h.browser.newContext();
  const page = await h.newPage(context);
  await page.goto(`${h.base}/test/blank.html`);
  const name = `idb-${Date.now()}`;
  const created = await page.evaluate(async ({ name, kdf }) => {
    const s = await import('/pkg/index.js');
    await s.init();
    const v = await s.NoteVault.create({ name, passphrase: 'mật khẩu', kdf }); // default storage
    const id = await v.put({ title: 'Họp ở Hà Nội', body: 'Nội dung bí mật', tags: ['công việc'] });
    const id2 = await v.put({ title: 'Second', body: 'two' });
    await v.delete(id2);
    const counter = v.manifestCounter;
    v.free();
    // Raw IndexedDB contents: keys and ciphertext only.
    const db = await new Promise((ok, err) => {
      const r = indexedDB.open(`signet-notes:${name}`);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => err(r.error);
    });
    const all = await new Promise((ok) => {
      const tx = db.transaction('records');
      const st = tx.objectStore('records');
      const out = {};
      st.openCursor().onsuccess = (e) => {
        const c = e.target.result;
        if (!c) return ok(out);
        out[c.key] = Array.from(c.value);
        c.continue();
      };
    });
    db.close();
    return { id, counter, all };
  }, { name, kdf });
  const keys = Object.keys(created.all).sort();
  assert.deepEqual(keys.filter((k) => !k.startsWith('note/')), ['header', 'manifest']);
  assert.equal(keys.filter((k) => k.startsWith('note/')).length, 1, 'deleted note gone');
  const needle = Buffer.from('bí mật');
  for (const [k, v] of Object.entries(created.all)) {
    assert.equal(Buffer.from(v).indexOf(needle), -1, `plaintext in ${k}`);
  }

  await page.reload();
  const reopened = await page.evaluate(async ({ name, id, counter }) => {
    const s = await import('/pkg/index.js');
    await s.init();
    let wrong;
    try {
      await s.NoteVault.open({ name, passphrase: 'wrong', storage: 'indexeddb' });
    } catch (e) {
      wrong = e.code;
    }
    const v = await s.NoteVault.open({ name, passphrase: 'mật khẩu', storage: 'indexeddb', minManifestCounter: counter });
    const note = v.get(id);
    const hits = v.search('ha noi').map((n) => n.id);
    const n = v.list().length;
    const backup = await v.exportBackup();
    v.lock();
    let locked;
    try { v.list(); } catch (e) { locked = e.code; }
    v.free();
    // Restore the backup into a second IndexedDB vault.
    const r = await s.NoteVault.importBackup({ backup, passphrase: 'mật khẩu', name: `${name}-restored`, storage: 'indexeddb' });
    const restored = r.get(id).body;
    r.free();
    return { wrong, note, hits, n, locked, restored };
  }, { name, id: created.id, counter: created.counter });
  assert.equal(reopened.wrong, 'BAD_PASSPHRASE');
  assert.equal(reopened.note.title, 'Họp ở Hà Nội');
  assert.equal(reopened.note.body, 'Nội dung bí mật');
  assert.deepEqual(reopened.note.tags, ['công việc']);
  assert.deepEqual(reopened.hits, [created.id]);
  assert.equal(reopened.n, 1);
  assert.equal(reopened.locked, 'LOCKED');
  assert.equal(reopened.restored, 'Nội dung bí mật');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('unlock time in Chromium with the default Argon2id parameters', async () => {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  const t = await page.evaluate(async () => {
    const s = await import('/pkg/index.js');
    await s.init();
    const name = `timing-${Date.now()}`;
    let t0 = performance.now();
    const v = await s.NoteVault.create({ name, passphrase: 'pw', storage: 'memory' });
    const create = performance.now() - t0;
    v.free();
    t0 = performance.now();
    const w = await s.NoteVault.open({ name, passphrase: 'pw', storage: 'memory' });
    const open = performance.now() - t0;
    w.free();
    return { create, open };
  });
  console.log(`# notes: Wasm in Chromium: create ${t.create.toFixed(0)} ms, unlock ${t.open.toFixed(0)} ms (default KDF)`);
  assert.ok(t.open > 0);
  await page.close();
});
