#!/usr/bin/env node
// Benchmark runner: signet-crypto next to OpenPGP.js 6 (and WebCrypto, and our own
// native build) in the same run on the same machine. `make bench` builds the
// release package and the native suite first; this script then
//   1. reads the native figures (target/bench/native.json, from benches/suite.rs),
//   2. runs tests/browser/pages/bench-cases.mjs in this Node process,
//   3. runs the same module in each browser engine (tests/browser/pages/bench.html):
//      Chromium, Firefox ESR and WebKitGTK, through tests/browser/harness.mjs,
//   4. measures start-up in Chromium (import to first encrypt, cold and warm cache,
//      and the Wasm memory) and the package's sizes per entry (scripts/size.mjs),
//   5. decrypts GnuPG-made SEIPDv1 files of 4 GiB from disk in each engine, with the
//      browser's memory growth (scripts/bench-large.mjs; LARGE_GIB to change the size),
// and prints a markdown table (and one ratio column per engine) and writes
// target/bench/results.json: an array of
// { name, env, ours, peer, unit, ratio } (+ peerName, oursStats, peerStats), with
// ratio > 1 meaning we are better (peer/ours for times and sizes).
//
// Environment: QUICK=1 (2 runs, 1 MiB, 300 notes; streams 16 / 4 MiB), BENCH_ONLY=<substring of a
// case name; several separated by '|'; a leading '^' matches the start>,
// BENCH_ENVS=node,chromium,firefox,webkit,native (default all), BENCH_OUT_DIR
// (default target/bench under the repository), BENCH_PARTS=<parts a browser runs, each
// in a fresh browser; PARTS of bench-cases.mjs by default>.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { largeFiles } from './bench-large.mjs';
import { compressed, entrySizes } from './size.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.QUICK === '1';
const only = process.env.BENCH_ONLY ?? '';
const BROWSERS = ['chromium', 'firefox', 'webkit'];
const envs = new Set((process.env.BENCH_ENVS ?? `node,${BROWSERS.join(',')},native`).split(',').map((e) => e.trim()).filter(Boolean));
const outDir = path.resolve(root, process.env.BENCH_OUT_DIR ?? 'target/bench');
const log = (line) => process.stderr.write(`${line}\n`);

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpus = os.cpus();
  const pkg = JSON.parse(readFileSync(path.join(root, 'pkg/package.json'), 'utf8'));
  const openpgpPkg = JSON.parse(readFileSync(path.join(root, 'node_modules/openpgp/package.json'), 'utf8'));
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: tryRun(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version']).split('\n').pop(),
    browsers: {},
    rustc: tryRun('rustc', ['--version']),
    signetCrypto: pkg.version,
    openpgp: openpgpPkg.version,
    quick,
  };
}

/** Raw, gzip -9 and brotli -11 sizes of what a page importing each entry downloads
 *  (its JS module graph and its .wasm), against OpenPGP.js's one browser file. */
function sizes() {
  const peer = compressed(readFileSync(path.join(root, 'node_modules/openpgp/dist/openpgp.min.mjs')));
  const rows = [];
  for (const entry of ['signet-crypto', 'signet-crypto/notes']) {
    const ours = entrySizes(entry).total;
    for (const k of ['raw', 'gzip', 'brotli']) {
      rows.push({
        name: `size: ${k}, entry ${entry} (JS + .wasm) vs openpgp.min.mjs`,
        env: 'chromium',
        ours: ours[k],
        peer: peer[k],
        unit: 'bytes',
        ratio: peer[k] / ours[k],
        peerName: 'OpenPGP.js openpgp.min.mjs',
      });
    }
  }
  return rows;
}

const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)], min: v[0], max: v[v.length - 1], runs: v.length };
};

/**
 * Start-up in Chromium (tests/browser/pages/startup.html): from `import` to the first
 * completed encryption of 1 KiB to a v6 public key, ours (import of the bundled browser
 * entry, init, encrypt) against
 * OpenPGP.js (import, readKey, encrypt). Each run launches a fresh browser (empty HTTP
 * and code caches: cold), loads the page once (cold), then again (warm: revalidated
 * from the HTTP cache, Wasm from Chromium's code cache). Ours also reports its Wasm memory.
 */
async function startup() {
  const { launch } = await import(pathToFileURL(path.join(root, 'tests/browser/harness.mjs')).href);
  const s = await import('signet-crypto');
  const { publicKey } = await s.generateKey({ userIds: ['bench <bench@example.org>'], profile: 'rfc9580' });
  const runs = quick ? 2 : 7;
  const got = { ours: { cold: [], warm: [] }, openpgp: { cold: [], warm: [] } };
  const memory = { init: [], encrypt: [] };
  for (let i = 0; i < runs; i++) {
    for (const lib of ['ours', 'openpgp']) {
      const h = await launch('chromium');
      try {
        const page = await h.newPage();
        for (const phase of ['cold', 'warm']) {
          // The same URL again would be a same-document (fragment) navigation: reload.
          if (phase === 'cold') await page.goto(`${h.base}/test/startup.html?lib=${lib}#${encodeURIComponent(publicKey)}`);
          else await page.reload();
          await page.waitForFunction(() => window.startupDone, null, { timeout: 120_000 });
          const r = await page.evaluate(() => window.startupDone);
          if (r.error) throw new Error(`start-up page (${lib}): ${r.error}`);
          got[lib][phase].push(r.ms);
        }
        if (lib === 'ours') {
          // Memory through the sources (the bundle exports only the API), after the timing.
          await page.goto(`${h.base}/test/startup.html?lib=memory#${encodeURIComponent(publicKey)}`);
          await page.waitForFunction(() => window.startupDone, null, { timeout: 120_000 });
          const m = await page.evaluate(() => window.startupDone);
          if (m.error) throw new Error(`start-up page (memory): ${m.error}`);
          memory.init.push(m.wasmMemoryAfterInit);
          memory.encrypt.push(m.wasmMemoryAfterEncrypt);
        }
      } finally {
        await h.close();
      }
    }
    log(`[startup] run ${i + 1}/${runs}: ours ${got.ours.cold.at(-1).toFixed(0)} / ${got.ours.warm.at(-1).toFixed(0)} ms, OpenPGP.js ${got.openpgp.cold.at(-1).toFixed(0)} / ${got.openpgp.warm.at(-1).toFixed(0)} ms (cold / warm)`);
  }
  const rows = ['cold', 'warm'].map((phase) => {
    const ours = stats(got.ours[phase]);
    const peer = stats(got.openpgp[phase]);
    return {
      name: `start-up: import to first encrypt of 1 KiB, ${phase} cache`,
      env: 'chromium', ours: ours.median, peer: peer.median, unit: 'ms', ratio: peer.median / ours.median,
      peerName: 'OpenPGP.js (import, readKey, encrypt)', oursStats: ours, peerStats: peer,
    };
  });
  for (const [k, label] of [['init', 'after init()'], ['encrypt', 'after the first encrypt']]) {
    const m = stats(memory[k]);
    rows.push({ name: `start-up: Wasm memory ${label}`, env: 'chromium', ours: m.median, peer: null, unit: 'bytes', ratio: null, peerName: null, oursStats: m, peerStats: null });
  }
  return rows;
}

async function runNode() {
  const s = await import('signet-crypto');
  await s.init();
  const openpgp = await import('openpgp');
  const { runCases } = await import(pathToFileURL(path.join(root, 'tests/browser/pages/bench-cases.mjs')).href);
  // The package's own glue module (same file, same instance): its Wasm memory size.
  const glue = await import(pathToFileURL(path.join(root, 'pkg/wasm/signet_crypto.js')).href);
  const wasmMemory = () => glue.initSync().memory.buffer.byteLength;
  const rows = [];
  try {
    await runCases({ s, openpgp, quick, only, wasmMemory, onRow: (r) => rows.push(r), log: (l) => log(`[node] ${l}`) });
    return { rows };
  } catch (e) {
    return { rows, error: e?.stack ?? String(e) };
  }
}

/** Runs bench.html in one engine, one fresh browser per part of the suite (`PARTS`
 *  of bench-cases.mjs): one page for everything kept what each case left behind, and
 *  WebKit's page died of it in the OCB stream rows. A part that fails keeps the rows
 *  it measured and the next part still runs; `error` says which parts stopped. */
async function runBrowser(engine) {
  const { PARTS } = await import(pathToFileURL(path.join(root, 'tests/browser/pages/bench-cases.mjs')).href);
  const parts = process.env.BENCH_PARTS ? process.env.BENCH_PARTS.split(',') : PARTS;
  const out = { rows: [], errors: [] };
  for (const part of parts) {
    const c = await runBrowserPart(engine, part);
    out.rows.push(...c.rows);
    out.version ??= c.version;
    out.crossOriginIsolated ??= c.crossOriginIsolated;
    if (c.error) {
      log(`[${engine}] part ${part} stopped: ${c.error}`);
      out.errors.push(`${part}: ${c.error}`);
    }
  }
  return { ...out, error: out.errors.length ? out.errors.join('\n') : undefined };
}

/** One part in one engine; its log lines are relayed where the driver reports
 *  console messages (Chromium), else read from the page's <pre> as it goes. Rows
 *  are read as they come, so a page that dies still gives the rows before. */
async function runBrowserPart(engine, part) {
  const { launch } = await import(pathToFileURL(path.join(root, 'tests/browser/harness.mjs')).href);
  const rows = [];
  let h = null;
  try {
    h = await launch(engine);
    const page = await h.newPage();
    if (engine === 'chromium') page.on('console', (m) => m.type() === 'log' && log(`[${engine}] ${m.text()}`));
    const q = new URLSearchParams({ quick: quick ? '1' : '0', only, part });
    await page.goto(`${h.base}/test/bench.html?${q}`);
    // Poll rather than wait blindly: a page that failed to load reports errors.
    let done = null;
    let shown = 1;
    while (!done) {
      await new Promise((ok) => setTimeout(ok, 500));
      const fatal = page.errors.filter((e) => !/favicon|status of 404/.test(e));
      if (fatal.length) throw new Error(`${engine} bench page failed: ${fatal.join('; ')}`);
      const st = await page.evaluate((n) => ({
        done: window.benchDone ?? null,
        out: document.getElementById('out').textContent,
        rows: (window.benchRows ?? []).slice(n),
      }), rows.length);
      rows.push(...st.rows);
      done = st.done;
      if (engine !== 'chromium') {
        const lines = st.out.split('\n');
        for (const l of lines.slice(shown)) log(`[${engine}] ${l}`);
        shown = lines.length;
      }
    }
    if (done.error) throw new Error(`${engine} bench failed: ${done.error}`);
    return { rows, crossOriginIsolated: done.crossOriginIsolated, version: h.version };
  } catch (e) {
    return { rows, version: h?.version, error: e?.stack ?? String(e) };
  } finally {
    await h?.close().catch(() => {});
  }
}

function native() {
  const f = path.join(outDir, 'native.json');
  if (!existsSync(f)) {
    log(`[native] ${f} not found: run \`cargo bench --bench suite\` (make bench does); native rows skipped`);
    return [];
  }
  return JSON.parse(readFileSync(f, 'utf8'));
}

const pick = (st) => (st ? { median: st.median, min: st.min, max: st.max, runs: st.runs } : null);

/** Turns case rows into result rows; Wasm-vs-native rows take their peer from `nat`. */
function toResults(rows, env, nat) {
  return rows.map((r) => {
    let peer = r.peer;
    if (!peer && r.peerName === 'native Rust') {
      const n = nat.find((x) => x.name === r.name);
      peer = n ? pick(n) : null;
    }
    return {
      name: r.name,
      env,
      ours: r.ours.median,
      peer: peer ? peer.median : null,
      unit: r.unit,
      ratio: peer ? peer.median / r.ours.median : null,
      peerName: r.peerName,
      oursStats: pick(r.ours),
      peerStats: pick(peer),
    };
  });
}

const fmt = (v, unit) => {
  if (v == null) return '—';
  if (unit === 'bytes') return v >= 1e6 ? `${(v / 2 ** 20).toFixed(2)} MiB` : `${(v / 1024).toFixed(0)} KiB`;
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3);
};
const spread = (st, unit) => (st && st.runs > 1 ? ` (${fmt(st.min, unit)}–${fmt(st.max, unit)})` : '');

function table(results, info) {
  const browsers = Object.values(info.browsers).join('; ') || info.chromium;
  const lines = [
    `Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB; ${info.os}`,
    `Versions: node ${info.node}; ${browsers}; ${info.rustc}; signet-crypto ${info.signetCrypto}; openpgp ${info.openpgp}${info.quick ? '; QUICK mode' : ''}`,
    `Date: ${info.date}. Times in ms: median (min–max); ratio > 1 means signet-crypto is better (peer / ours).`,
    '',
    '| case | env | ours | peer | peer is | ratio |',
    '|---|---|---:|---:|---|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.env} | ${fmt(r.ours, r.unit)}${spread(r.oursStats, r.unit)} | ${fmt(r.peer, r.unit)}${spread(r.peerStats, r.unit)} | ${r.peerName ?? '—'} | ${r.ratio == null ? '—' : r.ratio.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** One row per case, one ratio column per environment that has a peer (node and each
 *  engine): where OpenPGP.js (or the ceiling) stands against us, engine by engine. */
function ratioTable(results) {
  const cols = ['node', ...BROWSERS].filter((e) => results.some((r) => r.env === e && r.ratio != null && r.unit !== 'bytes'));
  const cases = [];
  for (const r of results) {
    if (r.ratio == null || r.unit === 'bytes' || !cols.includes(r.env)) continue;
    let c = cases.find((x) => x.name === r.name);
    if (!c) cases.push((c = { name: r.name, peerName: r.peerName, by: {} }));
    c.by[r.env] = r.ratio;
  }
  const lines = [
    `| case | peer is | ${cols.join(' | ')} |`,
    `|---|---|${cols.map(() => '---:').join('|')}|`,
  ];
  for (const c of cases) {
    lines.push(`| ${c.name} | ${c.peerName ?? '—'} | ${cols.map((e) => (c.by[e] == null ? '—' : c.by[e].toFixed(2))).join(' | ')} |`);
  }
  return lines.join('\n');
}

const info = machine();
log(`[bench] ${JSON.stringify(info)}`);
const nat = native();
const results = [];
/** Environments whose cases stopped with an error: their rows until then are kept,
 *  the other environments still run, and the runner exits 1 at the end. */
const failed = [];
const failedIn = (env, error) => {
  log(`[bench] ${env} stopped: ${error}`);
  failed.push(env);
};
if (envs.has('node')) {
  const c = await runNode();
  results.push(...toResults(c.rows, 'node', nat));
  if (c.error) failedIn('node', c.error);
}
for (const engine of BROWSERS) {
  if (!envs.has(engine)) continue;
  const c = await runBrowser(engine);
  if (c.version) info.browsers[engine] = c.version;
  info.crossOriginIsolated = { ...info.crossOriginIsolated, [engine]: c.crossOriginIsolated };
  results.push(...toResults(c.rows, engine, nat));
  if (c.error) failedIn(engine, c.error);
}
/** Whether BENCH_ONLY selects a row of the runner's own (native, large files). */
const wantsRow = (name) => !only || only.split('|').some((a) => (a.startsWith('^') ? name.startsWith(a.slice(1)) : name.includes(a)));
if (envs.has('native')) {
  for (const n of nat) {
    if (!wantsRow(n.name)) continue;
    results.push({ name: n.name, env: 'native', ours: n.median, peer: null, unit: n.unit, ratio: null, peerName: null, oursStats: pick(n), peerStats: null });
  }
}
if (envs.has('chromium') && (!only || only.includes('start-up'))) results.push(...(await startup()));
results.push(...(await largeFiles({ root, quick, wants: wantsRow, engines: BROWSERS.filter((e) => envs.has(e)), log })));
if (!only || only.startsWith('size')) results.push(...sizes());

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(outDir, 'machine.json'), `${JSON.stringify(info, null, 2)}\n`);
const md = `${table(results, info)}\n\nRatios by environment (peer / ours; > 1 means signet-crypto is faster):\n\n${ratioTable(results)}`;
writeFileSync(path.join(outDir, 'results.md'), `${md}\n`);
console.log(md);
log(`[bench] wrote ${path.join(outDir, 'results.json')}`);
if (failed.length) {
  log(`[bench] the cases of ${failed.join(', ')} stopped early (above); their rows until then are in the results`);
  process.exitCode = 1;
}
