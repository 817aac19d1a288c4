// The hostile-input corpus (tests/hostile/, see generate.mjs) through the built
// package in Node: every case ends in a listed error code (or its documented
// outcome), the module keeps working after each, and Wasm memory stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as signet from 'signet-crypto';
import { runAll } from '../hostile/runner.mjs';

const dir = new URL('../hostile/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8'));
const fx = JSON.parse(readFileSync(new URL('fixtures.json', dir), 'utf8'));
const load = (file) => new Uint8Array(readFileSync(new URL(`corpus/${file}`, dir)));
const MiB = 1024 * 1024;
/** Limits::max_decompressed_size (256 MiB) + 64 MiB: one-shot output is kept in
 *  1 MiB blocks, so the compression bomb costs the cap, not twice it. */
const BOUND = 320 * MiB;

test(`hostile corpus: ${cases.length} cases through the package in Node`, async () => {
  await signet.init();
  assert.ok(cases.length >= 150, `corpus unexpectedly small: ${cases.length}`);
  const glue = await import('../../pkg/wasm/signet_crypto.js');
  const r = await runAll(signet, fx, cases, load, { passes: 2, glue });
  const failed = [...r.results, ...r.optionResults].filter((x) => !x.pass);
  console.log(`hostile (Node): ${r.results.length} corpus cases + ${r.optionResults.length} option-object cases`);
  for (const f of failed) console.log('FAILED', f);
  const byOutcome = {};
  for (const x of r.results) byOutcome[x.outcome] = (byOutcome[x.outcome] ?? 0) + 1;
  console.log(`hostile: ${r.results.length} cases, outcomes ${JSON.stringify(byOutcome)}`);
  console.log(
    `hostile: wasm memory ${r.memStart / MiB} MiB at start, ${r.memAfterPass.map((m) => m / MiB).join(' / ')} MiB after each pass`,
  );
  assert.deepEqual(failed, []);
  assert.ok(r.finalOk, 'a normal encrypt/decrypt after the corpus failed');
  // Bounded: one-shot decryption of the 300 MiB compression bomb stops at the
  // 256 MiB cap, and block-wise output keeps memory near the cap (it used to
  // double: docs/threat-model.md). A second pass over the same corpus must not
  // grow memory again (no leak).
  assert.ok(r.memAfterPass[0] - r.memStart <= BOUND, 'memory grew past the documented bound');
  assert.ok(r.memAfterPass[1] - r.memAfterPass[0] <= 16 * MiB, 'memory kept growing on the second pass');
});
