// Browser / ESM entry. Call `await init()` once before using any other export; it
// fetches and instantiates the .wasm next to this file (or the source you pass).
import initWasm from './wasm/signet_crypto.js';
import { setStreamWasmModule } from './stream.js';

// The package's API (the README's API table): one explicit list, in api.js.
export * from './api.js';

let ready;

/**
 * Compiles the module ourselves (rather than letting the glue instantiate it)
 * so the compiled `WebAssembly.Module` can be handed to the streaming worker,
 * which then skips fetching and compiling the 5 MB module again.
 */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request)) {
    source = fetch(source);
  }
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`failed to fetch Wasm: ${source.status} ${source.statusText} fetching '${source.url}'`);
    if (typeof WebAssembly.compileStreaming === 'function' && source.headers.get('Content-Type') === 'application/wasm') {
      return WebAssembly.compileStreaming(source);
    }
    return WebAssembly.compile(await source.arrayBuffer());
  }
  return WebAssembly.compile(source);
}

/**
 * Loads the WebAssembly module. Safe to call more than once: later calls return
 * the first call's promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export function init(source) {
  ready ??= compile(source ?? new URL('./wasm/signet_crypto_bg.wasm', import.meta.url))
    .then((module) => {
      setStreamWasmModule(module);
      return initWasm({ module_or_path: module });
    })
    .then(() => undefined);
  return ready;
}
