// Streaming OpenPGP over WHATWG streams: encryptStream / decryptStream.
//
// In browsers the bulk work runs in a dedicated module Worker (stream-worker.js);
// where there is no Worker (Node) the same engine runs in-thread. Back-pressure:
// the returned ReadableStream pulls input only when its consumer reads, in
// batches of about 1 MiB, so memory stays bounded whatever the file size.
import * as wasm from './wasm/signet_crypto.js';
import { EncryptEngine, DecryptEngine } from './stream-worker.js';

/** Input batch handed to the engine per step. */
const BATCH = 1 << 20;

function signetError(code, message) {
  const e = new Error(message);
  e.name = 'SignetError';
  e.code = code;
  return e;
}

function fromMessage(m) {
  const e = new Error(m.message);
  e.name = m.name;
  if (m.code) e.code = m.code;
  return e;
}

function canUseWorker() {
  return typeof Worker === 'function' && typeof window !== 'undefined';
}

/** The same interface as the in-thread engines, backed by a Worker. */
class WorkerEngine {
  constructor(worker) {
    this.worker = worker;
    /** Replies come back in order: one resolver per message sent. */
    this.pending = [];
    this.getSessionKey = null;
    this.info = null;
    worker.onmessage = ({ data: msg }) => this.#onMessage(msg);
    worker.onerror = (ev) => this.#settle(null, signetError('INTERNAL', `stream worker failed: ${ev.message ?? ev}`));
  }

  static async create(kind, options, getSessionKey) {
    const worker = new Worker(new URL('./stream-worker.js', import.meta.url), { type: 'module', name: `signet-${kind}` });
    const e = new WorkerEngine(worker);
    e.getSessionKey = getSessionKey;
    try {
      const ready = await e.#call({ op: 'init', kind, options, wantSessionKey: !!getSessionKey });
      e.info = ready.info;
    } catch (err) {
      e.free();
      throw err;
    }
    return e;
  }

  async #onMessage(msg) {
    if (msg.op === 'needKey') {
      let key = null;
      try {
        key = await this.getSessionKey(msg.esk);
      } catch (err) {
        this.#settle(null, err);
        this.free();
        return;
      }
      this.worker.postMessage({ op: 'sessionKey', key }, key ? [key.buffer] : []);
      return;
    }
    if (msg.op === 'error') this.#settle(null, fromMessage(msg.error));
    else this.#settle(msg, null);
  }

  #settle(value, error) {
    if (error) {
      // The worker's engine is gone after an error: fail everything queued.
      const all = this.pending;
      this.pending = [];
      for (const p of all) p.reject(error);
      return;
    }
    this.pending.shift()?.resolve(value);
  }

  #call(msg, transfer = []) {
    if (!this.worker) return Promise.reject(signetError('INVALID_ARGUMENT', 'the stream was closed'));
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(msg, transfer);
      } catch (e) {
        // An option the structured clone cannot copy (a Symbol, a Promise, ...).
        const code = e?.name === 'DataCloneError' ? 'INVALID_ARGUMENT' : 'INTERNAL';
        reject(signetError(code, `options cannot be sent to the stream worker: ${e?.message ?? e}`));
        return;
      }
      this.pending.push({ resolve, reject });
    });
  }

  async push(data) {
    const r = await this.#call({ op: 'push', data }, [data.buffer]);
    if (r.info) this.info = r.info;
    this.wasmMemory = r.wasmMemory;
    return r.chunks;
  }

  async finish() {
    const r = await this.#call({ op: 'finish' });
    this.wasmMemory = r.wasmMemory;
    this.worker?.terminate();
    this.worker = null;
    return r.chunks;
  }

  free() {
    this.worker?.terminate();
    this.worker = null;
    this.#settle(null, signetError('INVALID_ARGUMENT', 'the stream was cancelled'));
  }
}

async function createEngine(kind, options, getSessionKey, useWorker) {
  if (useWorker && canUseWorker()) return WorkerEngine.create(kind, options, getSessionKey);
  return kind === 'encrypt'
    ? new EncryptEngine(wasm, options)
    : new DecryptEngine(wasm, { ...options, getSessionKey });
}

/**
 * A plain snapshot of the caller's options: a getter or Proxy that throws becomes
 * INVALID_ARGUMENT (like the Wasm functions), and later reads cannot change.
 */
function readOptions(options, what) {
  if (!options || typeof options !== 'object') throw signetError('INVALID_ARGUMENT', `${what} expects an options object`);
  try {
    const o = { ...options };
    // Arrays are copied too: the engine reads them later, outside this guard.
    for (const k of ['encryptionKeys', 'passwords', 'decryptionKeys', 'signingKeys']) {
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
 * Reads up to about BATCH bytes, or null at the end. With `owned`, the result is
 * a fresh copy (safe to transfer: the caller's chunks may share one buffer).
 */
async function readBatch(reader, owned) {
  const parts = [];
  let n = 0;
  while (n < BATCH) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      throw signetError('INVALID_ARGUMENT', 'stream chunks must be Uint8Array');
    }
    if (value.length === 0) continue;
    parts.push(value);
    n += value.length;
  }
  if (parts.length === 0) return null;
  // In-thread, the engine copies into Wasm memory anyway: no JS copy needed.
  if (parts.length === 1 && !owned) return parts[0];
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Wires an engine to a pull-based ReadableStream. */
function pipe(engine, input, { onProgress, signal }) {
  const reader = input.getReader();
  let bytesIn = 0;
  let bytesOut = 0;
  let finished = false;
  let inputDone = false;
  const inflight = [];
  const depth = engine instanceof WorkerEngine ? 3 : 1;
  let ctrl;
  const stop = (reason) => {
    if (finished) return;
    finished = true;
    engine.free();
    reader.cancel(reason).catch(() => {});
  };
  const onAbort = () => {
    const reason = signal.reason ?? signetError('INVALID_ARGUMENT', 'aborted');
    stop(reason);
    try { ctrl?.error(reason); } catch { /* already closed */ }
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return new ReadableStream({
    start(controller) {
      ctrl = controller;
      if (signal?.aborted) onAbort();
    },
    async pull(controller) {
      try {
        // Keep up to `depth` batches on their way (worker only: the worker
        // handles its messages in order; in-thread engines take one at a time).
        for (;;) {
          while (!inputDone && inflight.length < depth) {
            const batch = await readBatch(reader, engine instanceof WorkerEngine);
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
          for (const c of chunks) {
            bytesOut += c.length;
            controller.enqueue(c);
          }
          // wasmMemory: the worker's Wasm memory size (a diagnostic; workers only).
          onProgress?.(engine.wasmMemory ? { bytesIn, bytesOut, wasmMemory: engine.wasmMemory } : { bytesIn, bytesOut });
          if (inputDone && inflight.length === 0) {
            finished = true;
            signal?.removeEventListener('abort', onAbort);
            controller.close();
            return;
          }
          if (chunks.length) return;
        }
      } catch (e) {
        signal?.removeEventListener('abort', onAbort);
        stop(e);
        // Errors keep their `code`; the consumer must discard partial output.
        controller.error(e);
      }
    },
    cancel(reason) {
      signal?.removeEventListener('abort', onAbort);
      stop(reason);
    },
  }, { highWaterMark: 1 });
}

/**
 * Encrypts a stream. Resolves to the ciphertext stream once the keys and
 * options were accepted (setup errors reject with a `code`).
 */
export async function encryptStream(options) {
  options = readOptions(options, 'encryptStream');
  const { data, onProgress, signal, worker = true, backend, ...rest } = options;
  checkStream(data, 'data');
  if (rest.signingKeys != null && !Array.isArray(rest.signingKeys)) {
    throw signetError('INVALID_ARGUMENT', 'signingKeys must be an array of PrivateKey');
  }
  if (rest.signingKeys?.length) {
    throw signetError('UNSUPPORTED', 'signing while streaming is not supported; use encrypt() or sign()');
  }
  delete rest.signingKeys;
  const engine = await createEngine('encrypt', { ...rest, backend }, null, worker);
  return pipe(engine, data, { onProgress, signal });
}

/**
 * Decrypts a stream. Private keys stay on this thread: only the message's
 * session key goes to the worker. The returned stream errors (with a `code`)
 * on any integrity failure or truncation; discard what it produced then.
 */
export async function decryptStream(options) {
  options = readOptions(options, 'decryptStream');
  const { message, decryptionKeys = [], passwords = [], onProgress, signal, worker = true, backend } = options;
  checkStream(message, 'message');
  if (!Array.isArray(decryptionKeys) || !Array.isArray(passwords)) {
    throw signetError('INVALID_ARGUMENT', 'decryptionKeys and passwords must be arrays');
  }
  if (!passwords.every((p) => typeof p === 'string')) {
    throw signetError('INVALID_ARGUMENT', 'passwords must be strings');
  }
  if (!decryptionKeys.length && !passwords.length) {
    throw signetError('INVALID_ARGUMENT', 'give at least one of decryptionKeys or passwords');
  }
  const getSessionKey = decryptionKeys.length
    ? async (esk) => {
      try {
        return wasm.decryptSessionKey({ message: esk, decryptionKeys });
      } catch (e) {
        if (e?.code === 'NO_MATCHING_KEY' && passwords.length) return null;
        throw e;
      }
    }
    : null;
  const engine = await createEngine('decrypt', { backend, passwords }, getSessionKey, worker);
  return pipe(engine, message, { onProgress, signal });
}
