// Browser / ESM entry. Call `await init()` once before using any other export; it
// fetches and instantiates the .wasm next to this file (or the source you pass).
import initWasm, { getVersion as versions } from './wasm/signet_crypto.js';
import { setStreamWasmModule, useSpill } from './stream.js';
import { opfsSpillAvailable, makeOpfsSpill } from './opfs-spill.js';
import { loader } from './load.js';

// In a dedicated worker, a one-shot SEIPDv1 stream is copied to OPFS for its second pass.
if (opfsSpillAvailable()) useSpill(makeOpfsSpill);

// The package's API (the README's API table): one explicit list, in api.js.
export * from './api.js';

// The compiled module goes to the streaming worker too (no second fetch and compile).
const wasm = loader(initWasm, new URL('./wasm/signet_crypto_bg.wasm', import.meta.url), setStreamWasmModule);

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384: wasm.wasmSha384() };
}

/**
 * Loads the WebAssembly module. Safe to call more than once: later calls return
 * the first call's promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export const init = wasm.init;
