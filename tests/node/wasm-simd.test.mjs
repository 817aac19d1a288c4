// The loaders' start-up check for Wasm SIMD (the module is built with simd128 for its
// bitsliced AES): an engine without it gets a clear UNSUPPORTED error from init() (and
// from importing a Node entry), not a bare CompileError.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loader, requireWasmSimd } from '../../pkg/load.js';

/** Runs `fn` with WebAssembly.validate answering as an engine without SIMD would. */
async function withoutSimd(fn) {
  const validate = WebAssembly.validate;
  WebAssembly.validate = (bytes) => {
    // The probe is the only module here that uses a SIMD opcode (prefix 0xfd).
    if (new Uint8Array(bytes).includes(0xfd)) return false;
    return validate(bytes);
  };
  try {
    return await fn();
  } finally {
    WebAssembly.validate = validate;
  }
}

test('this Node has Wasm SIMD: the check passes', () => {
  assert.doesNotThrow(requireWasmSimd);
});

test('without SIMD the check throws UNSUPPORTED naming simd128', async () => {
  await withoutSimd(() => {
    assert.throws(requireWasmSimd, (e) => e.code === 'UNSUPPORTED' && /SIMD \(simd128\)/.test(e.message));
  });
});

test('without SIMD init() rejects with UNSUPPORTED before fetching or compiling', async () => {
  let instantiated = false;
  const { init } = loader(async () => {
    instantiated = true;
  }, 'file:///nonexistent.wasm');
  await withoutSimd(() => assert.rejects(init(), (e) => e.code === 'UNSUPPORTED'));
  assert.equal(instantiated, false);
});
