// Streaming engine: drives the Rust push-style state machines (StreamEncryptor /
// StreamDecryptor) and, for AES-GCM, runs the per-chunk AEAD in WebCrypto.
//
// Loaded as a module Worker by stream.js in browsers (then it answers the
// messages below); imported in-thread by stream.js where there is no Worker
// (Node), so both run the same code. Private keys never come here: the worker
// receives only the per-message session key (see docs/streaming.md).
import initWasm, * as wasm from './wasm/signet_crypto.js';
import { signetError } from './errors.js';
import { opfsSpillAvailable, makeOpfsSpill } from './opfs-spill.js';

const subtle = globalThis.crypto?.subtle;

/** Output buffers a page's BYOB reads empty and send back, and how many are kept:
 *  one reply carries up to DEPTH + 1 batches of about 1 MiB. */
const OUT_SPARE = 1 << 20;
const MAX_SPARES = 4;

/**
 * Reads up to `max` octets from a BYOB reader into `buf` from its start. Each read
 * transfers the buffer: the same memory comes back as a new ArrayBuffer, returned
 * as `buf` (detached if the stream was cancelled meanwhile).
 */
async function readInto(reader, buf, max) {
  let n = 0;
  while (n < max) {
    const { done, value } = await reader.read(new Uint8Array(buf, n, max - n));
    if (!value) break; // cancelled: the buffer went with the stream
    buf = value.buffer;
    if (done) break;
    n += value.length;
  }
  return { buf, n };
}

/**
 * Reads a File/Blob by ranges (`{ at, length }`, in order within a pass) without
 * leaving garbage per batch where it can: through a BYOB reader into one reused
 * buffer where a Blob's stream is a byte stream (Chromium, Firefox, Node),
 * opened again where a pass starts over; elsewhere (WebKit, whose
 * `Blob.stream()` reads the whole file ahead into memory: 3.9 GiB for a 4 GiB
 * File) by `slice()`, a fresh buffer per range. The stream worker reads a page's
 * File this way (init option `file`: the page posts the File, then only the
 * ranges), so the page touches no input and WebKit's slices are garbage of the
 * worker's small heap; in-thread engines read their Blob the same way. What a
 * read returns is valid until the next read.
 */
export function blobRanges(blob) {
  let byob = typeof ReadableByteStreamController === 'function';
  let reader = null;
  let pos = 0;
  let buf = null;
  const open = (at) => {
    reader?.cancel().catch(() => {});
    reader = null;
    const stream = blob.slice(at).stream();
    try {
      reader = stream.getReader({ mode: 'byob' });
      pos = at;
    } catch {
      stream.cancel().catch(() => {});
      byob = false;
    }
  };
  return {
    async read({ at, length }) {
      if (byob && (!reader || at !== pos)) open(at);
      if (!byob) return new Uint8Array(await blob.slice(at, at + length).arrayBuffer());
      if (!buf?.byteLength || buf.byteLength < length) buf = new ArrayBuffer(length);
      const r = await readInto(reader, buf, length);
      buf = r.buf;
      pos += r.n;
      return new Uint8Array(buf, 0, r.n);
    },
    cancel() {
      reader?.cancel().catch(() => {});
      reader = null;
    },
  };
}

/** WebCrypto batches (about 1 MiB each) kept in flight beyond the newest. */
const DEPTH = 2;

/**
 * Octets per WebCrypto AES-CBC call in a CBC lane (a multiple of 16).
 * Chromium runs AES-CBC on the calling thread and takes 1.75 ms/MiB in
 * 256 KiB calls against 2.7-3.0 ms/MiB in 1-4 MiB ones (the buffers it copies
 * stay in cache); docs/benchmarks.md has the figures.
 */
const CBC_CALL = 256 * 1024;
/** AES block size. */
const BS = 16;

/** Held SEIPDv1 bodies from this size on share their AES with another thread. */
const LANES_MIN = 1 << 20;

/**
 * A one-shot SEIPDv1 encryption of this much data or more does its AES-CBC in
 * the stream worker's lane; less, on its own thread, where the lane's set-up
 * (a round trip to the worker, the key's import there) costs more than it
 * saves. Measured 2026-12-07 (median of 20, ms, lane / own thread): 16 octets
 * 1.11 / 0.71 in Chromium, 3.44 / 0.90 in WebKit; 1 MiB 6.48 / 6.19 and
 * 7.50 / 7.16 in Chromium and Firefox; 2 MiB 9.82 / 12.00 and 12.48 / 12.94
 * (docs/benchmarks.md).
 */
const CBC_LANE_MIN = 2 << 20;

/**
 * A one-shot SEIPDv2 AES-GCM decryption or encryption of this many octets or
 * more runs its WebCrypto calls in the stream worker's lane, where WebCrypto
 * runs AES-GCM on the calling thread (Chromium; `aesBlocksCaller`): this
 * thread then frames and copies the result into place while the worker does
 * the AES. Measured 2026-12-07 (Chromium, one-shot decrypt into one buffer,
 * ratio to raw WebCrypto, lane / here): 4 MiB 0.30-0.38 / 0.41-0.45, 8 MiB
 * 0.49-0.50 / 0.47-0.48, 16 MiB 0.52-0.66 / 0.47-0.54, 64 MiB 0.59-0.70 /
 * 0.49-0.53. Elsewhere WebCrypto works off the thread already and the lane
 * only adds copies (WebKit, 64 MiB: 57 ms with it, 40-44 without).
 */
const GCM_LANE_MIN = 16 << 20;

let blocksCaller = null;

/**
 * Whether this thread's WebCrypto runs AES-GCM during the call itself
 * (Chromium) rather than off the thread (Firefox, WebKit): issuing calls then
 * takes about as long as their results do. Measured once per thread on
 * throw-away data (1 MiB of AES, about a millisecond), after one call to warm
 * the engine up.
 */
function aesBlocksCaller() {
  blocksCaller ??= (async () => {
    const key = await subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
    const alg = { name: 'AES-GCM', iv: new Uint8Array(12) };
    const x = new Uint8Array(1 << 18);
    await subtle.encrypt(alg, key, x);
    const t0 = performance.now();
    const calls = [0, 1, 2, 3].map(() => subtle.encrypt(alg, key, x));
    const t1 = performance.now();
    await Promise.all(calls);
    return t1 - t0 >= 0.75 * (performance.now() - t0);
  })().catch(() => false);
  return blocksCaller;
}

/**
 * @internal Counters of one engine's seam around WebCrypto (deterministic,
 * unlike timings): octets pushed, octets JS copied into and out of Wasm memory,
 * jobs and batches submitted, and the most batches in flight at once. Read by
 * the tests and docs/benchmarks.md; not part of the package's exports.
 */
function seamStats() {
  return { pushed: 0, copiedIn: 0, copiedOut: 0, jobs: 0, batches: 0, maxInflight: 0, laneJobs: 0 };
}

/** Output copied out of Wasm memory (`takeOutput` and the like make copies). */
function pushCopied(state, out, bytes) {
  if (!bytes?.length) return;
  state.seam.copiedOut += bytes.length;
  out.push(bytes);
}

function pushOut(out, bytes) {
  if (bytes && bytes.length) out.push(bytes);
}

function wantWebCrypto(backend) {
  if (backend !== undefined && backend !== 'webcrypto' && backend !== 'rust') {
    const shown = typeof backend === 'string' ? JSON.stringify(backend) : typeof backend;
    throw signetError('INVALID_ARGUMENT', `backend must be "webcrypto" or "rust", not ${shown}`);
  }
  return backend !== 'rust' && !!subtle;
}

/**
 * Synchronous native AES, when the platform has one (Node: `node:crypto`,
 * registered by node.js). Used instead of `crypto.subtle` for the external
 * backend: no promise and thread hop per chunk. GCM `seal` returns the result
 * as pieces ([ciphertext, tag]); `open` returns the plaintext or throws;
 * `cbc(key, iv, input)` returns the unpadded AES-CBC encryption (SEIPDv1).
 */
let nativeGcm = null;
/** @internal Called once by node.js; the host sees every stream key, so a
 *  second registration is refused. Not part of the package's exports. */
export function useNativeGcm(impl) {
  if (nativeGcm) throw new Error('useNativeGcm: the package registered its host already');
  nativeGcm = impl;
}

/** A job result as byte pieces: WebCrypto gives an ArrayBuffer, native GCM pieces. */
function pieces(r) {
  return r instanceof ArrayBuffer ? [new Uint8Array(r)] : r;
}

function piecesLength(ps) {
  let n = 0;
  for (const p of ps) n += p.length;
  return n;
}

/**
 * Hands the next batch of jobs of `machine` (a StreamEncryptor or
 * StreamDecryptor on the external backend) to WebCrypto and records it in
 * `state.inflight`: AES-GCM chunks (SEIPDv2), or for a SEIPDv1 encryptor
 * (`isCfb`) one AES-CBC encryption whose output Rust turns into CFB. The key
 * is imported once, non-extractable, and the raw copy is wiped. Inputs are
 * views onto Wasm memory: WebCrypto copies its input synchronously, so no JS
 * copy is made; results are written back later.
 */
async function submitBatch(state, machine, op) {
  if (machine.backend !== 'external') return;
  const jobs = machine.takeJobs();
  if (!jobs.length) return;
  const cbc = machine.isCfb === true;
  state.seam.jobs += jobs.length;
  state.seam.batches += 1;
  if (nativeGcm) {
    // The raw key stays in this engine (wiped on free): Node has no
    // non-extractable keys to put it in.
    state.rawKey ??= machine.messageKey();
    const buf = state.w.streamMemory().buffer;
    const run = (j) => {
      const input = new Uint8Array(buf, j.ptr, j.inLen);
      if (cbc) return [nativeGcm.cbc(state.rawKey, j.nonce, input)];
      return nativeGcm[op === 'encrypt' ? 'seal' : 'open'](state.rawKey, j.nonce, j.ad, input);
    };
    let p;
    try {
      p = Promise.resolve(jobs.map(run));
    } catch (e) {
      p = Promise.reject(e);
    }
    track(state, jobs, p);
    return;
  }
  if (cbc) {
    await openLane(state, machine, 'cbc');
    track(state, jobs, Promise.all(jobs.map((j) => cbcJob(state, machine, j))));
    return;
  }
  await openLane(state, machine, `gcm-${op}`);
  if (state.lane) {
    track(state, jobs, Promise.all(jobs.map((j) => gcmJob(state, machine, op, j))));
    return;
  }
  if (!state.key) await importKey(state, machine, 'AES-GCM', op);
  const buf = state.w.streamMemory().buffer;
  const p = Promise.all(jobs.map((j) => {
    const input = new Uint8Array(buf, j.ptr, j.inLen);
    return subtle[op]({ name: 'AES-GCM', iv: j.nonce, additionalData: j.ad, tagLength: 128 }, state.key, input);
  }));
  track(state, jobs, p);
}

/**
 * AES-CBC of `length` octets in WebCrypto as chained calls of at most `size`
 * octets each (each call's IV is the previous call's last block, so the
 * result is the CBC of the whole). `view(at, n)` gives a call's input when it
 * is issued. Resolves to the pieces, WebCrypto's padding block dropped.
 */
function cbcCalls(key, iv, length, size, view) {
  const out = [];
  let at = 0;
  const next = () => {
    if (at >= length) return out;
    const n = Math.min(size, length - at);
    const input = view(at, n);
    at += n;
    return subtle.encrypt({ name: 'AES-CBC', iv }, key, input).then((r) => {
      const y = new Uint8Array(r, 0, n);
      out.push(y);
      iv = y.subarray(n - 16);
      return next();
    });
  };
  return next();
}

/**
 * One SEIPDv1 CBC job. With a lane (the one-shot `encrypt` on a page), the
 * stream worker encrypts it while this thread hashes and frames the next
 * data; else one WebCrypto call here (on a busy thread a chain of calls would
 * wait for it between calls). The job's buffer stays put until it completes.
 */
function cbcJob(state, machine, j) {
  const view = (at, n) => new Uint8Array(state.w.streamMemory().buffer, j.ptr + at, n);
  const lane = state.lane;
  if (lane) {
    const buf = lane.buffer(BS + j.inLen);
    buf.set(j.nonce, 0);
    buf.set(view(0, j.inLen), BS);
    state.seam.copiedOut += j.inLen;
    return lane.push(buf).catch(() => {
      // The worker is gone: this job and the rest run here.
      if (state.lane === lane) state.lane = null;
      return inThread();
    });
  }
  return inThread();
  async function inThread() {
    if (!state.key) await importKey(state, machine, 'AES-CBC', 'encrypt');
    return cbcCalls(state.key, j.nonce, j.inLen, j.inLen, view);
  }
}

/**
 * One AES-GCM job in the lane (see GCM_LANE_MIN): nonce, AD length, AD and
 * input copied into a buffer of the lane's, answered with the result. If the
 * lane fails (the worker is gone, or the chunk does not authenticate), the
 * job runs here, so a forged chunk fails as it would without a lane.
 */
function gcmJob(state, machine, op, j) {
  const lane = state.lane;
  const input = () => new Uint8Array(state.w.streamMemory().buffer, j.ptr, j.inLen);
  const at = 13 + j.ad.length;
  const buf = lane.buffer(at + j.inLen);
  buf.set(j.nonce, 0);
  buf[12] = j.ad.length;
  buf.set(j.ad, 13);
  buf.set(input(), at);
  state.seam.copiedOut += j.inLen;
  state.seam.laneJobs += 1;
  // Decryption gives one plaintext, encryption the sealed pieces.
  return lane.push(buf).then((r) => (op === 'decrypt' ? r[0] : r), async () => {
    if (state.lane === lane) state.lane = null;
    if (!state.key) await importKey(state, machine, 'AES-GCM', op);
    return subtle[op]({ name: 'AES-GCM', iv: j.nonce, additionalData: j.ad, tagLength: 128 }, state.key, input());
  });
}

/** Imports the machine's message key once, non-extractable; the raw copy is wiped. */
async function importKey(state, machine, alg, op) {
  const raw = machine.messageKey();
  try {
    state.key = await subtle.importKey('raw', raw, alg, false, [op]);
  } finally {
    raw.fill(0);
  }
}

/**
 * Opens a one-shot engine's lane in the stream worker once (`openLane(kind,
 * key)`, stream.js's, gets a copy of the key, which is wiped here): the CBC
 * lane of a SEIPDv1 encryption, or an AES-GCM lane where WebCrypto blocks
 * this thread. `state.lane` is null where there is none.
 */
async function openLane(state, machine, kind) {
  if (state.lane !== undefined) return;
  state.lane = null;
  if (!state.openLane || (kind !== 'cbc' && !await aesBlocksCaller())) return;
  const raw = machine.messageKey();
  try {
    state.lane = await state.openLane(kind, raw);
  } catch {
    state.lane = null;
  } finally {
    raw.fill(0);
  }
}

/** Records a submitted batch; `settled` lets the engine complete it without waiting. */
function track(state, jobs, p) {
  const batch = { jobs, p, settled: false };
  p.then(() => { batch.settled = true; }, () => { batch.settled = true; });
  state.inflight.push(batch);
  state.seam.maxInflight = Math.max(state.seam.maxInflight, state.inflight.length);
}

/**
 * Whether the engine should complete its oldest batch now: more than DEPTH in
 * flight (memory stays bounded), its result already there (output leaves as
 * soon as it is ready, at no cost to the overlap), or `eager` (no batch was
 * completed yet: the first chunk goes out as soon as its tag verifies, which
 * is the stream's time to first byte).
 */
function shouldComplete(state, eager) {
  const head = state.inflight[0];
  return !!head && (state.inflight.length > DEPTH || head.settled || eager);
}

/**
 * Pushes `data` into `machine` through its reusable input buffer in Wasm
 * memory (no allocation, copy and wipe per call as with `push(data)`).
 * Returns the output as a fresh array, or with `held` (a decryptor) leaves it
 * in Wasm for `takeOutputInto`.
 */
function pushInto(state, machine, data, held = false) {
  const ptr = machine.inputBuffer(data.length);
  new Uint8Array(state.w.streamMemory().buffer, ptr, data.length).set(data);
  state.seam.pushed += data.length;
  state.seam.copiedIn += data.length;
  return held ? machine.pushInputHeld(data.length) : machine.pushInput(data.length);
}

/** Copies `src` into the job buffer at `ptr` in Wasm memory. */
function intoWasm(state, ptr, src) {
  new Uint8Array(state.w.streamMemory().buffer, ptr, src.length).set(src);
  state.seam.copiedIn += src.length;
}

/**
 * Hands on a decrypted chunk without copying it: `segs` are (offset, length)
 * pairs of literal data inside `plain` (the octets between are packet framing).
 * Many small segments (a writer with small partial lengths) are gathered into
 * one buffer instead, so consumers do not get thousands of tiny chunks.
 */
function pushSegments(state, out, plain, segs) {
  const n = segs.length >> 1;
  if (n === 0) return;
  if (n === 1) {
    pushOut(out, plain.subarray(segs[0], segs[0] + segs[1]));
    return;
  }
  if (n <= 4) {
    for (let i = 0; i < segs.length; i += 2) pushOut(out, plain.subarray(segs[i], segs[i] + segs[i + 1]));
    return;
  }
  let total = 0;
  for (let i = 1; i < segs.length; i += 2) total += segs[i];
  const joined = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < segs.length; i += 2) {
    joined.set(plain.subarray(segs[i], segs[i] + segs[i + 1]), o);
    o += segs[i + 1];
  }
  pushCopied(state, out, joined);
}

export class EncryptEngine {
  /**
   * @param options StreamEncryptor options plus `sign(digests)`: for a signed
   *   stream (`onePass`), resolves to the signature packets made on the thread
   *   holding the keys (StreamSigner.sign).
   */
  constructor(w, options) {
    const { backend, sign = null, openLane = null, alloc = null, ...rest } = options;
    this.w = w;
    this.sign = sign;
    this.inflight = [];
    this.seam = seamStats();
    this.enc = new w.StreamEncryptor({ ...rest, backend: wantWebCrypto(backend) ? 'external' : 'rust' });
    // SEIPDv1: jobs chain (each one's IV is the previous result), so one runs
    // at a time, and Rust needs every result to form the CFB ciphertext.
    this.cfb = this.enc.isCfb;
    /** `(kind, key) => lane | null` (stream.js's `openLane`; the one-shot
     *  `encrypt` on a page): SEIPDv1's AES-CBC runs in the stream worker from
     *  CBC_LANE_MIN octets of data on, AES-GCM from GCM_LANE_MIN. */
    this.openLane = rest.dataLength >= (this.cfb ? CBC_LANE_MIN : GCM_LANE_MIN) ? openLane : null;
    // Binary output keeps WebCrypto's sealed chunks as they are (views, no
    // copies); Rust only says where the framing octets go. Armor needs the bytes.
    this.held = rest.armor !== true && !this.cfb;
    /** Sealed chunks kept for the layout, oldest first. */
    this.heldQ = [];
    this.key = null;
    this.started = false;
    /** One-shot (`alloc(n)` given): where the engine knows the message's
     *  length in advance (unsigned, binary), the output goes into one buffer
     *  of that length as it comes (Rust's octets, and WebCrypto's sealed
     *  chunks as each batch completes, overlapping the AES of the next),
     *  handed out whole by finish(), instead of pieces joined at the end. */
    const total = alloc && rest.dataLength !== undefined ? this.enc.exactLength(rest.dataLength) : undefined;
    this.into = total !== undefined ? alloc(total) : null;
    this.at = 0;
  }

  /** Output of Rust's: into `this.into`, else a copy onto `out`. */
  #takeOutput(out) {
    if (!this.into) {
      pushCopied(this, out, this.enc.takeOutput());
      return;
    }
    const n = this.enc.takeOutputInto(this.into.subarray(this.at));
    if (n === undefined) throw new Error('internal: output beyond the exact length');
    this.at += n;
    this.seam.copiedOut += n;
  }

  /** Bytes returned by a call (the header, the end): into `this.into`, else onto `out`. */
  #emit(out, bytes) {
    if (!this.into) {
      pushCopied(this, out, bytes);
      return;
    }
    this.seam.copiedOut += bytes.length;
    this.#piece(out, bytes);
  }

  get info() {
    return { backend: this.enc.backend === 'external' ? 'webcrypto' : 'rust', aead: this.enc.aead, seipd: this.cfb ? 'v1' : 'v2' };
  }

  // WebCrypto runs off-thread: submit a batch, then complete the oldest
  // batches only when more than DEPTH are in flight, so the Wasm framing of the
  // next batch overlaps the AES work of the previous ones.
  #submit() {
    return submitBatch(this, this.enc, 'encrypt');
  }

  async #completeOldest(out) {
    const { jobs, p } = this.inflight.shift();
    const sealed = await p;
    for (let i = 0; i < jobs.length; i++) {
      const ps = pieces(sealed[i]);
      if (piecesLength(ps) !== jobs[i].outLen) throw new Error('internal: AES-GCM result length');
      if (this.held) {
        this.heldQ.push(...ps);
        this.enc.completeJobHeld();
      } else {
        let at = jobs[i].ptr;
        for (const p of ps) {
          intoWasm(this, at, p);
          at += p.length;
        }
        this.enc.completeJob();
      }
    }
    if (!this.held) {
      this.#takeOutput(out);
      return;
    }
    this.#drainLayout(out);
  }

  /**
   * Assembles the output: our framing octets between views of sealed chunks,
   * or (one-shot, `this.into`) copies of both into the result as they come.
   */
  #drainLayout(out) {
    const { bytes, ops } = this.enc.takeLayout();
    this.seam.copiedOut += bytes.length;
    let o = 0;
    for (const n of ops) {
      if (n > 0) {
        this.#piece(out, bytes.subarray(o, o + n));
        o += n;
        continue;
      }
      let need = -n;
      while (need > 0) {
        const h = this.heldQ[0];
        if (!h) throw new Error('internal: stream layout refers to missing data');
        if (h.length <= need) {
          this.#piece(out, h);
          this.heldQ.shift();
          need -= h.length;
        } else if (this.into) {
          this.#piece(out, h.subarray(0, need));
          this.heldQ[0] = h.subarray(need);
          need = 0;
        } else {
          // A length octet falls inside this sealed chunk. Copy the smaller
          // side, so every buffer handed out is whole and can be transferred.
          if (need <= h.length - need) {
            out.push(h.slice(0, need));
            this.heldQ[0] = h.subarray(need);
          } else {
            out.push(h.subarray(0, need));
            this.heldQ[0] = h.slice(need);
          }
          this.seam.copiedOut += Math.min(need, h.length - need);
          need = 0;
        }
      }
    }
  }

  /** A piece of the output: into `this.into`, else handed on as it is. */
  #piece(out, bytes) {
    if (!this.into) {
      pushOut(out, bytes);
      return;
    }
    if (bytes.length > this.into.length - this.at) throw new Error('internal: output beyond the exact length');
    this.into.set(bytes, this.at);
    this.at += bytes.length;
  }

  #start(out) {
    if (!this.started) {
      this.started = true;
      this.#emit(out, this.enc.header());
    }
  }

  async push(data) {
    const out = [];
    this.#start(out);
    if (this.into && !this.held) {
      pushInto(this, this.enc, data, true);
      this.#takeOutput(out);
    } else {
      this.#emit(out, pushInto(this, this.enc, data));
    }
    if (this.cfb) {
      // The data just pushed was hashed while the previous job ran; completing
      // that job lets Rust cut the next one.
      while (this.inflight.length) await this.#completeOldest(out);
      await this.#submit();
      return out;
    }
    await this.#submit();
    while (shouldComplete(this, false)) await this.#completeOldest(out);
    return out;
  }

  async finish() {
    const out = [];
    this.#start(out);
    this.#emit(out, this.enc.finish());
    if (this.enc.needsSignatures) {
      // Signed: the literal data ended; its digests are signed where the keys are.
      const packets = await this.sign(this.enc.signatureDigests());
      if (!packets || !this.enc) throw new Error('the stream was cancelled');
      pushCopied(this, out, this.enc.addSignatures(packets));
    }
    await this.#submit();
    while (this.inflight.length) {
      await this.#completeOldest(out);
      if (this.cfb) await this.#submit();
    }
    if (!this.enc.isDone) throw new Error('internal: encryption did not complete');
    if (this.heldQ.length) throw new Error('internal: sealed data left over');
    if (this.into) {
      if (this.at !== this.into.length) throw new Error('internal: output shorter than its exact length');
      out.push(this.into);
      this.into = null;
    }
    this.free();
    return out;
  }

  free() {
    this.enc?.free();
    this.enc = null;
    this.key = null;
    this.lane?.free();
    this.lane = null;
    this.rawKey?.fill(0);
    this.rawKey = null;
    this.heldQ = [];
    this.into = null;
  }
}

/**
 * A page engine's helper in the stream worker (a lane): each push is one
 * job's bytes, answered with its result; the pushed buffer is wiped after
 * the job and goes back as the page's next one. Holds a key, nothing else.
 */
class LaneEngine {
  get info() {
    return null;
  }

  async push(data) {
    try {
      return await this.run(data);
    } finally {
      data.fill(0);
    }
  }

  async finish() {
    this.free();
    return [];
  }
}

/**
 * A lane's message key: the raw copy it was sent, imported into WebCrypto
 * (non-extractable) on first use and wiped then, or on free if never used.
 */
class WebCryptoKey {
  constructor(raw, alg, usage) {
    this.raw = raw;
    this.alg = alg;
    this.usage = usage;
    this.key = null;
  }

  async get() {
    if (!this.key) {
      try {
        this.key = await subtle.importKey('raw', this.raw, this.alg, false, [this.usage]);
      } finally {
        this.free();
      }
    }
    return this.key;
  }

  free() {
    this.raw?.fill(0);
    this.raw = null;
  }
}

/**
 * The worker's side of a CBC lane (a one-shot SEIPDv1 encryption on the
 * page): a job is IV + plaintext, answered with its AES-CBC encryption in
 * calls of CBC_CALL octets (this thread does nothing else, so the chain of
 * calls does not wait).
 */
class CbcLaneEngine extends LaneEngine {
  constructor(w, { key }) {
    super();
    this.key = new WebCryptoKey(key, 'AES-CBC', 'encrypt');
  }

  async run(data) {
    const key = await this.key.get();
    const n = data.length - BS;
    if (n <= 0 || n % BS) throw new Error('internal: CBC lane job length');
    return cbcCalls(key, data.slice(0, BS), n, CBC_CALL, (at, k) => data.subarray(BS + at, BS + at + k));
  }

  free() {
    this.key.free();
  }
}

/**
 * The worker's side of an AES-GCM lane (a one-shot SEIPDv2 message on a page
 * whose WebCrypto blocks it): a job is nonce, AD length, AD and input,
 * answered with WebCrypto's result.
 */
class GcmLaneEngine extends LaneEngine {
  constructor(op, { key }) {
    super();
    this.op = op;
    this.key = new WebCryptoKey(key, 'AES-GCM', op);
  }

  async run(data) {
    const key = await this.key.get();
    const at = 13 + data[12];
    const alg = { name: 'AES-GCM', iv: data.subarray(0, 12), additionalData: data.subarray(13, at), tagLength: 128 };
    return [new Uint8Array(await subtle[this.op](alg, key, data.subarray(at)))];
  }

  free() {
    this.key.free();
  }
}

/**
 * The worker's share of a held SEIPDv1 body (a DecryptEngine's #lanes on the
 * page): a job is IV + ciphertext of a block range, answered with its
 * AES-CFB plaintext, which the page's engine checks (MDC) before releasing
 * anything.
 */
class CfbRangeEngine extends LaneEngine {
  constructor(w, { key }) {
    super();
    this.w = w;
    this.key = key;
  }

  run(data) {
    return [this.w.cfbDecryptRange(this.key, data)];
  }

  free() {
    this.key?.fill(0);
    this.key = null;
  }
}

/**
 * Decrypts pushed message bytes; each call resolves to authenticated
 * plaintext. The one driver of the Rust engine for `decryptStream` (here or in
 * the worker) and for the one-shot `decrypt` (in-thread, `messageLength` set).
 */
export class DecryptEngine {
  /**
   * @param w the wasm module
   * @param options StreamDecryptor options (`passwords`, and in-thread
   *   `decryptionKeys`, are what `unlock()` tries) plus `getSessionKey(eskBytes)`:
   *   resolves to session key bytes, or null to fall back to `unlock()`.
   */
  constructor(w, { backend, passwords = [], decryptionKeys = [], getSessionKey = null, twoPass = false, limits, verificationKeys, messageLength, rangeInWorker = null, openLane = null } = {}) {
    this.w = w;
    /** `(kind, key) => lane | null` (the page's one-shot `decrypt`): AES-GCM
     *  chunks run in the stream worker, from GCM_LANE_MIN octets on. */
    this.openLane = messageLength >= GCM_LANE_MIN ? openLane : null;
    this.inflight = [];
    this.seam = seamStats();
    /** Set once a batch was completed: the first one is completed without
     *  waiting for more input (time to first byte), costing one batch of overlap. */
    this.firstDone = false;
    this.dec = new w.StreamDecryptor({
      backend: wantWebCrypto(backend) ? 'external' : 'rust', twoPass, limits, verificationKeys, passwords, decryptionKeys,
      ...(messageLength !== undefined && { messageLength }),
    });
    /** One-shot: a held SEIPDv1 body's plaintext collects in Wasm blocks. */
    this.oneShot = messageLength !== undefined;
    /** `(key, ivAndCiphertext)` resolving to a range's CFB plaintext from
     *  another thread (the page's one-shot `decrypt`: stream.js's worker). */
    this.rangeInWorker = rangeInWorker;
    /** Set by finish() when a two-pass first pass verified the message: call rewind(). */
    this.again = false;
    /** Whether the engine's own `unlock()` has keys or passwords to try. */
    this.canUnlock = passwords?.length > 0 || decryptionKeys?.length > 0;
    this.getSessionKey = getSessionKey;
    this.key = null;
    /** Filled by finish(). */
    this.signatures = [];
  }

  /** Literal data octets not yet released, where the message announced them
   *  (the sender's word: see StreamDecryptor.literalLeft); else undefined. */
  get literalLeft() {
    return this.dec?.literalLeft;
  }

  /** True once the engine holds the body whole until its MDC (one-pass SEIPDv1). */
  get holds() {
    return this.dec?.isStreaming === false;
  }

  get info() {
    if (!this.dec) return null; // finished and freed
    return { backend: this.dec.backend === 'external' ? 'webcrypto' : 'rust', streaming: this.dec.isStreaming, verifying: this.dec.isVerifying };
  }

  /**
   * Sets the session key once the engine asks: from `getSessionKey` (the
   * thread holding the private keys), else the engine's own search. `retry`:
   * the held body failed its MDC under the last key; only the engine's search
   * goes on from there (it remembers what it tried). False: nothing to try.
   */
  async #unlock(out, retry = false) {
    if (!this.dec.needsSessionKey) return true;
    const sk = !retry && this.getSessionKey ? await this.getSessionKey(this.dec.eskBytes()) : null;
    if (sk) {
      try {
        pushCopied(this, out, this.dec.setSessionKey(sk));
      } finally {
        sk.fill(0);
      }
      return true;
    }
    if (this.canUnlock) {
      pushCopied(this, out, this.dec.unlock());
      return true;
    }
    if (retry) return false;
    throw signetError('NO_MATCHING_KEY', 'no decryption key or password matches this message');
  }

  /**
   * A held AES SEIPDv1 body from LANES_MIN octets on, with another thread to
   * share its software AES (browsers' one-shot `decrypt`): the worker decrypts
   * the second half (CFB decryption of a range needs only the ciphertext
   * block before it) while this thread decrypts the first. The engine
   * decrypts whatever was not put (the worker failed, say) and checks the MDC
   * over all of it at `finish`, before anything is parsed.
   */
  async #lanes() {
    const n = this.rangeInWorker ? this.dec.heldLength : 0;
    if (n < LANES_MIN) return;
    const mid = Math.floor(n / 32) * 16;
    const key = this.dec.heldKey();
    let theirs;
    try {
      theirs = Promise.resolve(this.rangeInWorker(key, this.dec.heldRange(mid, n))).catch(() => null);
    } finally {
      key.fill(0);
    }
    this.dec.decryptHeldRange(0, mid);
    const plain = await theirs;
    if (!plain || !this.dec) return;
    try {
      this.dec.putHeldRange(mid, plain);
    } finally {
      plain.fill(0);
    }
  }

  /**
   * A held body's MDC hash through WebCrypto's SHA-1, which is native (per
   * MiB 1.0 ms in Chromium, 0.64 in WebKit, 2.1 in Firefox, against 2.0-2.7
   * for our Wasm SHA-1): Rust joins the plaintext it will check and parse,
   * and compares the digest in constant time. WebCrypto copies its input when
   * called. In Node Rust hashes with node:crypto (registered as native bulk).
   */
  async #heldDigest() {
    if (!subtle || nativeGcm) return;
    const at = this.dec.heldDigestInput();
    if (!at) return;
    const d = await subtle.digest('SHA-1', new Uint8Array(this.w.streamMemory().buffer, at[0], at[1]));
    this.dec?.setHeldDigest(new Uint8Array(d));
  }

  /** `finish` of the engine; a held SEIPDv1 body whose MDC failed gets the next candidate key. */
  async #finishHeld(out) {
    for (;;) {
      try {
        await this.#lanes();
        await this.#heldDigest();
        pushCopied(this, out, this.dec.finish());
        return;
      } catch (e) {
        if (e?.code !== 'DECRYPTION_FAILED' || !this.dec.needsSessionKey || !await this.#unlock(out, true)) throw e;
      }
    }
  }

  #submit() {
    return submitBatch(this, this.dec, 'decrypt');
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
    // Rust parses each chunk's plaintext (a copy into Wasm memory) and says
    // which ranges are literal data; those ranges of WebCrypto's own result are
    // handed on as they are, so the bulk is never copied back out of Wasm.
    for (let i = 0; i < jobs.length; i++) {
      const pt = plain[i] instanceof ArrayBuffer ? new Uint8Array(plain[i]) : plain[i];
      if (pt.length !== jobs[i].outLen) throw new Error('internal: AES-GCM result length');
      if (pt.length && this.dec.literalRun() >= pt.length) {
        // Inside a literal data part: Rust need not see these octets.
        this.dec.completeJobLiteral();
        pushOut(out, pt);
        continue;
      }
      if (pt.length) intoWasm(this, jobs[i].ptr, pt);
      const segs = this.dec.completeJobSegments();
      pushCopied(this, out, this.dec.takeOutput());
      pushSegments(this, out, pt, segs);
    }
    pushCopied(this, out, this.dec.takeOutput());
    this.firstDone = true;
  }

  /**
   * `spares`: output buffers of OUT_SPARE octets a BYOB consumer emptied (popped as
   * used); the plaintext Rust releases while the input goes in (two-pass SEIPDv1,
   * the Rust backend) is moved into them, or into new ones of that size, instead
   * of a fresh copy per batch.
   */
  async push(data, spares = null) {
    const out = [];
    if (spares) {
      pushInto(this, this.dec, data, true);
      const n = this.dec.outputLength;
      if (n > OUT_SPARE) {
        // More than one buffer (decompressed content): one copy, taken whole.
        pushCopied(this, out, this.dec.takeOutput());
      } else if (n > 0) {
        const buf = new Uint8Array(spares.pop() ?? new ArrayBuffer(OUT_SPARE));
        this.seam.copiedOut += this.dec.takeOutputInto(buf);
        out.push(buf.subarray(0, n));
      }
    } else {
      pushCopied(this, out, pushInto(this, this.dec, data));
    }
    await this.#unlock(out);
    await this.#submit();
    while (shouldComplete(this, !this.firstDone)) await this.#completeOldest(out);
    return out;
  }

  async finish() {
    const out = [];
    // One-shot, held body: its plaintext goes to blocks (no doubling buffer).
    const blocks = this.oneShot && this.holds;
    if (blocks) {
      this.dec.collectBlocks();
      // The body complete (armor's end, an indeterminate length) for #lanes.
      this.dec.endInput();
    }
    await this.#finishHeld(out);
    if (this.dec.needsSecondPass) {
      // Two-pass SEIPDv1: verified, nothing released; push it all again.
      this.again = true;
      return out;
    }
    await this.#submit();
    while (this.inflight.length) await this.#completeOldest(out);
    // With WebCrypto the final tag is checked by the job just run.
    if (!this.dec.isDone) pushCopied(this, out, this.dec.finish());
    if (!this.dec.isDone) throw new Error('internal: decryption did not complete');
    if (blocks) pushCopied(this, out, this.dec.takeBlocks());
    // Signature checks, streamed or held (the same form as `decrypt`'s).
    this.signatures = this.dec.signatures();
    this.free();
    return out;
  }

  /** Starts the second pass of a two-pass decryption (the session key stays in Wasm). */
  async rewind() {
    this.again = false;
    this.dec.rewind();
    return [];
  }

  free() {
    this.lane?.free();
    this.lane = null;
    this.dec?.free();
    this.dec = null;
    this.key = null;
    this.rawKey?.fill(0);
    this.rawKey = null;
  }
}

/**
 * The session-key callback of a DecryptEngine, for the thread that holds the
 * private keys (only the session key crosses to a worker): null without keys;
 * resolves to null when no key matches but passwords may still (the engine then
 * tries them).
 */
export function sessionKeyGetter(w, decryptionKeys, passwords, limits) {
  if (!decryptionKeys.length) return null;
  return async (esk) => {
    try {
      // The caller's limits (session-key packets) hold on this thread too.
      return w.decryptSessionKey({ message: esk, decryptionKeys, ...(limits !== undefined && { limits }) });
    } catch (e) {
      if (e?.code === 'NO_MATCHING_KEY' && passwords.length) return null;
      throw e;
    }
  };
}

/**
 * Whether the copy of a one-shot stream (the spill) is still needed, from a
 * decryption engine's `info`: until the engine knows the content (streaming
 * unknown) and while a two-pass first pass verifies. SEIPDv2 and buffered
 * content are read once: their copy is deleted at once.
 */
export function keepCopy(info) {
  return !info || info.streaming == null || info.verifying === true;
}

/** Plain-object form of an error, keeping `code` across postMessage. */
export function errorToMessage(e) {
  return { message: String(e?.message ?? e), name: e?.name ?? 'Error', code: e?.code };
}

// ---------------------------------------------------------------------------
// Worker side of the protocol used by stream.js. One worker serves every
// stream of the page (kept warm between streams); messages carry a stream id.
//   main -> worker  {op:'boot', module?}   (the page's compiled WebAssembly.Module)
//   main -> worker  {op:'init', id, kind:'encrypt'|'decrypt'|'cfb'|'ping', options, wantSessionKey}
//   worker -> main  {op:'ready', id, info} | {op:'error', id, error}
//   main -> worker  {op:'push', id, data, outSpares} | {op:'finish', id} | {op:'rewind', id} | {op:'free', id}
//                   (data transferred; it comes back as `spare` for reuse; outSpares: output
//                   buffers a BYOB read emptied, filled again with the next output)
//   main -> worker  {op:'readCopy', id} -> {op:'out', id, chunks: [next batch] | []}
//                   (init option `copy`: a one-shot stream copied to OPFS in pass 1, read
//                   back for pass 2; the page pushes each batch again)
//   worker -> main  {op:'out', id, chunks, done, again, info, wasmMemory, spare} (transferred;
//                   again: a two-pass first pass verified, send rewind and the message again)
//   worker -> main  {op:'needKey', id, esk}  -> main {op:'sessionKey', id, key|null}
//   worker -> main  {op:'needSig', id, digests} -> main {op:'signatures', id, packets}
//                   (a signed encryptStream: the keys stay on the main thread)
//   the final 'out' of a decryption carries `signatures` (as decrypt reports them)
//   worker -> main  {op:'fatal', error}      (the module could not be loaded)

const isWorker = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;

if (isWorker) {
  /** id -> { engine, queue, keyWaiter } */
  const streams = new Map();
  let ready = null;

  const reply = (msg, transfer = []) => globalThis.postMessage(msg, transfer);
  const load = (module) => {
    ready ??= initWasm({ module_or_path: module ?? new URL('./wasm/signet_crypto_bg.wasm', import.meta.url) });
    ready.catch((e) => reply({ op: 'fatal', error: errorToMessage(e) }));
    return ready;
  };

  /**
   * A batch's output gathered into an output buffer the page sent back after a
   * BYOB read emptied it: once the page reads with BYOB (it sent one back), it
   * receives the same memory again and again instead of fresh buffers, which it
   * would only copy out of and drop. Otherwise (default readers, or output
   * larger than a batch) the chunks go as they are, without a copy; so do chunks
   * the decryptor already wrote into such buffers (`push` with spares).
   */
  function intoOutSpare(st, chunks) {
    if (!st.byob || !chunks.length) return chunks;
    if (chunks.every((c) => c.byteOffset === 0 && c.buffer.byteLength === OUT_SPARE)) return chunks;
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total === 0 || total > MAX_SPARES * OUT_SPARE) return chunks;
    // Buffers of OUT_SPARE octets, filled in turn. The first batches (and those the
    // page is still reading) take new ones, which come back once read.
    const out = [];
    let buf = null;
    let at = 0;
    for (let c of chunks) {
      while (c.length) {
        if (!buf || at === buf.length) {
          if (buf) out.push(buf);
          buf = new Uint8Array(st.outSpares.pop() ?? new ArrayBuffer(OUT_SPARE));
          at = 0;
        }
        const k = Math.min(c.length, buf.length - at);
        buf.set(k === c.length ? c : c.subarray(0, k), at);
        at += k;
        c = c.subarray(k);
      }
    }
    out.push(buf.subarray(0, at));
    return out;
  }

  /**
   * Adds a pushed batch to the stream's copy (made on first use) while one may be
   * needed. Without room for it (quota, private browsing), a message read once
   * (SEIPDv2) goes on; one that needs a second pass fails, once the engine says
   * so (verifying), with the copy's LIMIT_EXCEEDED, which names the fix.
   */
  function copyInput(st, data) {
    if (!st.copying) return Promise.resolve();
    const info = st.engine.info;
    if (!keepCopy(info)) return dropCopy(st);
    const failed = (e) => {
      st.copyFailed ??= e;
      if (info?.verifying) throw st.copyFailed;
    };
    if (st.copyFailed) return Promise.resolve().then(failed);
    st.spill ??= makeOpfsSpill();
    return st.spill.then((spill) => spill.write(data)).catch(failed);
  }

  /** Deletes a stream's copy and stops reading its File (end, error, cancel); a copy
   *  that failed to open has nothing to delete. */
  async function dropCopy(st) {
    st.file?.cancel();
    st.file = null;
    const spill = st.spill;
    st.copying = false;
    st.spill = null;
    st.replay = null;
    await spill?.then((c) => c.drop()).catch(() => {});
  }

  async function handle(id, st, msg) {
    try {
      if (msg.op === 'init') {
        await load();
        if (msg.kind === 'ping') {
          reply({ op: 'ready', id, info: null });
          return;
        }
        if (msg.kind === 'encrypt') {
          st.engine = new EncryptEngine(wasm, {
            ...msg.options,
            sign: msg.wantSign
              ? (digests) => new Promise((resolve) => {
                st.keyWaiter = resolve;
                reply({ op: 'needSig', id, digests });
              })
              : null,
          });
        } else if (msg.kind === 'cfb') {
          st.engine = new CfbRangeEngine(wasm, msg.options);
        } else if (msg.kind === 'cbc') {
          st.engine = new CbcLaneEngine(wasm, msg.options);
        } else if (msg.kind === 'gcm-encrypt' || msg.kind === 'gcm-decrypt') {
          st.engine = new GcmLaneEngine(msg.kind.slice(4), msg.options);
        } else {
          // A one-shot stream of the page (`copy`): its bytes are copied to OPFS
          // here for a second pass, the page's thread having no synchronous access
          // handles. Without OPFS it is read once: SEIPDv1 is then buffered up to
          // the limit, whose LIMIT_EXCEEDED names the fix (pass a File).
          const { copy, file, ...options } = msg.options;
          if (file) st.file = blobRanges(file);
          if (copy) {
            st.copying = opfsSpillAvailable();
            options.twoPass = st.copying;
          }
          st.engine = new DecryptEngine(wasm, {
            ...options,
            getSessionKey: msg.wantSessionKey
              ? (esk) => new Promise((resolve) => {
                st.keyWaiter = resolve;
                reply({ op: 'needKey', id, esk }, [esk.buffer]);
              })
              : null,
          });
        }
        reply({ op: 'ready', id, info: st.engine.info });
        return;
      }
      if (msg.op === 'free') {
        st.engine?.free();
        streams.delete(id);
        await dropCopy(st);
        return;
      }
      if (!st.engine) throw new Error('stream worker used before init');
      if (msg.op === 'readCopy') {
        // The second pass of a copied one-shot stream: its next batch, to be pushed again.
        if (!st.replay) throw signetError('INTERNAL', 'the temporary copy of the message is gone');
        const r = await st.replay.read();
        reply({ op: 'out', id, chunks: r.done ? [] : [r.value] }, r.done ? [] : [r.value.buffer]);
        return;
      }
      const done = msg.op === 'finish';
      let chunks;
      if (done) {
        chunks = await st.engine.finish();
      } else if (msg.op === 'rewind') {
        chunks = await st.engine.rewind();
        st.copying = false;
        if (st.spill) st.replay = await (await st.spill).open();
      } else {
        // Copied while the engine works on the same bytes (neither changes
        // them). Until the engine has said what the message is, the batch is
        // copied only after the engine read it: a SEIPDv2 message then needs
        // no copy, and its first plaintext does not wait for OPFS to open.
        const data = msg.range ? await st.file.read(msg.range) : msg.data;
        let copied = st.engine.info?.streaming != null ? copyInput(st, data) : null;
        copied?.catch(() => {});
        for (const b of msg.outSpares ?? []) {
          st.byob = true;
          if (b.byteLength === OUT_SPARE && st.outSpares.length < MAX_SPARES) st.outSpares.push(b);
        }
        // A BYOB consumer's emptied buffers: a decryptor writes its plaintext into them.
        chunks = await st.engine.push(data, st.byob && st.engine instanceof DecryptEngine ? st.outSpares : null);
        copied ??= copyInput(st, data);
        await copied;
      }
      chunks = intoOutSpare(st, chunks);
      const again = done && st.engine?.again === true;
      const info = done && !again ? null : st.engine?.info;
      const signatures = done && !again ? st.engine?.signatures : undefined;
      if (done && !again) {
        streams.delete(id);
        await dropCopy(st);
      }
      const wasmMemory = (await ready).memory?.buffer.byteLength;
      // Several chunks may be views of one buffer: transfer each buffer once.
      const transfer = new Set(chunks.map((c) => c.buffer));
      const spare = msg.data?.buffer;
      if (spare && spare.byteLength && !transfer.has(spare)) transfer.add(spare);
      reply({ op: 'out', id, chunks, done: done && !again, again, info, signatures, wasmMemory, spare: spare?.byteLength ? spare : null }, [...transfer]);
    } catch (e) {
      st.engine?.free();
      st.engine = null;
      streams.delete(id);
      // The copy is gone before the page hears of the error.
      await dropCopy(st);
      reply({ op: 'error', id, error: errorToMessage(e) });
    }
  }

  globalThis.onmessage = ({ data: msg }) => {
    if (msg.op === 'boot') {
      load(msg.module);
      return;
    }
    let st = streams.get(msg.id);
    if (msg.op === 'sessionKey' || msg.op === 'signatures') {
      // The one request a stream has outstanding with the main thread.
      const w = st?.keyWaiter;
      if (st) st.keyWaiter = null;
      w?.(msg.op === 'sessionKey' ? msg.key : msg.packets);
      return;
    }
    if (!st) {
      if (msg.op !== 'init') return; // a stream already ended or freed
      st = { engine: null, queue: Promise.resolve(), keyWaiter: null, outSpares: [] };
      streams.set(msg.id, st);
    }
    if (msg.op === 'free') {
      // Free now (a pending key request never resolves otherwise) and drop
      // whatever is queued for this stream.
      st.keyWaiter?.(null);
      st.freed = true;
    }
    // One message at a time per stream, in order.
    st.queue = st.queue.then(() => (st.freed && msg.op !== 'free' ? undefined : handle(msg.id, st, msg)));
  };
}
