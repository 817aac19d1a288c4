// IndexedDB storage for signet-crypto's notes vault: the adapter shape
// { get, getMany, put, delete, list, apply } the Rust side expects. One database per
// vault ("signet-notes:" + name). Every call is one transaction, and apply(ops) writes
// a whole change in a single readwrite transaction, so a crash leaves either the old or
// the new state.
//
// Layout (database version 2). Chromium reads 100,000 small values at ~40 ns per byte
// (4.7 s for the note records of a 100,000-note vault) and MiB-sized values several
// times faster, so note records travel in packs:
//   records  key -> Uint8Array                      loose records (roots, shards, notes)
//   packs    pack id -> { keys, data, ends }        note records concatenated, keys sorted
//   live     pack id -> { lo, hi, n, count, bits }  its key span, entries, live ones
//   packed   key -> { pack, i }                     where a packed record is
// A key is loose or packed, never both. A batch with LOOSE_MAX note records or more
// writes them packed (backup import, key rotation, upgrade); single puts write loose
// records, and once LOOSE_MAX note records are loose a batch packs up to PACK_PER_BATCH
// of them (a bounded write, once per LOOSE_MAX puts). A pack left less than half live
// by deletes is unpacked into loose records; an empty one is deleted. `getMany` reads
// the loose records, the packed keys and the live packs over the keys' span: no
// per-record value but the records themselves.
// Packing is a container only: the vault checks every record it reads
// (docs/vault-format.md).

const STORE = "records";
const PACKS = "packs";
const PACKED = "packed";
const LIVE = "live";
const ALL = [STORE, PACKS, PACKED, LIVE];
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
    try {
      body(stores, out);
    } catch (e) {
      // Nothing of a batch that failed half-way may commit.
      tx.abort();
      reject(e);
    }
  });
}

function copy(bytes) {
  // Never store a view into Wasm memory: copy into a fresh buffer.
  return new Uint8Array(bytes);
}

const prefixRange = (prefix) => (prefix ? IDBKeyRange.bound(prefix, prefix + "\uffff") : undefined);
/** Note records are packed (their keys are joined by newlines in the pack). */
const packable = (key) => key.startsWith(NOTE) && !key.includes("\n");
const entry = (pack, i) => pack.data.subarray(i === 0 ? 0 : pack.ends[i - 1], pack.ends[i]);

/** Writes `[key, value]` pairs (sorted by key, so that a pack covers a key range and a
 *  range read touches few packs) as packs of at most PACK_BYTES. */
function writePacks(st, pairs) {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let at = 0; at < pairs.length; ) {
    let end = at;
    let bytes = 0;
    while (end < pairs.length && (end === at || bytes + pairs[end][1].length <= PACK_BYTES)) bytes += pairs[end++][1].length;
    const n = end - at;
    const data = new Uint8Array(bytes);
    const ends = new Uint32Array(n);
    const keys = [];
    const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    let off = 0;
    for (let i = at; i < end; i++) {
      data.set(pairs[i][1], off);
      off += pairs[i][1].length;
      ends[i - at] = off;
      keys.push(pairs[i][0]);
      st[PACKED].put({ pack: id, i: i - at }, pairs[i][0]);
    }
    // add, not put: a (never expected) id collision aborts the batch instead of
    // replacing another pack.
    // Keys as one string: one value to clone on every read instead of one per record.
    st[PACKS].add({ keys: keys.join("\n"), data, ends }, id);
    st[LIVE].add({ lo: keys[0], hi: keys[n - 1], n, count: n, bits: new Uint8Array((n + 7) >> 3).fill(255) }, id);
    at = end;
  }
}

const isLive = (m, i) => (m.bits[i >> 3] >> (i & 7)) & 1;

/** After the batch took entries `gone` (pack id -> entry indexes) out of their packs:
 *  marks them dead, deletes empty packs and unpacks those less than half live. */
function tidyPacks(st, gone) {
  for (const [id, dead] of gone) {
    st[LIVE].get(id).onsuccess = (e) => {
      const m = e.target.result;
      if (!m) return;
      for (const i of dead) {
        if (isLive(m, i)) m.count--;
        m.bits[i >> 3] &= ~(1 << (i & 7));
      }
      if (m.count === 0) {
        st[PACKS].delete(id);
        st[LIVE].delete(id);
      } else if (m.count * 2 < m.n) {
        st[PACKS].get(id).onsuccess = (p) => {
          const pack = p.target.result;
          if (pack) {
            pack.keys.split("\n").forEach((key, i) => {
              if (!isLive(m, i)) return;
              st[STORE].put(entry(pack, i).slice(), key);
              st[PACKED].delete(key);
            });
          }
          st[PACKS].delete(id);
          st[LIVE].delete(id);
        };
      } else {
        st[LIVE].put(m, id);
      }
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
        const pairs = k.target.result.map((key, j) => [key, v.target.result[j]]).filter(([key]) => packable(key));
        for (const [key] of pairs) st[STORE].delete(key);
        writePacks(st, pairs);
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
    if (!db.objectStoreNames.contains(PACKED)) db.createObjectStore(PACKED);
    if (!db.objectStoreNames.contains(LIVE)) db.createObjectStore(LIVE);
  };
  const db = await request(req);
  // Let a future schema upgrade in another tab proceed instead of blocking.
  db.onversionchange = () => db.close();
  // The packs the last getMany read: consecutive range reads share the packs at
  // their edges. Pack ids are random and never reused, so a cached pack is current.
  let recent = new Map();
  return {
    async get(key) {
      return (await this.getMany([key]))[0];
    },
    getMany(keys) {
      // One transaction for every record: opening a large vault would otherwise pay
      // one transaction per note. Many keys: range reads over the span they cover (the
      // loose records, and the packs whose span meets it, with their live entries)
      // instead of one request per key, which dominates in Chromium (~0.3 ms each).
      return transaction(db, ALL, "readonly", (st, out) => {
        const found = new Map();
        const cache = new Map();
        let waiting = 1;
        const done = () => {
          if (--waiting > 0) return;
          recent = cache;
          out.value = keys.map((k) => {
            const v = found.get(k);
            return v === undefined ? null : v instanceof Uint8Array ? v : new Uint8Array(v);
          });
        };
        /** Files the live entries of pack `id` (its `m` from LIVE) that are asked for. */
        const readPack = (id, m, wanted) => {
          const file = (pack) => {
            cache.set(id, pack);
            pack.names ??= pack.keys.split("\n");
            pack.names.forEach((k, i) => {
              if (isLive(m, i) && wanted(k)) found.set(k, entry(pack, i));
            });
          };
          const have = recent.get(id);
          if (have) return file(have);
          waiting++;
          st[PACKS].get(id).onsuccess = (e) => {
            if (e.target.result) file(e.target.result);
            done();
          };
        };
        if (keys.length >= 64) {
          let lo = keys[0];
          let hi = keys[0];
          for (const k of keys) {
            if (k < lo) lo = k;
            if (k > hi) hi = k;
          }
          const asked = new Set(keys);
          const range = IDBKeyRange.bound(lo, hi);
          waiting += 2;
          st[STORE].getAllKeys(range).onsuccess = (k) => {
            st[STORE].getAll(range).onsuccess = (v) => {
              v.target.result.forEach((x, i) => {
                if (asked.has(k.target.result[i])) found.set(k.target.result[i], x);
              });
              done();
            };
          };
          // Which keys are packed comes from `packed` (as for get and list); which of
          // a pack's entries are current, from its live bits.
          st[PACKED].getAllKeys(range).onsuccess = (p) => {
            const packed = new Set(p.target.result.filter((x) => asked.has(x)));
            st[LIVE].getAllKeys().onsuccess = (k) => {
              st[LIVE].getAll().onsuccess = (v) => {
                v.target.result.forEach((m, j) => {
                  if (m.hi >= lo && m.lo <= hi) readPack(k.target.result[j], m, (x) => packed.has(x));
                });
                done();
              };
            };
          };
        } else {
          waiting += keys.length;
          for (const k of keys) {
            st[PACKED].get(k).onsuccess = (e) => {
              const at = e.target.result;
              if (!at) {
                st[STORE].get(k).onsuccess = (r) => {
                  if (r.target.result !== undefined) found.set(k, r.target.result);
                  done();
                };
                return;
              }
              st[LIVE].get(at.pack).onsuccess = (m) => {
                if (m.target.result) readPack(at.pack, m.target.result, (x) => x === k);
                done();
              };
            };
          }
        }
        done();
      });
    },
    put(key, value) {
      return this.apply([{ type: "put", key, value }]);
    },
    delete(key) {
      return this.apply([{ type: "delete", key }]);
    },
    list(prefix) {
      recent = new Map(); // opening ends with a list: the packs it read are done with
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
      recent = new Map();
      return transaction(db, ALL, "readwrite", (st) => {
        // The batch's outcome per key (the last op on it wins, as in order).
        const last = new Map();
        for (const op of ops) last.set(op.key, op.type === "put" ? copy(op.value) : null);
        const pack = [];
        for (const [k, v] of last) if (v && packable(k)) pack.push([k, v]);
        const packing = pack.length >= LOOSE_MAX;
        // A key is packed or loose, never both: whatever the other place holds goes.
        // A single put issues everything at once (no round trip before its writes);
        // a packing batch first asks whether any note record is loose.
        const run = (anyLoose) => {
          const gone = new Map();
          let lookups = 1;
          const looked = () => {
            if (--lookups === 0) tidyPacks(st, gone);
          };
          for (const [k, v] of last) {
            const packed = v && packing && packable(k);
            if (!packable(k)) {
              // Never packed (roots, shards): no lookup.
              if (v) st[STORE].put(v, k);
              else st[STORE].delete(k);
              continue;
            }
            lookups++;
            st[PACKED].get(k).onsuccess = (e) => {
              const at = e.target.result;
              if (at) {
                if (!gone.has(at.pack)) gone.set(at.pack, []);
                gone.get(at.pack).push(at.i);
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
          else if (pack.length > 0) packLoose(st);
          looked();
        };
        if (packing) st[STORE].count(prefixRange(NOTE)).onsuccess = (c) => run(c.target.result > 0);
        else run(false);
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
