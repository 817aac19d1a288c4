// Manual benchmark (not run by `make test`): node tests/browser/stream-bench.mjs [MiB]
// Streaming API in headless Chromium (module Worker) vs OpenPGP.js 6.3.2 and raw WebCrypto.
import { launch } from './harness.mjs';

const sizeMiB = Number(process.argv[2] ?? 64);
const only = process.env.BENCH_ONLY ?? '';
const modes = (process.env.BENCH_WORKER ?? 'true,false').split(',').map((m) => m === 'true');
const h = await launch();
try {
  const page = await h.newPage();
  await page.goto(`${h.base}/test/blank.html`);
  const version = await h.browser.version();
  for (const worker of modes) {
    const r = await page.evaluate(async ({ sizeMiB, worker, only }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const openpgp = await import('/vendor/openpgp/openpgp.min.mjs');
      const { runStreamBench } = await import('/test/stream-bench.mjs');
      return runStreamBench(s, openpgp, { sizeMiB, worker, only });
    }, { sizeMiB, worker, only });
    console.log(`Chromium ${version}, ${sizeMiB} MiB, MiB/s, ${worker ? 'worker' : 'main thread'}`);
    console.table(r);
  }
  if (h.errors?.length) console.log(h.errors);
} finally {
  await h.close();
}
