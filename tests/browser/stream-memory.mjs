// Manual measurement (not run by `make test`): node tests/browser/stream-memory.mjs [MiB]
// Decrypts a generated message of the given size (default 1024 MiB) in headless
// Chromium through decryptStream (shared worker, WebCrypto backend) and reports
// peak retained page memory (JS heap + ArrayBuffer backing stores after a forced
// GC, sampled every 100 ms over CDP) and the worker's Wasm memory. The message is
// produced on the fly by encryptStream, so neither side ever holds it whole.
import { launch } from './harness.mjs';

const sizeMiB = Number(process.argv[2] ?? 1024);
const h = await launch();
try {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  const cdp = await page.context().newCDPSession(page);
  const retained = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const u = await cdp.send('Runtime.getHeapUsage');
    return u.usedSize + (u.backingStorageSize ?? 0);
  };
  await page.evaluate(async () => { const s = await import('/pkg/index.js'); await s.init(); await s.prewarm(); });
  const base = await retained();
  let peak = base;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await retained());
      await new Promise((ok) => setTimeout(ok, 100));
    }
  })();
  const r = await page.evaluate(async (sizeMiB) => {
    const s = await import('/pkg/index.js');
    const MiB = 1 << 20;
    const block = new Uint8Array(MiB);
    for (let i = 0; i < MiB; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
    let n = 0;
    const source = new ReadableStream({
      pull(c) { if (n++ >= sizeMiB) return c.close(); c.enqueue(block.slice()); },
    }, { highWaterMark: 0 });
    const g = await s.generateKey({ userIds: ['M <m@example.gov.vn>'], profile: 'rfc9580' });
    const key = await s.unlockKey(g.privateKey);
    let wasm = 0;
    const seen = (p) => { wasm = Math.max(wasm, p.wasmMemory ?? 0); };
    const t0 = performance.now();
    const ct = await s.encryptStream({ data: source, encryptionKeys: [g.publicKey], onProgress: seen });
    const pt = await s.decryptStream({ message: ct, decryptionKeys: [key], onProgress: seen });
    let total = 0;
    for await (const c of pt) total += c.length;
    key.free();
    return { total, ms: performance.now() - t0, wasm };
  }, sizeMiB);
  running = false;
  await sampler;
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(`${sizeMiB} MiB encryptStream -> decryptStream in Chromium: ${r.total === sizeMiB * 2 ** 20 ? 'ok' : 'LENGTH MISMATCH'}, `
    + `${(sizeMiB / (r.ms / 1000)).toFixed(0)} MiB/s end to end; peak retained page memory growth ${mib(peak - base)} MiB; `
    + `worker Wasm memory ${mib(r.wasm)} MiB; total ${mib(peak - base + r.wasm)} MiB`);
} finally {
  await h.close();
}
