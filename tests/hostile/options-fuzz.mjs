// Randomised JS option objects through the package's public functions (the
// JS-facing half of the fuzzing: the Rust parsers behind them are cargo-fuzz
// targets). Each call starts from a valid option object, then replaces, deletes
// or adds fields with hostile values (wrong types, NaN, huge numbers, nested
// arrays, Proxies and getters that throw, typed arrays of other kinds, freed
// handles). Pass: every call resolves or rejects with a SignetError whose code is
// one of errorCodes(); never a TypeError from the glue, a Wasm trap or a hang;
// and a normal operation still works afterwards. Seeded, so a failure replays.
import { setUp } from './runner.mjs';

const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** mulberry32: small, seedable, good enough to pick cases. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostileValue(r, ctx, depth = 0) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const n = Math.floor(r() * 24);
  switch (n) {
    case 0: return undefined;
    case 1: return null;
    case 2: return pick([0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, Number.MAX_VALUE, 31]);
    case 3: return pick(['', 'x', 'v1', 'v2', 'auto', 'pqc', 'gcm', 'ocb', 'rust', 'webcrypto', '\u0000', 'Đà Nẵng']);
    case 4: return 'A'.repeat(Math.floor(r() * 70_000));
    case 5: return pick([true, false]);
    case 6: return 10n ** 30n;
    case 7: return Symbol('s');
    case 8: return () => 1;
    case 9: return new Uint8Array(Math.floor(r() * 300)).map(() => Math.floor(r() * 256));
    case 10: return pick([new Uint16Array(4), new Int8Array(3), new Float64Array(2), new ArrayBuffer(8), new DataView(new ArrayBuffer(4))]);
    case 11: return depth < 3 ? Array.from({ length: Math.floor(r() * 4) }, () => hostileValue(r, ctx, depth + 1)) : [];
    case 12: return depth < 3 ? { [pick(['a', 'limits', 'memoryKiB', 'maxSignatures', '__proto__'])]: hostileValue(r, ctx, depth + 1) } : {};
    case 13: return new Proxy({}, { get() { throw new Error('getter throws'); } });
    case 14: return Object.defineProperty({}, 'length', { get() { throw new Error('length throws'); } });
    case 15: return pick([ctx.pqcKey, ctx.compatKey, ctx.wrapKey]);
    case 16: return [pick([ctx.pqcKey, ctx.compatKey, ctx.wrapKey, {}, { __wbg_ptr: 1 }, { id: 7 }])];
    case 17: return [pick([ctx.fx.pqcPublic, ctx.fx.compatPublic, ctx.wrapPublic, ctx.fx.signOnlyPublic, '-----BEGIN PGP PUBLIC KEY BLOCK-----'])];
    case 18: return { maxMessageSize: pick([0, 1, 2 ** 31, -1, NaN, '1']), [pick(['maxSignatures', 'bogus'])]: pick([0, 1e9, null]) };
    case 19: return { memoryKiB: pick([0, 8, 2 ** 31, NaN, '64']), iterations: pick([0, 1, 2 ** 31]), parallelism: pick([0, 1, 99]) };
    case 20: return new Date(pick([0, NaN, 8.64e15]));
    case 21: return pick([new Map(), new Set([1]), /re/, new Error('e'), Promise.resolve(1)]);
    case 22: return ctx.freedKey;
    default: return pick(['mật khẩu', 'password']);
  }
}

/** Valid base options per function; the fuzzer mutates copies of these. */
function bases(ctx) {
  const { signet: s, fx } = ctx;
  return {
    encrypt: [(o) => s.encrypt(o), () => ({ data: 'hello', encryptionKeys: [fx.compatPublic], passwords: ['p'], armor: true, seipd: 'auto' })],
    decrypt: [(o) => s.decrypt(o), () => ({ message: ctx.message, decryptionKeys: [ctx.compatKey], passwords: ['p'], verificationKeys: [fx.compatPublic] })],
    sign: [(o) => s.sign(o), () => ({ data: 'hello', signingKeys: [ctx.compatKey], detached: true, armor: true })],
    verify: [(o) => s.verify(o), () => ({ data: 'hello', signature: ctx.signature, verificationKeys: [fx.compatPublic] })],
    generateKey: [(o) => s.generateKey(o), () => ({ userIds: ['F <f@example.gov.vn>'], profile: 'rfc9580', expiresInDays: 1 })],
    wrapKey: [(o) => s.wrapKey(o), () => ({ key: new Uint8Array(32), recipients: [ctx.wrapPublic] })],
    unwrapKey: [(o) => s.unwrapKey(o), () => ({ envelope: ctx.envelope, secretKey: ctx.wrapKey })],
    encryptStream: [(o) => s.encryptStream?.(o), () => ({ data: new Blob(['x']).stream(), passwords: ['p'], worker: false })],
    decryptStream: [(o) => s.decryptStream?.(o), () => ({ message: new Blob([ctx.message]).stream(), passwords: ['p'], worker: false })],
    importBackup: [(o) => s.NoteVault.importBackup(o).then((v) => v.free()), () => ({ backup: new Uint8Array(40), passphrase: fx.passphrase, name: `f${++ctx.seq}`, storage: 'memory' })],
    vaultPut: [(o) => ctx.vault.put(o), () => ({ title: 't', body: 'b', tags: ['x'] })],
    unlockKey: [(o) => s.unlockKey(fx.compatPrivate, null, o).then((k) => k.free()), () => ({ limits: { maxKeySize: 1 << 20 } })],
  };
}

/** Drains a returned stream, so errors inside it are seen too. */
async function settle(v) {
  if (v && typeof v.getReader === 'function') {
    const rd = v.getReader();
    for (;;) if ((await rd.read()).done) break;
  }
}

/**
 * Runs `iterations` mutated calls. Returns { calls, byOutcome, failures, finalOk }.
 */
export async function fuzzOptions(signet, fx, { seed = 1, iterations = 1000 } = {}) {
  const ctx = await setUp(signet, fx);
  ctx.message = await signet.encrypt({ data: 'hello', passwords: ['p'], armor: false });
  ctx.signature = await signet.sign({ data: 'hello', signingKeys: [ctx.compatKey], detached: true });
  ctx.wrapPublic = fromB64(fx.wrapPublic);
  ctx.envelope = signet.wrapKey({ key: new Uint8Array(32), recipients: [ctx.wrapPublic] });
  ctx.freedKey = await signet.unlockKey(fx.compatPrivate);
  ctx.freedKey.free();
  const codes = new Set(signet.errorCodes());
  const table = bases(ctx);
  const names = Object.keys(table);
  const r = rng(seed);
  const byOutcome = {};
  const failures = [];
  for (let i = 0; i < iterations; i++) {
    const name = names[Math.floor(r() * names.length)];
    const [call, base] = table[name];
    let opts;
    if (r() < 0.1) {
      opts = hostileValue(r, ctx);
    } else {
      opts = base();
      const keys = Object.keys(opts);
      const edits = 1 + Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) {
        const roll = r();
        if (roll < 0.15 && keys.length) delete opts[keys[Math.floor(r() * keys.length)]];
        else if (roll < 0.25) opts[['limits', 'armor', 'seipd', 'backend', 'kdf', 'bogus', 'aead', 'chunkSizeOctet'][Math.floor(r() * 8)]] = hostileValue(r, ctx);
        else if (keys.length) opts[keys[Math.floor(r() * keys.length)]] = hostileValue(r, ctx);
      }
    }
    let outcome;
    try {
      await settle(await call(opts));
      outcome = 'ok';
    } catch (e) {
      outcome = e?.name === 'SignetError' && codes.has(e.code) ? e.code : `UNTYPED ${e?.name}: ${String(e?.message ?? e).slice(0, 120)}`;
    }
    byOutcome[outcome.startsWith('UNTYPED') ? 'UNTYPED' : outcome] = (byOutcome[outcome.startsWith('UNTYPED') ? 'UNTYPED' : outcome] ?? 0) + 1;
    if (outcome.startsWith('UNTYPED')) failures.push({ i, seed, name, outcome });
  }
  // The module still works.
  let finalOk = false;
  try {
    const m = await signet.encrypt({ data: 'after', encryptionKeys: [fx.compatPublic] });
    const d = await signet.decrypt({ message: m, decryptionKeys: [ctx.compatKey] });
    finalOk = new TextDecoder().decode(d.data) === 'after';
  } catch {
    finalOk = false;
  }
  ctx.pqcKey.free();
  ctx.compatKey.free();
  ctx.wrapKey.free();
  ctx.vault.free();
  return { calls: iterations, byOutcome, failures, finalOk };
}
