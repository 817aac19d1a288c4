// Node entry: reads the .wasm from disk and instantiates it synchronously on import.
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/signet_crypto.js';

export * from './wasm/signet_crypto.js';
export { encryptStream, decryptStream, prewarm } from './stream.js';
// AES-GCM bulk through WebCrypto where possible (shadows the Wasm exports).
export { encrypt, decrypt } from './oneshot.js';

initSync({ module: readFileSync(new URL('./wasm/signet_crypto_bg.wasm', import.meta.url)) });

/** Already initialised on import in Node; kept so code can call `init()` everywhere. */
export async function init() {}
