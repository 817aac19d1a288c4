// The benchmark harness still builds and runs: scripts/bench.mjs in QUICK mode on
// one cheap case, in Node and in each browser engine (SIGNET_ENGINES, default all
// three), into a temporary directory. Browsers run two parts of the suite, each in a
// fresh browser: the case's part and one that has none of it (no rows, no error).
// Checks the shape of results.json only; no timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CASE = 'keygen: compat';
const ENGINES = (process.env.SIGNET_ENGINES ?? 'chromium,firefox,webkit').split(',').filter(Boolean);

test('bench runner: QUICK=1 on one case writes well-formed results.json', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-bench-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'scripts/bench.mjs')], {
      cwd: root,
      env: { ...process.env, QUICK: '1', BENCH_ONLY: CASE, BENCH_ENVS: ['node', ...ENGINES].join(','), BENCH_PARTS: 'keygen,notes', BENCH_OUT_DIR: dir },
      maxBuffer: 1 << 24,
    });
    assert.match(stdout, /\| case \| env \| ours \| peer \|/);
    const rows = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    assert.ok(Array.isArray(rows));
    assert.deepEqual(rows.map((r) => [r.name, r.env]), ['node', ...ENGINES].map((e) => [CASE, e]));
    if (ENGINES.length) assert.match(stdout, new RegExp(`\\| case \\| peer is \\| node \\| ${ENGINES.join(' \\| ')} \\|`));
    for (const r of rows) {
      for (const k of ['name', 'env', 'ours', 'peer', 'unit', 'ratio']) assert.ok(k in r, `missing ${k}`);
      assert.equal(r.unit, 'ms');
      assert.ok(Number.isFinite(r.ours) && r.ours > 0);
      assert.ok(Number.isFinite(r.peer) && r.peer > 0);
      assert.ok(Math.abs(r.ratio - r.peer / r.ours) < 1e-9 * r.ratio, 'ratio = peer / ours for times');
      assert.match(r.peerName, /OpenPGP\.js/);
      for (const st of [r.oursStats, r.peerStats]) {
        assert.ok(st.min <= st.median && st.median <= st.max && st.runs >= 1);
      }
    }
    const info = JSON.parse(readFileSync(path.join(dir, 'machine.json'), 'utf8'));
    for (const k of ['cpu', 'cores', 'node', 'chromium', 'rustc', 'signetCrypto', 'openpgp']) assert.ok(info[k], `machine.${k}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench runner: a part that fails keeps the other parts\' rows and makes the run exit 1', { timeout: 120_000 }, async () => {
  const engine = ENGINES[0];
  if (!engine) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'signet-bench-'));
  try {
    // `nosuch` is no part of the suite: runCases refuses it on the page.
    const run = promisify(execFile)(process.execPath, [path.join(root, 'scripts/bench.mjs')], {
      cwd: root,
      env: { ...process.env, QUICK: '1', BENCH_ONLY: CASE, BENCH_ENVS: engine, BENCH_PARTS: 'nosuch,keygen', BENCH_OUT_DIR: dir },
      maxBuffer: 1 << 24,
    });
    const err = await run.then(() => null, (e) => e);
    assert.ok(err, 'the runner exits with an error');
    assert.equal(err.code, 1);
    assert.match(err.stderr, new RegExp(`\\[${engine}\\] part nosuch stopped: .*unknown bench part nosuch`));
    assert.match(err.stderr, new RegExp(`the cases of ${engine} stopped early`));
    const rows = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    assert.deepEqual(rows.map((r) => [r.name, r.env]), [[CASE, engine]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
