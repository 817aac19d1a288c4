// Stream interop in Node, once per backend ("webcrypto" and "rust"): GnuPG 2.2,
// OpenPGP.js 6 and the RFC 9580 sample messages, both directions (the cases are
// in tests/browser/pages/stream-interop.mjs; Chromium runs the same ones).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import { interopCases } from '../browser/pages/stream-interop.mjs';
import { makeFixtures, checkOutputs } from './stream-peers.mjs';

let fx;
before(async () => {
  await s.init();
  fx = await makeFixtures(s, openpgp);
});

for (const backend of ['webcrypto', 'rust']) {
  test(`stream interop, ${backend} backend: GnuPG, OpenPGP.js, RFC 9580 vectors`, async (t) => {
    if (fx.skip) return t.skip(fx.skip);
    const r = await interopCases(s, fx, backend);
    await checkOutputs(r, fx, openpgp, assert);
  });
}
