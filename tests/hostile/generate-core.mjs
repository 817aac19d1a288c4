// Adds the decryption-core cases to the hostile corpus (run after generate.mjs,
// which rewrites the whole corpus; this script replaces only its own cases):
// padding packets, a repeated Argon2 SKESK (with a low S2K budget and with the
// default one), a GnuPG bzip2-compressed message, an AES-192 SEIPDv2-GCM message
// and damaged packet headers. Messages come from OpenPGP.js 6 and GnuPG (`gpg`):
//   node tests/hostile/generate-core.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';

const here = new URL('.', import.meta.url);
const corpus = new URL('corpus/', here);
const fx = JSON.parse(readFileSync(new URL('fixtures.json', here), 'utf8'));
const PASS = fx.passphrase;
const GEN = 'generate-core.mjs';
const enc = new TextEncoder();

let cases = JSON.parse(readFileSync(new URL('cases.json', here), 'utf8'));
for (const c of cases.filter((c) => c.generator === GEN)) rmSync(new URL(c.file, corpus), { force: true });
cases = cases.filter((c) => c.generator !== GEN);
let n = Math.max(...readdirSync(corpus).map((f) => Number(f.slice(0, 3))).filter(Number.isFinite));

/** Records one case whose outcome is exactly `code` ('ok' for controls). */
function add(name, op, data, code, note = '') {
  const file = `${String(++n).padStart(3, '0')}-${name}.bin`;
  writeFileSync(new URL(file, corpus), data);
  cases.push({ name, op, file, expect: [code], code, note, generator: GEN });
}

/** Password SEIPDv2 message from OpenPGP.js over a list of inner packets. */
async function v2(packets, config = {}, passwords = [PASS]) {
  const list = new openpgp.PacketList();
  list.push(...packets);
  return openpgp.encrypt({
    message: new openpgp.Message(list),
    passwords,
    format: 'binary',
    config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm, ...config },
  });
}
function literal(text) {
  const p = new openpgp.LiteralDataPacket();
  p.setBytes(enc.encode(text), 'binary');
  return p;
}
function padding(len) {
  const p = new openpgp.PaddingPacket();
  p.padding = new Uint8Array(len).fill(0x5a); // createPadding draws 64 KiB at most in Node
  return p;
}

// Padding (tag 21) after and before the literal data: authentic, skipped.
add('decrypt-padding-after-literal', 'decryptPass', await v2([literal('padded'), padding(256 << 10)]), 'ok');
add('decrypt-padding-before-literal', 'decryptPass', await v2([padding(70000), literal('padded')]), 'ok');

// One Argon2 SKESK (m = 8 MiB, t = 1) for another password, 16 times: every copy
// is tried with the password. Within the default budget it is NO_MATCHING_KEY;
// with a budget of three derivations the fourth is refused before it runs.
const repeated = await v2([literal('x')], {
  s2kType: openpgp.enums.s2k.argon2,
  s2kArgon2Params: { passes: 1, parallelism: 1, memoryExponent: 13 },
}, Array(16).fill('not the fixture passphrase'));
add('decrypt-skesk-argon2-repeated-16', 'decryptPass', repeated, 'NO_MATCHING_KEY');
add('decrypt-skesk-argon2-repeated-16-budget', 'decryptPassLowBudget', repeated, 'LIMIT_EXCEEDED', 'limits.maxS2kWork = 3 derivations');

// AES-192 SEIPDv2-GCM (WebCrypto has no 192-bit GCM: Rust runs it).
add('decrypt-aes192-gcm', 'decryptPass', await v2([literal('aes-192')], { preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes192 }), 'ok');

// GnuPG's bzip2 compression (`gpg --compress-algo bzip2`): authentic, supported.
const dir = mkdtempSync(path.join(tmpdir(), 'hostile-gpg-'));
try {
  const input = path.join(dir, 'in.txt');
  writeFileSync(input, 'compressed with bzip2 by GnuPG\n'.repeat(64));
  const gpg = ['--homedir', dir, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', PASS];
  execFileSync('gpg', [...gpg, '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', 'bzip2', '-o', path.join(dir, 'out.gpg'), input], { stdio: 'ignore' });
  const bz = new Uint8Array(readFileSync(path.join(dir, 'out.gpg')));
  add('decrypt-bzip2-gpg', 'decryptPass', bz, 'ok', `GnuPG ${execFileSync('gpg', ['--version']).toString().split('\n')[0]}`);
  // The same message with its bzip2 stream damaged inside the (intact) MDC:
  // re-encrypting is not possible here, so damage the ciphertext instead:
  // authentication fails first.
  const flipped = bz.slice();
  flipped[flipped.length - 30] ^= 1;
  add('decrypt-bzip2-gpg-flipped', 'decryptPass', flipped, 'DECRYPTION_FAILED');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Damaged packet headers: structural damage, never NO_MATCHING_KEY.
const good = await v2([literal('header')]);
const badTag = good.slice();
badTag[0] = 0x7f; // bit 7 clear: not a packet header
add('decrypt-header-bit7-clear', 'decryptPass', badTag, 'MALFORMED_INPUT');
const badLen = good.slice();
badLen[1] = 0xff; // the SKESK's one-octet length becomes a 4-octet length prefix
add('decrypt-header-length-damaged', 'decryptPass', badLen, 'MALFORMED_INPUT');

writeFileSync(new URL('cases.json', here), JSON.stringify(cases, null, 1) + '\n');
console.log(`hostile corpus: ${cases.filter((c) => c.generator === GEN).length} core cases, ${cases.length} in all`);
