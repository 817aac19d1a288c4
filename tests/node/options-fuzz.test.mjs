// Randomised option objects through the package in Node (tests/hostile/options-fuzz.mjs).
// SIGNET_OPTION_FUZZ_ITERATIONS / SIGNET_OPTION_FUZZ_SEED run it longer or elsewhere
// (`make fuzz` does); a failure prints its seed and call index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as signet from 'signet-crypto';
import { fuzzOptions } from '../hostile/options-fuzz.mjs';

const fx = JSON.parse(readFileSync(new URL('../hostile/fixtures.json', import.meta.url), 'utf8'));
const iterations = Number(process.env.SIGNET_OPTION_FUZZ_ITERATIONS ?? 1500);
const seed = Number(process.env.SIGNET_OPTION_FUZZ_SEED ?? 20261123);

test(`option-object fuzzing: ${iterations} calls, seed ${seed}`, { timeout: 3_600_000 }, async () => {
  await signet.init();
  const t0 = performance.now();
  const r = await fuzzOptions(signet, fx, { seed, iterations });
  console.log(`options fuzz: ${r.calls} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s, outcomes ${JSON.stringify(r.byOutcome)}`);
  for (const f of r.failures.slice(0, 20)) console.log('UNTYPED', f);
  assert.deepEqual(r.failures, []);
  assert.ok(r.finalOk, 'a normal encrypt/decrypt after the fuzzing failed');
  assert.ok(Object.keys(r.byOutcome).length >= 4, 'the fuzzer reached too few outcomes to mean anything');
});
