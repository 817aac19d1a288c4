// The browser entries' loader (index.js, notes.js): compiles the Wasm itself rather
// than letting the glue do it, so the compiled `WebAssembly.Module` can be handed on
// (the full entry gives it to the streaming worker, which then skips fetching and
// compiling it again), and notes the SHA-384 of the bytes for `getVersion()`.

// The smallest module that uses Wasm SIMD: one function `() -> v128` returning
// `v128.const 0`. An engine without SIMD fails to validate it.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: func () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: no locals, v128.const
  ...new Array(16).fill(0), 0x0b, // the constant's 16 bytes, end
]);

/**
 * Throws an `UNSUPPORTED` error unless the engine has Wasm SIMD (`simd128`),
 * which the module is built with (its bitsliced AES); without this check the
 * engine would fail later with a bare `CompileError`.
 */
export function requireWasmSimd() {
  if (typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE)) return;
  const e = new Error(
    'this JavaScript engine lacks WebAssembly SIMD (simd128), which signet-crypto needs: ' +
      'Chrome/Edge 91+, Firefox 89+, Safari 16.4+, Node 16.4+',
  );
  e.code = 'UNSUPPORTED';
  throw e;
}

async function sri(bytes) {
  if (!globalThis.crypto?.subtle) return null; // not a secure context: the hash stays unknown
  const d = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
  return `sha384-${btoa(String.fromCharCode(...d))}`;
}

/**
 * Compiles `source` (URL, Request, Response, bytes or a compiled Module) while
 * downloading when the server sends `application/wasm` (`compileStreaming`).
 * Resolves to `{ module, sha384 }` (sha384 null for a given Module).
 */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return { module: source, sha384: null };
  if (typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request)) {
    source = fetch(source);
  }
  source = await source;
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`failed to fetch Wasm: ${source.status} ${source.statusText} fetching '${source.url}'`);
    if (typeof WebAssembly.compileStreaming === 'function' && source.headers.get('Content-Type') === 'application/wasm') {
      const [module, sha384] = await Promise.all([WebAssembly.compileStreaming(source.clone()), source.arrayBuffer().then(sri)]);
      return { module, sha384 };
    }
    source = await source.arrayBuffer();
  }
  const [module, sha384] = await Promise.all([WebAssembly.compile(source), sri(source)]);
  return { module, sha384 };
}

/**
 * An entry's `init(source?)` and a getter for the hash of the Wasm it ran:
 * `initWasm` is the glue's default export, `defaultUrl` the .wasm beside the entry,
 * `onModule` (optional) receives the compiled module before instantiation.
 * Later calls of `init` return the first call's promise.
 */
export function loader(initWasm, defaultUrl, onModule) {
  let ready;
  let sha384 = null;
  const init = (source) => {
    ready ??= Promise.resolve()
      .then(requireWasmSimd)
      .then(() => compile(source ?? defaultUrl))
      .then((c) => {
        sha384 = c.sha384;
        onModule?.(c.module);
        return initWasm({ module_or_path: c.module });
      })
      .then(() => undefined);
    return ready;
  };
  return { init, wasmSha384: () => sha384 };
}
