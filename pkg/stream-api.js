// The `signet-crypto/stream` entry in Node (browsers: stream-browser.js): the streaming functions only (stream.js
// also holds the worker plumbing the package shares internally).
export { encryptStream, decryptStream, prewarm } from './stream.js';
