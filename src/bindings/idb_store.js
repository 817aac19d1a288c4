// IndexedDB storage for signet-crypto's notes vault: the adapter shape
// { get, put, delete, list, apply } the Rust side expects. One database per vault
// ("signet-notes:" + name), one object store of Uint8Array values keyed by string.
// Every call is one transaction, and apply(ops) writes a whole change in a single
// readwrite transaction, so a crash leaves either the old or the new state.

const STORE = "records";

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function transaction(db, mode, body) {
  return new Promise((resolve, reject) => {
    // "strict" makes complete mean flushed to disk, which a commit point needs.
    const tx = db.transaction(STORE, mode, { durability: "strict" });
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    const r = body(tx.objectStore(STORE));
    if (r) r.onsuccess = () => { result = r.result; };
  });
}

function copy(bytes) {
  // Never store a view into Wasm memory: copy into a fresh buffer.
  return new Uint8Array(bytes);
}

export function idbAvailable() {
  return typeof indexedDB !== "undefined" && indexedDB !== null;
}

export async function idbOpen(name) {
  if (!idbAvailable()) throw new Error("IndexedDB is not available in this environment");
  const req = indexedDB.open("signet-notes:" + name, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  const db = await request(req);
  // Let a future schema upgrade in another tab proceed instead of blocking.
  db.onversionchange = () => db.close();
  return {
    async get(key) {
      const v = await transaction(db, "readonly", (s) => s.get(key));
      return v === undefined ? null : new Uint8Array(v);
    },
    getMany(keys) {
      // One transaction for every record: opening a large vault would otherwise
      // pay one transaction per note. Many keys: two range reads (keys, values)
      // over the span they cover instead of one request per key, which is what
      // dominates in Chromium (~0.3 ms per request).
      return new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, "readonly");
        const s = tx.objectStore(STORE);
        const out = new Array(keys.length).fill(null);
        if (keys.length >= 64) {
          let lo = keys[0];
          let hi = keys[0];
          for (const k of keys) {
            if (k < lo) lo = k;
            if (k > hi) hi = k;
          }
          const range = IDBKeyRange.bound(lo, hi);
          let found;
          s.getAllKeys(range).onsuccess = (e) => { found = e.target.result; };
          s.getAll(range).onsuccess = (e) => {
            const at = new Map();
            e.target.result.forEach((v, i) => at.set(found[i], v));
            keys.forEach((k, i) => {
              const v = at.get(k);
              out[i] = v === undefined ? null : new Uint8Array(v);
            });
          };
        } else {
          keys.forEach((k, i) => {
            s.get(k).onsuccess = (e) => {
              const v = e.target.result;
              out[i] = v === undefined ? null : new Uint8Array(v);
            };
          });
        }
        tx.oncomplete = () => resolve(out);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
      });
    },
    put(key, value) {
      return transaction(db, "readwrite", (s) => { s.put(copy(value), key); });
    },
    delete(key) {
      return transaction(db, "readwrite", (s) => { s.delete(key); });
    },
    async list(prefix) {
      const range = prefix ? IDBKeyRange.bound(prefix, prefix + "\uffff") : undefined;
      const keys = await transaction(db, "readonly", (s) => s.getAllKeys(range));
      return keys.filter((k) => typeof k === "string" && k.startsWith(prefix || ""));
    },
    apply(ops) {
      return transaction(db, "readwrite", (s) => {
        for (const op of ops) {
          if (op.type === "put") s.put(copy(op.value), op.key);
          else s.delete(op.key);
        }
      });
    },
    close() {
      db.close();
    },
  };
}

export async function idbDelete(name) {
  if (!idbAvailable()) return;
  await request(indexedDB.deleteDatabase("signet-notes:" + name));
}

/** Asks for persistent storage without waiting for the answer: Firefox settles
 *  `persist()` only when the user answers its permission prompt (never, for a user
 *  who ignores it), and awaiting it hung `NoteVault.create`/`open`. Best effort:
 *  refusal only means the browser may evict under pressure; whether storage is
 *  persistent is `navigator.storage.persisted()`. */
export async function requestPersistence() {
  try {
    if (typeof navigator !== "undefined" && navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => {});
    }
  } catch (_) {
    // no Storage API (e.g. some web views): nothing to ask
  }
}
