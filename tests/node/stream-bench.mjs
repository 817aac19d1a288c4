// Manual benchmark (not run by `make test`): node tests/node/stream-bench.mjs [MiB]
// Streaming API in Node (in-thread engine) vs OpenPGP.js and raw WebCrypto.
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import { runStreamBench } from '../browser/pages/stream-bench.mjs';

await s.init();
const sizeMiB = Number(process.argv[2] ?? 64);
const r = await runStreamBench(s, openpgp, { sizeMiB, only: process.env.BENCH_ONLY ?? '' });
console.log(`Node ${process.version}, ${sizeMiB} MiB, MiB/s`);
console.table(r);
