// Node entry of `signet-crypto/notes`: instantiates the notes module's .wasm from
// disk on import.
import { initSync, getVersion as versions } from './wasm/signet_notes.js';
import { loadSync } from './load-node.js';

export * from './notes-api.js';

const wasmSha384 = loadSync(initSync, new URL('./wasm/signet_notes_bg.wasm', import.meta.url));

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384 };
}

/** Already initialised on import in Node; kept so code can call `init()` everywhere. */
export async function init() {}
