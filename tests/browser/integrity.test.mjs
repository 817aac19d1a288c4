// Pinned delivery in the browser: the server (scripts/serve.mjs `alter`) sends changed
// bytes, still valid Wasm / JavaScript, for one file at a time, as a compromised server
// or cache would; the page must refuse each before running it and say which file. Also:
// the page shows the hash of the Wasm it runs, and the service worker caches only bytes
// that match their pins.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { forEachEngine } from './harness.mjs';

const manifest = JSON.parse(readFileSync(new URL('../../pkg/integrity.json', import.meta.url), 'utf8'));
const WASM_PIN = manifest.files['wasm/signet_crypto_bg.wasm'];
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** path → function(bytes) → changed bytes; the server applies the one for the requested path. */
let tamper = {};
const alter = (path, bytes) => tamper[path]?.(bytes);

/** A custom section appended: still a valid module that would run, other bytes. */
function wasmPlusSection(bytes) {
  const name = Buffer.from('tampered');
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from('x')]);
  const out = Buffer.concat([bytes, Buffer.from([0, payload.length]), payload]);
  assert.ok(WebAssembly.validate(out));
  return out;
}
const jsPlusLine = (bytes) => Buffer.concat([bytes, Buffer.from('\nglobalThis.tampered = true;\n')]);

forEachEngine(({ h, test, engine }) => {
  /** Loads the page in a fresh context (no service worker) with `alter` active; returns the page. */
  async function load(alter) {
    tamper = alter;
    // A fresh context has no service worker yet; Chromium is also told to block one.
    const context = await h.browser.newContext(engine === 'chromium' ? { serviceWorkers: 'block' } : {});
    const page = await h.newPage(context);
    // Which workers started: Playwright reports them; WebDriver has no such event (null: not checked).
    const workers = engine === 'chromium' ? [] : null;
    if (workers) page.on('worker', (w) => workers.push(w.url()));
    await page.goto(`${h.base}/`);
    await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 60_000 });
    const status = await page.$eval('#status', (el) => ({ state: el.dataset.state, code: el.dataset.code, wasm: el.dataset.wasm, text: el.textContent }));
    return { page, context, status, workers };
  }

  test('unchanged files: the page runs and shows the hash of the Wasm it runs', async () => {
    const { context, page, status, workers } = await load({});
    try {
      assert.equal(status.state, 'ready', status.text);
      assert.equal(status.wasm, WASM_PIN);
      assert.match(status.text, new RegExp(`Wasm ${WASM_PIN.slice(0, 19).replace(/[+/]/g, '\\$&')}`));
      if (workers) {
        assert.equal(workers.length, 1);
        assert.match(workers[0], /^blob:/, 'the worker runs from a verified copy');
      }
      assert.equal(await page.evaluate(() => globalThis.tampered ?? false), false);
      assert.deepEqual(page.errors, []);
    } finally {
      await context.close();
    }
  });

  for (const [what, path, change] of [
    ['Wasm module', '/pkg/wasm/signet_crypto_bg.wasm', wasmPlusSection],
    ['worker script', '/worker.js', jsPlusLine],
    ['package module (index.min.js, the one the worker imports)', '/pkg/index.min.js', jsPlusLine],
  ]) {
    test(`a changed ${what} is refused with a message naming it`, async () => {
      const { context, status, workers } = await load({ [path]: change });
      try {
        assert.equal(status.state, 'error');
        assert.equal(status.code, 'INTEGRITY');
        assert.ok(status.text.includes(path), status.text);
        assert.match(status.text, /không khớp mã băm đã ghim/);
        if (workers && path !== '/pkg/wasm/signet_crypto_bg.wasm') assert.equal(workers.length, 0, 'no worker was started');
      } finally {
        await context.close();
      }
    });
  }

  for (const path of ['/app.js', '/i18n.js', '/pins.js']) {
    test(`a changed page module (${path}) stops the page, and boot.js names it`, async () => {
      const { context, page, status, workers } = await load({ [path]: jsPlusLine });
      try {
        assert.equal(status.state, 'error');
        assert.equal(status.code, 'INTEGRITY');
        assert.ok(status.text.includes(path), status.text);
        assert.match(status.text, /does not match its pinned hash/);
        if (workers) assert.equal(workers.length, 0);
        assert.equal(await page.evaluate(() => globalThis.tampered ?? false), false, 'the changed code never ran');
      } finally {
        await context.close();
      }
    });
  }

  test('the service worker caches only bytes that match their pins', async () => {
    tamper = {};
    const context = await h.browser.newContext();
    const page = await h.newPage(context);
    try {
      await page.goto(`${h.base}/`);
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      const cached = (p) =>
        page.evaluate(async (url) => {
          const hit = await (await caches.open('signet-www-v2')).match(url);
          if (!hit) return null;
          const d = new Uint8Array(await crypto.subtle.digest('SHA-384', await hit.arrayBuffer()));
          return `sha384-${btoa(String.fromCharCode(...d))}`;
        }, p);
      // Installation cached every pinned file, each matching its pin.
      const pins = await page.evaluate(() => JSON.parse(document.getElementById('pins').textContent).files);
      for (const [file, pin] of Object.entries(pins)) assert.equal(await cached(new URL(file, `${h.base}/`).href), pin, file);
      // Changed bytes fetched through the service worker (a plain fetch, no integrity) are not cached.
      tamper = { '/pkg/wasm/signet_crypto_bg.wasm': wasmPlusSection, '/icon.svg': (b) => Buffer.concat([b, Buffer.from('<!-- x -->')]) };
      for (const p of ['/pkg/wasm/signet_crypto_bg.wasm', '/icon.svg']) {
        const got = await page.evaluate(async (url) => {
          const d = new Uint8Array(await crypto.subtle.digest('SHA-384', await (await fetch(url, { cache: 'no-store' })).arrayBuffer()));
          return `sha384-${btoa(String.fromCharCode(...d))}`;
        }, p);
        assert.notEqual(got, pins[p === '/icon.svg' ? 'icon.svg' : '../pkg/wasm/signet_crypto_bg.wasm'], 'the changed bytes were served');
      }
      await page.waitForTimeout(500); // the service worker's store() runs after the response
      assert.equal(await cached(`${h.base}/pkg/wasm/signet_crypto_bg.wasm`), WASM_PIN);
      assert.equal(await cached(`${h.base}/icon.svg`), pins['icon.svg']);
      assert.equal(sri(readFileSync(new URL('../../www/icon.svg', import.meta.url))), pins['icon.svg']);
      // Files without a pin (the package README) are never cached.
      await page.evaluate(() => fetch('/pkg/README.md').then((r) => r.text()));
      await page.waitForTimeout(200);
      assert.equal(await cached(`${h.base}/pkg/README.md`), null);
      assert.deepEqual(page.errors, []);
    } finally {
      tamper = {};
      await context.close();
    }
  });
}, { serve: { alter } });
