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
});
