// Stream interop in every engine (through the shared worker), once per backend:
// the same cases as tests/node/stream-interop.test.mjs. The peers run in Node:
// GnuPG and OpenPGP.js make the fixtures (once, for all engines) and check our output.
import { before } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import { forEachEngine } from './harness.mjs';
import { makeFixtures, checkOutputs } from '../node/stream-peers.mjs';

let fx;
before(async () => {
  await s.init();
  fx = await makeFixtures(s, openpgp);
});

const b64 = (u) => Buffer.from(u).toString('base64');
const unb64 = (t) => new Uint8Array(Buffer.from(t, 'base64'));

/** Uint8Arrays -> base64 strings (and back), recursively, to cross page.evaluate. */
function mapBytes(v, f, isBytes) {
  if (isBytes(v)) return f(v);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapBytes(x, f, isBytes)]));
  return v;
}

forEachEngine(({ h, test }) => {
  for (const backend of ['webcrypto', 'rust']) {
    test(`stream interop, ${backend} backend: GnuPG, OpenPGP.js, RFC 9580 vectors`, async (t) => {
      if (fx.skip) return t.skip(fx.skip);
      const page = await h.newPage();
      await page.goto(`${h.base}/test/blank.html`);
      const { privateKey, publicKey, ...bytes } = fx;
      const wire = mapBytes(bytes, b64, (v) => v instanceof Uint8Array);
      const out = await page.evaluate(async ({ wire, privateKey, publicKey, backend }) => {
        const s = await import('/pkg/index.js');
        await s.init();
        const { interopCases } = await import('/test/stream-interop.mjs');
        const walk = (v, f, isLeaf) => (isLeaf(v) ? f(v)
          : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, f, isLeaf)])) : v);
        const fromB64 = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
        const toB64 = (u) => {
          let str = '';
          for (let i = 0; i < u.length; i += 0x8000) str += String.fromCharCode(...u.subarray(i, i + 0x8000));
          return { b64: btoa(str) };
        };
        const fx = { ...walk(wire, fromB64, (v) => typeof v === 'string'), privateKey, publicKey };
        const r = await interopCases(s, fx, backend);
        return walk(r, toB64, (v) => v instanceof Uint8Array);
      }, { wire, privateKey, publicKey, backend });
      const r = mapBytes(out, (o) => unb64(o.b64), (v) => v && typeof v === 'object' && typeof v.b64 === 'string');
      await checkOutputs(r, fx, openpgp, assert);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});
