// The package's API: exactly the README's API table (tests/node/packaging.test.mjs
// compares them). Internal hooks of the glue (native AES, SEIPDv1 ranges, stream
// engines, test hooks) are deliberately not re-exported.
export {
  generateKey, readKey, unlockKey, PrivateKey, exportPrivateKey, revokeKey, sign, verify,
  decryptSessionKey, messageRecipients,
  generateWrapKeyPair, WrapSecretKey, importWrapSecretKey, wrapKey, unwrapKey, envelopeRecipients,
  wrapPublicKeyId, wrapPublicKeyToText, wrapPublicKeyFromText,
  NoteVault,
  getVersion, errorCodes,
} from './wasm/signet_crypto.js';
export { encryptStream, decryptStream, prewarm } from './stream.js';
// AES bulk through WebCrypto / node:crypto where possible, over the Wasm functions.
export { encrypt, decrypt } from './oneshot.js';
