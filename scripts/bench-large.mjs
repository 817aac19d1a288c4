// Large SEIPDv1 files in the browsers (issue #25's goals): a message made by GnuPG
// 2.2 (`--symmetric --compress-algo none`, AES-256, the SEIPDv1 + MDC that most
// existing files are) handed to `decryptStream` as a disk-backed `File` (set on an
// <input type=file> by path: the browser reads it from disk, nothing holds it whole),
// decrypted in two passes by the package's worker, plaintext consumed on the page.
//
// Rows per engine: the time; the memory growth (resident memory from /proc, peak
// minus the level before the decryption) of the page's process, where the page
// and its dedicated worker run in all three engines, garbage not yet collected
// included (the total over every browser process is in the note); and a message of a quarter of the size with one
// flipped bit in its middle, which must release no plaintext and fail with
// DECRYPTION_FAILED (the row is its time to the verdict). Node's 4 GiB row from a
// path is in tests/browser/pages/bench-cases.mjs.
//
// Sizes: 4 GiB (QUICK: 64 MiB); LARGE_GIB overrides. The file is read twice where the
// engine has readable byte streams (Chromium, Firefox): with the default reader, whose
// growth includes the plaintext chunks handed over and not yet collected, and with a
// BYOB reader into one reused 1 MiB buffer (the consumer allocates nothing per chunk),
// what docs/streaming.md advises for large files; the rows' names say which.
// LARGE_READ=default or LARGE_READ=byob runs only that one.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const MiB = 2 ** 20;

/** Resident bytes of each process below this one (drivers, browsers, their children). */
function descendantsRss() {
  const parent = new Map();
  const rss = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
      rss.set(Number(d), Number(readFileSync(`/proc/${d}/statm`, 'utf8').split(' ')[1]) * 4096);
    } catch { /* the process ended meanwhile */ }
  }
  const mine = new Map();
  for (const [pid, bytes] of rss) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        mine.set(pid, bytes);
        break;
      }
    }
  }
  return mine;
}

const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Peak growth over the level at the start: of the process that grew most (the
 * page's renderer / content / web process, where the page and its dedicated
 * worker run in all three engines) and of every process together (which also
 * counts what the browser starts meanwhile, e.g. Firefox's spare content process).
 */
function sampler() {
  const base = descendantsRss();
  const peak = new Map();
  let total = sum(base);
  const sample = () => {
    const now = descendantsRss();
    for (const [pid, b] of now) peak.set(pid, Math.max(peak.get(pid) ?? 0, b));
    total = Math.max(total, sum(now));
  };
  const id = setInterval(sample, 250);
  return {
    stop: () => {
      clearInterval(id);
      sample();
      let page = 0;
      for (const [pid, b] of peak) page = Math.max(page, b - (base.get(pid) ?? 0));
      return { page, total: total - sum(base) };
    },
  };
}

/** `bytes` zero octets through `gpg --symmetric` (no compression) into `file`. */
function gpgSymmetric(dir, bytes, file) {
  return new Promise((ok, fail) => {
    const g = spawn('gpg', ['--homedir', dir, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', 'bench',
      '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', 'none', '--output', file], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    g.stderr.on('data', (d) => { err += d; });
    g.on('error', fail);
    g.on('close', (code) => (code === 0 ? ok() : fail(new Error(`gpg failed (${code}): ${err}`))));
    const block = Buffer.alloc(4 * MiB);
    let left = bytes;
    const write = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!g.stdin.write(n === block.length ? block : block.subarray(0, n))) return g.stdin.once('drain', write);
      }
      g.stdin.end();
      return undefined;
    };
    write();
  });
}

/** Flips one bit of `file` at `offset`. */
function flipBit(file, offset) {
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] ^= 0x10;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/** Starts the decryption on the page (the result lands in window.__large). */
function startOnPage({ expect, byob }) {
  window.__large = null;
  (async () => {
    const s = await import('/pkg/index.js');
    await s.init();
    const file = document.getElementById('large-file').files[0];
    const t0 = performance.now();
    let released = 0;
    let phases = [];
    try {
      const out = await s.decryptStream({
        message: file,
        passwords: ['bench'],
        onProgress: (p) => { if (p.phase && phases.at(-1) !== p.phase) phases.push(p.phase); },
      });
      // BYOB only where the engine has byte streams (largeFiles checks first).
      const reader = out.getReader(byob ? { mode: 'byob' } : undefined);
      let buf = byob ? new ArrayBuffer(1 << 20) : null;
      for (;;) {
        const { done, value } = await reader.read(byob ? new Uint8Array(buf) : undefined);
        if (done) break;
        if (byob) buf = value.buffer;
        for (const j of [0, value.length >> 1, value.length - 1]) {
          if (value.length && value[j] !== 0) throw new Error(`plaintext differs at ${released + j}`);
        }
        released += value.length;
      }
      window.__large = { ms: performance.now() - t0, released, code: null, phases, size: file.size };
    } catch (e) {
      window.__large = { ms: performance.now() - t0, released, code: e?.code ?? String(e), phases, size: file.size, expect };
    }
  })();
}

/** Whether the engine behind `h` has readable byte streams (a BYOB reader). */
async function hasByteStreams(h) {
  const page = await h.newPage();
  try {
    await page.goto(`${h.base}/test/blank.html`);
    return await page.evaluate(() => typeof ReadableByteStreamController === 'function');
  } finally {
    await page.close?.();
  }
}

async function runFile(h, file, expect, byob) {
  const page = await h.newPage();
  try {
    await page.goto(`${h.base}/test/blank.html`);
    await page.evaluate(() => {
      const i = document.createElement('input');
      i.type = 'file';
      i.id = 'large-file';
      document.body.append(i);
    });
    await page.setInputFilePath('#large-file', file);
    // Warm up: the package and its worker loaded before the memory baseline.
    await page.evaluate(async () => { const s = await import('/pkg/index.js'); await s.init(); await s.prewarm(); });
    const mem = sampler();
    await page.evaluate(startOnPage, { expect, byob });
    await page.waitForFunction(() => window.__large !== null, null, { timeout: 3_600_000, polling: 1000 });
    const r = await page.evaluate(() => window.__large);
    return { ...r, growth: mem.stop() };
  } finally {
    await page.close?.();
  }
}

/**
 * The large-file rows for each browser engine in `engines` whose names `wants` accepts.
 * Returns result rows as bench.mjs writes them.
 */
export async function largeFiles({ root, quick, wants, engines, log }) {
  const gib = Number(process.env.LARGE_GIB ?? (quick ? 1 / 16 : 4));
  const label = (g) => (g >= 1 ? `${g} GiB` : `${g * 1024} MiB`);
  const reads = process.env.LARGE_READ ? [process.env.LARGE_READ === 'byob'] : [false, true];
  const named = (byob) => {
    const how = byob ? 'two-pass from a File, BYOB reader' : 'two-pass from a File';
    return {
      time: `stream decrypt ${label(gib)}: GnuPG 2.2 SEIPDv1, ${how}, time`,
      memory: `stream decrypt ${label(gib)}: GnuPG 2.2 SEIPDv1, ${how}, page process memory growth`,
    };
  };
  const flip = `stream decrypt ${label(gib / 4)} with one flipped bit: no plaintext, DECRYPTION_FAILED (time to verdict)`;
  const wanted = (byob) => wants(named(byob).time) || wants(named(byob).memory);
  if (!engines.length || !(reads.some(wanted) || wants(flip))) return [];
  if (spawnSync('gpg', ['--version']).status !== 0) {
    log('[large] gpg not found: large-file rows skipped');
    return [];
  }
  const { launch } = await import(pathToFileURL(path.join(root, 'tests/browser/harness.mjs')).href);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signet-bench-large-'));
  const rows = [];
  try {
    const whole = path.join(dir, 'large.gpg');
    const flipped = path.join(dir, 'flipped.gpg');
    const bytes = Math.round(gib * 1024 * MiB);
    log(`[large] gpg --symmetric of ${label(gib)} and ${label(gib / 4)}`);
    await gpgSymmetric(dir, bytes, whole);
    await gpgSymmetric(dir, bytes / 4, flipped);
    flipBit(flipped, Math.floor(bytes / 8));
    for (const engine of engines) {
      const h = await launch(engine);
      try {
        for (const byob of reads) {
          if (!wanted(byob)) continue;
          // No byte streams (WebKitGTK 2.50): no BYOB reader to measure.
          if (byob && !(await hasByteStreams(h))) continue;
          const names = named(byob);
          const r = await runFile(h, whole, null, byob);
          if (r.code) throw new Error(`[large] ${engine}: ${label(gib)} failed: ${r.code}`);
          if (r.released !== bytes) throw new Error(`[large] ${engine}: released ${r.released} of ${bytes} octets`);
          log(`[large] ${engine}: ${label(gib)}, ${byob ? 'BYOB' : 'default'} reader, in ${(r.ms / 1000).toFixed(1)} s (${(bytes / MiB / (r.ms / 1000)).toFixed(0)} MiB/s), phases ${r.phases.join(' → ')}, memory growth: page process ${(r.growth.page / MiB).toFixed(0)} MiB, all browser processes ${(r.growth.total / MiB).toFixed(0)} MiB`);
          const row = (name, ours, unit, peer, peerName) => ({
            name, env: engine, ours, peer, unit, ratio: peer == null ? null : peer / ours, peerName,
            oursStats: { median: ours, min: ours, max: ours, runs: 1 }, peerStats: null,
          });
          if (wants(names.time)) rows.push(row(names.time, r.ms, 'ms', null, 'goal: decrypts at all (OpenPGP.js fails at about 2 GB)'));
          if (wants(names.memory)) rows.push(row(names.memory, r.growth.page, 'bytes', 128 * MiB, `goal: under 128 MiB (all browser processes: ${(r.growth.total / MiB).toFixed(0)} MiB)`));
        }
        if (wants(flip)) {
          const r = await runFile(h, flipped, 'DECRYPTION_FAILED', false);
          log(`[large] ${engine}: flipped bit → ${r.code} after ${(r.ms / 1000).toFixed(1)} s, ${r.released} octets released`);
          if (r.released !== 0 || r.code !== 'DECRYPTION_FAILED') {
            throw new Error(`[large] ${engine}: a flipped bit gave ${r.code ?? 'success'} with ${r.released} octets released`);
          }
          rows.push({
            name: flip, env: engine, ours: r.ms, peer: null, unit: 'ms', ratio: null,
            peerName: 'goal: 0 octets released, DECRYPTION_FAILED (checked)',
            oursStats: { median: r.ms, min: r.ms, max: r.ms, runs: 1 }, peerStats: null,
          });
        }
      } finally {
        await h.close();
      }
    }
  } finally {
    spawnSync('gpgconf', ['--homedir', dir, '--kill', 'all']);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
