// Streams that sign and verify in every engine, through the public API and the
// shared worker: encryptStream({ signingKeys }) (the keys stay on the page; the
// worker asks for signatures over its digests) and decryptStream({
// verificationKeys }) with the verdict in `out.signatures` and the final
// progress event, for SEIPDv2 (v6 key) and two-pass SEIPDv1 (v4 key, a Blob).
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import { forEachEngine } from './harness.mjs';
import { seipd1 } from '../node/stream-peers.mjs';

/** An OpenPGP.js one-pass-signed message with one bit of its signature value
 *  flipped (and the same untouched), each in SEIPDv1 under a known key. */
async function flippedSignature() {
  await s.init();
  const g = await s.generateKey({ userIds: ['Lật <lat@example.gov.vn>'], profile: 'rfc9580' });
  const signed = new Uint8Array(await openpgp.sign({
    message: await openpgp.createMessage({ binary: new Uint8Array(200_000).fill(9) }),
    signingKeys: await openpgp.readPrivateKey({ armoredKey: g.privateKey }),
    format: 'binary',
  }));
  const good = seipd1(signed);
  signed[signed.length - 3] ^= 0x10;
  const bad = seipd1(signed);
  const plain = (m) => ({ message: Array.from(m.message), sessionKey: Array.from(m.sessionKey) });
  return { publicKey: g.publicKey, good: plain(good), bad: plain(bad) };
}

forEachEngine(({ h, test }) => {
  test('a flipped bit in a signature is not verified', async () => {
    const fx = await flippedSignature();
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async (fx) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const verdict = async ({ message, sessionKey }) => {
        const out = await s.decryptStream({ message: new Blob([new Uint8Array(message)]), sessionKey: new Uint8Array(sessionKey), verificationKeys: [fx.publicKey] });
        let n = 0;
        for await (const c of out) n += c.length;
        return `${n}:${(await out.signatures).map((x) => `${x.valid}:${x.reason}`).join()}`;
      };
      return { good: await verdict(fx.good), bad: await verdict(fx.bad) };
    }, fx);
    assert.deepEqual(r, { good: '200000:true:null', bad: '200000:false:bad-signature' });
    assert.deepEqual(page.errors, []);
  });

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
