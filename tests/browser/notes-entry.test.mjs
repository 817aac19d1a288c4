// The small entry (`pkg/notes.js`, the Wasm build without OpenPGP) in every engine:
// key wrapping and an IndexedDB vault work, the page fetched only the small module
// and compiled it while downloading, and the full module opens what it made.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachEngine } from './harness.mjs';

const pins = JSON.parse(readFileSync(new URL('../../pkg/integrity.json', import.meta.url), 'utf8')).files;
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

forEachEngine(({ h, test }) => {
  test('notes entry: wrap, IndexedDB vault, no OpenPGP module fetched; the full entry reads it', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const name = `entry-${Date.now()}`;
    const out = await page.evaluate(async ({ name, kdf }) => {
      // Counts streaming compilations (the server sends application/wasm).
      const compileStreaming = WebAssembly.compileStreaming;
      let streamed = 0;
      WebAssembly.compileStreaming = (...args) => { streamed++; return compileStreaming(...args); };
      const n = await import('/pkg/notes.js');
      await n.init();
      WebAssembly.compileStreaming = compileStreaming;
      const pair = n.generateWrapKeyPair();
      const key = crypto.getRandomValues(new Uint8Array(32));
      const envelope = n.wrapKey({ key, recipients: [pair.publicKey] });
      const back = n.unwrapKey({ envelope, secretKey: pair.secretKey });
      const tampered = envelope.slice();
      tampered[tampered.length - 5] ^= 1;
      let tamper = 'no error';
      try { n.unwrapKey({ envelope: tampered, secretKey: pair.secretKey }); } catch (e) { tamper = e.code; }
      const v = await n.NoteVault.create({ name, passphrase: 'mật khẩu', kdf }); // IndexedDB
      const id = await v.put({ title: 'Họp', body: 'Nội dung', tags: [] });
      v.free();
      const fetched = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));
      return {
        same: back.every((b, i) => b === key[i]),
        tamper,
        id,
        fetched,
        streamed,
        sha384: n.getVersion().wasmSha384,
        openpgp: typeof n.encrypt,
        envelope: Array.from(envelope),
        secret: Array.from(pair.secretKey.exportProtected('pw')),
      };
    }, { name, kdf });
    assert.equal(out.same, true);
    assert.equal(out.tamper, 'DECRYPTION_FAILED');
    assert.equal(out.openpgp, 'undefined');
    assert.deepEqual(out.fetched, ['/pkg/wasm/signet_notes_bg.wasm']);
    assert.equal(out.streamed, 1, 'compiled while downloading (compileStreaming)');
    assert.equal(out.sha384, pins['wasm/signet_notes_bg.wasm']);

    // The full module, in the same origin: the vault and the wrapped key are the same format.
    const full = await page.evaluate(async ({ name, id, envelope, secret }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.open({ name, passphrase: 'mật khẩu' });
      const body = v.get(id).body;
      v.free();
      const sk = s.importWrapSecretKey(new Uint8Array(secret), 'pw');
      return { body, key: s.unwrapKey({ envelope: new Uint8Array(envelope), secretKey: sk }).length };
    }, { ...out, name });
    assert.deepEqual(full, { body: 'Nội dung', key: 32 });
  });
});
