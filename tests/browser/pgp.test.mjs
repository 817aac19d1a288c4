// OpenPGP through the built package in headless Chromium: generate, encrypt,
// decrypt, sign, verify, and typed errors, on the page's main thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

let h;
before(async () => { h = await launch(); });
after(async () => { await h?.close(); });

test('pgp round trip in Chromium for every profile', async () => {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  const results = await page.evaluate(async () => {
    const s = await import('/pkg/index.js');
    await s.init();
    const out = [];
    for (const profile of ['pqc', 'rfc9580', 'compat']) {
      const t0 = performance.now();
      const k = await s.generateKey({ userIds: ['Trình duyệt <b@example.gov.vn>'], profile, passphrase: 'pw' });
      const genMs = performance.now() - t0;
      const info = await s.readKey(k.publicKey);
      const key = await s.unlockKey(k.privateKey, 'pw');
      let badCode = null;
      try { await s.unlockKey(k.privateKey, 'nope'); } catch (e) { badCode = e.code; }
      const data = new Uint8Array(1 << 20);
      crypto.getRandomValues(data.subarray(0, 65536));
      let t = performance.now();
      const ct = await s.encrypt({ data, encryptionKeys: [k.publicKey], signingKeys: [key], armor: false });
      const encMs = performance.now() - t;
      t = performance.now();
      const pt = await s.decrypt({ message: ct, decryptionKeys: [key], verificationKeys: [k.publicKey] });
      const decMs = performance.now() - t;
      const same = pt.data.length === data.length && pt.data.every((b, i) => b === data[i]);
      const tampered = ct.slice();
      tampered[tampered.length - 3] ^= 4;
      let tamperCode = null;
      try { await s.decrypt({ message: tampered, decryptionKeys: [key] }); } catch (e) { tamperCode = e.code; }
      const sig = await s.sign({ data: 'văn bản', signingKeys: [key], detached: true });
      const ok = await s.verify({ data: 'văn bản', signature: sig, verificationKeys: [k.publicKey] });
      const bad = await s.verify({ data: 'văn bản!', signature: sig, verificationKeys: [k.publicKey] });
      key.free();
      out.push({
        profile, fp: k.fingerprint, infoFp: info.fingerprint, pq: info.isPostQuantum, badCode,
        same, sigValid: pt.signatures[0]?.valid, tamperCode, ok: ok.valid, bad: bad.valid,
        genMs, encMs, decMs,
      });
    }
    return out;
  });
  for (const r of results) {
    console.log(`# chromium ${r.profile}: generateKey ${r.genMs.toFixed(0)} ms (incl. passphrase S2K), `
      + `encrypt+sign 1 MiB ${r.encMs.toFixed(0)} ms, decrypt+verify 1 MiB ${r.decMs.toFixed(0)} ms`);
    assert.equal(r.fp, r.infoFp);
    assert.equal(r.pq, r.profile === 'pqc');
    assert.equal(r.badCode, 'BAD_PASSPHRASE');
    assert.equal(r.same, true, r.profile);
    assert.equal(r.sigValid, true, r.profile);
    assert.equal(r.tamperCode, 'DECRYPTION_FAILED', r.profile);
    assert.equal(r.ok, true);
    assert.equal(r.bad, false);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});
