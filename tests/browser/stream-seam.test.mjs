// The streaming engine's WebCrypto seam in every engine, with crypto.subtle:
// the engine runs in the page (the worker runs the same code), and its
// counters bound the copies, the batches in flight and the first chunk's
// release. The same cases run in Node (tests/node/stream-seam.test.mjs).
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';
import { checkSeam } from './pages/stream-seam.mjs';

/** Runs `caseName` of pages/stream-seam.mjs in a fresh page. */
async function inPage(h, caseName) {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  return page.evaluate(async (caseName) => {
    const s = await import('/pkg/index.js');
    await s.init();
    const cases = await import('/test/stream-seam.mjs');
    if (caseName === 'gated') return cases.gatedCase(s);
    const w = await import('/pkg/wasm/signet_crypto.js');
    return cases.seamCase(s, w, await import('/pkg/stream-worker.js'));
  }, caseName);
}

forEachEngine(({ h, test }) => {
  test('seam counters: one copy in, output as views, bounded batches, early first chunk', async () => {
    checkSeam(assert, await inPage(h, 'seam'));
  });

  test('decryptStream (worker) releases the first chunk before a slow source sends more', async () => {
    const r = await inPage(h, 'gated');
    assert.deepEqual({ stalled: r.stalled, roundTrip: r.roundTrip }, { stalled: false, roundTrip: true });
    assert.ok(r.readAtFirst <= 384 * 1024, `read ${r.readAtFirst} before the first plaintext`);
  });
});
