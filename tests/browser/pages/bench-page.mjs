// Runs the shared cases against the release package and OpenPGP.js's browser build.
// scripts/bench.mjs drives this page and reads `window.benchDone`.
import * as s from '/pkg/index.js';
// The package's glue module (the same instance): its Wasm memory size for the notes rows.
import { initSync } from '/pkg/wasm/signet_crypto.js';
import * as openpgp from '/vendor/openpgp/openpgp.min.mjs';
import { runCases } from './bench-cases.mjs';

const q = new URLSearchParams(location.search);
const out = document.getElementById('out');
// Rows as they come: scripts/bench.mjs reads them while it polls, so an engine
// whose page dies keeps the rows measured before.
window.benchRows = [];
try {
  await s.init();
  await runCases({
    s,
    openpgp,
    quick: q.get('quick') === '1',
    only: q.get('only') ?? '',
    part: q.get('part'),
    wasmMemory: () => initSync().memory.buffer.byteLength,
    onRow: (row) => window.benchRows.push(row),
    log: (l) => {
      console.log(l);
      out.textContent += `\n${l}`;
    },
  });
  // The rows went out one by one (benchRows); this only says the part is over.
  window.benchDone = { crossOriginIsolated: self.crossOriginIsolated };
} catch (e) {
  console.log(`bench error: ${e?.stack ?? e}`);
  window.benchDone = { error: String(e?.stack ?? e) };
}
