// The notes entry's API (`signet-crypto/notes`, the README's notes-entry row): key
// wrapping and the notes vault, from the small Wasm build without OpenPGP.
export {
  generateWrapKeyPair, WrapSecretKey, importWrapSecretKey, wrapKey, unwrapKey, envelopeRecipients,
  wrapPublicKeyId, wrapPublicKeyToText, wrapPublicKeyFromText,
  NoteVault,
  errorCodes,
} from './wasm/signet_notes.js';
