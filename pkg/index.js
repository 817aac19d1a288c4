// Browser / ESM entry. Call `await init()` once before using any other export; it
// fetches and instantiates the .wasm next to this file (or the source you pass).
import initWasm from './wasm/signet_crypto.js';

export * from './wasm/signet_crypto.js';
export { encryptStream, decryptStream } from './stream.js';

let ready;

/**
 * Loads the WebAssembly module. Safe to call more than once: later calls return
 * the first call's promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export function init(source) {
  ready ??= initWasm({
    module_or_path: source ?? new URL('./wasm/signet_crypto_bg.wasm', import.meta.url),
  }).then(() => undefined);
  return ready;
}
