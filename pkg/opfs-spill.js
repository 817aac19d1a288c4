// decryptStream({ message: oneShotStream }) of SEIPDv1 in a browser's dedicated
// worker (the web page's, or the package's shared stream worker for a page's
// streams): the bytes of the first pass are copied to the origin private file
// system (OPFS) through a synchronous access handle,
// encrypted with AES-256-CTR under a fresh non-extractable WebCrypto key that
// exists only in this worker's memory; the second pass, which releases
// plaintext only after the first verified the MDC, reads the copy back. The
// engine's per-MiB digests (in Wasm) catch any change to it (TAMPERED), as with
// Node's temporary file (node.js). Each copy is held under a Web Lock named
// after its file: deleted at the end, on error or cancel, and swept at the next
// start once no live worker holds its lock (a closed page or crashed worker).
// The main thread has no synchronous access handles: a page's one-shot stream is
// copied by the shared stream worker instead (stream-worker.js, `copy`).

import { signetError as spillError } from './errors.js';

const DIR = 'signet-spill';
const LOCK = 'signet-spill:';

function noRoom(e) {
  return spillError('LIMIT_EXCEEDED',
    `no room in the browser's storage for the temporary copy of this one-shot SEIPDv1 stream (${e?.name ?? e}): pass a File (or a stream factory) so it can be read twice`);
}

/** True where a spill can be made: a dedicated worker with OPFS and Web Locks. */
export function opfsSpillAvailable() {
  return typeof FileSystemFileHandle === 'function'
    && typeof FileSystemFileHandle.prototype.createSyncAccessHandle === 'function'
    && typeof globalThis.navigator?.storage?.getDirectory === 'function'
    && typeof globalThis.navigator?.locks?.request === 'function';
}

let swept = null;

/** Deletes copies whose lock nobody holds (their worker is gone); once per worker. */
function sweep(dir) {
  swept ??= (async () => {
    const names = [];
    for await (const name of dir.keys()) names.push(name);
    for (const name of names) {
      await navigator.locks.request(LOCK + name, { ifAvailable: true }, async (lock) => {
        if (lock) await dir.removeEntry(name).catch(() => {});
      });
    }
  })().catch(() => {});
  return swept;
}

/** A new spill: { write(bytes), open() -> reader, drop() } (the interface of stream.js's useSpill). */
export async function makeOpfsSpill() {
  let dir;
  try {
    dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(DIR, { create: true });
  } catch (e) {
    throw noRoom(e);
  }
  await sweep(dir);
  const name = crypto.randomUUID();
  // Hold the lock for the copy's whole life; `release` ends it.
  let release;
  await new Promise((held) => {
    navigator.locks.request(LOCK + name, () => {
      held();
      return new Promise((r) => { release = r; });
    });
  });
  let handle;
  try {
    handle = await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
  } catch (e) {
    release();
    await dir.removeEntry(name).catch(() => {});
    throw e?.name === 'QuotaExceededError' ? noRoom(e) : spillError('STORAGE', `the temporary copy of the message failed: ${e?.message ?? e}`);
  }
  const key = await crypto.subtle.generateKey({ name: 'AES-CTR', length: 256 }, false, ['encrypt', 'decrypt']);
  // Counter block of record i: a random 8-byte prefix, i (u32), then a 32-bit block counter.
  const prefix = crypto.getRandomValues(new Uint8Array(8));
  const counter = (i) => {
    const c = new Uint8Array(16);
    c.set(prefix);
    new DataView(c.buffer).setUint32(8, i);
    return { name: 'AES-CTR', counter: c, length: 32 };
  };
  const records = []; // lengths of the records, in order
  let size = 0;
  let dropped = false;
  return {
    async write(bytes) {
      const ct = new Uint8Array(await crypto.subtle.encrypt(counter(records.length), key, bytes));
      let n;
      try {
        n = handle.write(ct, { at: size });
      } catch (e) {
        throw e?.name === 'QuotaExceededError' ? noRoom(e) : spillError('STORAGE', `the temporary copy of the message failed: ${e?.message ?? e}`);
      }
      if (n !== ct.length) throw noRoom('a short write');
      records.push(ct.length);
      size += ct.length;
    },
    async open() {
      let i = 0;
      let pos = 0;
      return {
        async read() {
          if (dropped) throw spillError('INTERNAL', 'the temporary copy of the message is gone');
          if (i >= records.length) return { done: true, value: undefined };
          const ct = new Uint8Array(records[i]);
          const got = handle.read(ct, { at: pos });
          if (got !== ct.length) throw spillError('TAMPERED', 'the temporary copy of the message was cut short');
          pos += got;
          const value = new Uint8Array(await crypto.subtle.decrypt(counter(i++), key, ct));
          return { done: false, value };
        },
        async cancel() {},
        releaseLock() {},
      };
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        handle.close();
        await dir.removeEntry(name);
      } finally {
        release();
      }
    },
  };
}
