// The crypto frame's worker: the package, the frame's key ring (www/keystore.js, in the
// frame's own storage partition) and the private keys the user unlocked through a
// consent window. The frame's page posts { id, op, args } and receives { id, ok, result }
// or { id, ok: false, error: { code, message } }. Unlocked keys exist only here, as
// package handles; nothing here posts to an embedder (the frame decides what leaves).
import { init, readKey, unlockKey, encrypt, decrypt, sign, verify, encryptStream, decryptStream } from '../../pkg/index.min.js';
import * as store from '../keystore.js';
import { initFromBoot } from '../pins.js';

// The frame's first message is { boot: { url, integrity } } (frame.html's pins).
const ready = initFromBoot(init);
const handles = new Map(); // number -> PrivateKey
let nextHandle = 1;

const fail = (code, message) => Object.assign(new Error(message), { code });

/** A package stream's output as one Blob (pieces as they come: memory stays the output's). */
async function collect(stream) {
  const reader = stream.getReader();
  const parts = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(parts);
    parts.push(value);
  }
}

function handle(id) {
  const h = handles.get(id);
  if (!h) throw fail('LOCKED', 'the key was locked or its consent expired');
  return h;
}

/** The ring's public keys (and any given ones) for checking signatures. */
async function ringKeys(extra = []) {
  return [...extra, ...(await store.listKeys()).map((r) => r.publicKey)];
}

const ops = {
  async listPublicKeys() {
    const out = [];
    for (const r of await store.listKeys()) {
      const info = await readKey(r.publicKey);
      out.push({ fingerprint: info.fingerprint, userIds: info.userIds, algorithm: info.algorithm, isPostQuantum: info.isPostQuantum, publicKey: r.publicKey });
    }
    return out;
  },
  /** Keys as the consent window sends them: protected armor, never plain. */
  async unlock({ fingerprint, publicKey, privateKey, passphrase }) {
    const h = await unlockKey(privateKey, passphrase);
    if (h.fingerprint !== fingerprint) {
      h.free();
      throw fail('INVALID_ARGUMENT', 'the key is not the one chosen');
    }
    // Linked to this frame's ring, so the embedder can encrypt to it (listPublicKeys).
    if (!(await store.getKey(fingerprint))) await store.putKey({ fingerprint, publicKey, privateKey, added: Date.now() });
    const id = nextHandle++;
    handles.set(id, h);
    return { handle: id, fingerprint };
  },
  free({ handle: id }) {
    handles.get(id)?.free();
    handles.delete(id);
    return true;
  },
  async encrypt({ data, encryptionKeys, armor = false, requirePostQuantum = false }) {
    if (requirePostQuantum) {
      for (const k of encryptionKeys) {
        if (!(await readKey(k)).isPostQuantum) throw fail('KEY_UNUSABLE', `key ${(await readKey(k)).fingerprint} is not post-quantum`);
      }
    }
    if (data instanceof Blob) return collect(await encryptStream({ data: data.stream(), encryptionKeys, armor }));
    return encrypt({ data, encryptionKeys, armor });
  },
  async decrypt({ message, handle: id }) {
    const key = handle(id);
    if (message instanceof Blob) {
      // Streamed: signatures inside are not reported by the stream API.
      return { data: await collect(await decryptStream({ message: message.stream(), decryptionKeys: [key] })), signatures: null };
    }
    const { data, signatures } = await decrypt({ message, decryptionKeys: [key], verificationKeys: await ringKeys() });
    return { data, signatures: signatures.map(({ fingerprint, valid, created }) => ({ fingerprint, valid, created })) };
  },
  sign({ data, handle: id, detached = false, armor = true }) {
    return sign({ data, signingKeys: [handle(id)], detached, armor });
  },
  async verify(args) {
    const { valid, signatures, data } = await verify(args);
    return { valid, data, signatures: signatures.map(({ fingerprint, valid: v, created }) => ({ fingerprint, valid: v, created })) };
  },
};

self.onmessage = async ({ data: { id, op, args, boot } }) => {
  if (boot) return;
  try {
    await ready;
    if (!Object.hasOwn(ops, op)) throw fail('INVALID_ARGUMENT', `unknown operation ${op}`);
    self.postMessage({ id, ok: true, result: await ops[op](args) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: { code: err?.code ?? 'INTERNAL', message: String(err?.message ?? err) } });
  }
};
