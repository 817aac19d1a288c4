// Storage faults in every engine: a quota error in the middle of a write, and a
// page closed while an IndexedDB write is in flight, both leave the previous vault
// state readable (and nothing TAMPERED) when the vault is opened again.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';


const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

forEachEngine(({ h, test }) => {
  test('QuotaExceededError at every write position of put/delete/changePassphrase leaves a readable vault', { timeout: 300_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async (kdf) => {
      const s = await import('/pkg/index.js');
      await s.init();
      // An adapter over a Map whose writes start failing after `budget` more writes,
      // the way a browser throws once the origin's quota is used up.
      const map = new Map();
      let budget = Infinity;
      let writes = 0;
      const spend = () => {
        if (budget-- <= 0) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        writes++;
      };
      const adapter = {
        get: (k) => map.get(k) ?? null,
        put: (k, v) => { spend(); map.set(k, new Uint8Array(v)); },
        delete: (k) => { spend(); map.delete(k); },
        list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
      };
      const v = await s.NoteVault.create({ name: 'q', passphrase: 'old pass', storage: adapter, kdf });
      const a = await v.put({ title: 'kept', body: 'A' });
      const b = await v.put({ title: 'to change', body: 'B1' });
      v.free();
      const out = [];
      const ops = {
        add: (v) => v.put({ title: 'new', body: 'x'.repeat(5000) }),
        update: (v) => v.put({ id: b, title: 'to change', body: 'B2' }),
        delete: (v) => v.delete(a),
        passphrase: (v) => v.changePassphrase('old pass', 'new pass'),
      };
      for (const [name, op] of Object.entries(ops)) {
        // Count the writes the operation needs, on a copy.
        const snapshot = new Map(map);
        budget = Infinity;
        writes = 0;
        let vv = await s.NoteVault.open({ name: 'q', passphrase: 'old pass', storage: adapter });
        await op(vv);
        vv.free();
        const needed = writes;
        for (let fail = 0; fail < needed; fail++) {
          map.clear();
          for (const [k, val] of snapshot) map.set(k, val);
          budget = Infinity;
          vv = await s.NoteVault.open({ name: 'q', passphrase: 'old pass', storage: adapter });
          budget = fail;
          let code = 'ok';
          try {
            await op(vv);
          } catch (e) {
            code = e.code;
          }
          vv.free();
          budget = Infinity;
          // Reopen with whichever passphrase is current; the old notes must be there.
          let reopened = null;
          let reopenCode = null;
          for (const pass of ['old pass', 'new pass']) {
            try {
              reopened = await s.NoteVault.open({ name: 'q', passphrase: pass, storage: adapter });
              break;
            } catch (e) {
              reopenCode = e.code;
            }
          }
          const titles = reopened ? reopened.list().map((n) => n.title).sort() : null;
          const bBody = reopened ? reopened.get(b).body : null;
          reopened?.free();
          out.push({ name, fail, needed, code, reopenCode: reopened ? null : reopenCode, titles, bBody });
        }
        map.clear();
        for (const [k, val] of snapshot) map.set(k, val);
      }
      return out;
    }, kdf);
    assert.ok(r.length >= 4, `too few fault points: ${r.length}`);
    for (const x of r) {
      assert.ok(x.titles, `${x.name} failing at write ${x.fail}/${x.needed}: vault unreadable (${x.reopenCode})`);
      assert.ok(['STORAGE', 'ok'].includes(x.code), `${x.name} @${x.fail}: error ${x.code}`);
      // Old-or-new: either the change is fully there or not at all.
      if (x.name === 'add') assert.ok(['kept,to change', 'kept,new,to change'].includes(x.titles.join()), JSON.stringify(x));
      if (x.name === 'update') assert.ok(['B1', 'B2'].includes(x.bBody), JSON.stringify(x));
      if (x.name === 'delete') assert.ok(['kept,to change', 'to change'].includes(x.titles.join()), JSON.stringify(x));
      if (x.name === 'passphrase') assert.equal(x.titles.join(), 'kept,to change');
      // A write that failed before the commit point must not have committed.
      if (x.code === 'STORAGE' && x.name === 'add' && x.fail === 0) assert.equal(x.titles.join(), 'kept,to change');
    }
    console.log(`storage faults: ${r.length} injected quota failures, all reopened`);
  });

  test('closing the page during an IndexedDB write leaves the previous state readable', { timeout: 300_000 }, async () => {
    const context = await h.browser.newContext();
    const name = `crash-${Date.now()}`;
    const p1 = await h.newPage(context);
    await p1.goto(`${h.base}/test/blank.html`);
    await p1.evaluate(async ({ name, kdf }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.create({ name, passphrase: 'pass', kdf });
      await v.put({ title: 'before the crash', body: 'A' });
      // Start large writes and do not wait for them: the page is closed under them.
      window.inflight = [];
      for (let i = 0; i < 5; i++) window.inflight.push(v.put({ title: `in flight ${i}`, body: 'y'.repeat(2_000_000) }).catch(() => {}));
    }, { name, kdf });
    await p1.close({ runBeforeUnload: false });

    const p2 = await h.newPage(context);
    await p2.goto(`${h.base}/test/blank.html`);
    const r = await p2.evaluate(async (name) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.open({ name, passphrase: 'pass' });
      const titles = v.list().map((n) => n.title);
      const bodies = v.list().map((n) => v.get(n.id).body.length);
      // And the vault still takes writes.
      await v.put({ title: 'after', body: 'C' });
      const n = v.list().length;
      v.free();
      return { titles, bodies, n };
    }, name);
    assert.ok(r.titles.includes('before the crash'), JSON.stringify(r.titles));
    for (const t of r.titles) assert.ok(t === 'before the crash' || t.startsWith('in flight'), t);
    assert.equal(r.n, r.titles.length + 1);
    console.log(`page closed mid-write: reopened with ${r.titles.length} notes (${r.titles.length - 1} in-flight writes had committed)`);
    await context.close();
  });
});
