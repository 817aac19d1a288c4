// All crypto runs here, off the main thread. The page posts requests
// { id, op, ...args } and receives { id, ok, result } or { id, ok: false, error }
// (errors carry their stable `code`). Long file operations also post
// { id, progress } and { id, chunk } (output bytes, transferred) before the result.
// Unlocked private keys, the notes vault and the wrap secret key exist only in this
// worker's Wasm memory.
import {
  init,
  getVersion,
  errorCodes,
  generateKey,
  readKey,
  unlockKey,
  exportPrivateKey,
  encrypt,
  decrypt,
  generateWrapKeyPair,
  importWrapSecretKey,
  wrapPublicKeyToText,
  wrapPublicKeyFromText,
  NoteVault,
  encryptStream,
  decryptStream,
  messageRecipients,
} from '../pkg/index.min.js';
import * as store from './keystore.js';
import { initFromBoot } from './pins.js';

// The page's first message is { boot: { url, integrity } }: the Wasm is fetched against
// its pin from index.html (pins.js), so a changed module is refused before it compiles.
const ready = initFromBoot(init);

/** One-shot ("memory mode") cap; the package's own limit is the same. */
export const MEMORY_LIMIT = 256 * 1024 * 1024;
/** Decryption runs in memory (so signatures are checked) only up to this size: the
 *  one-shot path holds several copies of the file (a 200 MiB file took 1.5 GB), the
 *  stream a few MiB at any size. */
export const VERIFY_LIMIT = 64 * 1024 * 1024;
/** Output is handed to the page in pieces of this size. */
const CHUNK = 4 * 1024 * 1024;
/** Progress messages at most this often. */
const PROGRESS_MS = 50;

const unlocked = new Map(); // fingerprint -> PrivateKey handle
const lockTimers = new Map(); // fingerprint -> auto-lock timer
const cancelled = new Set(); // request ids the page cancelled
const aborters = new Map(); // request id -> AbortController of a running stream
let vault = null;

/** An error with the package's `code`, and for the page a `reason` where one code
 *  covers situations it words differently. */
function fail(code, message, reason = undefined) {
  return Object.assign(new Error(message), { code, reason });
}

// ---------------------------------------------------------------------------
// Keys

async function keysList() {
  const records = await store.listKeys();
  const out = [];
  for (const r of records) {
    const info = await readKey(r.publicKey);
    out.push({
      fingerprint: r.fingerprint,
      info,
      publicKey: r.publicKey,
      backedUp: Boolean(r.backedUp),
      hasPrivate: Boolean(r.privateKey),
      unlocked: unlocked.has(r.fingerprint),
      added: r.added,
    });
  }
  out.sort((a, b) => a.added - b.added);
  return out;
}

async function keyGenerate({ userId, profile, passphrase, expiresInDays }) {
  const k = await generateKey({
    userIds: [userId],
    profile,
    passphrase,
    ...(expiresInDays ? { expiresInDays } : {}),
  });
  await store.putKey({ fingerprint: k.fingerprint, publicKey: k.publicKey, privateKey: k.privateKey, added: Date.now() });
  return { fingerprint: k.fingerprint };
}

/**
 * Imports a public or private key. A protected private key must unlock with
 * `passphrase` (proving it and yielding the public half); an unprotected one is
 * re-exported protected with `passphrase` before anything is stored.
 */
async function keyImport({ key, passphrase }) {
  const info = await readKey(key);
  if (!info.isPrivate) {
    const armored = typeof key === 'string' ? key : null;
    if (!armored) throw fail('INVALID_ARGUMENT', 'binary public keys: paste the armored form');
    const existing = await store.getKey(info.fingerprint);
    await store.putKey({ ...existing, fingerprint: info.fingerprint, publicKey: armored, added: existing?.added ?? Date.now() });
    return { fingerprint: info.fingerprint, isPrivate: false };
  }
  let handle;
  let privateKey;
  try {
    handle = await unlockKey(key, undefined);
    // It opened without a passphrase: protect it before storing.
    if (!passphrase) throw fail('INVALID_ARGUMENT', 'unprotected private key needs a passphrase', 'needsProtection');
    privateKey = await exportPrivateKey(handle, passphrase);
  } catch (err) {
    if (err.code !== 'BAD_PASSPHRASE') throw err;
    // Protected, and nothing was typed: not a wrong passphrase, a missing one.
    if (!passphrase) throw fail('BAD_PASSPHRASE', 'this private key needs its passphrase', 'needsPassphrase');
    handle = await unlockKey(key, passphrase);
    privateKey = typeof key === 'string' ? key : await exportPrivateKey(handle, passphrase);
  }
  try {
    const publicKey = handle.publicKey();
    await store.putKey({ fingerprint: handle.fingerprint, publicKey, privateKey, added: Date.now() });
    return { fingerprint: handle.fingerprint, isPrivate: true };
  } finally {
    handle.free();
  }
}

/** Unlocks a stored key for `lockAfterMs`, then frees (zeroizes) it and tells the page. */
async function keyUnlock({ fingerprint, passphrase, lockAfterMs = 15 * 60_000 }) {
  const r = await store.getKey(fingerprint);
  if (!r?.privateKey) throw fail('NOT_FOUND', 'no private key stored for this fingerprint');
  const handle = await unlockKey(r.privateKey, passphrase);
  keyLock({ fingerprint });
  unlocked.set(fingerprint, handle);
  lockTimers.set(fingerprint, setTimeout(() => {
    keyLock({ fingerprint });
    self.postMessage({ event: { type: 'keyLocked', fingerprint } });
  }, lockAfterMs));
  return true;
}

function keyLock({ fingerprint }) {
  clearTimeout(lockTimers.get(fingerprint));
  lockTimers.delete(fingerprint);
  unlocked.get(fingerprint)?.free();
  unlocked.delete(fingerprint);
  return true;
}

async function keyExport({ fingerprint, which }) {
  const r = await store.getKey(fingerprint);
  if (!r) throw fail('NOT_FOUND', 'key not found');
  if (which === 'private') {
    if (!r.privateKey) throw fail('NOT_FOUND', 'no private key stored');
    // The page stops nudging for a backup once one was taken.
    if (!r.backedUp) await store.putKey({ ...r, backedUp: Date.now() });
    return r.privateKey; // stored only in protected form
  }
  return r.publicKey;
}

async function keyDelete({ fingerprint }) {
  keyLock({ fingerprint });
  await store.deleteKey(fingerprint);
  return true;
}

async function wrapInfo() {
  const w = await store.getMeta('wrap');
  if (!w) return null;
  return { text: wrapPublicKeyToText(w.publicKey) };
}

async function wrapGenerate({ passphrase }) {
  const pair = generateWrapKeyPair();
  try {
    const protectedBytes = pair.secretKey.exportProtected(passphrase);
    await store.putMeta('wrap', { publicKey: pair.publicKey, protected: protectedBytes, created: Date.now() });
    return { text: wrapPublicKeyToText(pair.publicKey) };
  } finally {
    pair.secretKey.free();
  }
}

// ---------------------------------------------------------------------------
// Files

/** Reads a File into memory through its stream, reporting progress. */
async function readAll(id, file, report, memoryLimit = MEMORY_LIMIT) {
  const limit = Math.min(memoryLimit, MEMORY_LIMIT);
  if (file.size > limit) {
    throw fail('LIMIT_EXCEEDED', `file of ${file.size} bytes exceeds memory mode (${limit} bytes)`);
  }
  const buf = new Uint8Array(file.size);
  let off = 0;
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (cancelled.has(id)) {
      await reader.cancel();
      throw fail('CANCELLED', 'cancelled');
    }
    if (off + value.length > buf.length) throw fail('INVALID_ARGUMENT', 'file changed while reading');
    buf.set(value, off);
    off += value.length;
    report('read', off);
  }
  return off === buf.length ? buf : buf.subarray(0, off);
}

/**
 * Lets queued messages (a cancel) run: a resolved Wasm promise continues in a
 * microtask, before any message event, so checks need a macrotask turn first.
 */
const yieldToEvents = () => new Promise((r) => setTimeout(r, 0));

async function checkCancel(id) {
  await yieldToEvents();
  if (cancelled.has(id)) throw fail('CANCELLED', 'cancelled');
}

/** Sends output to the page in transferred pieces. */
async function emit(id, bytes, report) {
  for (let off = 0; off < bytes.length; off += CHUNK) {
    await checkCancel(id);
    const piece = bytes.slice(off, off + CHUNK);
    self.postMessage({ id, chunk: piece }, [piece.buffer]);
    report('write', Math.min(off + CHUNK, bytes.length));
  }
}

function reporter(id, total) {
  let last = 0;
  return (phase, done, force = false, wasmMemory = undefined) => {
    const now = performance.now();
    if (!force && now - last < PROGRESS_MS && done < total) return;
    last = now;
    self.postMessage({ id, progress: { phase, done, total, wasmMemory } });
  };
}

/**
 * Pipes a package stream's output to the page: pieces of about CHUNK bytes,
 * transferred. Memory stays bounded: the stream pulls input only as we read.
 */
async function pump(id, stream) {
  const reader = stream.getReader();
  let parts = [];
  let held = 0;
  let total = 0;
  const flush = () => {
    if (!held) return;
    const piece = new Uint8Array(held);
    let off = 0;
    for (const p of parts) {
      piece.set(p, off);
      off += p.length;
    }
    parts = [];
    held = 0;
    self.postMessage({ id, chunk: piece }, [piece.buffer]);
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (cancelled.has(id)) throw fail('CANCELLED', 'cancelled');
      parts.push(value);
      held += value.length;
      total += value.length;
      if (held >= CHUNK) flush();
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (cancelled.has(id)) throw fail('CANCELLED', 'cancelled');
    throw err;
  }
  flush();
  return total;
}

/** Runs a streaming operation with progress and cancel. */
async function streamOp(id, file, phase, start) {
  const ac = new AbortController();
  aborters.set(id, ac);
  const report = reporter(id, file.size);
  try {
    const out = await start({
      signal: ac.signal,
      onProgress: ({ bytesIn, wasmMemory }) => report(phase, bytesIn, false, wasmMemory),
    });
    const bytesOut = await pump(id, out);
    // A decryption's verdict on the signatures inside, settled after the last byte.
    return { bytesOut, signatures: out.signatures ? await out.signatures : null };
  } finally {
    aborters.delete(id);
  }
}

async function recipientKeys(recipients) {
  const encryptionKeys = [];
  for (const fp of recipients) {
    const r = await store.getKey(fp);
    if (!r) throw fail('NOT_FOUND', `recipient ${fp} not found`);
    encryptionKeys.push(r.publicKey);
  }
  return encryptionKeys;
}

/**
 * Which stored keys a file is for (from its session-key packets), whether a password
 * opens it, and whether a recipient is unnamed: the page asks for the right key's
 * passphrase before decrypting. A hint only: decryption itself decides.
 */
async function fileRecipients({ file }) {
  const head = new Uint8Array(await file.slice(0, 96 * 1024).arrayBuffer());
  let found;
  try {
    found = messageRecipients(head); // the package's engine reads the framing; nothing is decrypted
  } catch {
    return null; // not an encrypted message: decrypting will say what it is
  }
  if (!found) return null;
  const keys = [];
  for (const r of await store.listKeys()) {
    const info = await readKey(r.publicKey);
    const ids = [info, ...info.subkeys].flatMap((k) => [k.keyId, k.fingerprint]);
    if (found.ids.some((id) => ids.includes(id))) keys.push(r.fingerprint);
  }
  return { keys, password: found.password, anonymous: found.anonymous };
}

/** Whether one message can be encrypted to all of `encryptionKeys` (the package's own
 *  choice of format decides; INVALID_ARGUMENT means no format suits them all). */
async function oneMessageFits(encryptionKeys, seipd = 'auto') {
  try {
    await encrypt({ data: new Uint8Array(0), encryptionKeys, seipd, armor: false });
    return true;
  } catch (err) {
    if (err.code === 'INVALID_ARGUMENT') return false;
    throw err;
  }
}

/**
 * Splits recipients that cannot share one message into groups that can: keys that
 * need SEIPDv2 (post-quantum) with every key that advertises it, and the keys that do
 * not (GnuPG 2.2 and older). null when one message fits all, or the conflict is another.
 */
async function recipientGroups({ recipients }) {
  const encryptionKeys = await recipientKeys(recipients);
  if (await oneMessageFits(encryptionKeys)) return null;
  const needV2 = [];
  const rest = [];
  for (let i = 0; i < recipients.length; i++) {
    (await oneMessageFits([encryptionKeys[i]], 'v1') ? rest : needV2).push(i);
  }
  if (!needV2.length) return null;
  const modern = needV2.map((i) => recipients[i]);
  const old = [];
  for (const i of rest) {
    (await oneMessageFits([encryptionKeys[needV2[0]], encryptionKeys[i]]) ? modern : old).push(recipients[i]);
  }
  return old.length ? { pq: needV2.map((i) => recipients[i]), groups: [modern, old] } : null;
}

async function fileEncrypt(id, { file, recipients = [], passwords = [], signer = null, armor = false }) {
  const encryptionKeys = await recipientKeys(recipients);
  const signingKeys = [];
  if (signer) {
    const h = unlocked.get(signer);
    if (!h) throw fail('LOCKED', 'the signing key is locked');
    signingKeys.push(h);
  }
  // Streaming, signed or not: any size, bounded memory (one-pass signatures).
  const { bytesOut } = await streamOp(id, file, 'encrypt-stream', (o) =>
    encryptStream({ data: file.stream(), encryptionKeys, passwords, signingKeys, armor, ...o }));
  return { bytesIn: file.size, bytesOut, streamed: true };
}

/** The page's form of signature checks: who signed, as our key store knows them. */
async function signatureReport(list) {
  const signatures = [];
  for (const s of list) {
    const fp = s.signingKeyFingerprint ?? s.fingerprint;
    const r = s.signingKeyFingerprint ? await store.getKey(s.signingKeyFingerprint) : null;
    let name = null;
    if (r) name = (await readKey(r.publicKey)).userIds[0] ?? null;
    signatures.push({ valid: s.valid, reason: s.reason, fingerprint: fp, known: Boolean(r), name, created: s.created });
  }
  return signatures;
}

async function fileDecrypt(id, { file, passwords = [], memoryLimit }) {
  const limit = Math.min(memoryLimit ?? VERIFY_LIMIT, VERIFY_LIMIT);
  const verificationKeys = (await store.listKeys()).map((r) => r.publicKey);
  if (file.size > limit) {
    // Too large for memory: stream. Private keys stay here; the signatures
    // inside are checked as the data streams and reported at the end.
    const decryptionKeys = [...unlocked.values()];
    if (!decryptionKeys.length && !passwords.length) {
      throw fail('NO_MATCHING_KEY', 'no unlocked key and no password to try');
    }
    const r = await streamOp(id, file, 'decrypt-stream', (o) =>
      decryptStream({ message: file, decryptionKeys, passwords, verificationKeys, ...o }));
    return { bytesIn: file.size, bytesOut: r.bytesOut, streamed: true, signatures: await signatureReport(r.signatures) };
  }
  const report = reporter(id, file.size);
  const message = await readAll(id, file, report, limit);
  await checkCancel(id);
  report('decrypt', message.length, true);
  const res = await decrypt({ message, decryptionKeys: [...unlocked.values()], passwords, verificationKeys });
  await checkCancel(id);
  const signatures = await signatureReport(res.signatures);
  const total = res.data.length;
  await emit(id, res.data, reporter(id, total));
  return { bytesIn: message.length, bytesOut: total, signatures, streamed: false };
}

// ---------------------------------------------------------------------------
// Notes

let nextAsk = 1;
const asks = new Map(); // ask id -> { resolve, reject }

/** The vault's WebAuthn ceremony (NoteVaultWebAuthn), run by the page's main thread:
 *  a worker has no navigator.credentials. The options go out ({ ask }); the page answers
 *  ({ answer }) with the credential's id and PRF output (transferred), or the error's
 *  name; the package's abort at its timeout (120 s by default) is forwarded ({ askCancel }). */
const pageWebAuthn = {
  create: (o) => askPage('create', o),
  get: (o) => askPage('get', o),
};

function askPage(kind, { publicKey, signal }) {
  const id = nextAsk++;
  return new Promise((resolve, reject) => {
    asks.set(id, { resolve, reject });
    signal?.addEventListener('abort', () => self.postMessage({ askCancel: id }), { once: true });
    self.postMessage({ ask: { id, kind, publicKey } });
  });
}

function answered({ id, ok, result, error }) {
  const a = asks.get(id);
  asks.delete(id);
  if (!a) return;
  if (ok) a.resolve(result);
  else a.reject(Object.assign(new Error(error.message), { name: error.name }));
}

function needVault() {
  if (!vault || vault.locked) throw fail('LOCKED', 'the notebook is locked');
  return vault;
}

const AUTO_LOCK_MS = 15 * 60 * 1000;

async function vaultOpen({ name, passphrase, minManifestCounter, expectedVaultId }) {
  vault?.free();
  vault = null;
  vault = await NoteVault.open({ name, passphrase, storage: 'indexeddb', minManifestCounter, expectedVaultId, autoLockMs: AUTO_LOCK_MS });
  return vaultState();
}

async function vaultCreate({ name, passphrase }) {
  vault?.free();
  vault = null;
  vault = await NoteVault.create({ name, passphrase, storage: 'indexeddb', autoLockMs: AUTO_LOCK_MS });
  return vaultState();
}

function vaultState() {
  if (!vault || vault.locked) return { unlocked: false };
  return { unlocked: true, counter: vault.manifestCounter, vaultId: vault.vaultId };
}

function vaultLock() {
  vault?.lock();
  vault?.free();
  vault = null;
  return vaultState();
}

async function vaultImport({ name, passphrase, backup }) {
  const v = await NoteVault.importBackup({ name, passphrase, backup, storage: 'indexeddb', autoLockMs: AUTO_LOCK_MS });
  vault?.free();
  vault = v;
  return { ...vaultState(), count: v.list().length };
}

async function vaultAcceptShared({ envelope, passphrase }) {
  const v = needVault();
  const w = await store.getMeta('wrap');
  if (!w) throw fail('NOT_FOUND', 'no sharing key');
  const sk = importWrapSecretKey(w.protected, passphrase);
  try {
    const noteId = await v.acceptSharedNote(envelope, sk);
    return { id: noteId, counter: v.manifestCounter };
  } finally {
    sk.free();
  }
}

// ---------------------------------------------------------------------------

const ops = {
  version: () => getVersion(),
  errorCodes: () => errorCodes(),
  memoryLimit: () => MEMORY_LIMIT,
  verifyLimit: () => VERIFY_LIMIT,
  fileRecipients,
  recipientGroups,
  keysList,
  keyGenerate,
  keyImport,
  keyUnlock,
  keyLock,
  keyExport,
  keyDelete,
  wrapInfo,
  wrapGenerate,
  fileEncrypt: (a, id) => fileEncrypt(id, a),
  fileDecrypt: (a, id) => fileDecrypt(id, a),
  cancel: ({ target }) => {
    cancelled.add(target);
    aborters.get(target)?.abort(fail('CANCELLED', 'cancelled'));
    return true;
  },
  vaultState,
  vaultOpen,
  vaultCreate,
  vaultLock,
  vaultImport,
  vaultList: () => needVault().list(),
  // The page's search box looks in note text too (as before format 4): each search
  // decrypts the notes, which the vault no longer does when it opens.
  vaultSearch: ({ query }) => (query ? needVault().search(query, { bodies: true }) : needVault().list()),
  vaultGet: ({ id }) => needVault().get(id),
  vaultPut: async ({ note }) => {
    const v = needVault();
    const noteId = await v.put(note);
    return { id: noteId, counter: v.manifestCounter };
  },
  vaultDelete: async ({ id }) => {
    const v = needVault();
    await v.delete(id);
    return { counter: v.manifestCounter };
  },
  vaultChangePassphrase: async ({ oldPassphrase, newPassphrase }) => {
    const v = needVault();
    await v.changePassphrase(oldPassphrase, newPassphrase);
    return { counter: v.manifestCounter };
  },
  vaultExport: () => needVault().exportBackup(),
  vaultShare: ({ id, recipientText }) => needVault().shareNote(id, wrapPublicKeyFromText(recipientText.trim())),
  vaultAcceptShared,
  // Key slots (www/notes-unlock.js). A passkey's ceremony runs on the page (pageWebAuthn).
  vaultOpenWith: async ({ name, unlock, newPassphrase, minManifestCounter, expectedVaultId }) => {
    vault?.free();
    vault = null;
    const passkey = unlock.passkey ? { webauthn: pageWebAuthn } : {};
    const v = await NoteVault.open({ name, ...unlock, ...passkey, storage: 'indexeddb', minManifestCounter, expectedVaultId, autoLockMs: AUTO_LOCK_MS });
    if (newPassphrase) await v.setPassphrase(newPassphrase);
    vault = v;
    return vaultState();
  },
  vaultSlots: () => needVault().slots(),
  vaultAddRecoveryCode: async () => {
    const v = needVault();
    return { code: await v.addRecoveryCode(), counter: v.manifestCounter };
  },
  vaultAddPasskey: async () => {
    const v = needVault();
    await v.addPasskey({ label: 'Signet', webauthn: pageWebAuthn });
    return { counter: v.manifestCounter };
  },
  vaultAddEscrow: async ({ publicKeyText, label }) => {
    const v = needVault();
    await v.addEscrow({ publicKey: publicKeyText.trim(), label });
    return { counter: v.manifestCounter };
  },
  vaultRemoveSlot: async ({ id }) => {
    const v = needVault();
    await v.removeSlot(id);
    return { counter: v.manifestCounter };
  },
};

self.onmessage = async (event) => {
  const { id, op, args = {} } = event.data;
  if (event.data.boot) return;
  if (event.data.answer) return answered(event.data.answer);
  try {
    await ready;
    const f = ops[op];
    if (!f) throw fail('INVALID_ARGUMENT', `unknown operation ${op}`);
    const result = await f(args, id);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: { code: err?.code ?? 'INTERNAL', reason: err?.reason, message: String(err?.message ?? err), file: err?.file } });
  } finally {
    cancelled.delete(id);
  }
};
