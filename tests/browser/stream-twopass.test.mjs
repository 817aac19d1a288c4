// SEIPDv1 from a File/Blob in every engine (issue #25): decryptStream verifies
// the MDC in a first pass that releases nothing ("verifying"), then decrypts
// again ("decrypting") in the shared worker. A late bit flip releases nothing;
// a factory whose stream changed between the passes errors with TAMPERED.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

forEachEngine(({ h, test, engine }) => {
  test('SEIPDv1 from a Blob: two passes, nothing before the MDC, tamper and change caught', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const MiB = 1 << 20;
      const TOTAL = 16 * MiB + 333;
      const plain = new Uint8Array(TOTAL);
      let x = 5;
      for (let i = 0; i < TOTAL; i++) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        plain[i] = x >>> 24;
      }
      const streamOf = (b, step = 256 * 1024) => {
        let off = 0;
        return new ReadableStream({
          pull(c) {
            if (off >= b.length) return c.close();
            c.enqueue(b.slice(off, off + step));
            off += step;
          },
        }, { highWaterMark: 0 });
      };
      const chunks = [];
      let encWasm = 0;
      for await (const c of await s.encryptStream({ data: streamOf(plain), passwords: ['pw'], seipd: 'v1', onProgress: (p) => { encWasm = Math.max(encWasm, p.wasmMemory ?? 0); } })) chunks.push(c);
      const msg = new Uint8Array(await new Blob(chunks).arrayBuffer());
      const run = async (message) => {
        const progress = [];
        let released = 0;
        let same = true;
        let error = null;
        try {
          for await (const c of await s.decryptStream({ message, passwords: ['pw'], onProgress: (p) => progress.push(p) })) {
            for (let k = 0; k < c.length; k += 997) if (c[k] !== plain[released + k]) same = false;
            released += c.length;
          }
        } catch (e) {
          error = e.code ?? String(e);
        }
        return { released, same, error, progress };
      };
      const t0 = performance.now();
      const ok = await run(new Blob([msg]));
      const ms = performance.now() - t0;
      const verifying = ok.progress.filter((p) => p.phase === 'verifying');
      const decrypting = ok.progress.filter((p) => p.phase === 'decrypting');
      const bad = msg.slice();
      bad[msg.length - 40] ^= 0x20;
      const flipped = await run(new File([bad], 'm.gpg'));
      const changed = msg.slice();
      changed[9 * MiB] ^= 1;
      let calls = 0;
      const moved = await run(() => streamOf(calls++ ? changed : msg));
      // A one-shot stream cannot be read twice: the stream worker copies it to OPFS
      // (or, without OPFS, buffers it; past the limit: stream-spill.test.mjs).
      const oneShot = await run(streamOf(msg));
      return {
        oneShot: { released: oneShot.released, same: oneShot.same, error: oneShot.error },
        ms,
        encWasm,
        firstWasm: ok.progress[0]?.wasmMemory,
        ok: { released: ok.released, same: ok.same, error: ok.error },
        verifyingOut: Math.max(...verifying.map((p) => p.bytesOut)),
        verifyingCount: verifying.length,
        decryptingLast: decrypting.at(-1),
        phases: [...new Set(ok.progress.map((p) => p.phase))],
        total: ok.progress[0]?.total,
        msgLen: msg.length,
        peakWasm: Math.max(...ok.progress.map((p) => p.wasmMemory ?? 0)),
        flipped: { released: flipped.released, error: flipped.error },
        moved: { released: moved.released, same: moved.same, error: moved.error, calls },
      };
    });
    console.log(`# ${engine} 16 MiB SEIPDv1 from a Blob, two passes: ${(16 / (r.ms / 1000)).toFixed(1)} MiB/s of message, `
      + `peak worker wasm ${(r.peakWasm / (1 << 20)).toFixed(1)} MiB (machine loaded)`);
    console.log(`# ${engine} worker wasm after encryptStream ${(r.encWasm / (1 << 20)).toFixed(1)} MiB, at the first decrypt progress ${(r.firstWasm / (1 << 20)).toFixed(1)} MiB`);
    assert.equal(r.ok.error, null);
    assert.equal(r.ok.released, 16 * (1 << 20) + 333);
    assert.ok(r.ok.same, 'plaintext differs');
    assert.deepEqual(r.phases, ['verifying', 'decrypting', 'done']);
    assert.ok(r.verifyingCount > 0);
    assert.equal(r.verifyingOut, 0, 'plaintext released while verifying');
    assert.equal(r.decryptingLast.pass, 2);
    assert.equal(r.total, r.msgLen);
    assert.ok(r.peakWasm > 0 && r.peakWasm < 32 * (1 << 20), `peak wasm ${r.peakWasm}`);
    assert.deepEqual(r.flipped, { released: 0, error: 'DECRYPTION_FAILED' });
    assert.equal(r.moved.error, 'TAMPERED');
    assert.equal(r.moved.calls, 2);
    assert.ok(r.moved.same && r.moved.released <= 9 * (1 << 20), `${r.moved.released} released`);
    assert.deepEqual(r.oneShot, { released: 16 * (1 << 20) + 333, same: true, error: null });
    assert.deepEqual(page.errors, []);
  });
});

forEachEngine(({ h, test, engine }) => {
  test('a File is read by the stream worker: the page reads no byte of it, in either pass', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const TOTAL = (5 << 20) + 77;
      const plain = new Uint8Array(TOTAL);
      for (let i = 0; i < TOTAL; i++) plain[i] = (i * 31) >>> 3;
      const chunks = [];
      const data = new Blob([plain]).stream();
      for await (const c of await s.encryptStream({ data, passwords: ['pw'], seipd: 'v1' })) chunks.push(c);
      const file = new File(chunks, 'm.gpg');
      // Every way this thread could read a Blob, counted.
      const reads = { n: 0 };
      for (const m of ['slice', 'stream', 'arrayBuffer', 'text', 'bytes']) {
        const orig = Blob.prototype[m];
        if (orig) Blob.prototype[m] = function counted(...a) { reads.n++; return orig.apply(this, a); };
      }
      const run = async (options) => {
        let released = 0;
        let same = true;
        let error = null;
        const phases = new Set();
        try {
          for await (const c of await s.decryptStream({ message: file, passwords: ['pw'], onProgress: (p) => phases.add(p.phase), ...options })) {
            for (let k = 0; k < c.length; k += 499) if (c[k] !== plain[released + k]) same = false;
            released += c.length;
          }
        } catch (e) {
          error = e.code ?? String(e);
        }
        return { released, same, error, phases: [...phases] };
      };
      reads.n = 0;
      const worker = await run({});
      const inWorker = reads.n;
      // Cancelled in the second pass: the worker stops reading; the next stream reads afresh.
      const out = await s.decryptStream({ message: file, passwords: ['pw'] });
      const rd = out.getReader();
      await rd.read();
      await rd.cancel();
      const again = await run({});
      const afterCancel = reads.n;
      // In-thread (worker: false) the page reads the File itself: the counter sees it.
      reads.n = 0;
      const here = await run({ worker: false });
      return { total: TOTAL, worker, inWorker, again, afterCancel, here, inThread: reads.n };
    });
    const ok = { released: r.total, same: true, error: null, phases: ['verifying', 'decrypting', 'done'] };
    assert.deepEqual(r.worker, ok);
    assert.equal(r.inWorker, 0, 'the page read the File');
    assert.deepEqual(r.again, ok);
    assert.equal(r.afterCancel, 0, 'the page read the File');
    assert.deepEqual(r.here, ok);
    assert.ok(r.inThread > 0, 'in-thread decryption reads the File on the page');
    console.log(`# ${engine}: File read by the stream worker (page reads: 0; in-thread: ${r.inThread})`);
    await page.close();
  });
});

forEachEngine(({ h, test }) => {
  test('a SEIPDv2 one-shot stream opens no copy: its first plaintext does not wait for OPFS', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const g = await s.generateKey({ userIds: ['O <o@example.gov.vn>'], profile: 'rfc9580' });
      const key = await s.unlockKey(g.privateKey);
      const msg = await s.encrypt({ data: new Uint8Array(8 << 20), encryptionKeys: [g.publicKey], armor: false });
      const spillLocks = async () => {
        const q = await navigator.locks.query();
        return [...q.held, ...q.pending].filter((l) => l.name.startsWith('signet-spill:')).length;
      };
      // A ReadableStream read once: the shared worker would copy it for a
      // second pass (SEIPDv1); the engine has read the first batch by the
      // time it answers, and SEIPDv2 needs none.
      const src = new ReadableStream({
        start(c) {
          for (let o = 0; o < msg.length; o += 1 << 20) c.enqueue(msg.slice(o, o + (1 << 20)));
          c.close();
        },
      });
      const reader = (await s.decryptStream({ message: src, decryptionKeys: [key] })).getReader();
      const first = await reader.read();
      const atFirst = await spillLocks();
      let n = first.value.length;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.length;
      }
      key.free();
      return { atFirst, n, after: await spillLocks() };
    });
    assert.deepEqual(r, { atFirst: 0, n: 8 << 20, after: 0 });
    assert.deepEqual(page.errors, []);
  });
});
