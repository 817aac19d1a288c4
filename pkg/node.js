// Node entry: reads the .wasm from disk and instantiates it synchronously on import.
import { readFileSync, openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { initSync, useNativeAes, getVersion as versions } from './wasm/signet_crypto.js';
import { useNativeGcm } from './stream-worker.js';
import { useFileOpener } from './stream.js';

// The package's API (the README's API table): one explicit list, in api.js.
export * from './api.js';

const wasm = readFileSync(new URL('./wasm/signet_crypto_bg.wasm', import.meta.url));
initSync({ module: wasm });
const wasmSha384 = `sha384-${createHash('sha384').update(wasm).digest('base64')}`;

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384 };
}

// The streams' and one-shot functions' AES bulk (GCM; CBC for SEIPDv1) through node:crypto
// (OpenSSL, synchronous: no promise and thread-pool hop per chunk as with
// `crypto.subtle`). Decryption output is released only after `final()` checked the tag.
useNativeGcm({
  seal(key, nonce, ad, input) {
    const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
    c.setAAD(ad);
    const ct = c.update(input);
    c.final();
    return [ct, c.getAuthTag()];
  },
  cbc(key, iv, input) {
    const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
    c.setAutoPadding(false);
    const out = c.update(input);
    c.final();
    return out;
  },
  open(key, nonce, ad, input) {
    const n = input.length - 16;
    const d = createDecipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
    d.setAAD(ad);
    d.setAuthTag(input.subarray(n));
    const pt = d.update(input.subarray(0, n));
    d.final();
    return pt;
  },
});

// SEIPDv1 decryption's AES (ECB over the shifted ciphertext gives the CFB key
// stream, eight blocks at a time with AES-NI) and MDC SHA-1 through node:crypto
// as well: the Wasm build's AES is software, browsers have no route for it.
// Rust forms the plaintext, compares the MDC and releases nothing before.
useNativeAes({
  ecbEncrypt(key, data) {
    const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    c.setAutoPadding(false);
    data.set(c.update(data));
    c.final();
    return true;
  },
  sha1(data) {
    return createHash('sha1').update(data).digest();
  },
});

// decryptStream({ message: path }): the file is read twice (SEIPDv1 two-pass).
// stat first: openAsBlob reports a missing file only as an invalid argument.
useFileOpener(async (path) => {
  await stat(path);
  return openAsBlob(path);
});

/** Already initialised on import in Node; kept so code can call `init()` everywhere. */
export async function init() {}
