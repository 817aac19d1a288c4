// One-shot `encrypt` / `decrypt` over the streams' engine drivers, in-thread.
//
// `decrypt` is the DecryptEngine of stream-worker.js (the one driver of the
// Rust engine, also behind `decryptStream`) over the whole message, for every
// option, version and cipher: Rust does every packet, key, limit and release
// rule; the AES-GCM bulk runs in WebCrypto (node:crypto in Node) where it
// exists; SEIPDv1's AES in node:crypto (Node) or in Wasm (SIMD), where in
// browsers the stream worker decrypts half of a large held body meanwhile.
// Errors are the engine's, and there is no second path: no S2K runs twice.
// `encrypt` drives the EncryptEngine the same way for the common cases
// (without signing or custom limits: SEIPDv2 AES-GCM, or SEIPDv1 through
// AES-CBC); signing, custom limits or unknown options go to the Wasm function.
import * as wasm from './wasm/signet_crypto.js';
import { EncryptEngine, DecryptEngine } from './stream-worker.js';
import { readOptions, canUseWorker, cfbRangeInWorker } from './stream.js';
import { signetError } from './errors.js';

const subtle = globalThis.crypto?.subtle;
/** Input handed to the engine per step (it copies it into Wasm memory). */
const STEP = 1 << 20;
/** The one-shot functions' default `limits.maxMessageSize`: beyond it they refuse. */
const MAX_MESSAGE = 256 << 20;

const isPlain = (o) => !!o && typeof o === 'object' && !Array.isArray(o);
const isStrings = (v) => v === undefined || (Array.isArray(v) && v.every((p) => typeof p === 'string'));
const isArray = (v) => v === undefined || Array.isArray(v);

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

const utf8 = (s) => new TextEncoder().encode(s);

/** The options the fast path understands, or null (then the Wasm path decides). */
function encryptPlan(o) {
  try {
    if (!subtle || !isPlain(o)) return null;
    const { data, encryptionKeys, passwords, signingKeys, armor, seipd, ...rest } = o;
    if (Object.keys(rest).length) return null; // `limits` or anything unexpected
    if (!(data instanceof Uint8Array) && typeof data !== 'string') return null;
    if (signingKeys !== undefined && !(Array.isArray(signingKeys) && signingKeys.length === 0)) return null;
    if (armor !== undefined && typeof armor !== 'boolean') return null;
    if (seipd !== undefined && seipd !== 'auto' && seipd !== 'v1' && seipd !== 'v2') return null;
    if (!isArray(encryptionKeys) || !isStrings(passwords)) return null;
    if (!encryptionKeys?.length && !passwords?.length) return null;
    return { data, encryptionKeys: [...(encryptionKeys ?? [])], passwords: [...(passwords ?? [])], armor: armor ?? true, seipd };
  } catch {
    return null;
  }
}

async function encryptFast(p) {
  const bytes = typeof p.data === 'string' ? utf8(p.data) : p.data;
  if (bytes.length > MAX_MESSAGE) return null;
  const { data: _, ...opts } = p;
  const eng = new EncryptEngine(wasm, { ...opts, backend: 'webcrypto' });
  try {
    const parts = [];
    for (let off = 0; off < bytes.length; off += STEP) parts.push(...await eng.push(bytes.subarray(off, off + STEP)));
    parts.push(...await eng.finish());
    const out = concat(parts);
    return p.armor ? new TextDecoder().decode(out) : out;
  } finally {
    eng.free();
  }
}

/**
 * Encrypts (and optionally signs): `encrypt` of the Wasm module, with the
 * AES-GCM bulk in WebCrypto where the options allow it (see the file comment).
 * @param {import('./wasm/signet_crypto.js').EncryptOptions} options
 */
export async function encrypt(options) {
  const p = encryptPlan(options);
  if (p) {
    try {
      const r = await encryptFast(p);
      if (r !== null) return r;
    } catch {
      // The Wasm path gives the canonical error (or result) for these options.
    }
  }
  return wasm.encrypt(options);
}

/** The one-shot `message` as bytes (an armored string is its UTF-8). */
function messageBytes(message) {
  if (message instanceof Uint8Array) return message;
  if (typeof message === 'string') return utf8(message);
  throw signetError('INVALID_ARGUMENT', message == null ? 'message is required' : 'message must be a Uint8Array or a string');
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
  const bytes = messageBytes(message);
  // The options are checked (as `decrypt` always checked them) before any
  // message work; `messageLength` refuses a message over the limit.
  // In browsers a held SEIPDv1 body shares its software AES with the stream worker.
  const eng = new DecryptEngine(wasm, {
    decryptionKeys, passwords, verificationKeys, limits, messageLength: bytes.length,
    rangeInWorker: canUseWorker() ? cfbRangeInWorker : null,
  });
  try {
    const parts = [];
    for (let off = 0; off < bytes.length;) {
      // A held SEIPDv1 body goes in one push: copied once, decrypted in one call.
      const n = eng.holds ? bytes.length - off : STEP;
      parts.push(...await eng.push(bytes.subarray(off, off + n)));
      off += n;
    }
    parts.push(...await eng.finish());
    return { data: concat(parts), signatures: eng.signatures };
  } finally {
    eng.free();
  }
}
