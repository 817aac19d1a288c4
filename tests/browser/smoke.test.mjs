// Smoke tests in every engine: the web page starts its worker, the package loads.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

forEachEngine(({ h, test }) => {
  test('www page loads the wasm in its worker without console errors', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    assert.match(await page.textContent('#status'), /signet-crypto \d+\.\d+\.\d+/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the package works on the main thread and errors carry codes', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const out = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      return { version: s.getVersion().package, codes: s.errorCodes() };
    });
    assert.match(out.version, /^\d+\.\d+\.\d+$/);
    assert.ok(out.codes.includes('DECRYPTION_FAILED'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
