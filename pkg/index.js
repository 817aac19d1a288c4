// Browser / ESM entry. Call `await init()` once before using any other export; it
// fetches and instantiates the .wasm next to this file (or the source you pass).
import initWasm, { getVersion as versions } from './wasm/signet_crypto.js';
import { setStreamWasmModule, useSpill } from './stream.js';
import { opfsSpillAvailable, makeOpfsSpill } from './opfs-spill.js';

// In a dedicated worker, a one-shot SEIPDv1 stream is copied to OPFS for its second pass.
if (opfsSpillAvailable()) useSpill(makeOpfsSpill);

// The package's API (the README's API table): one explicit list, in api.js.
export * from './api.js';

let ready;
/** SRI form of the SHA-384 of the Wasm bytes compiled by `init()` (null: given a compiled Module). */
let wasmSha384 = null;

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384 };
}

async function sha384(bytes) {
  if (!globalThis.crypto?.subtle) return; // not a secure context: the hash stays unknown
  const d = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
  wasmSha384 = `sha384-${btoa(String.fromCharCode(...d))}`;
}

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
      const hashed = source.clone().arrayBuffer().then(sha384);
      return (await Promise.all([WebAssembly.compileStreaming(source), hashed]))[0];
    }
    source = await source.arrayBuffer();
  }
  await sha384(source);
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
