// Large files in the web page (issue #21, point 6), in every engine: a 300 MiB file
// decrypts as a stream (not in memory), with the memory it took reported, progress that
// moves steadily with the banner and the bar saying the same, and a cancel that answers
// at once. The ciphertext is made in Node by the package itself (its stream API).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import * as signet from 'signet-crypto';
import { forEachEngine } from './harness.mjs';

const MiB = 1 << 20;
const SIZE = 300 * MiB;
const PASSWORD = 'mật khẩu tệp lớn';

/** Writes a SIZE-byte random file's ciphertext (password, streamed) to `path`; returns
 *  the plaintext's SHA-256. */
async function makeCiphertext(path) {
  const hash = createHash('sha256');
  let left = SIZE;
  const data = new ReadableStream({
    pull(c) {
      if (!left) return c.close();
      const n = Math.min(4 * MiB, left);
      const chunk = randomBytes(n);
      hash.update(chunk);
      left -= n;
      c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, n));
    },
  }, { highWaterMark: 0 });
  const out = createWriteStream(path);
  for await (const part of await signet.encryptStream({ data, passwords: [PASSWORD] })) {
    if (!out.write(part)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Resident memory (KiB) of every process below this one: the browser, its renderers
 *  and workers (RSS counts shared pages in each; it is an upper bound, fine for a cap). */
function treeRssKiB() {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  let total = 0;
  for (const pid of parent.keys()) {
    let p = pid;
    while (p > 1 && p !== process.pid) p = parent.get(p) ?? 0;
    if (p !== process.pid || pid === process.pid) continue;
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

let tmp;
let cipherPath;
let plainSha;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'signet-www-large-'));
  cipherPath = join(tmp, 'hoso-lon.bin.gpg');
  plainSha = await makeCiphertext(cipherPath);
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

forEachEngine(({ h, test, engine }) => {
  let context;
  let page;

  before(async () => {
    context = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await context.addInitScript(() => { delete window.showSaveFilePicker; });
    page = await h.newPage(context);
    await page.goto(`${h.base}/`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    await page.click('#tab-files');
  });
  after(async () => {
    await context?.close().catch(() => {});
  });

  const dict = (key) => page.evaluate(async (k) => (await import('/i18n.js')).dictionaries.vi[k], key);

  test('a 300 MiB file decrypts as a stream: memory reported, steady progress, banner and bar agree', async () => {
    await page.setInputFiles('#file-input', cipherPath);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.fill('#file-pass', PASSWORD);
    // Sample the bar and the banner together, in the page, every 100 ms.
    await page.evaluate(() => {
      window.__samples = [];
      window.__sampler = setInterval(() => {
        const p = document.getElementById('progress');
        const m = document.getElementById('files-msg');
        window.__samples.push({ value: p.hasAttribute('value') ? p.value : null, banner: m.textContent, kind: m.dataset.kind ?? '' });
      }, 100);
    });
    const base = treeRssKiB();
    // Peak while the stream runs (until the bar is full), and peak overall: the second
    // includes the hand-off of the output Blob, which the test harness then uploads.
    let peakStream = base;
    let peak = base;
    let streaming = true;
    const rss = setInterval(() => {
      const now = treeRssKiB();
      peak = Math.max(peak, now);
      if (streaming) peakStream = Math.max(peakStream, now);
    }, 200);
    const watch = (async () => {
      while (streaming) {
        const v = await page.evaluate(() => document.getElementById('progress').value).catch(() => 1);
        if (v >= 0.99) streaming = false;
        else await new Promise((ok) => setTimeout(ok, 100));
      }
    })();
    let uaMemory = null;
    const t0 = Date.now();
    let dec;
    try {
      const started = page.download('#decrypt-btn', 600_000);
      if (engine === 'chromium') {
        // Renderer and workers as the browser counts them, halfway through.
        await page.waitForFunction(() => document.getElementById('progress').value > 0.5, null, { timeout: 300_000 });
        uaMemory = await page.evaluate(() => Promise.race([
          performance.measureUserAgentSpecificMemory?.().then((m) => m.bytes) ?? null,
          new Promise((ok) => setTimeout(() => ok(null), 30_000)),
        ])).catch(() => null);
      }
      dec = await started;
    } finally {
      streaming = false;
      await watch;
      clearInterval(rss);
    }
    const ms = Date.now() - t0;
    const samples = await page.evaluate(() => {
      clearInterval(window.__sampler);
      return window.__samples;
    });
    assert.equal(dec.name, 'hoso-lon.bin');
    assert.equal(dec.bytes.length, SIZE);
    assert.equal(createHash('sha256').update(dec.bytes).digest('hex'), plainSha);
    dec.bytes = null;
    // Streamed, and checked for signatures as it streamed: there are none.
    assert.equal(await page.getAttribute('#sig-status', 'data-state'), 'none');

    // Progress: one measured phase, many distinct values, no long plateau, and the
    // banner's percentage is the bar's.
    const busy = samples.filter((s) => s.kind === 'busy' && s.value !== null && s.value > 0 && s.value < 1);
    const distinct = new Set(busy.map((s) => s.value));
    assert.ok(distinct.size >= 5, `${distinct.size} distinct progress values`);
    let run = 0;
    let longest = 0;
    for (let i = 1; i < busy.length; i++) {
      run = busy[i].value === busy[i - 1].value ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assert.ok(longest < busy.length / 2, `progress held one value for ${longest} of ${busy.length} samples`);
    for (const s of busy) {
      assert.ok(s.banner.endsWith(`${Math.floor(s.value * 100)} %`), `banner "${s.banner}" vs bar ${s.value}`);
    }
    assert.equal(samples.filter((s) => s.value === null).length, 0, 'a streamed run is always measured');

    const wasmPeak = Number(await page.getAttribute('#file-stats', 'data-wasm-peak')) || null;
    const grewMiB = Math.round((peakStream - base) / 1024);
    const grewAllMiB = Math.round((peak - base) / 1024);
    console.log(`# www large (${engine}): 300 MiB streamed decrypt in ${ms} ms (machine loaded by parallel builds); ` +
      `browser process tree RSS +${grewMiB} MiB while streaming, +${grewAllMiB} MiB with the download hand-off (peak ${Math.round(peak / 1024)} MiB)` +
      `${uaMemory ? `; measureUserAgentSpecificMemory ${Math.round(uaMemory / MiB)} MiB` : ''}` +
      `${wasmPeak ? `; crypto worker Wasm memory ${Math.round(wasmPeak / MiB)} MiB` : ''}`);
    // Memory mode held several copies (1.5-1.75 GB for 200 MiB); the stream holds the
    // output's Blob pieces (the download, where no save picker streams it to disk:
    // Firefox and WebKit keep them in memory, and the transferred pieces they copy until
    // GC), plus a few MiB. Measured +500 (Chromium, Firefox) to +680..1075 MiB (WebKit,
    // whose collector runs late). RSS counts shared pages per process: a loose cap, half
    // of memory mode's ~8x. WebKit's late collector reached +1523 MiB (5.1x) in one
    // clean-clone run: its cap is 6x, still below memory mode.
    const cap = (engine === 'webkit' ? 6 : 4) * SIZE / MiB;
    assert.ok(grewMiB < cap, `browser memory grew by ${grewMiB} MiB while streaming a ${SIZE / MiB} MiB file`);
    assert.deepEqual(page.errors, []);
  });

  test('cancel answers at once, then stops the stream and offers nothing', async () => {
    await page.setInputFiles('#file-input', cipherPath);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.fill('#file-pass', PASSWORD);
    const downloads = await page.downloadCount();
    await page.$eval('#files-msg', (m) => { m.textContent = ''; delete m.dataset.kind; });
    await page.click('#decrypt-btn');
    await page.waitForFunction(() => document.getElementById('progress').value > 0.05, null, { timeout: 120_000 });
    const t0 = Date.now();
    await page.click('#cancel-btn');
    // The click's own handler answers: "cancelling", and the button is spent.
    const now = await page.$eval('#files-msg', (m) => m.textContent);
    assert.ok([await dict('files.cancelling'), await dict('files.cancelled')].includes(now), now);
    await page.waitForTimeout(150); // progress ticks arriving meanwhile do not overwrite it
    const later = await page.$eval('#files-msg', (m) => m.textContent);
    assert.ok([await dict('files.cancelling'), await dict('files.cancelled')].includes(later), later);
    await page.waitForFunction(() => document.getElementById('files-msg').dataset.kind === 'ok', null, { timeout: 60_000 });
    const cancelMs = Date.now() - t0;
    assert.equal(await page.textContent('#files-msg'), await dict('files.cancelled'));
    assert.equal(await page.$eval('#progress', (p) => p.value), 0);
    assert.equal(await page.$eval('#download', (d) => d.children.length), 0);
    await page.waitForTimeout(500);
    assert.equal(await page.downloadCount(), downloads);
    console.log(`# www large (${engine}): cancel took effect ${cancelMs} ms after the click (loaded machine)`);
    assert.deepEqual(page.errors, []);
  });
});
