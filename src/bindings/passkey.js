// WebAuthn PRF for the notes vault's passkey slots. Only the PRF output leaves
// here (to Wasm, which derives the slot key from it and overwrites the copy);
// no server checks the assertion: the PRF output itself is the secret.

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

async function requirePrf() {
  if (typeof PublicKeyCredential === "undefined" || !globalThis.navigator?.credentials) {
    throw new UnsupportedError("passkeys (WebAuthn) are not available here");
  }
  if (typeof PublicKeyCredential.getClientCapabilities === "function") {
    const caps = await PublicKeyCredential.getClientCapabilities().catch(() => ({}));
    if (caps["extension:prf"] === false) {
      throw new UnsupportedError("this browser has no WebAuthn PRF extension");
    }
  }
}

function prfOf(cred) {
  const first = cred.getClientExtensionResults?.().prf?.results?.first;
  return first ? new Uint8Array(first) : null;
}

/** Asks one of `requests` ([{ id, salt }]) for its PRF output on its salt. */
export async function passkeyGet(requests, timeout) {
  await requirePrf();
  const evalByCredential = {};
  for (const r of requests) evalByCredential[b64url(r.id)] = { first: r.salt };
  const cred = await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      allowCredentials: requests.map((r) => ({ type: "public-key", id: r.id })),
      userVerification: "required",
      timeout,
      extensions: { prf: { evalByCredential } },
    },
  });
  const prf = prfOf(cred);
  if (!prf) throw new UnsupportedError("the passkey gave no PRF output (no PRF support)");
  return { credentialId: new Uint8Array(cred.rawId), prf };
}

/** Registers a passkey and returns its id and its PRF output on `salt`. */
export async function passkeyCreate(rpName, userName, salt, timeout) {
  await requirePrf();
  const cred = await navigator.credentials.create({
    publicKey: {
      rp: { name: rpName },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: userName, displayName: userName },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
      authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
      timeout,
      extensions: { prf: { eval: { first: salt } } },
    },
  });
  const ext = cred.getClientExtensionResults().prf;
  if (!ext?.enabled && !ext?.results) {
    throw new UnsupportedError("this passkey has no PRF support");
  }
  const credentialId = new Uint8Array(cred.rawId);
  // Some authenticators evaluate the PRF only on assertions.
  const prf = prfOf(cred) ?? (await passkeyGet([{ id: credentialId, salt }], timeout)).prf;
  return { credentialId, prf };
}
