// Replays the hostile corpus (cases.json + corpus/*.bin) through a loaded
// signet-crypto module. Shared by tests/node/hostile.test.mjs and
// tests/browser/hostile.test.mjs; `load(file)` returns a case's bytes.

const dec = new TextDecoder();
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The module's WebAssembly.Memory, from the generated glue (not a package
 *  export): its initSync returns the exports once the module is loaded. */
export function wasmMemory(glue) {
  return glue.initSync().memory;
}

function adapterFrom(records) {
  const map = new Map(Object.entries(records).map(([k, v]) => [k, fromB64(v)]));
  return {
    get: (k) => map.get(k) ?? null,
    put: (k, v) => void map.set(k, new Uint8Array(v)),
    delete: (k) => void map.delete(k),
    list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
  };
}

/** Loads the fixtures into handles once: unlocked keys, the wrap key, an open vault. */
export async function setUp(signet, fx) {
  const pqcKey = await signet.unlockKey(fx.pqcPrivate);
  const compatKey = await signet.unlockKey(fx.compatPrivate);
  const wrapKey = signet.importWrapSecretKey(fromB64(fx.wrapSecretProtected), fx.passphrase);
  const vault = await signet.NoteVault.open({
    name: 'hostile-fixture',
    passphrase: fx.passphrase,
    storage: adapterFrom(fx.vaultRecords),
  });
  return { signet, fx, pqcKey, compatKey, wrapKey, vault, seq: 0 };
}

const OPS = {
  readKey: (c, d) => c.signet.readKey(d),
  unlockKey: async (c, d) => (await c.signet.unlockKey(d)).free(),
  unlockKeyPass: async (c, d) => (await c.signet.unlockKey(d, c.fx.passphrase)).free(),
  unlockKeyWrongPass: async (c, d) => (await c.signet.unlockKey(d, 'wrong passphrase')).free(),
  decrypt: (c, d) => c.signet.decrypt({ message: d, decryptionKeys: [c.pqcKey, c.compatKey] }),
  decryptPass: (c, d) => c.signet.decrypt({ message: d, passwords: [c.fx.passphrase] }),
  decryptPassLowBudget: (c, d) =>
    c.signet.decrypt({ message: d, passwords: [c.fx.passphrase], limits: { maxS2kWork: 3 * 8192 } }),
  encryptTo: (c, d) => c.signet.encrypt({ data: 'x', encryptionKeys: [d] }),
  verify: (c, d) => c.signet.verify({ message: d, verificationKeys: [c.fx.pqcPublic, c.fx.compatPublic] }),
  verifyDetached: (c, d) =>
    c.signet.verify({ data: 'signed text', signature: d, verificationKeys: [c.fx.pqcPublic, c.fx.compatPublic] }),
  verifyOtherData: (c, d) =>
    c.signet.verify({ data: 'signed text!', signature: d, verificationKeys: [c.fx.pqcPublic, c.fx.compatPublic] }),
  unwrapKey: (c, d) => c.signet.unwrapKey({ envelope: d, secretKey: c.wrapKey }),
  wrapPublicFromText: (c, d) => c.signet.wrapPublicKeyFromText(dec.decode(d)),
  wrapTo: (c, d) => c.signet.wrapKey({ key: new Uint8Array(32), recipients: [d] }),
  importWrapSecret: (c, d) => c.signet.importWrapSecretKey(d, c.fx.passphrase).free(),
  importBackup: async (c, d) =>
    (await c.signet.NoteVault.importBackup({ backup: d, passphrase: c.fx.passphrase, name: `hostile-${++c.seq}`, storage: 'memory' })).free(),
  openVault: async (c, d) =>
    (await c.signet.NoteVault.open({ name: 'x', passphrase: c.fx.passphrase, storage: adapterFrom(JSON.parse(dec.decode(d))) })).free(),
  openVaultMinCounter: async (c, d) =>
    (
      await c.signet.NoteVault.open({
        name: 'x',
        passphrase: c.fx.passphrase,
        storage: adapterFrom(JSON.parse(dec.decode(d))),
        minManifestCounter: 1_000_000,
      })
    ).free(),
  acceptShared: (c, d) => c.vault.acceptSharedNote(d, c.wrapKey),
};

/** Runs one case; returns its outcome: 'ok', 'invalid' (verify said no), an error
 *  code, or 'UNTYPED: …' for anything without a listed code (a failure). */
export async function runCase(ctx, kase, data) {
  const codes = ctx.codes ?? (ctx.codes = new Set(ctx.signet.errorCodes()));
  const op = OPS[kase.op];
  if (!op) return `UNTYPED: unknown op ${kase.op}`;
  try {
    const r = await op(ctx, data);
    if (r && typeof r === 'object' && 'valid' in r && !r.valid) return 'invalid';
    return 'ok';
  } catch (e) {
    if (e && codes.has(e.code)) return e.code;
    return `UNTYPED: ${e && e.name}: ${e && e.message}`;
  }
}

/** A normal operation that must still work after a hostile case. */
export async function healthCheck(ctx) {
  const { signet } = ctx;
  const env = signet.wrapKey({ key: new Uint8Array(32).fill(1), recipients: [fromB64(ctx.fx.wrapPublic)] });
  const k = signet.unwrapKey({ envelope: env, secretKey: ctx.wrapKey });
  if (k.length !== 32 || k[0] !== 1) throw new Error('health check: wrap round trip failed');
  const info = await signet.readKey(ctx.fx.pqcPublic);
  if (!info.fingerprint) throw new Error('health check: readKey failed');
}

/** Wrong-typed and nonsensical option objects at the JS boundary: each must be a
 *  typed error (normally INVALID_ARGUMENT), never a crash or an untyped throw. */
export function optionCases(ctx) {
  const { signet, fx } = ctx;
  const pk = fromB64(fx.wrapPublic);
  const k32 = new Uint8Array(32);
  const env = () => signet.wrapKey({ key: k32, recipients: [pk] });
  return {
    'decrypt(undefined)': () => signet.decrypt(undefined),
    'decrypt(null)': () => signet.decrypt(null),
    'decrypt(42)': () => signet.decrypt(42),
    'decrypt({})': () => signet.decrypt({}),
    'decrypt message number': () => signet.decrypt({ message: 42 }),
    'decrypt decryptionKeys string': () => signet.decrypt({ message: 'x', decryptionKeys: 'k' }),
    'decrypt decryptionKeys [{}]': () => signet.decrypt({ message: 'x', decryptionKeys: [{}] }),
    'decrypt decryptionKeys [wrap key handle]': () => signet.decrypt({ message: 'x', decryptionKeys: [ctx.wrapKey] }),
    'decrypt passwords [1]': () => signet.decrypt({ message: 'x', passwords: [1] }),
    'encrypt data number': () => signet.encrypt({ data: 5, encryptionKeys: [fx.pqcPublic] }),
    'encrypt encryptionKeys [5]': () => signet.encrypt({ data: 'x', encryptionKeys: [5] }),
    'encrypt no recipients': () => signet.encrypt({ data: 'x' }),
    'encrypt seipd v9': () => signet.encrypt({ data: 'x', encryptionKeys: [fx.pqcPublic], seipd: 'v9' }),
    'encrypt private key as recipient string garbage': () => signet.encrypt({ data: 'x', encryptionKeys: ['-----BEGIN PGP'] }),
    'decrypt limits string': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: 'low' }),
    'decrypt limits unknown name': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: { maxMesageSize: 1 } }),
    'decrypt limits above ceiling': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: { maxDecompressedSize: 2 ** 40 } }),
    'decrypt limits negative': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: { maxSignatures: -1 } }),
    'decrypt limits fraction': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: { maxSignatures: 1.5 } }),
    'decrypt limits NaN': () => signet.decrypt({ message: 'x', passwords: ['p'], limits: { maxKeySize: NaN } }),
    'verify limits Argon2 above ceiling': () => signet.verify({ signature: 'x', verificationKeys: [fx.pqcPublic], limits: { maxArgon2MemoryKiB: 2 ** 32 } }),
    'unlockKey limits string': () => signet.unlockKey(fx.compatPrivate, null, { limits: 'x' }),
    'unlockKey options number': () => signet.unlockKey(fx.compatPrivate, null, 5),
    'sign no keys': () => signet.sign({ data: 'x', signingKeys: [] }),
    'sign signingKeys [{}]': () => signet.sign({ data: 'x', signingKeys: [{}] }),
    'verify no verificationKeys': () => signet.verify({ signature: 'x' }),
    'verify signature number': () => signet.verify({ signature: 1, verificationKeys: [fx.pqcPublic] }),
    'generateKey userIds []': () => signet.generateKey({ userIds: [] }),
    'generateKey userIds string': () => signet.generateKey({ userIds: 'x' }),
    'generateKey profile rsa': () => signet.generateKey({ userIds: ['a <a@b>'], profile: 'rsa' }),
    'readKey(number)': () => signet.readKey(7),
    'unlockKey(null)': () => signet.unlockKey(null),
    'wrapKey key 31 bytes': () => signet.wrapKey({ key: new Uint8Array(31), recipients: [pk] }),
    'wrapKey key string': () => signet.wrapKey({ key: 'k', recipients: [pk] }),
    'wrapKey no recipients': () => signet.wrapKey({ key: k32, recipients: [] }),
    'wrapKey duplicate recipients': () => signet.wrapKey({ key: k32, recipients: [pk, pk] }),
    'wrapKey 1001 recipients': () => signet.wrapKey({ key: k32, recipients: Array(1001).fill(pk) }),
    'wrapKey recipients not array': () => signet.wrapKey({ key: k32, recipients: pk }),
    'wrapKey recipient garbage text': () => signet.wrapKey({ key: k32, recipients: ['signet-wrap-pub1:AAAA'] }),
    'unwrapKey envelope string': () => signet.unwrapKey({ envelope: 'x', secretKey: ctx.wrapKey }),
    'unwrapKey secretKey {}': () => signet.unwrapKey({ envelope: env(), secretKey: {} }),
    'unwrapKey secretKey PGP handle': () => signet.unwrapKey({ envelope: env(), secretKey: ctx.pqcKey }),
    'envelopeRecipients(string)': () => signet.envelopeRecipients('x'),
    'importWrapSecretKey(string)': () => signet.importWrapSecretKey('x', 'p'),
    'importWrapSecretKey empty passphrase': () => signet.importWrapSecretKey(new Uint8Array(10), ''),
    'wrapPublicKeyFromText(number)': () => signet.wrapPublicKeyFromText(5),
    'NoteVault.create name number': () => signet.NoteVault.create({ name: 5, passphrase: 'p', storage: 'memory' }),
    'NoteVault.create empty passphrase': () => signet.NoteVault.create({ name: 'e', passphrase: '', storage: 'memory' }),
    'NoteVault.create kdf too weak': () =>
      signet.NoteVault.create({ name: 'w', passphrase: 'p', storage: 'memory', kdf: { memoryKiB: 8, iterations: 1, parallelism: 1 } }),
    'NoteVault.create kdf huge': () =>
      signet.NoteVault.create({ name: 'h', passphrase: 'p', storage: 'memory', kdf: { memoryKiB: 2 ** 31, iterations: 1, parallelism: 1 } }),
    'NoteVault.create storage bogus': () => signet.NoteVault.create({ name: 'b', passphrase: 'p', storage: 'floppy' }),
    'NoteVault.open({})': () => signet.NoteVault.open({}),
    'NoteVault.open missing memory vault': () => signet.NoteVault.open({ name: 'nope', passphrase: 'p', storage: 'memory' }),
    'NoteVault.importBackup backup string': () => signet.NoteVault.importBackup({ backup: 'x', passphrase: 'p', name: 'i', storage: 'memory' }),
    'vault.put title number': () => ctx.vault.put({ title: 5, body: 'b' }),
    'vault.put body 17 MiB': () => ctx.vault.put({ title: 't', body: 'x'.repeat(17 * 1024 * 1024) }),
    'vault.get bad id': () => ctx.vault.get('zz'),
    'vault.get unknown id': () => ctx.vault.get('0'.repeat(32)),
    'vault.acceptSharedNote key {}': () => ctx.vault.acceptSharedNote(new Uint8Array(8), {}),
    'freed PGP key handle': async () => {
      const k = await signet.unlockKey(fx.compatPrivate);
      k.free();
      return signet.decrypt({ message: 'x', decryptionKeys: [k] });
    },
    'freed wrap key handle': () => {
      const p = signet.generateWrapKeyPair();
      p.secretKey.free();
      return signet.unwrapKey({ envelope: env(), secretKey: p.secretKey });
    },
  };
}

/** Runs every case (twice when `passes` = 2, to see memory settle). */
/** `glue`: the package's generated glue module (for the Wasm memory only). */
export async function runAll(signet, fx, cases, load, { passes = 1, glue } = {}) {
  const ctx = await setUp(signet, fx);
  await healthCheck(ctx);
  const memory = wasmMemory(glue);
  const memStart = memory.buffer.byteLength;
  const results = [];
  const memAfterPass = [];
  for (let p = 0; p < passes; p++) {
    for (const kase of cases) {
      const outcome = await runCase(ctx, kase, await load(kase.file));
      // `code`: the one outcome the case must have (decryption cases pin it).
      const expected = kase.code ? [kase.code] : kase.expect === 'ok' ? ['ok'] : kase.expect;
      let healthy = true;
      try {
        await healthCheck(ctx);
      } catch (e) {
        healthy = String(e);
      }
      if (p === 0) results.push({ name: kase.name, outcome, pass: expected.includes(outcome) && healthy === true, healthy });
    }
    memAfterPass.push(memory.buffer.byteLength);
  }
  const optionResults = [];
  for (const [name, fn] of Object.entries(optionCases(ctx))) {
    let outcome = 'ok';
    try {
      await fn();
    } catch (e) {
      outcome = e && ctx.codes.has(e.code) ? e.code : `UNTYPED: ${e && e.name}: ${e && e.message}`;
    }
    let healthy = true;
    try {
      await healthCheck(ctx);
    } catch (e) {
      healthy = String(e);
    }
    optionResults.push({ name, outcome, pass: outcome !== 'ok' && !outcome.startsWith('UNTYPED') && healthy === true, healthy });
  }
  // A full round trip at the end.
  const msg = await signet.encrypt({ data: 'after the corpus', encryptionKeys: [fx.pqcPublic] });
  const out = await signet.decrypt({ message: msg, decryptionKeys: [ctx.pqcKey] });
  const finalOk = dec.decode(out.data) === 'after the corpus';
  ctx.vault.free();
  ctx.wrapKey.free();
  ctx.pqcKey.free();
  ctx.compatKey.free();
  return { results, optionResults, memStart, memAfterPass, finalOk };
}
