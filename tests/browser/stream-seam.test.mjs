// The streaming engine's WebCrypto seam in every engine, with crypto.subtle:
// the engine runs in the page (the worker runs the same code), and its
// counters bound the copies, the batches in flight and the first chunk's
// release. The same cases run in Node (tests/node/stream-seam.test.mjs).
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';
import { checkSeam } from './pages/stream-seam.mjs';

/** Runs `caseName` of pages/stream-seam.mjs in a fresh page; `unhandled`
 *  counts the page's unhandled promise rejections meanwhile. */
async function inPage(h, caseName, options) {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  return page.evaluate(async ({ caseName, options }) => {
    let unhandled = 0;
    globalThis.addEventListener('unhandledrejection', () => { unhandled++; });
    const s = await import('/pkg/index.js');
    await s.init();
    const cases = await import('/test/stream-seam.mjs');
    let r;
    if (caseName === 'gated') {
      r = await cases.gatedCase(s, options);
    } else {
      const w = await import('/pkg/wasm/signet_crypto.js');
      r = await cases.seamCase(s, w, await import('/pkg/stream-worker.js'));
    }
    await new Promise((ok) => setTimeout(ok, 100));
    return { ...r, unhandled };
  }, { caseName, options });
}

forEachEngine(({ h, test }) => {
  test('seam counters: one copy in, output as views, bounded batches, early first chunk', async () => {
    const r = await inPage(h, 'seam');
    checkSeam(assert, r);
    assert.equal(r.unhandled, 0);
  });

  test('decryptStream (worker) releases the first chunk before a slow source sends more', async () => {
    const r = await inPage(h, 'gated');
    assert.deepEqual({ stalled: r.stalled, roundTrip: r.roundTrip }, { stalled: false, roundTrip: true });
    assert.ok(r.readAtFirst <= 384 * 1024, `read ${r.readAtFirst} before the first plaintext`);
    assert.equal(r.unhandled, 0);
  });

  test('decryptStream (worker): a source that fails after the first plaintext fails the stream', async () => {
    const r = await inPage(h, 'gated', { breakAtGate: true });
    assert.equal(r.stalled, false);
    assert.match(r.error, /the source broke/);
    assert.equal(r.unhandled, 0);
  });
});
