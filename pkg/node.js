// Node entry: reads the .wasm from disk and instantiates it synchronously on import.
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, open as openFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { initSync, useNativeAes, getVersion as versions } from './wasm/signet_crypto.js';
import { loadSync } from './load-node.js';
import { useNativeGcm } from './stream-worker.js';
import { useFileOpener, useSpill } from './stream.js';

// The package's API (the README's API table): one explicit list, in api.js.
export * from './api.js';

const wasmSha384 = loadSync(initSync, new URL('./wasm/signet_crypto_bg.wasm', import.meta.url));

/** Versions, and `wasmSha384`: the hash of the Wasm this instance runs (compare `integrity.json`). */
export function getVersion() {
  return { ...versions(), wasmSha384 };
}

// The streams' and one-shot functions' AES bulk (GCM; CBC for SEIPDv1) through node:crypto
// (OpenSSL, synchronous: no promise and thread-pool hop per chunk as with
// `crypto.subtle`). Decryption output is released only after `final()` checked the tag.
useNativeGcm({
  seal(key, nonce, ad, input) {
    const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
    c.setAAD(ad);
    const ct = c.update(input);
    c.final();
    return [ct, c.getAuthTag()];
  },
  cbc(key, iv, input) {
    const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
    c.setAutoPadding(false);
    const out = c.update(input);
    c.final();
    return out;
  },
  open(key, nonce, ad, input) {
    const n = input.length - 16;
    const d = createDecipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
    d.setAAD(ad);
    d.setAuthTag(input.subarray(n));
    const pt = d.update(input.subarray(0, n));
    d.final();
    return pt;
  },
});

// SEIPDv1 decryption's AES (ECB over the shifted ciphertext gives the CFB key
// stream, eight blocks at a time with AES-NI) and MDC SHA-1 through node:crypto
// as well: the Wasm build's AES is software, browsers have no route for it.
// Rust forms the plaintext, compares the MDC and releases nothing before.
useNativeAes({
  ecbEncrypt(key, data) {
    const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    c.setAutoPadding(false);
    data.set(c.update(data));
    c.final();
    return true;
  },
  sha1(data) {
    return createHash('sha1').update(data).digest();
  },
});

// decryptStream({ message: path }): the file is read twice (SEIPDv1 two-pass),
// each pass through a file handle of its own, in the ranges the stream asks for.
// Not openAsBlob: Node 20's file-backed Blob reports the size modulo 2^32 (a file
// of 4 GiB + 5 MiB is a Blob of 5 MiB), so a large file read as cut short.
useFileOpener(async (file) => {
  const fh = await openFile(file, 'r');
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    fh.close().catch(() => {});
  };
  let size;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${file} is not a file`), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    close();
    throw e;
  }
  let buf = null;
  return {
    size,
    /** The octets at [at, at + length): a view of a buffer the next read reuses
     *  (the engine copies each batch into Wasm memory at once); fewer at the end
     *  of a file that shrank, which the engine then finds cut short. */
    async read({ at, length }) {
      if (!buf || buf.length < length) buf = Buffer.allocUnsafe(length);
      let n = 0;
      while (n < length) {
        const { bytesRead } = await fh.read(buf, n, length - n, at + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, n);
    },
    cancel: close,
  };
});

// decryptStream({ message: oneShotStream }) of SEIPDv1: the bytes read in the
// first pass are copied to a temporary file (mode 0600, in a directory named
// after this process), encrypted with AES-256-CTR under a fresh random key
// that exists only in this process's memory; the second pass reads it back.
// The engine's 1 MiB digests (in Wasm) catch any change to it (TAMPERED).
// Deleted at the end, on error or cancel, at exit, and swept at the next
// start when the process that wrote it is gone.
const SPILL = 'signet-spill-';
const liveSpills = new Set();
process.once('exit', () => {
  for (const d of liveSpills) rmSync(d, { recursive: true, force: true });
});
try {
  for (const name of readdirSync(os.tmpdir())) {
    const pid = Number(/^signet-spill-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // still running
    } catch (e) {
      if (e.code === 'EPERM') continue;
    }
    rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
} catch { /* no temporary directory to sweep */ }

function spillError(e) {
  // EFBIG: past the largest file allowed here (RLIMIT_FSIZE, FAT's 4 GiB).
  const full = e?.code === 'ENOSPC' || e?.code === 'EDQUOT' || e?.code === 'EFBIG';
  const err = new Error(full
    ? 'no room for the temporary copy of this one-shot SEIPDv1 stream: pass a path or a stream factory instead, so it can be read twice'
    : `the temporary copy of the message failed: ${e?.message ?? e}`);
  err.name = 'SignetError';
  err.code = full ? 'LIMIT_EXCEEDED' : 'STORAGE';
  return err;
}

useSpill(async () => {
  let dir;
  let fh;
  try {
    dir = await mkdtemp(path.join(os.tmpdir(), `${SPILL}${process.pid}-`));
    liveSpills.add(dir);
    fh = await openFile(path.join(dir, 'message'), 'wx+', 0o600);
  } catch (e) {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
    throw spillError(e);
  }
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const enc = createCipheriv('aes-256-ctr', key, iv);
  let size = 0;
  return {
    async write(bytes) {
      try {
        const ct = enc.update(bytes);
        // A write can be short (a size limit reached): the rest is written again,
        // and fails with the reason.
        for (let at = 0; at < ct.length;) {
          const { bytesWritten } = await fh.write(ct, at, ct.length - at, size);
          at += bytesWritten;
          size += bytesWritten;
        }
      } catch (e) {
        throw spillError(e);
      }
    },
    async open() {
      const dec = createDecipheriv('aes-256-ctr', key, iv);
      let pos = 0;
      return {
        async read() {
          const buf = Buffer.allocUnsafe(Math.min(1 << 20, size - pos));
          if (buf.length === 0) return { done: true, value: undefined };
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) return { done: true, value: undefined };
          pos += bytesRead;
          const p = dec.update(buf.subarray(0, bytesRead));
          return { done: false, value: new Uint8Array(p.buffer, p.byteOffset, p.length) };
        },
        async cancel() {},
        releaseLock() {},
      };
    },
    async drop() {
      key.fill(0);
      await fh.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
      liveSpills.delete(dir);
    },
  };
});

/** Already initialised on import in Node; kept so code can call `init()` everywhere. */
export async function init() {}
