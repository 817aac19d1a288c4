import * as signet from 'signet-crypto';
import { readFileSync } from 'node:fs';
import { setUp, optionCases, healthCheck } from './runner.mjs';
const dir = new URL('./', import.meta.url);
const fx = JSON.parse(readFileSync(new URL('fixtures.json', dir)));
const ctx = await setUp(signet, fx);
ctx.codes = new Set(signet.errorCodes());
for (const [name, fn] of Object.entries(optionCases(ctx))) {
  let o = 'ok';
  try { await fn(); } catch (e) { o = ctx.codes.has(e?.code) ? e.code : `UNTYPED ${e?.name}: ${e?.message}`; }
  let h = 'healthy'; try { await healthCheck(ctx); } catch (e) { h = String(e); }
  console.log(name.padEnd(45), o, h);
}
