// Node entry: reads the .wasm from disk and instantiates it synchronously on import.
import { readFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { initSync } from './wasm/signet_crypto.js';
import { useNativeGcm } from './stream-worker.js';

export * from './wasm/signet_crypto.js';
export { encryptStream, decryptStream, prewarm } from './stream.js';
// AES-GCM bulk through WebCrypto where possible (shadows the Wasm exports).
export { encrypt, decrypt } from './oneshot.js';

initSync({ module: readFileSync(new URL('./wasm/signet_crypto_bg.wasm', import.meta.url)) });

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

/** Already initialised on import in Node; kept so code can call `init()` everywhere. */
export async function init() {}
