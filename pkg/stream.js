// Streaming OpenPGP over WHATWG streams: encryptStream / decryptStream.
//
// In browsers the bulk work runs in a dedicated module Worker (stream-worker.js);
// where there is no Worker (Node) the same engine runs in-thread. Back-pressure:
// the returned ReadableStream pulls input only when its consumer reads, in
// batches of about 1 MiB, so memory stays bounded whatever the file size.
import * as wasm from './wasm/signet_crypto.js';
import { EncryptEngine, DecryptEngine, sessionKeyGetter, keepCopy, blobRanges } from './stream-worker.js';
import { signetError } from './errors.js';

/** Input batch handed to the engine per step. */
const BATCH = 1 << 20;
/** The first batch of a stream: one 256 KiB chunk (ours and OpenPGP.js's
 *  default size) with room for the session key packets and headers. */
const FIRST_BATCH = 320 << 10;

function fromMessage(m) {
  const e = new Error(m.message);
  e.name = m.name;
  if (m.code) e.code = m.code;
  return e;
}

function canUseWorker() {
  return typeof Worker === 'function' && typeof window !== 'undefined';
}

// --- The shared worker ------------------------------------------------------
// One module Worker serves every stream of the page. It is created on first
// use (or by `prewarm()`), instantiates the Wasm module the page already
// compiled (posted to it, so it is not fetched and compiled a second time),
// and stays warm between streams. It is let go after IDLE_MS without streams,
// or at once after a stream that left its Wasm memory large (memory never
// shrinks; a held SEIPDv1 body may take up to 256 MiB, a sender's Argon2
// parameters up to 1 GiB).

/** Compiled module shared with the worker (set by index.js's `init`). */
let wasmModule = null;
/** @internal Called by `init()` with the module it compiled. */
export function setStreamWasmModule(module) {
  if (module instanceof WebAssembly.Module) wasmModule = module;
}

const IDLE_MS = 30_000;
/** Wasm memory above which the worker is let go after a stream: above what two
 *  default Argon2 runs (64 MiB each, fragmented by concurrent streams: 137 MiB
 *  measured) plus streaming need, below large held SEIPDv1 bodies. */
const MAX_KEPT_MEMORY = 192 << 20;

let pool = null;
let nextId = 1;
/** Output buffers smaller than this are not worth sending back (a batch's output is ~1 MiB). */
const MIN_OUT_SPARE = 256 << 10;

function sharedWorker() {
  if (pool) return pool;
  const worker = new Worker(new URL('./stream-worker.js', import.meta.url), { type: 'module', name: 'signet-stream' });
  const p = { worker, engines: new Map(), idle: null, big: false };
  worker.onmessage = ({ data: msg }) => {
    if (msg.op === 'fatal') {
      dropWorker(p, signetError('INTERNAL', `stream worker could not load the module: ${msg.error?.message}`));
      return;
    }
    p.engines.get(msg.id)?.onMessage(msg);
  };
  worker.onerror = (ev) => {
    ev.preventDefault?.();
    dropWorker(p, signetError('INTERNAL', `stream worker failed: ${ev.message ?? ev}`));
  };
  worker.postMessage({ op: 'boot', module: wasmModule });
  pool = p;
  return p;
}

function dropWorker(p, error) {
  if (pool === p) pool = null;
  clearTimeout(p.idle);
  p.worker.terminate();
  const engines = [...p.engines.values()];
  p.engines.clear();
  for (const e of engines) e.fail(error);
}

/** A stream ended: stop the worker when idle for a while, or now if it grew large. */
function released(p) {
  if (p.engines.size) return;
  clearTimeout(p.idle);
  if (p.big) {
    dropWorker(p, null);
    return;
  }
  p.idle = setTimeout(() => { if (!p.engines.size) dropWorker(p, null); }, IDLE_MS);
}

/**
 * Starts the streaming worker ahead of time so the first `encryptStream` /
 * `decryptStream` does not wait for it. Optional; a no-op where streams run
 * in-thread (Node). Resolves once the worker has its Wasm instance.
 */
export async function prewarm() {
  if (!canUseWorker()) return;
  const e = await WorkerEngine.create('ping', {}, null);
  e.free();
}

/** The same interface as the in-thread engines, backed by the shared worker. */
class WorkerEngine {
  constructor(p) {
    this.pool = p;
    this.id = nextId++;
    /** Replies come back in order: one resolver per message sent. */
    this.pending = [];
    /** Main-thread work the worker asks for: the session key (decryption)
     *  or signatures over digests (signed encryption). */
    this.getSessionKey = null;
    this.sign = null;
    this.info = null;
    /** Input buffers the worker sent back, reused for the next batches. */
    this.spares = [];
    /** Output buffers a BYOB read emptied, sent back for the worker to fill again. */
    this.outSpares = [];
    p.engines.set(this.id, this);
    clearTimeout(p.idle);
  }

  static async create(kind, options, getSessionKey, sign = null) {
    const e = new WorkerEngine(sharedWorker());
    e.getSessionKey = getSessionKey;
    e.sign = sign;
    /** The worker reads the message File itself (init option `file`): push ranges. */
    e.readsFile = !!options.file;
    try {
      const ready = await e.#call({ op: 'init', kind, options, wantSessionKey: !!getSessionKey, wantSign: !!sign });
      e.info = ready.info;
    } catch (err) {
      e.free();
      throw err;
    }
    return e;
  }

  async onMessage(msg) {
    if (msg.op === 'needKey') {
      let key = null;
      try {
        key = await this.getSessionKey(msg.esk);
      } catch (err) {
        this.#settle(null, err);
        this.free();
        return;
      }
      if (!this.pool) {
        key?.fill(0);
        return;
      }
      this.pool.worker.postMessage({ op: 'sessionKey', id: this.id, key }, key ? [key.buffer] : []);
      return;
    }
    if (msg.op === 'needSig') {
      let packets;
      try {
        packets = await this.sign(msg.digests);
      } catch (err) {
        this.#settle(null, err);
        this.free();
        return;
      }
      this.pool?.worker.postMessage({ op: 'signatures', id: this.id, packets }, [packets.buffer]);
      return;
    }
    if (msg.op === 'error') {
      this.#settle(null, fromMessage(msg.error));
      this.#detach();
      return;
    }
    // A lane has up to (DEPTH + 1) batches of jobs out, a buffer each.
    if (msg.spare && this.spares.length < 16) this.spares.push(msg.spare);
    this.#settle(msg, null);
  }

  /** The worker is gone: fail everything queued. */
  fail(error) {
    this.pool = null;
    this.#settle(null, error ?? signetError('INTERNAL', 'the stream worker stopped'));
  }

  #settle(value, error) {
    if (error) {
      const all = this.pending;
      this.pending = [];
      for (const p of all) p.reject(error);
      return;
    }
    this.pending.shift()?.resolve(value);
  }

  #call(msg, transfer = []) {
    if (!this.pool) return Promise.reject(signetError('INVALID_ARGUMENT', 'the stream was closed'));
    return new Promise((resolve, reject) => {
      try {
        this.pool.worker.postMessage({ ...msg, id: this.id }, transfer);
      } catch (e) {
        // An option the structured clone cannot copy (a Symbol, a Promise, ...).
        const code = e?.name === 'DataCloneError' ? 'INVALID_ARGUMENT' : 'INTERNAL';
        reject(signetError(code, `options cannot be sent to the stream worker: ${e?.message ?? e}`));
        return;
      }
      this.pending.push({ resolve, reject });
    });
  }

  /**
   * Sends init and one push without waiting in between (the page may be busy
   * with its own share meanwhile), resolves to the pushed data's output
   * chunks, and frees the engine.
   */
  static async runOnce(kind, options, data) {
    const e = new WorkerEngine(sharedWorker());
    try {
      const ready = e.#call({ op: 'init', kind, options, wantSessionKey: false });
      const out = e.#call({ op: 'push', data }, [data.buffer]);
      out.catch(() => {});
      await ready;
      return (await out).chunks;
    } finally {
      e.free();
    }
  }

  /** An owned buffer of at least `n` bytes for the next batch (reused when possible). */
  buffer(n) {
    while (this.spares.length) {
      const b = this.spares.pop();
      if (b.byteLength >= n) return new Uint8Array(b, 0, n);
    }
    return new Uint8Array(new ArrayBuffer(Math.max(n, BATCH + (BATCH >> 2))), 0, n);
  }

  /** Takes back an output buffer whose bytes were copied out (a BYOB read). */
  recycle(buffer) {
    if (this.outSpares.length < 4 && buffer.byteLength >= MIN_OUT_SPARE) this.outSpares.push(buffer);
  }

  /** `data`: bytes (transferred), or `{ at, length }` of the File the worker reads. */
  async push(data) {
    const outSpares = this.outSpares;
    this.outSpares = [];
    const r = await (data instanceof Uint8Array
      ? this.#call({ op: 'push', data, outSpares }, [data.buffer, ...outSpares])
      : this.#call({ op: 'push', range: data, outSpares }, outSpares));
    if (r.info) this.info = r.info;
    this.wasmMemory = r.wasmMemory;
    return r.chunks;
  }

  async finish() {
    const r = await this.#call({ op: 'finish' });
    this.wasmMemory = r.wasmMemory;
    if (r.info) this.info = r.info;
    if (r.signatures) this.signatures = r.signatures;
    // A two-pass first pass verified the message: the stream goes on.
    this.again = r.again === true;
    if (this.again) return r.chunks;
    if (this.pool && r.wasmMemory > MAX_KEPT_MEMORY) this.pool.big = true;
    this.#detach();
    return r.chunks;
  }

  /** The next batch of the worker's copy of a one-shot stream (its second pass). */
  async readCopy() {
    const r = await this.#call({ op: 'readCopy' });
    return r.chunks.length ? { done: false, value: r.chunks[0] } : { done: true, value: undefined };
  }

  async rewind() {
    this.again = false;
    const r = await this.#call({ op: 'rewind' });
    if (r.info) this.info = r.info;
    return r.chunks;
  }

  #detach() {
    const p = this.pool;
    if (!p) return;
    this.pool = null;
    p.engines.delete(this.id);
    released(p);
  }

  free() {
    const p = this.pool;
    if (p) {
      try {
        p.worker.postMessage({ op: 'free', id: this.id });
      } catch { /* the worker is gone */ }
    }
    this.#detach();
    this.#settle(null, signetError('INVALID_ARGUMENT', 'the stream was cancelled'));
  }
}

/**
 * @internal The shared worker's share of a held SEIPDv1 body (DecryptEngine's
 * lanes, for the one-shot `decrypt`):
 * AES-CFB of `input` (IV + ciphertext, transferred) with `key` (copied to the
 * worker; wipe yours). Resolves to the plaintext; null where there is no worker.
 */
export async function cfbRangeInWorker(key, input) {
  if (!canUseWorker()) return null;
  const [plain] = await WorkerEngine.runOnce('cfb', { key }, input);
  return plain ?? null;
}

/**
 * @internal A lane in the shared worker for a one-shot engine on this thread
 * (the engines' `openLane`): `kind` 'cbc' (SEIPDv1 encryption), 'gcm-encrypt'
 * or 'gcm-decrypt'; `key` is copied to the worker (wipe yours).
 * `push(job)` (transferred; take it from `buffer(n)`) resolves to the
 * result's pieces. Null where there is no worker.
 */
export async function openLane(kind, key) {
  if (!canUseWorker()) return null;
  return WorkerEngine.create(kind, { key }, null);
}

/** @internal Whether work can go to the shared worker here. */
export { canUseWorker };

/** `getSessionKey` (decryption) and `sign` (signed encryption) run on this
 *  thread, where the private keys are; the engine may be in the worker. */
async function createEngine(kind, options, getSessionKey, useWorker, sign = null) {
  if (useWorker && canUseWorker()) return WorkerEngine.create(kind, options, getSessionKey, sign);
  return kind === 'encrypt'
    ? new EncryptEngine(wasm, { ...options, sign })
    : new DecryptEngine(wasm, { ...options, getSessionKey });
}

/**
 * @internal A plain snapshot of the caller's options (here and for the one-shot
 * functions): a getter or Proxy that throws becomes INVALID_ARGUMENT, and later
 * reads cannot change.
 */
export function readOptions(options, what) {
  if (!options || typeof options !== 'object') throw signetError('INVALID_ARGUMENT', `${what} expects an options object`);
  try {
    const o = { ...options };
    // Arrays are copied too: the engine reads them later, outside this guard.
    for (const k of ['encryptionKeys', 'passwords', 'decryptionKeys', 'signingKeys', 'verificationKeys']) {
      if (Array.isArray(o[k])) o[k] = Array.from(o[k]);
    }
    if (o.onProgress != null && typeof o.onProgress !== 'function') {
      throw new Error('onProgress must be a function');
    }
    if (o.signal != null && (typeof o.signal.addEventListener !== 'function' || typeof o.signal.aborted !== 'boolean')) {
      throw new Error('signal must be an AbortSignal');
    }
    return o;
  } catch (e) {
    throw signetError('INVALID_ARGUMENT', `${what}: the options could not be read (${e?.message ?? e})`);
  }
}

function checkStream(v, name) {
  let ok = false;
  try {
    ok = !!v && typeof v.getReader === 'function';
  } catch {
    ok = false;
  }
  if (!ok) {
    throw signetError('INVALID_ARGUMENT', `${name} must be a ReadableStream<Uint8Array>`);
  }
}

/**
 * Opens a file in Node, registered by node.js: a path as `decryptStream`'s
 * message resolves to `{ size, read({ at, length }), cancel() }` and is read in
 * the same ranges as a File (`fileRanges`). Null in browsers.
 */
let openFile = null;
/** @internal Called once by node.js. Not part of the package's exports. */
export function useFileOpener(fn) {
  openFile ??= fn;
}

/**
 * Makes a temporary copy of a one-shot stream so that SEIPDv1 can be read
 * twice (Node: an encrypted temporary file, registered by node.js): resolves
 * to { write(bytes), open(): reader, drop() }. Null in browsers (not built).
 */
let makeSpill = null;
/** @internal Called once by node.js. Not part of the package's exports. */
export function useSpill(fn) {
  makeSpill ??= fn;
}

/**
 * A one-shot stream made re-readable: the first pass copies what it reads
 * into a spill, the second reads the spill. The copy stops (and is deleted)
 * as soon as the engine knows no second pass will come (SEIPDv2, buffered
 * content); `keep` is set by `pipe`, `dispose` deletes it (end, error, cancel).
 */
function spillSource(stream) {
  let spill = null;
  let dropped = Promise.resolve();
  let opened = 0;
  const src = {
    twoPass: true,
    keep: () => true,
    /** Deletes the copy; every call resolves once it is gone. */
    dispose() {
      if (spill) {
        dropped = spill.drop().catch(() => {});
        spill = null;
      }
      return dropped;
    },
    async open() {
      if (opened++ > 0) {
        if (!spill) throw signetError('INTERNAL', 'the temporary copy of the message is gone');
        return spill.open();
      }
      const inner = stream.getReader();
      spill = await makeSpill();
      return {
        read: async () => {
          const r = await inner.read();
          if (spill && !src.keep()) await src.dispose();
          if (!r.done && spill && r.value instanceof Uint8Array) await spill.write(r.value);
          return r;
        },
        cancel: (reason) => inner.cancel(reason),
        releaseLock: () => inner.releaseLock(),
      };
    },
  };
  return src;
}

function isBlob(v) {
  return typeof Blob === 'function' && v instanceof Blob;
}

/**
 * What `decryptStream` reads: `open()` resolves to a fresh reader each time;
 * `twoPass` when it can be read again (File/Blob, a Node path, a factory), so
 * SEIPDv1 is verified before anything is released and then read a second time.
 */
function messageSource(message) {
  if (isBlob(message)) {
    return {
      twoPass: true,
      size: message.size,
      blob: message,
      open: async (engine) => fileRanges(message, !engine.readsFile),
    };
  }
  if (typeof message === 'function') {
    return {
      twoPass: true,
      open: async () => {
        let s;
        try {
          s = await message();
        } catch (e) {
          if (e?.code) throw e;
          throw signetError('INVALID_ARGUMENT', `the message factory failed: ${e?.message ?? e}`);
        }
        checkStream(s, 'the message factory\'s result');
        return s.getReader();
      },
    };
  }
  const isUrl = typeof URL === 'function' && message instanceof URL;
  if (typeof message === 'string' || isUrl) {
    if (!openFile) throw signetError('INVALID_ARGUMENT', 'message as a path is accepted in Node only; pass a File or a ReadableStream');
    const src = {
      twoPass: true,
      open: async () => {
        let blob;
        try {
          blob = await openFile(message);
        } catch (e) {
          throw signetError(e?.code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', `cannot open the message file: ${e?.message ?? e}`);
        }
        src.size = blob.size;
        return fileRanges(blob, true);
      },
    };
    return src;
  }
  checkStream(message, 'message');
  if (makeSpill) return spillSource(message);
  return workerCopySource(message);
}

/**
 * A one-shot stream on a thread without a spill of its own (a page's main
 * thread): where the engine runs in the shared worker, the worker copies the
 * first pass to OPFS (`copy`; stream-worker.js) and the second pass reads the
 * copy back through the engine. The worker says whether it can (`twoPass` is
 * its answer); elsewhere the stream is read once.
 */
function workerCopySource(stream) {
  let opened = 0;
  return {
    twoPass: false,
    copyInWorker: true,
    async open(engine) {
      if (opened++ === 0) return stream.getReader();
      // Whole buffers of the page's own: pushed to the worker without a copy.
      return { read: () => engine.readCopy(), cancel: async () => {}, releaseLock() {}, transferable: true };
    },
  };
}

/**
 * The batches of a File/Blob, as places `{ at, length }` that `readBatch` asks for
 * in turn (null at the end): where the stream worker reads the File itself
 * (`readsFile`), only the places go to it; in-thread (`local`) they are read
 * here, by the same reader (`blobRanges`), or by Node's file opener's reader
 * (`{ size, read({ at, length }), cancel() }`), which the end or a cancel closes.
 */
function fileRanges(blob, local) {
  let at = 0;
  const here = !local ? null : typeof blob.read === 'function' ? blob : blobRanges(blob);
  return {
    async next(max) {
      if (at >= blob.size) {
        here?.cancel();
        return null;
      }
      const range = { at, length: Math.min(max, blob.size - at) };
      at += range.length;
      return here ? here.read(range) : range;
    },
    async cancel() { here?.cancel(); },
    releaseLock() {},
  };
}

/**
 * Reads up to about BATCH bytes, or null at the end. With `owned` (a
 * WorkerEngine), the result is copied into a buffer of the engine's own that
 * can be transferred (the caller's chunks may share one buffer) and that the
 * worker hands back for reuse, so no fresh memory is touched per batch. A
 * File's reader (`fileRanges`) gives its next batch itself: the bytes, or only
 * their place where the worker reads the File.
 */
async function readBatch(reader, owned, scratch) {
  // The first batch is small, so the first chunk's plaintext (or ciphertext)
  // need not wait for a whole batch of input: the time to first byte.
  const max = scratch.started ? BATCH : FIRST_BATCH;
  scratch.started = true;
  if (reader.next) return reader.next(max);
  const parts = [];
  let n = 0;
  while (n < max) {
    let value = scratch.carry;
    scratch.carry = null;
    if (!value) {
      const r = await reader.read();
      if (r.done) break;
      value = r.value;
      if (!(value instanceof Uint8Array)) {
        throw signetError('INVALID_ARGUMENT', 'stream chunks must be Uint8Array');
      }
    }
    if (value.length === 0) continue;
    // Batches stay about 1 MiB whatever the source's chunk size (WebKit and
    // Firefox read an in-memory Blob as one chunk): the rest waits for the next.
    if (n + value.length > max + (max >> 2)) {
      scratch.carry = value.subarray(max - n);
      value = value.subarray(0, max - n);
    }
    parts.push(value);
    n += value.length;
  }
  if (parts.length === 0) return null;
  // In-thread, the engine copies into Wasm memory at once (synchronously), so
  // a single part goes as it is and several are gathered in a reused scratch
  // buffer: touching fresh memory for every batch costs more than the copy.
  if (parts.length === 1 && (!owned || reader.transferable)) return parts[0];
  let out;
  if (owned) {
    out = owned.buffer(n);
  } else {
    if (scratch.buf.length < n) scratch.buf = new Uint8Array(Math.max(n, BATCH + (BATCH >> 2)));
    out = scratch.buf.subarray(0, n);
  }
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** WebKit (Safari, WKWebView, WebKitGTK 2.50) has no async iteration of
 *  ReadableStream: our output streams get it, so `for await (const chunk of
 *  stream)` works in every engine. Breaking out of the loop cancels the stream. */
function asyncIterable(stream) {
  if (typeof stream[Symbol.asyncIterator] === 'function') return stream;
  stream[Symbol.asyncIterator] = async function* iterate() {
    const reader = stream.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  };
  return stream;
}

/** Whether this engine has readable byte streams (`type: 'bytes'`, BYOB readers). */
const byteStreams = typeof ReadableByteStreamController === 'function';

/**
 * A byte stream takes over (detaches) the buffer of each chunk it is given, without
 * copying. So a chunk whose buffer a later chunk of the same batch shares (a view
 * among the pieces of one decrypted chunk), or that may be a slice of Node's shared
 * Buffer pool, goes as a copy; every other chunk's buffer is ours alone (transferred
 * from the worker, or made for this output) and goes as it is.
 */
function ownChunk(c, chunks, i) {
  let shared = typeof Buffer === 'function' && Buffer.isBuffer(c) && c.byteLength !== c.buffer.byteLength;
  for (let j = i + 1; !shared && j < chunks.length; j++) shared = chunks[j].buffer === c.buffer;
  return shared ? new Uint8Array(c) : c;
}

/** Resolves to `value` once `p` settles, whichever way. */
function settles(p, value) {
  return p.then(() => value, () => value);
}

/**
 * Wires an engine to a pull-based ReadableStream. `source` is a stream, or a
 * message source (see `messageSource`) that a two-pass decryption reads twice.
 */
function pipe(engine, source, { onProgress, signal, decrypting = false, onEnd = null }) {
  if (typeof source.open !== 'function') {
    const stream = source;
    source = { twoPass: false, open: async () => stream.getReader() };
  }
  let reader = null;
  let pass = 1;
  let bytesIn = 0;
  let bytesOut = 0;
  let finished = false;
  let inputDone = false;
  const inflight = [];
  /** A readBatch on its way, kept across pulls when output came first. */
  let reading = null;
  const scratch = { buf: new Uint8Array(0) };
  const depth = engine instanceof WorkerEngine ? 3 : 1;
  let ctrl;
  // A spilled one-shot stream: keep copying only while a second pass may come.
  source.keep = () => keepCopy(engine.info);
  // Decryption: the signatures inside, reported once the last byte is out.
  let settle = null;
  const signatures = decrypting ? new Promise((resolve, reject) => { settle = { resolve, reject }; }) : null;
  signatures?.catch(() => {}); // a consumer that never asks is not an unhandled rejection
  const stop = (reason) => {
    settle?.reject(reason ?? signetError('INVALID_ARGUMENT', 'the stream was cancelled'));
    onEnd?.();
    if (finished) return;
    finished = true;
    source.dispose?.();
    engine.free();
    reader?.cancel(reason).catch(() => {});
  };
  // Decryption progress names its phase: "verifying" while a two-pass first
  // pass checks the MDC (nothing is released), "decrypting" otherwise.
  const progress = () => {
    const p = { bytesIn, bytesOut };
    if (decrypting) {
      p.phase = engine.info?.verifying ? 'verifying' : 'decrypting';
      p.pass = pass;
      if (source.size !== undefined) p.total = source.size;
    }
    // wasmMemory: the worker's Wasm memory size (a diagnostic; workers only).
    if (engine.wasmMemory) p.wasmMemory = engine.wasmMemory;
    return p;
  };
  const onAbort = () => {
    const reason = signal.reason ?? signetError('INVALID_ARGUMENT', 'aborted');
    stop(reason);
    try { ctrl?.error(reason); } catch { /* already closed */ }
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  /** Byte streams: output a BYOB read had no room for, handed on at the next read
   *  (kept here, not queued: a queued chunk is one more buffer handed over). */
  let rest = [];
  let closing = false;
  /** Hands on output: into a waiting BYOB read's own buffer, else enqueued. */
  const give = (controller, chunks) => {
    for (const c of chunks) if (c.length) rest.push(c);
    const req = byteStreams ? controller.byobRequest : null;
    if (req && rest.length) {
      const v = req.view;
      let n = 0;
      while (rest.length && n < v.byteLength) {
        const c = rest[0];
        const k = Math.min(c.length, v.byteLength - n);
        new Uint8Array(v.buffer, v.byteOffset + n, k).set(k === c.length ? c : c.subarray(0, k));
        n += k;
        if (k < c.length) {
          rest[0] = c.subarray(k);
        } else {
          rest.shift();
          // Emptied: a worker's buffer goes back to be filled again (no fresh memory per batch).
          if (!rest.some((r) => r.buffer === c.buffer)) engine.recycle?.(c.buffer);
        }
      }
      req.respond(n);
      return;
    }
    for (let i = 0; i < rest.length; i++) controller.enqueue(byteStreams ? ownChunk(rest[i], rest, i) : rest[i]);
    rest = [];
  };
  const close = (controller) => {
    controller.close();
    // A BYOB read waiting at the end is answered "done" only by respond(0).
    controller.byobRequest?.respond(0);
  };
  const out = asyncIterable(new ReadableStream({
    // A byte stream: `getReader({ mode: 'byob' })` reads into the consumer's own
    // buffers; the default reader still gives Uint8Array chunks.
    type: byteStreams ? 'bytes' : undefined,
    start(controller) {
      ctrl = controller;
      if (signal?.aborted) onAbort();
    },
    async pull(controller) {
      if (rest.length) {
        give(controller, []);
        if (closing && !rest.length) close(controller);
        return;
      }
      try {
        // Keep up to `depth` batches on their way (worker only: the worker
        // handles its messages in order; in-thread engines take one at a time).
        reader ??= await source.open(engine);
        for (;;) {
          while (!inputDone && inflight.length < depth) {
            if (!reading) {
              reading = readBatch(reader, engine instanceof WorkerEngine ? engine : null, scratch);
              reading.catch(() => {});
            }
            // A slow source (a network body) must not hold back output that is
            // ready: whichever comes first, the next input or the oldest output.
            // (Both settle to a flag: an error is thrown by the await that follows,
            // never left unhandled.)
            if (inflight.length && await Promise.race([settles(reading, false), settles(inflight[0], true)])) break;
            const batch = await reading;
            reading = null;
            if (batch) {
              bytesIn += batch.length;
              inflight.push(engine.push(batch));
            } else {
              inputDone = true;
              inflight.push(engine.finish());
            }
            inflight.at(-1).catch(() => {});
          }
          const chunks = await inflight.shift();
          for (const c of chunks) bytesOut += c.length;
          give(controller, chunks);
          onProgress?.(progress());
          if (inputDone && inflight.length === 0 && engine.again) {
            // Verified: read the source again, this time releasing.
            await engine.rewind();
            reader.releaseLock?.();
            reader = await source.open(engine);
            pass = 2;
            bytesIn = 0;
            scratch.carry = null;
            inputDone = false;
            continue;
          }
          if (inputDone && inflight.length === 0) {
            finished = true;
            await source.dispose?.();
            signal?.removeEventListener('abort', onAbort);
            onEnd?.();
            if (decrypting) {
              const sigs = engine.signatures ?? [];
              // The final event: the stream is complete, and the verdict.
              onProgress?.({ ...progress(), phase: 'done', done: true, signatures: sigs });
              settle.resolve(sigs);
            }
            if (rest.length) closing = true;
            else close(controller);
            return;
          }
          if (chunks.length) return;
        }
      } catch (e) {
        signal?.removeEventListener('abort', onAbort);
        stop(e);
        // The temporary copy is gone before the consumer hears of the error.
        await source.dispose?.();
        // Errors keep their `code`; the consumer must discard partial output.
        controller.error(e);
      }
    },
    cancel(reason) {
      rest = [];
      signal?.removeEventListener('abort', onAbort);
      stop(reason);
    },
  }, { highWaterMark: 1 }));
  if (signatures) out.signatures = signatures;
  return out;
}

/**
 * Encrypts a stream. Resolves to the ciphertext stream once the keys and
 * options were accepted (setup errors reject with a `code`). `signingKeys`
 * (unlocked PrivateKey handles, as `encrypt` takes them) sign it with
 * one-pass signatures; the keys never leave this thread.
 */
export async function encryptStream(options) {
  options = readOptions(options, 'encryptStream');
  const { data, onProgress, signal, worker = true, backend, ...rest } = options;
  checkStream(data, 'data');
  if (rest.signingKeys != null && !Array.isArray(rest.signingKeys)) {
    throw signetError('INVALID_ARGUMENT', 'signingKeys must be an array of PrivateKey');
  }
  const { signingKeys = [] } = rest;
  delete rest.signingKeys;
  // Signed: the signer (and the keys) stay on this thread; the engine, perhaps
  // in the worker, writes the one-pass packets, hashes, and asks for signatures.
  let signer = signingKeys.length ? new wasm.StreamSigner(signingKeys) : null;
  const freeSigner = () => {
    signer?.free();
    signer = null;
  };
  let engine;
  try {
    if (signer) rest.onePass = signer.specs();
    engine = await createEngine('encrypt', { ...rest, backend }, null, worker,
      signer ? async (digests) => {
        if (!signer) throw signetError('INVALID_ARGUMENT', 'the stream was cancelled');
        return signer.sign(digests);
      } : null);
  } catch (e) {
    freeSigner();
    throw e;
  }
  return pipe(engine, data, { onProgress, signal, onEnd: freeSigner });
}

/**
 * Decrypts a stream. Private keys stay on this thread: only the message's
 * session key goes to the worker. The returned stream errors (with a `code`)
 * on any integrity failure or truncation; discard what it produced then.
 * `sessionKey` (cipher octet + key, as `decryptSessionKey` and `encrypt`'s
 * `sessionKeyOut` give it) replaces keys and passwords; it is copied, the
 * caller wipes its own array.
 *
 * `message` is a ReadableStream, or something that can be read twice: a
 * File/Blob, in Node a path (string or file URL), or a function returning a
 * fresh ReadableStream of the same bytes each time. From those, SEIPDv1 is
 * verified in a first pass (progress phase "verifying", nothing released)
 * and decrypted in a second ("decrypting"); if the source changed between
 * the passes the stream errors with TAMPERED: discard what was received.
 * A one-shot stream of SEIPDv1 is copied, encrypted, to a temporary file (Node)
 * or to OPFS (browsers: by the stream worker, or in-thread in a dedicated
 * worker) and read back for the second pass; where there is no such storage
 * (WebKitGTK's workers) it is buffered up to `limits.maxMessageSize`.
 *
 * The result is a byte stream where the engine has them: `getReader({ mode:
 * 'byob' })` reads the plaintext into the caller's own buffers.
 *
 * Signatures inside are checked against `verificationKeys` as the data
 * streams: the returned stream's `signatures` promise resolves after the last
 * byte to what `decrypt` reports (`valid`, fingerprints, `reason`; a key not
 * given is `unknown-key`), and a final progress event carries them too
 * (`phase: "done"`). It rejects when the stream errors or is cancelled.
 */
export async function decryptStream(options) {
  options = readOptions(options, 'decryptStream');
  const { message, decryptionKeys = [], passwords = [], sessionKey, onProgress, signal, worker = true, backend, limits, verificationKeys = [] } = options;
  const source = messageSource(message);
  if (!Array.isArray(decryptionKeys) || !Array.isArray(passwords)) {
    throw signetError('INVALID_ARGUMENT', 'decryptionKeys and passwords must be arrays');
  }
  if (!passwords.every((p) => typeof p === 'string')) {
    throw signetError('INVALID_ARGUMENT', 'passwords must be strings');
  }
  if (!Array.isArray(verificationKeys) || !verificationKeys.every((k) => typeof k === 'string' || k instanceof Uint8Array)) {
    throw signetError('INVALID_ARGUMENT', 'verificationKeys must be an array of certificates (string or Uint8Array)');
  }
  if (sessionKey !== undefined && !(sessionKey instanceof Uint8Array)) {
    throw signetError('INVALID_ARGUMENT', 'sessionKey must be a Uint8Array (cipher octet + key)');
  }
  if (sessionKey && (decryptionKeys.length || passwords.length)) {
    throw signetError('INVALID_ARGUMENT', 'give sessionKey, or decryptionKeys and passwords, not both');
  }
  if (!decryptionKeys.length && !passwords.length && !sessionKey) {
    throw signetError('INVALID_ARGUMENT', 'give at least one of decryptionKeys, passwords or sessionKey');
  }
  let getSessionKey = sessionKeyGetter(wasm, decryptionKeys, passwords, limits);
  if (sessionKey) {
    const sk = sessionKey.slice(); // the engine wipes what it is given
    getSessionKey = async () => sk;
  }
  // A one-shot stream whose engine runs in the shared worker: the worker keeps the copy.
  const inWorker = worker && canUseWorker();
  const copy = source.copyInWorker === true && inWorker;
  // A File goes to the worker, which reads it itself: no input batch passes through this thread.
  const file = inWorker ? source.blob : undefined;
  const engine = await createEngine('decrypt', { backend, passwords, limits, twoPass: source.twoPass, verificationKeys, ...(copy && { copy }), ...(file && { file }) }, getSessionKey, worker);
  return pipe(engine, source, { onProgress, signal, decrypting: true });
}
