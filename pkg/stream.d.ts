// Types of the `signet-crypto/stream` entry: the streaming functions only.
export { encryptStream, decryptStream, prewarm } from './index.js';
export type {
  EncryptStreamOptions,
  DecryptStreamOptions,
  DecryptedStream,
  StreamProgress,
  RereadableMessage,
  SignetStreamError,
} from './index.js';
