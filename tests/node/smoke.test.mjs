// Imports the built package by its name, so the exports map and the Node loader are
// what is tested, not a path into the build directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as signet from 'signet-crypto';

const pkgJson = JSON.parse(readFileSync(new URL('../../pkg/package.json', import.meta.url)));

test('getVersion reports the package and crate versions', async () => {
  await signet.init();
  const v = signet.getVersion();
  assert.equal(v.package, pkgJson.version);
  assert.match(v.crates.pgp, /^0\.21\./);
  assert.ok(v.crates['ml-kem']);
});

test('error codes are stable strings', () => {
  const codes = signet.errorCodes();
  for (const c of ['BAD_PASSPHRASE', 'DECRYPTION_FAILED', 'MALFORMED_INPUT', 'NO_MATCHING_KEY',
    'UNSUPPORTED', 'LIMIT_EXCEEDED']) {
    assert.ok(codes.includes(c), c);
  }
});

test('package.json files whitelist covers every exported path', () => {
  const exported = Object.values(pkgJson.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
  for (const p of exported) {
    const rel = p.replace(/^\.\//, '');
    if (rel === 'package.json') continue; // npm always packs it
    assert.ok(pkgJson.files.some((f) => rel === f || rel.startsWith(f)), `${rel} not in files`);
  }
});
