// Generates the hostile-input corpus in tests/hostile/: cases.json (what each file
// is, which operation it is fed to, which error codes are acceptable),
// fixtures.json (keys and a vault the cases target) and corpus/*.bin.
//
// Every case starts from a real output of signet-crypto (or OpenPGP.js, or a packet
// built by hand from RFC 9580 where no tool will produce it, e.g. SED or SEIPDv1
// without MDC) and then damages it. Run after `make pkg`:
//   node tests/hostile/generate.mjs
// The output is committed; tests/node/hostile.test.mjs and
// tests/browser/hostile.test.mjs replay it through the built package.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import * as signet from 'signet-crypto';
import * as openpgp from 'openpgp';

const here = new URL('.', import.meta.url);
const out = new URL('corpus/', here);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const PASS = 'hostile passphrase';
const enc = new TextEncoder();
const b64 = (u8) => Buffer.from(u8).toString('base64');
const bytes = (x) => (typeof x === 'string' ? enc.encode(x) : new Uint8Array(x));
const cases = [];
let n = 0;

/** Records one case. `expect`: acceptable error codes, or 'ok' for controls. */
function add(name, op, data, expect, note = '') {
  const file = `${String(++n).padStart(3, '0')}-${name}.bin`;
  writeFileSync(new URL(file, out), bytes(data));
  cases.push({ name, op, file, expect, note });
}

/** Generic damage: truncations and bit flips at spread positions. */
function damage(name, op, data, expect) {
  const d = bytes(data);
  for (const cut of [0, 1, 7, Math.floor(d.length / 2), d.length - 1]) {
    if (cut >= d.length) continue;
    // Dropping only a final newline leaves valid armor.
    const okToo = cut === d.length - 1 && d[cut] === 0x0a && !expect.includes('ok');
    add(`${name}-trunc${cut}`, op, d.slice(0, cut), okToo ? [...expect, 'ok'] : expect);
  }
  for (const pos of [0, 3, Math.floor(d.length / 3), Math.floor((2 * d.length) / 3), d.length - 2]) {
    if (pos < 0 || pos >= d.length) continue;
    const f = d.slice();
    f[pos] ^= 0x10;
    add(`${name}-flip${pos}`, op, f, expect);
  }
}

// ---------------------------------------------------------------- OpenPGP packets
function pkt(tag, body) {
  const b = bytes(body);
  let hdr;
  if (b.length < 192) hdr = [0xc0 | tag, b.length];
  else if (b.length < 8384) {
    const l = b.length - 192;
    hdr = [0xc0 | tag, (l >> 8) + 192, l & 0xff];
  } else hdr = [0xc0 | tag, 0xff, ...u32(b.length)];
  return concat(Uint8Array.from(hdr), b);
}
const u32 = (x) => [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
function concat(...parts) {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const o = new Uint8Array(len);
  let i = 0;
  for (const p of parts) {
    o.set(p, i);
    i += p.length;
  }
  return o;
}
const literal = (data) => pkt(11, concat(Uint8Array.from([0x62, 0, 0, 0, 0, 0]), bytes(data)));

/** RFC 9580 §3.7.1.3 iterated+salted S2K with SHA-256 → 32-byte key. */
function s2kIterated(pass, salt, coded) {
  const count = (16 + (coded & 15)) << ((coded >> 4) + 6);
  const unit = concat(salt, bytes(pass));
  const h = createHash('sha256');
  let done = 0;
  const total = Math.max(count, unit.length);
  while (done < total) {
    const take = Math.min(unit.length, total - done);
    h.update(unit.subarray(0, take));
    done += take;
  }
  return h.digest();
}

/** v4 SKESK (AES-256, iterated S2K, no ESK: the S2K output is the session key). */
function skesk4(pass, coded = 0x60) {
  const salt = randomBytes(8);
  const key = s2kIterated(pass, salt, coded);
  return { key, packet: pkt(3, concat(Uint8Array.from([4, 9, 3, 8]), salt, Uint8Array.from([coded]))) };
}

/** SEIPDv1 (RFC 9580 §5.13.1): CFB(zero IV) over prefix || inner || MDC. */
function seipd1(key, inner, { mdc = true, badMdc = false } = {}) {
  const prefix = randomBytes(16);
  const head = concat(prefix, prefix.subarray(14, 16), inner);
  let pt = head;
  if (mdc) {
    const h = createHash('sha1').update(concat(head, Uint8Array.from([0xd3, 0x14]))).digest();
    if (badMdc) h[0] ^= 1;
    pt = concat(head, Uint8Array.from([0xd3, 0x14]), h);
  }
  const c = createCipheriv('aes-256-cfb', key, Buffer.alloc(16));
  const ct = concat(c.update(pt), c.final());
  return pkt(18, concat(Uint8Array.from([1]), ct));
}

/** SED (tag 9, no integrity protection at all). */
function sed(key, inner) {
  const prefix = randomBytes(16);
  const c = createCipheriv('aes-256-cfb', key, Buffer.alloc(16));
  return pkt(9, concat(c.update(concat(prefix, prefix.subarray(14, 16), inner)), c.final()));
}

// ---------------------------------------------------------------- fixtures
const pqc = await signet.generateKey({ userIds: ['Hostile PQC <pqc@example.gov.vn>'] });
const compat = await signet.generateKey({ userIds: ['Hostile v4 <v4@example.gov.vn>'], profile: 'compat' });
const pqcKey = await signet.unlockKey(pqc.privateKey);
const compatKey = await signet.unlockKey(compat.privateKey);
const signOnly = await openpgp.generateKey({
  type: 'curve25519',
  userIDs: [{ name: 'Sign only', email: 'sign@example.gov.vn' }],
  subkeys: [],
  format: 'armored',
});
const wrap = signet.generateWrapKeyPair();
const wrapProtected = wrap.secretKey.exportProtected(PASS);
const other = signet.generateWrapKeyPair();

// A real vault, through a storage adapter whose map we keep.
const map = new Map();
const adapter = {
  get: (k) => map.get(k) ?? null,
  put: (k, v) => void map.set(k, new Uint8Array(v)),
  delete: (k) => void map.delete(k),
  list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
};
const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const vault = await signet.NoteVault.create({ name: 'hostile', passphrase: PASS, storage: adapter, kdf });
const noteId = await vault.put({ title: 'Công văn mật', body: 'KNOWN-PLAINTEXT-HOSTILE', tags: ['mật'] });
await vault.put({ title: 'second', body: 'two' });
const backup = await vault.exportBackup();
const shared = vault.shareNote(noteId, wrap.publicKey);
const vaultRecords = Object.fromEntries([...map].map(([k, v]) => [k, b64(v)]));

writeFileSync(
  new URL('fixtures.json', here),
  JSON.stringify(
    {
      passphrase: PASS,
      pqcPrivate: pqc.privateKey,
      pqcPublic: pqc.publicKey,
      compatPrivate: compat.privateKey,
      compatPublic: compat.publicKey,
      signOnlyPublic: signOnly.publicKey,
      wrapPublic: b64(wrap.publicKey),
      wrapSecretProtected: b64(wrapProtected),
      vaultRecords,
    },
    null,
    1,
  ) + '\n',
);

// ---------------------------------------------------------------- keys
const PARSE = ['MALFORMED_INPUT', 'UNSUPPORTED', 'LIMIT_EXCEEDED'];
const KEYERR = [...PARSE, 'KEY_UNUSABLE'];
const pqcPubBin = openpgpDearmor(pqc.publicKey);
const compatPrivBin = openpgpDearmor(compat.privateKey);
function openpgpDearmor(armored) {
  const body = armored.split(/\r?\n\r?\n/)[1].split(/\r?\n[=-]/)[0];
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}
// A damaged key may still parse (a flip in a user ID, an unhashed subpacket or the
// armor's optional checksum): 'ok' is acceptable, a crash or untyped error is not.
damage('readkey-pqc-armored', 'readKey', pqc.publicKey, [...KEYERR, 'ok']);
damage('readkey-pqc-binary', 'readKey', pqcPubBin, [...KEYERR, 'ok']);
damage('unlock-compat-binary', 'unlockKey', compatPrivBin, [...KEYERR, 'ok']);
add('readkey-empty', 'readKey', new Uint8Array(0), PARSE);
add('readkey-armor-garbage', 'readKey', pqc.publicKey.replace(/[A-Za-z]{20}/, '!!!!####$$$$%%%%^^^^'), PARSE);
add('readkey-armor-no-end', 'readKey', pqc.publicKey.split('-----END')[0], PARSE);
add('readkey-wrap-public-key', 'readKey', wrap.publicKey, PARSE, 'wrap key where PGP expected');
add('readkey-wrap-envelope', 'readKey', signet.wrapKey({ key: new Uint8Array(32), recipients: [wrap.publicKey] }), PARSE);
add('unlock-public-for-private', 'unlockKey', pqc.publicKey, KEYERR, 'public key where private expected');
add('unlock-signonly-public', 'unlockKey', signOnly.publicKey, KEYERR);
// Length-field lies: the first packet claims 4 GiB, or a partial length on a key packet.
{
  const lie = pqcPubBin.slice();
  const big = concat(Uint8Array.from([lie[0] | 0x40, 0xff, 0xff, 0xff, 0xff, 0xf0]), lie.subarray(2));
  add('readkey-length-4gib', 'readKey', big, PARSE);
  add('readkey-partial-length-key', 'readKey', concat(Uint8Array.from([0xc6, 0xe0]), lie.subarray(3)), PARSE);
  add('readkey-1000-userids', 'readKey', concat(pqcPubBin, ...Array(1000).fill(pkt(13, 'x <x@x>'))), KEYERR.concat(['ok']));
}
// Secret key whose Argon2 S2K asks for 2 TiB (m_enc = 31) and 255 passes.
{
  const prot = openpgpDearmor(await signet.exportPrivateKey(pqcKey, PASS));
  let patched = 0;
  const huge = prot.slice();
  const lots = prot.slice();
  for (let i = 0; i + 19 < prot.length; i++) {
    // S2K usage 253 (AEAD) or 254 (CFB), ..., S2K type 4 = Argon2: salt 16, t, p, m_enc.
    if (prot[i] === 4 && prot[i + 19] >= 10 && prot[i + 19] <= 24 && prot[i + 17] >= 1 && prot[i + 17] <= 10 && prot[i + 18] >= 1 && prot[i + 18] <= 8) {
      huge[i + 19] = 31;
      lots[i + 17] = 255;
      patched++;
      i += 19;
    }
  }
  if (patched) {
    add('unlock-argon2-2tib', 'unlockKeyPass', huge, ['LIMIT_EXCEEDED', 'MALFORMED_INPUT']);
    add('unlock-argon2-255-passes', 'unlockKeyPass', lots, ['LIMIT_EXCEEDED', 'MALFORMED_INPUT']);
  } else {
    console.warn('no Argon2 S2K found in an exported key: S2K cases skipped');
  }
  add('unlock-protected-wrong-pass', 'unlockKeyWrongPass', prot, ['BAD_PASSPHRASE']);
}

// ---------------------------------------------------------------- messages
const DEC = ['MALFORMED_INPUT', 'UNSUPPORTED', 'DECRYPTION_FAILED', 'NO_MATCHING_KEY', 'LIMIT_EXCEEDED', 'KEY_UNUSABLE'];
const msgPqc = await signet.encrypt({ data: 'secret', encryptionKeys: [pqc.publicKey], armor: false });
const msgV1 = await signet.encrypt({ data: 'secret', encryptionKeys: [compat.publicKey], armor: false, seipd: 'v1' });
const msgArmored = await signet.encrypt({ data: 'secret', encryptionKeys: [pqc.publicKey] });
damage('decrypt-pqc-v2', 'decrypt', msgPqc, DEC);
damage('decrypt-compat-v1', 'decrypt', msgV1, DEC);
damage('decrypt-armored', 'decrypt', msgArmored, DEC);
// Flips across the whole AEAD body: never any plaintext out.
// (The PQC PKESK is over 1 KiB, so count from the end to land in the SEIPDv2 body.)
for (const back of [3, 20, 40]) {
  const f = msgPqc.slice();
  f[f.length - back] ^= 1;
  add(`decrypt-pqc-body-flip-end${back}`, 'decrypt', f, ['DECRYPTION_FAILED', 'MALFORMED_INPUT']);
}
add('decrypt-wrap-envelope', 'decrypt', signet.wrapKey({ key: new Uint8Array(32), recipients: [wrap.publicKey] }), DEC, 'wrap envelope where PGP expected');
add('decrypt-public-key', 'decrypt', pqcPubBin, DEC);
{
  // Hand-built password messages (RFC 9580 packets), controls first.
  const { key, packet } = skesk4(PASS);
  const inner = literal('hand-built plaintext');
  add('decrypt-handbuilt-seipd1-control', 'decryptPass', concat(packet, seipd1(key, inner)), 'ok', 'proves the hand-built packets are right');
  add('decrypt-seipd1-without-mdc', 'decryptPass', concat(packet, seipd1(key, inner, { mdc: false })), DEC, 'EFAIL-style: no integrity');
  add('decrypt-seipd1-bad-mdc', 'decryptPass', concat(packet, seipd1(key, inner, { badMdc: true })), ['DECRYPTION_FAILED', 'MALFORMED_INPUT']);
  add('decrypt-sed-packet', 'decryptPass', concat(packet, sed(key, inner)), DEC, 'SED: refused outright');
  const body = seipd1(key, inner);
  const flipped = body.slice();
  flipped[body.length - 30] ^= 0x01;
  add('decrypt-seipd1-flipped-plaintext', 'decryptPass', concat(packet, flipped), ['DECRYPTION_FAILED', 'MALFORMED_INPUT']);
  // S2K count at the maximum encodable value is allowed (about 65 MB of hashing).
  const max = skesk4(PASS, 0xff);
  add('decrypt-s2k-max-count-control', 'decryptPass', concat(max.packet, seipd1(max.key, inner)), 'ok');
  // Nesting bomb: 64 layers of (uncompressed) compressed-data packets.
  let nest = inner;
  for (let i = 0; i < 64; i++) nest = pkt(8, concat(Uint8Array.from([0]), nest));
  add('decrypt-compression-nesting-64', 'decryptPass', concat(packet, seipd1(key, nest)), ['LIMIT_EXCEEDED', 'MALFORMED_INPUT', 'UNSUPPORTED']);
  // Compression bomb: 300 MiB of zeros deflated to a few hundred KiB (cap: 256 MiB).
  const zeros = Buffer.alloc(300 * 1024 * 1024);
  const lit = concat(Uint8Array.from([0xcb, 0xff, ...u32(6 + zeros.length), 0x62, 0, 0, 0, 0, 0]), zeros);
  const bomb = pkt(8, concat(Uint8Array.from([1]), deflateRawSync(lit, { level: 9 })));
  add('decrypt-compression-bomb-300mib', 'decryptPass', concat(packet, seipd1(key, bomb)), ['LIMIT_EXCEEDED']);
  // 2000 copies of the same SKESK in front (duplicate recipients).
  add('decrypt-2000-duplicate-skesk', 'decryptPass', concat(...Array(2000).fill(packet), seipd1(key, inner)), ['LIMIT_EXCEEDED', 'ok']);
  // Argon2 SKESK (v4 SKESK with S2K type 4) asking for 2 TiB.
  const argon = pkt(3, concat(Uint8Array.from([4, 9, 4]), randomBytes(16), Uint8Array.from([1, 1, 31])));
  add('decrypt-skesk-argon2-2tib', 'decryptPass', concat(argon, seipd1(key, inner)), ['LIMIT_EXCEEDED']);
  // Literal data outside any encryption: not an encrypted message.
  add('decrypt-plain-literal', 'decryptPass', inner, ['MALFORMED_INPUT'], 'not encrypted at all');
}
{
  // Duplicate PKESKs: the same recipient 500 times.
  const m = msgV1;
  const first = m[1] < 192 ? 2 + m[1] : 3 + ((m[1] - 192) << 8) + m[2] + 192;
  add('decrypt-500-duplicate-pkesk', 'decrypt', concat(...Array(500).fill(m.subarray(0, first)), m.subarray(first)), [...DEC, 'ok']);
}
// Signing-only key as a recipient (encrypt side).
add('encrypt-to-signing-only-key', 'encryptTo', signOnly.publicKey, ['KEY_UNUSABLE', 'UNSUPPORTED']);
add('encrypt-to-wrap-key', 'encryptTo', wrap.publicKey, PARSE);

// ---------------------------------------------------------------- signatures
const VER = ['MALFORMED_INPUT', 'UNSUPPORTED', 'LIMIT_EXCEEDED', 'KEY_UNUSABLE'];
const det = await signet.sign({ data: 'signed text', signingKeys: [pqcKey], detached: true, armor: false });
const inline = await signet.sign({ data: 'signed text', signingKeys: [compatKey], armor: false });
damage('verify-detached', 'verifyDetached', det, [...VER, 'invalid']);
damage('verify-inline', 'verify', inline, [...VER, 'invalid']);
add('verify-wrong-data', 'verifyOtherData', det, ['invalid'], 'signature on wrong data');
add('verify-message-as-signature', 'verifyDetached', msgPqc, [...VER, 'invalid']);

// ---------------------------------------------------------------- wrap
const WRAP = ['MALFORMED_INPUT', 'UNSUPPORTED', 'NO_MATCHING_KEY', 'DECRYPTION_FAILED', 'LIMIT_EXCEEDED'];
const env = signet.wrapKey({ key: new Uint8Array(32).fill(7), recipients: [other.publicKey, wrap.publicKey] });
damage('unwrap', 'unwrapKey', env, WRAP);
for (const v of [0, 2, 255]) {
  const e = env.slice();
  e[4] = v; // version byte after the 4-byte magic (docs/wrap-format.md)
  add(`unwrap-version-${v}`, 'unwrapKey', e, ['UNSUPPORTED', 'MALFORMED_INPUT']);
}
{
  // Recipient swap: exchange the two entries (the header MAC must catch it or the
  // wrong entry must simply fail).
  // Layout (docs/wrap-format.md): fixed header, entries of id 16 + enc 1120 +
  // sealed 48 bytes, then a 32-byte MAC.
  const entry = 16 + 1120 + 48;
  const mac = env.subarray(env.length - 32);
  const start = env.length - 32 - 2 * entry;
  const a = env.subarray(start, start + entry);
  const b = env.subarray(start + entry, start + 2 * entry);
  const swapped = concat(env.subarray(0, start), b, a, mac);
  add('unwrap-recipient-swap', 'unwrapKey', swapped, WRAP);
  const dup = concat(env.subarray(0, start), b, b, mac);
  add('unwrap-duplicate-entry', 'unwrapKey', dup, WRAP);
  add('unwrap-extra-trailing', 'unwrapKey', concat(env, Uint8Array.from([0])), WRAP);
}
add('unwrap-pgp-message', 'unwrapKey', msgPqc, WRAP, 'PGP message where envelope expected');
// The text form has no checksum: a flip inside the ML-KEM part can decode to a
// different valid key (its id changes), so 'ok' is acceptable there.
damage('wrap-public-text', 'wrapPublicFromText', signet.wrapPublicKeyToText(wrap.publicKey), ['MALFORMED_INPUT', 'UNSUPPORTED', 'ok']);
{
  // Public key whose X25519 half is a low-order point (all zero).
  const pk = wrap.publicKey.slice();
  pk.fill(0, pk.length - 32);
  add('wrap-public-x25519-low-order', 'wrapTo', pk, ['MALFORMED_INPUT', 'INVALID_ARGUMENT', 'UNSUPPORTED']);
  const pk2 = wrap.publicKey.slice();
  pk2.fill(0xff, 7, 7 + 384); // ML-KEM t coefficients out of range
  add('wrap-public-mlkem-unreduced', 'wrapTo', pk2, ['MALFORMED_INPUT', 'INVALID_ARGUMENT']);
}
{
  const IMP = ['MALFORMED_INPUT', 'UNSUPPORTED', 'LIMIT_EXCEEDED', 'BAD_PASSPHRASE'];
  damage('wrap-secret', 'importWrapSecret', wrapProtected, IMP);
  const at = 23; // m, t, p after magic 4, version 1, KEM 2, id 16 (docs/wrap-format.md)
  for (const [name, off, val] of [['m-4gib', 0, 0xffffffff], ['m-1gib-plus', 0, 1024 * 1024 + 1], ['t-huge', 4, 0xffffffff], ['p-zero', 8, 0], ['p-huge', 8, 255]]) {
    const k = wrapProtected.slice();
    new DataView(k.buffer).setUint32(at + off, val);
    add(`wrap-secret-kdf-${name}`, 'importWrapSecret', k, ['LIMIT_EXCEEDED', 'MALFORMED_INPUT']);
  }
}

// ---------------------------------------------------------------- vault
const VAULT = ['MALFORMED_INPUT', 'UNSUPPORTED', 'LIMIT_EXCEEDED', 'BAD_PASSPHRASE', 'TAMPERED'];
damage('backup', 'importBackup', backup, VAULT);
{
  const at = 5 + 21; // backup magic+version, then the header's magic+version+id
  for (const [name, off, val] of [['m-4gib', 0, 0xffffffff], ['m-1gib-plus', 0, 1024 * 1024 + 1], ['t-4g', 4, 0xffffffff], ['p-zero', 8, 0]]) {
    const k = backup.slice();
    new DataView(k.buffer).setUint32(at + off, val);
    add(`backup-kdf-${name}`, 'importBackup', k, ['LIMIT_EXCEEDED', 'MALFORMED_INPUT']);
  }
  const v = backup.slice();
  v[4] = 0;
  add('backup-version-0', 'importBackup', v, ['UNSUPPORTED', 'MALFORMED_INPUT']);
}
// Vault storage states (JSON records), each opened with the right passphrase.
const rec = (mut) => {
  const r = Object.fromEntries([...map].map(([k, v]) => [k, new Uint8Array(v)]));
  mut(r);
  return enc.encode(JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, b64(v)]))));
};
const noteKeys = [...map.keys()].filter((k) => k.startsWith('note/'));
add('vault-control', 'openVault', rec(() => {}), 'ok');
add('vault-note-deleted', 'openVault', rec((r) => delete r[noteKeys[0]]), ['TAMPERED']);
add('vault-manifest-deleted', 'openVault', rec((r) => delete r.manifest), ['TAMPERED']);
add('vault-notes-swapped', 'openVault', rec((r) => ([r[noteKeys[0]], r[noteKeys[1]]] = [r[noteKeys[1]], r[noteKeys[0]]])), ['TAMPERED']);
add('vault-note-flipped', 'openVault', rec((r) => (r[noteKeys[0]][40] ^= 1)), ['TAMPERED']);
add('vault-header-truncated', 'openVault', rec((r) => (r.header = r.header.slice(0, 20))), ['MALFORMED_INPUT']);
add('vault-header-kdf-huge', 'openVault', rec((r) => new DataView(r.header.buffer).setUint32(21, 0xffffffff)), ['LIMIT_EXCEEDED']);
add('vault-manifest-truncated', 'openVault', rec((r) => (r.manifest = r.manifest.slice(0, 10))), ['TAMPERED', 'MALFORMED_INPUT']);
add('vault-rollback-min-counter', 'openVaultMinCounter', rec(() => {}), ['TAMPERED'], 'rollback of the whole store');
damage('shared-note', 'acceptShared', shared, ['MALFORMED_INPUT', 'UNSUPPORTED', 'DECRYPTION_FAILED', 'NO_MATCHING_KEY']);

writeFileSync(new URL('cases.json', here), JSON.stringify(cases, null, 1) + '\n');
console.log(`wrote ${cases.length} cases to ${out.pathname}`);
