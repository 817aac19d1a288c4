// The committed fuzz corpora and crash regressions (fuzz/corpus/<target>/,
// fuzz/regressions/<target>/) replayed through the built package, i.e. the
// wasm32 build (32-bit lengths), with the limits the fuzz targets use
// (fuzz/targets.rs `fuzz_limits`). The fuzzers run natively (64-bit): this is
// where a length sum that wraps only on wasm32 would show. Every input must end
// in a documented error code or a result, and the module must keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as s from 'signet-crypto';

const fuzz = new URL('../../fuzz/', import.meta.url);
const PASSPHRASE = 'fuzz passphrase';
const SIGNED_DATA = new TextEncoder().encode('signed data for the fuzzer');
const limits = {
  maxMessageSize: 4 << 20, maxDecompressedSize: 4 << 20, maxKeySize: 1 << 20,
  maxArgon2MemoryKiB: 1024, maxArgon2Passes: 3, maxArgon2Lanes: 4, maxS2kIteratedBytes: 1 << 20,
};
const files = (target) => ['corpus', 'regressions'].flatMap((kind) => {
  const dir = new URL(`${kind}/${target}/`, fuzz);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
});
const collect = async (rs) => {
  for await (const _ of rs);
};

// Mirrors of fuzz/targets.rs: record framing of the vault targets, and the
// offsets of Argon2 parameters that decide whether an input is cheap enough to
// run (the fuzzers skip the rest the same way; both replays must agree).
const WRAP_KDF_AT = 23;
const HEADER_KDF_AT = 21;
const cheapKdf = (d, at) => {
  if (d.length < at + 12) return true;
  const v = new DataView(d.buffer, d.byteOffset + at, 12);
  return v.getUint32(0) <= 1024 && v.getUint32(4) <= 3 && v.getUint32(8) <= 4;
};
function decodeRecords(d) {
  const out = new Map();
  let i = 0;
  while (i < d.length) {
    const klen = d[i];
    if (i + 1 + klen + 2 > d.length) break;
    const key = new TextDecoder().decode(d.subarray(i + 1, i + 1 + klen));
    i += 1 + klen;
    const vlen = Math.min((d[i] << 8) | d[i + 1], d.length - i - 2);
    out.set(key, d.slice(i + 2, i + 2 + vlen));
    i += 2 + vlen;
  }
  return out;
}
/** A storage adapter over a Map (the fuzz target's MemoryStore). */
const mapStorage = (map) => ({
  get: async (k) => (map.has(k) ? map.get(k) : null),
  put: async (k, v) => { map.set(k, new Uint8Array(v)); },
  delete: async (k) => { map.delete(k); },
  list: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
});
/** Every read of an opened vault must answer. */
async function readAll(vault) {
  for (const n of await vault.list()) await vault.get(n.id);
  await vault.search('a');
  vault.lock();
}

test('fuzz corpora replay through the wasm32 package: typed errors only', async () => {
  const codes = new Set(s.errorCodes());
  const keys = [];
  const certs = [];
  for (const f of ['pgp-pqc.key', 'pgp-compat.key']) {
    const k = await s.unlockKey(new Uint8Array(readFileSync(new URL(`fixtures/${f}`, fuzz))));
    keys.push(k);
    certs.push(k.publicKey());
  }
  const verificationKeys = certs;
  const wrapKey = s.importWrapSecretKey(new Uint8Array(readFileSync(new URL('fixtures/wrap.key', fuzz))), PASSPHRASE);
  let vaults = 0;
  const inbox = await s.NoteVault.create({
    name: 'fuzz-inbox', passphrase: PASSPHRASE, storage: 'memory', kdf: { memoryKiB: 19456, iterations: 2, parallelism: 1 },
  });
  const targets = {
    pgp_read_key: (d) => s.readKey(d),
    pgp_unlock_key: async (d) => {
      const pass = [undefined, PASSPHRASE, 'wrong'][(d[0] ?? 0) % 3];
      (await s.unlockKey(d.subarray(1), pass, { limits })).free();
    },
    pgp_decrypt: (d) => s.decrypt({ message: d, decryptionKeys: keys, passwords: [PASSPHRASE], verificationKeys, limits }),
    pgp_verify: (d) => ((d[0] ?? 0) % 2
      ? s.verify({ data: SIGNED_DATA, signature: d.subarray(1), verificationKeys, limits })
      : s.verify({ message: d.subarray(1), verificationKeys, limits })),
    stream_decrypt: async (d) => {
      await collect(await s.decryptStream({ message: new Blob([d]).stream(), decryptionKeys: keys, passwords: [PASSPHRASE] }));
    },
    wrap_envelope: (d) => {
      const listed = (() => { try { return s.envelopeRecipients(d); } catch { return null; } })();
      s.unwrapKey({ envelope: d, secretKey: wrapKey });
      assert.ok(listed?.includes(wrapKey.id), 'unwrapped an envelope that does not list the key');
    },
    wrap_keys: (d) => {
      const rest = d.subarray(1);
      switch ((d[0] ?? 0) % 3) {
        case 0: return s.wrapPublicKeyToText(rest);
        case 1: return s.wrapPublicKeyFromText(new TextDecoder().decode(rest));
        default: if (cheapKdf(rest, WRAP_KDF_AT)) s.importWrapSecretKey(rest, PASSPHRASE).free();
      }
    },
    vault_open: async (d) => {
      const records = decodeRecords(d);
      for (const [k, v] of records) {
        if ((k === 'header' || k.startsWith('root/')) && !cheapKdf(v, HEADER_KDF_AT)) return;
      }
      await readAll(await s.NoteVault.open({ name: `fuzz-${vaults++}`, passphrase: PASSPHRASE, storage: mapStorage(records) }));
    },
    shared_note: async (d) => { await inbox.get(await inbox.acceptSharedNote(d, wrapKey)); },
    vault_backup: async (d) => {
      if (!cheapKdf(d, (d[4] === 1 ? 5 : 9) + HEADER_KDF_AT)) return;
      const map = new Map();
      try {
        await readAll(await s.NoteVault.importBackup({ backup: d, passphrase: PASSPHRASE, name: `fuzz-${vaults++}`, storage: mapStorage(map) }));
      } catch (e) {
        assert.equal(map.size, 0, 'a refused backup left records behind');
        throw e;
      }
    },
  };
  const seen = {};
  for (const [target, run] of Object.entries(targets)) {
    const inputs = files(target);
    assert.ok(inputs.length > 0, `fuzz/corpus/${target} is empty`);
    const tally = {};
    for (const d of inputs) {
      let outcome = 'ok';
      try {
        await run(d);
      } catch (e) {
        outcome = e?.code;
        assert.ok(codes.has(outcome), `${target}: untyped error ${e?.name}: ${e?.message}`);
      }
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
    seen[target] = tally;
  }
  console.log(`# fuzz replay (wasm32): ${JSON.stringify(seen)}`);
  // The module still works.
  const msg = await s.encrypt({ data: 'after the replay', passwords: ['x'] });
  assert.equal(new TextDecoder().decode((await s.decrypt({ message: msg, passwords: ['x'] })).data), 'after the replay');
  for (const k of keys) k.free();
  wrapKey.free();
  inbox.lock();
});
