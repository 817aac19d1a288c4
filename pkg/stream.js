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
    this.pending = null;
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
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    if (error) p.reject(error);
    else p.resolve(value);
  }

  #call(msg, transfer = []) {
    if (!this.worker) return Promise.reject(signetError('INVALID_ARGUMENT', 'the stream was closed'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg, transfer);
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
    this.free();
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

function checkStream(v, name) {
  if (!v || typeof v.getReader !== 'function') {
    throw signetError('INVALID_ARGUMENT', `${name} must be a ReadableStream<Uint8Array>`);
  }
}

/** Reads up to about BATCH bytes; returns an owned Uint8Array (safe to transfer) or null at the end. */
async function readBatch(reader) {
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
  // Always copy: the caller's chunks may share one buffer, and we transfer ours.
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
        // Loop until something is produced, so the consumer's read resolves.
        for (;;) {
          const batch = await readBatch(reader);
          if (batch) bytesIn += batch.length;
          const chunks = batch ? await engine.push(batch) : await engine.finish();
          for (const c of chunks) {
            bytesOut += c.length;
            controller.enqueue(c);
          }
          // wasmMemory: the worker's Wasm memory size (a diagnostic; workers only).
          onProgress?.(engine.wasmMemory ? { bytesIn, bytesOut, wasmMemory: engine.wasmMemory } : { bytesIn, bytesOut });
          if (!batch) {
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
  if (!options || typeof options !== 'object') throw signetError('INVALID_ARGUMENT', 'encryptStream expects an options object');
  const { data, onProgress, signal, worker = true, backend, ...rest } = options;
  checkStream(data, 'data');
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
  if (!options || typeof options !== 'object') throw signetError('INVALID_ARGUMENT', 'decryptStream expects an options object');
  const { message, decryptionKeys = [], passwords = [], onProgress, signal, worker = true, backend } = options;
  checkStream(message, 'message');
  if (!Array.isArray(decryptionKeys) || !Array.isArray(passwords)) {
    throw signetError('INVALID_ARGUMENT', 'decryptionKeys and passwords must be arrays');
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
