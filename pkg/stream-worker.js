// Streaming engine: drives the Rust push-style state machines (StreamEncryptor /
// StreamDecryptor) and, for AES-GCM, runs the per-chunk AEAD in WebCrypto.
//
// Loaded as a module Worker by stream.js in browsers (then it answers the
// messages below); imported in-thread by stream.js where there is no Worker
// (Node), so both run the same code. Private keys never come here: the worker
// receives only the per-message session key (see docs/streaming.md).
import initWasm, * as wasm from './wasm/signet_crypto.js';

const subtle = globalThis.crypto?.subtle;

/** WebCrypto batches (about 1 MiB each) kept in flight beyond the newest. */
const DEPTH = 2;

function pushOut(out, bytes) {
  if (bytes && bytes.length) out.push(bytes);
}

function wantWebCrypto(backend) {
  if (backend !== undefined && backend !== 'webcrypto' && backend !== 'rust') {
    const shown = typeof backend === 'string' ? JSON.stringify(backend) : typeof backend;
    const e = new Error(`backend must be "webcrypto" or "rust", not ${shown}`);
    e.name = 'SignetError';
    e.code = 'INVALID_ARGUMENT';
    throw e;
  }
  return backend !== 'rust' && !!subtle;
}

/** Encrypts pushed plaintext; each call resolves to output chunks. */
/**
 * Hands the next batch of AES-GCM jobs of `machine` (a StreamEncryptor or
 * StreamDecryptor on the external backend) to WebCrypto and records it in
 * `state.inflight`. The message key is imported once, non-extractable, and the
 * raw copy is wiped. Inputs are views onto Wasm memory: WebCrypto copies its
 * input synchronously, so no JS copy is made; results are written back later.
 */
async function submitGcmBatch(state, machine, op) {
  if (machine.backend !== 'external') return;
  const jobs = machine.takeJobs();
  if (!jobs.length) return;
  if (!state.key) {
    const raw = machine.messageKey();
    try {
      state.key = await subtle.importKey('raw', raw, 'AES-GCM', false, [op]);
    } finally {
      raw.fill(0);
    }
  }
  const buf = state.w.streamMemory().buffer;
  const p = Promise.all(jobs.map((j) => subtle[op](
    { name: 'AES-GCM', iv: j.nonce, additionalData: j.ad, tagLength: 128 }, state.key,
    new Uint8Array(buf, j.ptr, j.inLen))));
  p.catch(() => {});
  state.inflight.push({ jobs, p });
}

export class EncryptEngine {
  constructor(w, options) {
    const { backend, ...rest } = options;
    this.w = w;
    this.inflight = [];
    this.enc = new w.StreamEncryptor({ ...rest, backend: wantWebCrypto(backend) ? 'external' : 'rust' });
    this.key = null;
    this.started = false;
  }

  get info() {
    return { backend: this.enc.backend === 'external' ? 'webcrypto' : 'rust', aead: this.enc.aead };
  }

  // WebCrypto runs off-thread: submit a batch, then complete the oldest
  // batches only when more than DEPTH are in flight, so the Wasm framing of the
  // next batch overlaps the AES work of the previous ones.
  #submit() {
    return submitGcmBatch(this, this.enc, 'encrypt');
  }

  async #completeOldest(out) {
    const { jobs, p } = this.inflight.shift();
    const sealed = await p;
    for (let i = 0; i < jobs.length; i++) {
      new Uint8Array(this.w.streamMemory().buffer, jobs[i].ptr, jobs[i].outLen).set(new Uint8Array(sealed[i]));
      this.enc.completeJob();
    }
    pushOut(out, this.enc.takeOutput());
  }

  #start(out) {
    if (!this.started) {
      this.started = true;
      pushOut(out, this.enc.header());
    }
  }

  async push(data) {
    const out = [];
    this.#start(out);
    pushOut(out, this.enc.push(data));
    await this.#submit();
    while (this.inflight.length > DEPTH) await this.#completeOldest(out);
    return out;
  }

  async finish() {
    const out = [];
    this.#start(out);
    pushOut(out, this.enc.finish());
    await this.#submit();
    while (this.inflight.length) await this.#completeOldest(out);
    if (!this.enc.isDone) throw new Error('internal: encryption did not complete');
    this.free();
    return out;
  }

  free() {
    this.enc?.free();
    this.enc = null;
    this.key = null;
  }
}

/** Decrypts pushed message bytes; each call resolves to authenticated plaintext. */
export class DecryptEngine {
  /**
   * @param w the wasm module
   * @param options { backend, passwords } plus `getSessionKey(eskBytes)`: resolves
   *   to session key bytes, or null to fall back to the passwords.
   */
  constructor(w, { backend, passwords = [], getSessionKey = null } = {}) {
    this.w = w;
    this.inflight = [];
    this.dec = new w.StreamDecryptor({ backend: wantWebCrypto(backend) ? 'external' : 'rust' });
    this.passwords = passwords;
    this.getSessionKey = getSessionKey;
    this.key = null;
  }

  get info() {
    return { backend: this.dec.backend === 'external' ? 'webcrypto' : 'rust', streaming: this.dec.isStreaming };
  }

  async #unlock(out) {
    if (!this.dec.needsSessionKey) return;
    const sk = this.getSessionKey ? await this.getSessionKey(this.dec.eskBytes()) : null;
    if (sk) {
      try {
        pushOut(out, this.dec.setSessionKey(sk));
      } finally {
        sk.fill(0);
      }
      return;
    }
    if (this.passwords.length) {
      pushOut(out, this.dec.unlockWithPasswords(this.passwords));
      return;
    }
    const e = new Error('no decryption key or password matches this message');
    e.name = 'SignetError';
    e.code = 'NO_MATCHING_KEY';
    throw e;
  }

  #submit() {
    return submitGcmBatch(this, this.dec, 'decrypt');
  }

  async #completeOldest(out) {
    const { jobs, p } = this.inflight.shift();
    let plain;
    try {
      plain = await p;
    } catch {
      this.inflight = [];
      throw this.dec.failJob();
    }
    for (let i = 0; i < jobs.length; i++) {
      if (jobs[i].outLen) {
        new Uint8Array(this.w.streamMemory().buffer, jobs[i].ptr, jobs[i].outLen).set(new Uint8Array(plain[i]));
      }
      this.dec.completeJob();
    }
    pushOut(out, this.dec.takeOutput());
  }

  async push(data) {
    const out = [];
    pushOut(out, this.dec.push(data));
    await this.#unlock(out);
    await this.#submit();
    while (this.inflight.length > DEPTH) await this.#completeOldest(out);
    return out;
  }

  async finish() {
    const out = [];
    pushOut(out, this.dec.finish());
    await this.#submit();
    while (this.inflight.length) await this.#completeOldest(out);
    // With WebCrypto the final tag is checked by the job just run.
    if (!this.dec.isDone) pushOut(out, this.dec.finish());
    if (!this.dec.isDone) throw new Error('internal: decryption did not complete');
    this.free();
    return out;
  }

  free() {
    this.dec?.free();
    this.dec = null;
    this.key = null;
  }
}

/** Plain-object form of an error, keeping `code` across postMessage. */
export function errorToMessage(e) {
  return { message: String(e?.message ?? e), name: e?.name ?? 'Error', code: e?.code };
}

// ---------------------------------------------------------------------------
// Worker side of the protocol used by stream.js:
//   main -> worker  {op:'init', kind:'encrypt'|'decrypt', options, wantSessionKey}
//   worker -> main  {op:'ready', info} | {op:'error', error}
//   main -> worker  {op:'push', data} | {op:'finish'}      (data transferred)
//   worker -> main  {op:'out', chunks, done, info}          (chunks transferred)
//   worker -> main  {op:'needKey', esk}  -> main {op:'sessionKey', key|null}

const isWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;

if (isWorker) {
  let engine = null;
  let keyWaiter = null;
  let queue = Promise.resolve();
  const ready = initWasm({ module_or_path: new URL('./wasm/signet_crypto_bg.wasm', import.meta.url) });

  const reply = (msg, transfer = []) => globalThis.postMessage(msg, transfer);

  async function handle(msg) {
    try {
      if (msg.op === 'init') {
        await ready;
        if (msg.kind === 'encrypt') {
          engine = new EncryptEngine(wasm, msg.options);
        } else {
          engine = new DecryptEngine(wasm, {
            ...msg.options,
            getSessionKey: msg.wantSessionKey
              ? (esk) => new Promise((resolve) => {
                keyWaiter = resolve;
                reply({ op: 'needKey', esk }, [esk.buffer]);
              })
              : null,
          });
        }
        reply({ op: 'ready', info: engine.info });
        return;
      }
      if (!engine) throw new Error('stream worker used before init');
      const chunks = msg.op === 'finish' ? await engine.finish() : await engine.push(msg.data);
      const info = msg.op === 'finish' ? null : engine.info;
      const wasmMemory = (await ready).memory?.buffer.byteLength;
      reply({ op: 'out', chunks, done: msg.op === 'finish', info, wasmMemory }, chunks.map((c) => c.buffer));
    } catch (e) {
      engine?.free();
      engine = null;
      reply({ op: 'error', error: errorToMessage(e) });
    }
  }

  globalThis.onmessage = ({ data: msg }) => {
    if (msg.op === 'sessionKey') {
      const w = keyWaiter;
      keyWaiter = null;
      w?.(msg.key);
      return;
    }
    // One message at a time, in order.
    queue = queue.then(() => handle(msg));
  };
}
