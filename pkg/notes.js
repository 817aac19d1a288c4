// Browser entry `signet-crypto/notes`: key wrapping and the notes vault only, from
// a Wasm build without OpenPGP (a fraction of the full module's download and
// compile). Call `await init()` once before using any other export.
import initWasm, { getVersion as versions } from './wasm/signet_notes.js';
import { loader } from './load.js';

export * from './notes-api.js';

const wasm = loader(initWasm, new URL('./wasm/signet_notes_bg.wasm', import.meta.url));

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384: wasm.wasmSha384() };
}

/**
 * Loads the notes module's WebAssembly. Safe to call more than once: later calls
 * return the first call's promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export const init = wasm.init;
