// The streaming engine's WebCrypto seam in every engine, with crypto.subtle:
// the engine runs in the page (the worker runs the same code), and its
// counters bound the copies, the batches in flight and the first chunk's
// release. The same case runs in Node (tests/node/stream-seam.test.mjs).
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';
import { checkSeam } from './pages/stream-seam.mjs';

forEachEngine(({ h, test }) => {
  test('seam counters: one copy in, output as views, bounded batches, early first chunk', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const w = await import('/pkg/wasm/signet_crypto.js');
      const engines = await import('/pkg/stream-worker.js');
      const { seamCase } = await import('/test/stream-seam.mjs');
      return seamCase(s, w, engines);
    });
    checkSeam(assert, r);
  });

  test('decryptStream (worker) releases the first chunk before a slow source sends more', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const { gatedCase } = await import('/test/stream-seam.mjs');
      return gatedCase(s);
    });
    assert.deepEqual({ stalled: r.stalled, roundTrip: r.roundTrip }, { stalled: false, roundTrip: true });
    assert.ok(r.readAtFirst <= 384 * 1024, `read ${r.readAtFirst} before the first plaintext`);
  });
});
