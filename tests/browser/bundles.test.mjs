// The bundled browser entries (scripts/bundle.mjs), which the exports map gives browsers
// and bundlers, in every engine: each is one module; the full one runs one-shot and
// stream encryption with its stream worker from stream-worker.min.js; `signet-crypto/stream`
// (stream-browser.js) shares its instance; the notes bundle wraps keys. The page fetches
// nothing of the unbundled sources.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachEngine } from './harness.mjs';

const pkgJson = JSON.parse(readFileSync(new URL('../../pkg/package.json', import.meta.url), 'utf8'));
const pins = JSON.parse(readFileSync(new URL('../../pkg/integrity.json', import.meta.url), 'utf8')).files;
const browserFile = (entry) => `/pkg/${pkgJson.exports[entry].default.replace(/^\.\//, '')}`;

forEachEngine(({ h, test }) => {
  test('bundled entries: one module each, the stream worker bundled, one instance for . and ./stream', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const out = await page.evaluate(async ({ full, stream }) => {
      const s = await import(full);
      const st = await import(stream);
      await s.init();
      const { publicKey, privateKey } = await s.generateKey({ userIds: ['b <b@example.org>'], profile: 'rfc9580' });
      const key = await s.unlockKey(privateKey);
      const data = new Uint8Array(300_000).map((_, i) => (i * 131) & 255);
      const message = await s.encrypt({ data, encryptionKeys: [publicKey], armor: false });
      const one = await s.decrypt({ message, decryptionKeys: [key] });
      // Through `signet-crypto/stream`: works only if it is the instance init() set up.
      const chunks = [];
      const rd = (await st.decryptStream({ message: new Blob([message]), decryptionKeys: [key] })).getReader();
      for (let r = await rd.read(); !r.done; r = await rd.read()) chunks.push(r.value);
      const streamed = new Uint8Array(await new Blob(chunks).arrayBuffer());
      const same = (a) => a.length === data.length && a.every((b, i) => b === data[i]);
      return {
        oneShot: same(one.data),
        stream: same(streamed),
        sha384: s.getVersion().wasmSha384,
        fetched: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/pkg/')),
      };
    }, { full: browserFile('.'), stream: browserFile('./stream') });
    assert.equal(out.oneShot, true);
    assert.equal(out.stream, true);
    assert.equal(out.sha384, pins['wasm/signet_crypto_bg.wasm']);
    const allowed = new Set(['/pkg/index.min.js', '/pkg/stream-browser.js', '/pkg/stream-worker.min.js', '/pkg/wasm/signet_crypto_bg.wasm']);
    assert.deepEqual(out.fetched.filter((p) => !allowed.has(p)), [], 'no unbundled module fetched');
    assert.deepEqual(out.fetched.sort(), [...allowed].sort(), 'the page, the stream entry, the bundled worker and the Wasm');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('bundled notes entry: wraps keys, fetches its bundle and the small Wasm only', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const out = await page.evaluate(async (notes) => {
      const n = await import(notes);
      await n.init();
      const pair = n.generateWrapKeyPair();
      const key = crypto.getRandomValues(new Uint8Array(32));
      const back = n.unwrapKey({ envelope: n.wrapKey({ key, recipients: [pair.publicKey] }), secretKey: pair.secretKey });
      return {
        same: back.every((b, i) => b === key[i]),
        sha384: n.getVersion().wasmSha384,
        fetched: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/pkg/')),
      };
    }, browserFile('./notes'));
    assert.equal(out.same, true);
    assert.equal(out.sha384, pins['wasm/signet_notes_bg.wasm']);
    assert.deepEqual(out.fetched.sort(), ['/pkg/notes.min.js', '/pkg/wasm/signet_notes_bg.wasm']);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
