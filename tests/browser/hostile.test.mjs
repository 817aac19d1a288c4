// The hostile-input corpus (tests/hostile/, served under /hostile/ by the harness)
// through the built package in every engine: typed errors only, the module keeps
// working, memory stays bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forEachEngine } from './harness.mjs';

const dir = new URL('../hostile/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8'));
const MiB = 1024 * 1024;

forEachEngine(({ h, test, engine }) => {
  test(`hostile corpus: ${cases.length} cases through the package`, { timeout: 600_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async () => {
      const signet = await import('/pkg/index.js');
      await signet.init();
      const { runAll } = await import('/hostile/runner.mjs');
      const cases = await (await fetch('/hostile/cases.json')).json();
      const fx = await (await fetch('/hostile/fixtures.json')).json();
      const load = async (f) => new Uint8Array(await (await fetch(`/hostile/corpus/${f}`)).arrayBuffer());
      const glue = await import('/pkg/wasm/signet_crypto.js');
      return runAll(signet, fx, cases, load, { passes: 1, glue });
    });
    const failed = [...r.results, ...r.optionResults].filter((x) => !x.pass);
    console.log(`hostile (${engine}): ${r.results.length} corpus cases + ${r.optionResults.length} option-object cases`);
    for (const f of failed) console.log('FAILED', f);
    console.log(`hostile (${engine}): ${r.results.length} cases; wasm memory ${r.memStart / MiB} -> ${r.memAfterPass[0] / MiB} MiB`);
    assert.equal(r.results.length, cases.length);
    assert.deepEqual(failed, []);
    assert.ok(r.finalOk);
    // The 256 MiB decompression cap + 64 MiB: see tests/node/hostile.test.mjs.
    assert.ok(r.memAfterPass[0] - r.memStart <= 320 * MiB, 'memory grew past the documented bound');
    assert.deepEqual(page.errors, []);
  });

  // Randomised option objects (tests/hostile/options-fuzz.mjs) in the page, where
  // the stream functions also take their Worker path when `worker` is dropped.
  test('option-object fuzzing through the package', { timeout: 600_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const iterations = Number(process.env.SIGNET_OPTION_FUZZ_ITERATIONS ?? 800);
    const r = await page.evaluate(async (iterations) => {
      const signet = await import('/pkg/index.js');
      await signet.init();
      const { fuzzOptions } = await import('/hostile/options-fuzz.mjs');
      const fx = await (await fetch('/hostile/fixtures.json')).json();
      return fuzzOptions(signet, fx, { seed: 20261124, iterations });
    }, iterations);
    console.log(`options fuzz (${engine}): ${r.calls} calls, outcomes ${JSON.stringify(r.byOutcome)}`);
    for (const f of r.failures.slice(0, 20)) console.log('UNTYPED', f);
    assert.deepEqual(r.failures, []);
    assert.ok(r.finalOk);
    assert.deepEqual(page.errors, []);
  });
});
