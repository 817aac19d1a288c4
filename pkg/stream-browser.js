// The `signet-crypto/stream` entry in browsers and bundlers: the streaming functions of
// the bundled full entry (index.min.js), so that a page importing both `signet-crypto`
// and `signet-crypto/stream` runs one Wasm instance, initialised by one `init()`.
export { encryptStream, decryptStream, prewarm } from './index.min.js';
