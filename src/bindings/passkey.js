// WebAuthn PRF for the notes vault's passkey slots. Only the PRF output leaves
// here (to Wasm, which derives the slot key from it and overwrites the copy);
// no server checks the assertion: the PRF output itself is the secret.
//
// The ceremony is `navigator.credentials` by default, or the caller's
// `webauthn: { create, get }` (NoteVaultWebAuthn in the types): a worker has no
// WebAuthn, so a page runs the ceremony on its main thread and hands back the
// credential's structured-cloneable parts. The options and the PRF salts are
// built here either way, and every ceremony settles within its timeout.

class UnsupportedError extends Error {
  constructor(message) {
    super(message);
    this.name = "UnsupportedError";
  }
}

function b64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The browser's own ceremony, after checking that it can do PRF at all. */
async function browserCeremony() {
  if (typeof PublicKeyCredential === "undefined" || !globalThis.navigator?.credentials) {
    throw new UnsupportedError(
      "passkeys (WebAuthn) are not available here; in a worker, pass `webauthn: { create, get }` run on the page's main thread",
    );
  }
  if (typeof PublicKeyCredential.getClientCapabilities === "function") {
    const caps = await PublicKeyCredential.getClientCapabilities().catch(() => ({}));
    if (caps["extension:prf"] === false) {
      throw new UnsupportedError("this browser has no WebAuthn PRF extension");
    }
  }
  return {
    create: (o) => navigator.credentials.create(o),
    get: (o) => navigator.credentials.get(o),
  };
}

/**
 * Runs `kind` ("create" or "get") of the ceremony on `publicKey`; rejects with a
 * TimeoutError (and aborts the ceremony) once `timeout` ms pass: a browser with
 * no authenticator to ask may otherwise never settle.
 */
async function ceremony(webauthn, kind, publicKey, timeout) {
  const run = webauthn ?? (await browserCeremony());
  const abort = new AbortController();
  let timer;
  const expired = new Promise((_, fail) => {
    timer = setTimeout(() => {
      const e = new Error(`no passkey answered within ${timeout} ms`);
      e.name = "TimeoutError";
      abort.abort(e);
      fail(e);
    }, timeout);
  });
  try {
    return await Promise.race([run[kind]({ publicKey, signal: abort.signal }), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The extension results of a PublicKeyCredential or of its cloned parts. */
function extensionsOf(cred) {
  return cred?.getClientExtensionResults?.() ?? cred?.clientExtensionResults ?? {};
}

/** A view of the PRF output (not a copy: the binding overwrites it after use). */
function prfOf(cred) {
  const first = extensionsOf(cred).prf?.results?.first;
  if (!first) return null;
  return ArrayBuffer.isView(first)
    ? new Uint8Array(first.buffer, first.byteOffset, first.byteLength)
    : new Uint8Array(first);
}

/** A copy of the credential id (an ArrayBuffer or any view of one). */
function idOf(cred) {
  const id = cred?.rawId;
  if (!id) throw new Error("the ceremony returned no credential");
  return ArrayBuffer.isView(id)
    ? new Uint8Array(id.buffer, id.byteOffset, id.byteLength).slice()
    : new Uint8Array(id.slice(0));
}

/** Asks one of `requests` ([{ id, salt }]) for its PRF output on its salt. */
export async function passkeyGet(webauthn, requests, timeout) {
  const evalByCredential = {};
  for (const r of requests) evalByCredential[b64url(r.id)] = { first: r.salt };
  const cred = await ceremony(webauthn, "get", {
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    allowCredentials: requests.map((r) => ({ type: "public-key", id: r.id })),
    userVerification: "required",
    timeout,
    extensions: { prf: { evalByCredential } },
  }, timeout);
  const prf = prfOf(cred);
  if (!prf) throw new UnsupportedError("the passkey gave no PRF output (no PRF support)");
  return { credentialId: idOf(cred), prf };
}

/** Registers a passkey and returns its id and its PRF output on `salt`. */
export async function passkeyCreate(webauthn, rpName, userName, saltView, timeout) {
  const salt = saltView.slice(); // a view of Wasm memory would not outlive an await
  const cred = await ceremony(webauthn, "create", {
    rp: { name: rpName },
    user: { id: crypto.getRandomValues(new Uint8Array(16)), name: userName, displayName: userName },
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    timeout,
    extensions: { prf: { eval: { first: salt } } },
  }, timeout);
  const ext = extensionsOf(cred).prf;
  if (!ext?.enabled && !ext?.results) {
    throw new UnsupportedError("this passkey has no PRF support");
  }
  const credentialId = idOf(cred);
  // Some authenticators evaluate the PRF only on assertions.
  const prf = prfOf(cred) ?? (await passkeyGet(webauthn, [{ id: credentialId, salt }], timeout)).prf;
  return { credentialId, prf };
}
