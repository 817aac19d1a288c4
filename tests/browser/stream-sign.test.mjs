// Streams that sign and verify in every engine, through the public API and the
// shared worker: encryptStream({ signingKeys }) (the keys stay on the page; the
// worker asks for signatures over its digests) and decryptStream({
// verificationKeys }) with the verdict in `out.signatures` and the final
// progress event, for SEIPDv2 (v6 key) and two-pass SEIPDv1 (v4 key, a Blob).
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

forEachEngine(({ h, test }) => {
  test('signed streams: written and verified in the worker, keys on the page', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const plain = new Uint8Array(700 * 1024 + 11).map((_, i) => (i * 13 + (i >> 9)) & 255);
      const streamOf = (b, step = 128 * 1024) => {
        let off = 0;
        return new ReadableStream({
          pull(c) {
            if (off >= b.length) return c.close();
            c.enqueue(b.slice(off, off + step));
            off += step;
          },
        }, { highWaterMark: 0 });
      };
      const collect = async (st) => {
        const parts = [];
        for await (const c of st) parts.push(c);
        return new Uint8Array(await new Blob(parts).arrayBuffer());
      };
      const same = (a) => a.length === plain.length && a.every((b, i) => b === plain[i]);
      const out = {};
      const other = await s.generateKey({ userIds: ['Khác <khac@example.gov.vn>'], profile: 'rfc9580' });
      for (const profile of ['compat', 'rfc9580']) {
        const g = await s.generateKey({ userIds: [`Ký ${profile} <ky@example.gov.vn>`], profile });
        const key = await s.unlockKey(g.privateKey);
        const ct = await collect(await s.encryptStream({ data: streamOf(plain), encryptionKeys: [g.publicKey], signingKeys: [key] }));
        const one = await s.decrypt({ message: ct, decryptionKeys: [key], verificationKeys: [g.publicKey] });
        let last = null;
        const dec = await s.decryptStream({ message: new Blob([ct]), decryptionKeys: [key], verificationKeys: [g.publicKey], onProgress: (p) => { last = p; } });
        const data = await collect(dec);
        const sigs = await dec.signatures;
        const wrong = await s.decryptStream({ message: streamOf(ct), decryptionKeys: [key], verificationKeys: [other.publicKey] });
        const wrongData = await collect(wrong);
        const wrongSigs = await wrong.signatures;
        out[profile] = {
          oneShot: same(one.data) && one.signatures.map((x) => x.valid).join(),
          streamed: same(data) && sigs.map((x) => x.valid).join(),
          finalEvent: last?.phase === 'done' && last.signatures.length === 1 && last.signatures[0].valid,
          wrong: same(wrongData) && wrongSigs.map((x) => `${x.valid}:${x.reason}`).join(),
        };
        key.free();
      }
      return out;
    });
    const want = { oneShot: 'true', streamed: 'true', finalEvent: true, wrong: 'false:unknown-key' };
    assert.deepEqual(r, { compat: want, rfc9580: want });
    assert.deepEqual(page.errors, []);
  });
});
