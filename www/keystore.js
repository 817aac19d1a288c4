// IndexedDB for the key ring, used by the crypto worker. It holds armored public
// keys, private keys only as passphrase-protected armor, and the X-Wing wrap key
// only as `exportProtected(passphrase)` bytes. Nothing in here is usable without
// a passphrase.

const DB = 'signet-keys';
const KEYS = 'keys';
const META = 'meta';

let dbPromise;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(storageError(r.error));
  });
}

function storageError(e) {
  return Object.assign(new Error(`IndexedDB: ${e?.message ?? e}`), { code: 'STORAGE' });
}

function db() {
  dbPromise ??= (() => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(KEYS, { keyPath: 'fingerprint' });
      req.result.createObjectStore(META);
    };
    return request(req);
  })();
  return dbPromise;
}

async function tx(store, mode, body) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    let result;
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(storageError(t.error));
    t.onabort = () => reject(storageError(t.error ?? 'aborted'));
    const r = body(t.objectStore(store));
    if (r) r.onsuccess = () => { result = r.result; };
  });
}

/** Every stored key record: { fingerprint, publicKey, privateKey?, added }. */
export const listKeys = () => tx(KEYS, 'readonly', (s) => s.getAll());
export const getKey = (fingerprint) => tx(KEYS, 'readonly', (s) => s.get(fingerprint));
export const putKey = (record) => tx(KEYS, 'readwrite', (s) => s.put(record));
export const deleteKey = (fingerprint) => tx(KEYS, 'readwrite', (s) => s.delete(fingerprint));
export const getMeta = (name) => tx(META, 'readonly', (s) => s.get(name));
export const putMeta = (name, value) => tx(META, 'readwrite', (s) => s.put(value, name));
