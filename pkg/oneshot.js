// One-shot `encrypt` / `decrypt` with the AES bulk in WebCrypto.
//
// The Wasm build runs AES in software (no AES instructions in Wasm), about 20x
// slower than WebCrypto. For the common cases (encryption without signing or
// custom limits: SEIPDv2 AES-GCM, or SEIPDv1 through AES-CBC; decryption of
// SEIPDv2 AES-GCM) these wrappers drive the streaming engine in-thread: Rust
// still does every packet, key and framing step, WebCrypto only the bulk AES.
// SEIPDv1 decryption in browsers shares its software AES with the stream
// worker (decryptV1Parallel). Encryption with signing, custom limits or
// unknown options goes to the Wasm function unchanged. Decryption hands a
// message to the next path only on an explicit "not mine" decided before any
// key work (SEIPDv1, custom limits, verification keys); errors are final, so
// no S2K runs twice for one message.
import * as wasm from './wasm/signet_crypto.js';
import { EncryptEngine, DecryptEngine, BUFFERED, sessionKeyGetter } from './stream-worker.js';
import { canUseWorker, cfbRangeInWorker } from './stream.js';

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

function decryptPlan(o) {
  try {
    if (!subtle || !isPlain(o)) return null;
    const { message, decryptionKeys, passwords, verificationKeys, ...rest } = o;
    if (Object.keys(rest).length) return null; // `limits` or anything unexpected
    if (!(message instanceof Uint8Array) && typeof message !== 'string') return null;
    // Verification keys are parsed (and errors reported) by the Wasm path;
    // streamed content carries no signatures, so nothing is lost there.
    if (verificationKeys !== undefined && !(Array.isArray(verificationKeys) && verificationKeys.length === 0)) return null;
    if (!isArray(decryptionKeys) || !isStrings(passwords)) return null;
    if (!decryptionKeys?.length && !passwords?.length) return null;
    return { message, decryptionKeys: [...(decryptionKeys ?? [])], passwords: [...(passwords ?? [])] };
  } catch {
    return null;
  }
}

async function decryptFast(p) {
  const bytes = typeof p.message === 'string' ? utf8(p.message) : p.message;
  if (bytes.length > MAX_MESSAGE) return null;
  const { decryptionKeys, passwords } = p;
  const getSessionKey = sessionKeyGetter(wasm, decryptionKeys, passwords);
  // stopIfBuffered: SEIPDv1 -> the next path, before any key work. Signed or
  // compressed SEIPDv2 content is finished by the engine itself (buffered,
  // with the session key it already has).
  const eng = new DecryptEngine(wasm, { backend: 'webcrypto', passwords, getSessionKey, stopIfBuffered: true });
  try {
    const parts = [];
    for (let off = 0; off < bytes.length; off += STEP) parts.push(...await eng.push(bytes.subarray(off, off + STEP)));
    parts.push(...await eng.finish());
    // Nothing is returned before the whole message authenticated.
    return { data: concat(parts), signatures: eng.signatures };
  } catch (e) {
    if (e === BUFFERED) return null;
    throw e;
  } finally {
    eng.free();
  }
}

/** Messages from this size on share SEIPDv1's software AES with the worker. */
const PARALLEL_V1 = 1 << 20;

/** @internal How often each fast path completed (for tests: a fallback must not pass silently). */
export const fastPathStats = { v1Parallel: 0 };

/**
 * SEIPDv1 in browsers: WebCrypto has no route for CFB decryption (it needs E of
 * arbitrary blocks), so AES runs in Wasm software. CFB decryption of a block
 * range needs only the ciphertext block before it, so the page and the shared
 * stream worker each decrypt half, at the same time. Rust checks the MDC over
 * the whole plaintext before parsing or releasing anything. Null: not a
 * (large enough) AES SEIPDv1 message, or no worker here.
 */
async function decryptV1Parallel(options) {
  const bytes = options.message;
  if (!canUseWorker() || !(bytes?.length >= PARALLEL_V1)) return null;
  const h = wasm.openSeipd1(options);
  if (!h) return null;
  try {
    const n = h.length;
    // Not AES: Rust decrypted it whole already (no second S2K elsewhere).
    if (n === 0) return h.finish();
    const mid = Math.floor(n / 32) * 16;
    const key = h.sessionKey();
    let theirs;
    try {
      theirs = cfbRangeInWorker(key, h.rangeInput(mid, n));
    } finally {
      key.fill(0);
    }
    theirs.catch(() => {});
    h.decryptRange(0, mid);
    const plain = await theirs;
    if (!plain) return null;
    try {
      h.setPlaintext(mid, plain);
    } finally {
      plain.fill(0);
    }
    const r = h.finish();
    fastPathStats.v1Parallel++;
    return r;
  } finally {
    h.free();
  }
}

/**
 * Decrypts and checks signatures inside: `decrypt` of the Wasm module, with the
 * AES-GCM bulk in WebCrypto where it can, and SEIPDv1's AES shared with a
 * worker in browsers (see the file comment). Nothing is returned unless the
 * whole message authenticated.
 * @param {import('./wasm/signet_crypto.js').DecryptOptions} options
 */
export async function decrypt(options) {
  // Each path hands over only on an explicit "not mine" (null), decided
  // before any key or password work; its errors about the message (they carry
  // a code) are final, so no S2K ever runs twice for one message. An error
  // without a code comes from the caller's own option objects (a throwing
  // getter, say): the Wasm path then reports it with its code.
  const final = (e) => typeof e?.code === 'string';
  const p = decryptPlan(options);
  if (p) {
    try {
      const r = await decryptFast(p);
      if (r !== null) return r;
    } catch (e) {
      if (final(e)) throw e;
    }
  }
  if (isPlain(options)) {
    try {
      const r = await decryptV1Parallel(options);
      if (r) return r;
    } catch (e) {
      if (final(e)) throw e;
    }
  }
  return wasm.decrypt(options);
}
