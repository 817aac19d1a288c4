// The streaming engine's WebCrypto seam in Node (native AES-GCM host): copies,
// batches in flight and the first chunk's release, by counters. The same case
// runs in every browser engine (tests/browser/stream-seam.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as s from 'signet-crypto';
import * as w from '../../pkg/wasm/signet_crypto.js';
import * as engines from '../../pkg/stream-worker.js';
import { seamCase, checkSeam, gatedCase } from '../browser/pages/stream-seam.mjs';

test('seam counters: one copy in, output as views, bounded batches, early first chunk', async () => {
  const r = await seamCase(s, w, engines);
  checkSeam(assert, r);
});

test('seam counters: a message shorter than one chunk', async () => {
  const r = await seamCase(s, w, engines, 1000);
  assert.ok(r.roundTrip && r.oneShotAgrees);
  assert.equal(r.enc.copiedIn, 1000);
  assert.equal(r.firstPlain, 1000, 'the whole message, in the first push');
  assert.ok(r.dec.maxInflight <= 1);
});

test('decryptStream releases the first chunk before a slow source sends more', async () => {
  const r = await gatedCase(s);
  assert.deepEqual({ stalled: r.stalled, roundTrip: r.roundTrip }, { stalled: false, roundTrip: true });
  assert.ok(r.readAtFirst <= 384 * 1024, `read ${r.readAtFirst} before the first plaintext`);
});

test('decryptStream: a source that fails after the first plaintext fails the stream', async () => {
  const r = await gatedCase(s, { breakAtGate: true });
  assert.equal(r.stalled, false);
  assert.match(r.error, /the source broke/);
});
