import * as signet from 'signet-crypto';
import { readFileSync } from 'node:fs';
import { setUp, runCase, wasmMemory } from './runner.mjs';
const dir = new URL('./', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir)));
const fx = JSON.parse(readFileSync(new URL('fixtures.json', dir)));
const ctx = await setUp(signet, fx);
const mem = wasmMemory(signet);
for (const c of cases) {
  const before = mem.buffer.byteLength; const t = Date.now();
  const o = await runCase(ctx, c, new Uint8Array(readFileSync(new URL('corpus/' + c.file, dir))));
  const exp = c.expect === 'ok' ? ['ok'] : c.expect;
  const grew = (mem.buffer.byteLength - before) / 1048576;
  if (!exp.includes(o) || grew > 8 || Date.now() - t > 3000) console.log(c.name, o, 'expected', JSON.stringify(exp), 'grew', grew, 'ms', Date.now() - t);
}
