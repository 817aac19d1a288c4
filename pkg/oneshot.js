// One-shot `encrypt` / `decrypt` over the streams' engine drivers, in-thread.
//
// `decrypt` is the DecryptEngine of stream-worker.js (the one driver of the
// Rust engine, also behind `decryptStream`) over the whole message, for every
// option, version and cipher: Rust does every packet, key, limit and release
// rule; the AES-GCM bulk runs in WebCrypto (node:crypto in Node) where it
// exists; SEIPDv1's AES in node:crypto (Node) or in Wasm (SIMD), where in
// browsers the stream worker decrypts half of a large held body meanwhile.
// Errors are the engine's, and there is no second path: no S2K runs twice.
// `encrypt` drives the EncryptEngine the same way (signing keys stay here:
// the engine hashes, StreamSigner signs); only `sessionKeyOut` takes the Wasm
// `encrypt`, since the engine never hands its session key out.
import * as wasm from './wasm/signet_crypto.js';
import { EncryptEngine, DecryptEngine } from './stream-worker.js';
import { readOptions, canUseWorker, cfbRangeInWorker, openLane } from './stream.js';
import { signetError } from './errors.js';

/** Input handed to the engine per step (it copies it into Wasm memory). */
const STEP = 1 << 20;

/**
 * A buffer for `n` bytes that the caller overwrites entirely. In Node without
 * zero-filling it first (`Buffer.allocUnsafeSlow`: its own ArrayBuffer, not the
 * pool), which saves about a fifth of a 64 MiB one-shot call; returned as a
 * plain Uint8Array like the Wasm path's results.
 */
const allocFilled = globalThis.Buffer?.allocUnsafeSlow
  ? (n) => {
    const b = globalThis.Buffer.allocUnsafeSlow(n);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  }
  : (n) => new Uint8Array(n);

function concat(parts) {
  if (parts.length === 1 && parts[0].byteOffset === 0 && parts[0].length === parts[0].buffer.byteLength) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = allocFilled(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A one-shot decryption's result, gathered as the plaintext comes. Once the
 * message says how much data it holds (a literal data packet of definite
 * length: the engine's `literalLeft`, from the first chunk on), the chunks are
 * copied into one buffer of that length as they come, overlapping the AES of
 * the next ones, instead of being joined at the end. The length is the
 * sender's word: one over `max` (the message's own length) is not believed,
 * and a result that does not fill the buffer exactly is joined as before.
 */
class Sink {
  constructor(max) {
    this.max = max;
    this.parts = [];
    this.got = 0;
    this.buf = null;
    this.at = 0;
  }

  add(parts, left) {
    for (const p of parts) {
      this.got += p.length;
      if (this.buf && !this.parts.length && p.length <= this.buf.length - this.at) {
        this.buf.set(p, this.at);
        this.at += p.length;
      } else {
        this.parts.push(p);
      }
    }
    if (this.buf || left === undefined || this.got + left > this.max) return;
    this.buf = allocFilled(this.got + left);
    const early = this.parts;
    this.parts = [];
    this.got = 0;
    this.add(early);
  }

  take() {
    if (!this.buf) return concat(this.parts);
    if (this.at === this.buf.length && !this.parts.length) return this.buf;
    return concat([this.buf.subarray(0, this.at), ...this.parts]);
  }
}

const utf8 = (s) => new TextEncoder().encode(s);

/** A one-shot input (`data`, `message`) as bytes: a string is its UTF-8. */
function inputBytes(v, name) {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8(v);
  throw signetError('INVALID_ARGUMENT', v == null ? `${name} is required` : `${name} must be a Uint8Array or a string`);
}

/**
 * Encrypts (and optionally signs): the streams' engine driver (EncryptEngine)
 * run in-thread over the whole data, with the AES bulk (GCM chunks, SEIPDv1's
 * CBC jobs) in WebCrypto (node:crypto in Node) where it exists. Signing keys
 * stay on this thread: the engine hashes, `StreamSigner` signs, as for
 * `encryptStream`. Only `sessionKeyOut` takes the Wasm `encrypt` (the engine
 * never hands its session key out).
 * @param {import('./wasm/signet_crypto.js').EncryptOptions} options
 */
export async function encrypt(options) {
  const o = readOptions(options, 'encrypt');
  // The Wasm `encrypt` also checks the option (true or false, else INVALID_ARGUMENT).
  if (o.sessionKeyOut != null && o.sessionKeyOut !== false) return wasm.encrypt(o);
  const bytes = inputBytes(o.data, 'data');
  const { encryptionKeys, passwords, signingKeys, seipd, limits } = o;
  const armor = o.armor ?? true;
  const signs = signingKeys != null && !(Array.isArray(signingKeys) && signingKeys.length === 0);
  let signer = signs ? new wasm.StreamSigner(signingKeys) : null;
  let eng = null;
  try {
    eng = new EncryptEngine(wasm, {
      encryptionKeys, passwords, armor, seipd, limits, dataLength: bytes.length,
      // In browsers a large body's AES (SEIPDv1's CBC, or GCM where WebCrypto
      // blocks this thread) runs in the stream worker.
      openLane: canUseWorker() ? openLane : null,
      // Where the length is known in advance, the output goes into one buffer.
      alloc: allocFilled,
      ...(signer && { onePass: signer.specs(), sign: async (digests) => signer.sign(digests) }),
    });
    const parts = [];
    for (let off = 0; off < bytes.length; off += STEP) parts.push(...await eng.push(bytes.subarray(off, off + STEP)));
    parts.push(...await eng.finish());
    const out = concat(parts);
    return armor ? new TextDecoder().decode(out) : out;
  } finally {
    eng?.free();
    signer?.free();
    signer = null;
  }
}

/**
 * Decrypts and checks signatures inside: the streams' engine driver
 * (DecryptEngine) run in-thread over the whole message, with the AES-GCM bulk
 * in WebCrypto (node:crypto in Node) where it exists. Every option, version
 * and cipher takes this one path; nothing is returned unless the whole
 * message authenticated.
 * @param {import('./wasm/signet_crypto.js').DecryptOptions} options
 */
export async function decrypt(options) {
  const { message, decryptionKeys, passwords, verificationKeys, limits } = readOptions(options, 'decrypt');
  const bytes = inputBytes(message, 'message');
  // The options are checked (as `decrypt` always checked them) before any
  // message work; `messageLength` refuses a message over the limit.
  // In browsers a held SEIPDv1 body shares its software AES with the stream worker.
  const eng = new DecryptEngine(wasm, {
    decryptionKeys, passwords, verificationKeys, limits, messageLength: bytes.length,
    rangeInWorker: canUseWorker() ? cfbRangeInWorker : null,
    openLane: canUseWorker() ? openLane : null,
  });
  try {
    const sink = new Sink(bytes.length);
    for (let off = 0; off < bytes.length;) {
      // A held SEIPDv1 body goes in one push: copied once, decrypted in one call.
      const n = eng.holds ? bytes.length - off : STEP;
      sink.add(await eng.push(bytes.subarray(off, off + n)), eng.literalLeft);
      off += n;
    }
    sink.add(await eng.finish());
    return { data: sink.take(), signatures: eng.signatures };
  } finally {
    eng.free();
  }
}
