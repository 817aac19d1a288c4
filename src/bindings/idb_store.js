// IndexedDB storage for signet-crypto's notes vault: the adapter shape
// { get, getMany, put, delete, list, apply } the Rust side expects. One database per
// vault ("signet-notes:" + name). Every call is one transaction, and apply(ops) writes
// a whole change in a single readwrite transaction, so a crash leaves either the old or
// the new state.
//
// Layout (database version 2). Reading 100,000 small values costs Chromium ~40 ns per
// byte (4.7 s for a 100,000-note vault), values of a MiB a fraction of that, so note
// records travel in packs:
//   records  key -> Uint8Array                 loose records (every root and shard)
//   packs    pack id -> { data, ends }         note records concatenated, ≤ PACK_BYTES
//   packed   key -> { pack, i }                where a packed record is (index "pack")
// A key's value is its packed entry if it has one, else its loose record. A batch with
// LOOSE_MAX note records or more writes them packed (backup import, key rotation,
// upgrade); single puts write loose records, and once LOOSE_MAX note records are loose
// a batch packs up to PACK_PER_BATCH of them (a bounded write, once per LOOSE_MAX puts). A pack left less than
// half live by deletes is unpacked into loose records; an empty one is deleted. This is
// a container only: the vault checks every record it reads (docs/vault-format.md).

const STORE = "records";
const PACKS = "packs";
const PACKED = "packed";
const ALL = [STORE, PACKS, PACKED];
/** Note records this many or more go into packs (in a batch, or once loose). */
const LOOSE_MAX = 1024;
/** Loose note records packed by one batch at most, so that every write stays bounded. */
const PACK_PER_BATCH = 4 * LOOSE_MAX;
/** Bytes of records per pack (a larger record is a pack of its own). */
const PACK_BYTES = 1 << 20;
const NOTE = "note/";

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Runs `body(stores)` in one transaction over `names`; resolves with what `body`'s
 *  callbacks leave in `out.value` once the transaction completes. */
function transaction(db, names, mode, body) {
  return new Promise((resolve, reject) => {
    // "strict" makes complete mean flushed to disk, which a commit point needs.
    const tx = db.transaction(names, mode, { durability: "strict" });
    const out = { value: undefined };
    tx.oncomplete = () => resolve(out.value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    const stores = {};
    for (const n of names) stores[n] = tx.objectStore(n);
    body(stores, out);
  });
}

function copy(bytes) {
  // Never store a view into Wasm memory: copy into a fresh buffer.
  return new Uint8Array(bytes);
}

const prefixRange = (prefix) => (prefix ? IDBKeyRange.bound(prefix, prefix + "\uffff") : undefined);
const entry = (pack, i) => pack.data.subarray(i === 0 ? 0 : pack.ends[i - 1], pack.ends[i]);

/** Writes `[key, value]` pairs (sorted by key, so that a pack covers a key range and a
 *  range read touches few packs) as packs of at most PACK_BYTES. */
function writePacks(st, pairs) {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let at = 0; at < pairs.length; ) {
    let end = at;
    let bytes = 0;
    while (end < pairs.length && (end === at || bytes + pairs[end][1].length <= PACK_BYTES)) bytes += pairs[end++][1].length;
    const data = new Uint8Array(bytes);
    const ends = new Uint32Array(end - at);
    const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("") + ":" + (end - at);
    let off = 0;
    for (let i = at; i < end; i++) {
      data.set(pairs[i][1], off);
      off += pairs[i][1].length;
      ends[i - at] = off;
      st[PACKED].put({ pack: id, i: i - at }, pairs[i][0]);
    }
    st[PACKS].put({ data, ends }, id);
    at = end;
  }
}

/** After deletes took entries out of `touched` packs: deletes the empty ones and
 *  unpacks the ones less than half live into loose records. */
function tidyPacks(st, touched) {
  for (const id of touched) {
    const total = Number(id.slice(id.indexOf(":") + 1));
    const idx = st[PACKED].index("pack");
    idx.count(IDBKeyRange.only(id)).onsuccess = (e) => {
      const live = e.target.result;
      if (live === 0) return void st[PACKS].delete(id);
      if (live * 2 >= total) return;
      idx.getAllKeys(IDBKeyRange.only(id)).onsuccess = (k) => {
        idx.getAll(IDBKeyRange.only(id)).onsuccess = (v) => {
          st[PACKS].get(id).onsuccess = (p) => {
            const pack = p.target.result;
            k.target.result.forEach((key, j) => {
              if (pack) st[STORE].put(entry(pack, v.target.result[j].i).slice(), key);
              st[PACKED].delete(key);
            });
            st[PACKS].delete(id);
          };
        };
      };
    };
  }
}

/** Packs up to PACK_PER_BATCH loose note records once there are LOOSE_MAX of them. */
function packLoose(st) {
  const range = prefixRange(NOTE);
  st[STORE].count(range).onsuccess = (c) => {
    if (c.target.result < LOOSE_MAX) return;
    st[STORE].getAllKeys(range, PACK_PER_BATCH).onsuccess = (k) => {
      st[STORE].getAll(range, PACK_PER_BATCH).onsuccess = (v) => {
        const keys = k.target.result;
        for (const key of keys) st[STORE].delete(key);
        writePacks(st, keys.map((key, j) => [key, v.target.result[j]]));
      };
    };
  };
}

export function idbAvailable() {
  return typeof indexedDB !== "undefined" && indexedDB !== null;
}

export async function idbOpen(name) {
  if (!idbAvailable()) throw new Error("IndexedDB is not available in this environment");
  const req = indexedDB.open("signet-notes:" + name, 2);
  // Version 1 had the loose records only: the pack stores are added beside them.
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    if (!db.objectStoreNames.contains(PACKS)) db.createObjectStore(PACKS);
    if (!db.objectStoreNames.contains(PACKED)) db.createObjectStore(PACKED).createIndex("pack", "pack");
  };
  const db = await request(req);
  // Let a future schema upgrade in another tab proceed instead of blocking.
  db.onversionchange = () => db.close();
  // The packs the last getMany read: consecutive range reads share the packs at
  // their edges. Pack ids are random and never reused, so a cached pack is current.
  let recent = new Map();
  return {
    get(key) {
      return transaction(db, ALL, "readonly", (st, out) => {
        out.value = null;
        st[PACKED].get(key).onsuccess = (e) => {
          const at = e.target.result;
          if (at) {
            st[PACKS].get(at.pack).onsuccess = (p) => {
              if (p.target.result) out.value = entry(p.target.result, at.i).slice();
            };
          } else {
            st[STORE].get(key).onsuccess = (r) => {
              if (r.target.result !== undefined) out.value = new Uint8Array(r.target.result);
            };
          }
        };
      });
    },
    getMany(keys) {
      // One transaction for every record: opening a large vault would otherwise pay
      // one transaction per note. Many keys: range reads (loose keys and values, packed
      // entries) over the span they cover, then the packs those entries name, instead
      // of one request per key, which is what dominates in Chromium (~0.3 ms each).
      return transaction(db, ALL, "readonly", (st, out) => {
        const found = new Map();
        const cache = new Map();
        const finish = (at) => {
          const need = [...new Set([...at.values()].map((x) => x.pack))];
          let waiting = need.length;
          const done = () => {
            recent = cache;
            out.value = keys.map((k) => {
              const x = at.get(k);
              const pack = x && cache.get(x.pack);
              if (pack) return entry(pack, x.i);
              const v = found.get(k);
              return v === undefined ? null : new Uint8Array(v);
            });
          };
          if (waiting === 0) return done();
          for (const id of need) {
            const have = recent.get(id);
            if (have) {
              cache.set(id, have);
              if (--waiting === 0) done();
              continue;
            }
            st[PACKS].get(id).onsuccess = (e) => {
              if (e.target.result) cache.set(id, e.target.result);
              if (--waiting === 0) done();
            };
          }
        };
        if (keys.length >= 64) {
          let lo = keys[0];
          let hi = keys[0];
          for (const k of keys) {
            if (k < lo) lo = k;
            if (k > hi) hi = k;
          }
          const range = IDBKeyRange.bound(lo, hi);
          st[STORE].getAllKeys(range).onsuccess = (k) => {
            st[STORE].getAll(range).onsuccess = (v) => {
              v.target.result.forEach((x, i) => found.set(k.target.result[i], x));
            };
          };
          st[PACKED].getAllKeys(range).onsuccess = (k) => {
            st[PACKED].getAll(range).onsuccess = (v) => {
              const at = new Map();
              v.target.result.forEach((x, i) => at.set(k.target.result[i], x));
              finish(at);
            };
          };
        } else {
          const at = new Map();
          let waiting = keys.length;
          if (waiting === 0) return finish(at);
          for (const k of keys) {
            st[STORE].get(k).onsuccess = (e) => {
              if (e.target.result !== undefined) found.set(k, e.target.result);
            };
            st[PACKED].get(k).onsuccess = (e) => {
              if (e.target.result) at.set(k, e.target.result);
              if (--waiting === 0) finish(at);
            };
          }
        }
      });
    },
    put(key, value) {
      return this.apply([{ type: "put", key, value }]);
    },
    delete(key) {
      return this.apply([{ type: "delete", key }]);
    },
    list(prefix) {
      return transaction(db, [STORE, PACKED], "readonly", (st, out) => {
        const range = prefixRange(prefix);
        st[STORE].getAllKeys(range).onsuccess = (a) => {
          st[PACKED].getAllKeys(range).onsuccess = (b) => {
            const keys = new Set([...a.target.result, ...b.target.result]);
            out.value = [...keys].filter((k) => typeof k === "string" && k.startsWith(prefix || ""));
          };
        };
      });
    },
    apply(ops) {
      return transaction(db, ALL, "readwrite", (st) => {
        // The batch's outcome per key (the last op on it wins, as in order).
        const last = new Map();
        for (const op of ops) last.set(op.key, op.type === "put" ? copy(op.value) : null);
        const pack = [];
        for (const [k, v] of last) if (v && k.startsWith(NOTE)) pack.push([k, v]);
        const packing = pack.length >= LOOSE_MAX;
        // A key is packed or loose, never both: whatever the other place holds goes.
        st[STORE].count(prefixRange(NOTE)).onsuccess = (c) => {
          const anyLoose = c.target.result > 0;
          const touched = new Set();
          let lookups = 1;
          const looked = () => {
            if (--lookups > 0) return;
            tidyPacks(st, touched);
            if (!packing && pack.length > 0) packLoose(st);
          };
          for (const [k, v] of last) {
            const packed = v && packing && k.startsWith(NOTE);
            lookups++;
            st[PACKED].get(k).onsuccess = (e) => {
              const at = e.target.result;
              if (at) {
                touched.add(at.pack);
                // A packed put's new entry replaces this one (writePacks, queued before).
                if (!packed) st[PACKED].delete(k);
              }
              looked();
            };
            if (packed) {
              if (anyLoose) st[STORE].delete(k);
            } else if (v) st[STORE].put(v, k);
            else st[STORE].delete(k);
          }
          if (packing) writePacks(st, pack);
          looked();
        };
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
