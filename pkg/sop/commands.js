// The subcommands of `signet-sop`. Each one reads its inputs, calls the
// package's public functions (the same code as `import 'signet-crypto'`) and
// writes SOP's output formats. Large unsigned `encrypt` and plain `decrypt`
// stream standard input to standard output through encryptStream /
// decryptStream; everything else is buffered (the package's one-shot limits
// apply: 256 MiB by default).
import { readFileSync } from 'node:fs';
import * as signet from '../node.js';
import { SopError, fromPackage } from './errors.js';
import {
  armor, dearmor, isArmored, checkPackets, splitKeys, withoutSubkeys, signaturePackets, signatureInfo,
  seipdv2Cipher, detachInline, isCleartextSigned, certOfSecretKey,
} from './packets.js';
import {
  readInput, openOutput, readText, readStdin, stdinStream, writeStdout, streamToStdout, passwordCandidates,
} from './io.js';

export const SPEC_VERSION = 'draft-dkg-openpgp-stateless-cli-16';
const NAME = 'signet-sop';
const pkgVersion = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Key profiles (`generate-key --profile`), the default first. */
const KEY_PROFILES = [
  ['pqc', 'v6 ML-DSA-65+Ed25519 primary key, ML-KEM-768+X25519 encryption subkey (RFC 9980)'],
  ['rfc9580', 'v6 Ed25519 primary key, X25519 encryption subkey (RFC 9580)'],
  ['compat', 'v4 EdDSA primary key, Curve25519 ECDH subkey (RFC 4880 implementations, GnuPG 2.2)'],
];
/** Message profiles (`encrypt --profile`) and the package's `seipd` choice for each. */
const ENCRYPT_PROFILES = [
  ['rfc9580', 'SEIPDv2 (AES-256 GCM/OCB) when every recipient advertises it, else SEIPDv1', 'auto'],
  ['seipdv2', 'SEIPDv2 always', 'v2'],
  ['compat', 'SEIPDv1 (AES-CFB + MDC) always, for RFC 4880 implementations', 'v1'],
];

/** Subcommands of the draft this package cannot serve, and why (exit 69). */
export const UNSERVED = {
  'update-key': 'not supported: signet-crypto cannot re-sign or merge key material yet',
  'merge-certs': 'not supported: signet-crypto cannot merge certificates yet',
  'certify-userid': 'not supported: signet-crypto cannot make third-party certifications yet',
  'validate-userid': 'not supported: signet-crypto does not evaluate certifications yet',
};

// ---------------------------------------------------------------------------
// Helpers

function profileOf(list, name) {
  if (name === undefined || name === 'default') return list[0];
  const p = list.find(([n]) => n === name);
  if (!p) throw new SopError('UNSUPPORTED_PROFILE', `unknown profile "${name}" (see list-profiles)`);
  return p;
}

/** A new password (generate-key, change-key-password, encrypt): UTF-8, trailing whitespace dropped. */
function newPassword(spec, what) {
  const p = readText(spec, what).replace(/\s+$/u, '');
  if (!p) throw new SopError('PASSWORD_NOT_HUMAN_READABLE', `${what} in ${spec} is empty`);
  return p;
}

/** Candidate passwords from indirect inputs (each as given and trimmed), deduplicated. */
function passwordsFrom(specs, what) {
  return [...new Set(specs.flatMap((s) => passwordCandidates(readText(s, what))))];
}

function binaryOf(bytes, what) {
  try {
    return dearmor(bytes);
  } catch (e) {
    throw new SopError('BAD_DATA', `${what}: ${e.message}`);
  }
}

/** The transferable keys (secret) or certificates (public) in one input, binary. */
function keysIn(bytes, secret, what) {
  const keys = splitKeys(binaryOf(bytes, what));
  for (const k of keys) {
    if (k.secret !== secret) {
      throw new SopError('BAD_DATA', secret ? `${what}: a certificate where a secret key was expected` : `${what}: a secret key where a certificate was expected`);
    }
  }
  return keys.map((k) => k.bytes);
}

function certsFrom(specs) {
  return specs.flatMap((s) => keysIn(readInput(s), false, s));
}

/**
 * Unlocks each secret key: first as it is (unprotected keys), then with each
 * candidate password. A key no candidate unlocks: KEY_IS_PROTECTED.
 */
async function unlockAll(keyList, passwords) {
  const handles = [];
  try {
    for (const bytes of keyList) {
      let h = null;
      for (const pw of [undefined, ...passwords]) {
        try {
          h = await signet.unlockKey(bytes, pw);
          break;
        } catch (e) {
          if (e?.code !== 'BAD_PASSPHRASE') throw fromPackage(e, 'key');
        }
      }
      if (!h) throw new SopError('KEY_IS_PROTECTED', 'a secret key is locked and no --with-key-password unlocks it');
      handles.push(h);
    }
    return handles;
  } catch (e) {
    for (const h of handles) h.free();
    throw e;
  }
}

/** Runs `fn(handles)` and frees the handles afterwards. */
async function withKeys(keyList, passwords, fn) {
  const handles = await unlockAll(keyList, passwords);
  try {
    return await fn(handles);
  } finally {
    for (const h of handles) h.free();
  }
}

const live = (k, now) => !k.revoked && (!k.expires || k.expires.getTime() > now);
function capable(info, use) {
  const now = Date.now();
  const has = (k) => live(k, now) && (use === 'sign' ? k.usage.sign : k.usage.encryptCommunications || k.usage.encryptStorage);
  return live(info, now) && (has(info) || info.subkeys.some(has));
}

async function checkCerts(certs) {
  for (const c of certs) {
    let info;
    try {
      info = await signet.readKey(c);
    } catch (e) {
      throw fromPackage(e, 'cert');
    }
    if (!capable(info, 'encrypt')) throw new SopError('CERT_CANNOT_ENCRYPT', `certificate ${info.fingerprint} has no usable encryption key`);
  }
}

function checkSigners(handles) {
  for (const h of handles) {
    if (!capable(h.info(), 'sign')) throw new SopError('KEY_CANNOT_SIGN', `key ${h.fingerprint} has no usable signing key`);
  }
}

/** DATE arguments: ISO 8601, "now", or "-" (no bound). */
function dateArg(s, unbounded, dflt) {
  if (s === undefined) return dflt;
  if (s === '-') return unbounded;
  if (s === 'now') return Date.now();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new SopError('UNSPECIFIED_FAILURE', `not a date: "${s}"`);
  return t;
}

const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * VERIFICATIONS lines for the good signatures in a window (draft §
 * "VERIFICATIONS"): date, signing key fingerprint, primary key fingerprint,
 * then `mode:binary|text` where the signature packets are known.
 */
function verificationLines(signatures, notBefore, notAfter, modes = null) {
  const lines = [];
  signatures.forEach((s, i) => {
    if (!s.valid || !s.signingKeyFingerprint || !s.created) return;
    const t = s.created.getTime();
    if (t < Math.floor(notBefore / 1000) * 1000 || t > notAfter) return;
    const mode = modes?.[i] ? ` mode:${modes[i]}` : '';
    lines.push(`${iso(s.created)} ${s.signingKeyFingerprint} ${s.fingerprint}${mode}\n`);
  });
  return lines.join('');
}

/** `mode:` of each signature packet in order, or null when they cannot be read. */
function signatureModes(sigBinary, count) {
  try {
    const m = signaturePackets(sigBinary).map((p) => (signatureInfo(p.body).type === 1 ? 'text' : 'binary'));
    return m.length === count ? m : null;
  } catch {
    return null;
  }
}

function outputOf(bytes, noArmor) {
  return noArmor ? bytes : armor(bytes);
}

/** `--as`: only binary is served (the package makes binary signatures and literal data). */
function asBinary(value, allowed) {
  if (value === undefined || value === 'binary') return;
  if (!allowed.includes(value)) throw new SopError('UNSUPPORTED_OPTION', `--as=${value}: expected one of ${allowed.join(', ')}`);
  throw new SopError('UNSUPPORTED_OPTION', `--as=${value} is not supported: signet-crypto signs and encrypts binary data only`);
}

const HASHES = { 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224', 12: 'sha3-256', 14: 'sha3-512' };

// ---------------------------------------------------------------------------
// Subcommands

async function version(o) {
  const chosen = ['backend', 'extended', 'sop-spec', 'sopv'].filter((f) => o[f]);
  if (chosen.length > 1) throw new SopError('INCOMPATIBLE_OPTIONS', `--${chosen.join(' and --')} cannot be combined`);
  const v = signet.getVersion();
  const backend = `signet-crypto ${v.package}`;
  const crates = Object.entries(v.crates ?? {}).map(([k, x]) => `${k} ${x}`);
  if (o.backend) return writeStdout(`${backend}\n`);
  if (o['sop-spec']) {
    return writeStdout(`~${SPEC_VERSION}\nnot served: ${Object.keys(UNSERVED).join(', ')}; see docs/sop.md\n`);
  }
  if (o.sopv) return writeStdout('1.0\n');
  if (o.extended) return writeStdout([`${NAME} ${pkgVersion}`, backend, ...crates, `node ${process.version}`, ''].join('\n'));
  return writeStdout(`${NAME} ${pkgVersion}\n`);
}

async function listProfiles(_o, args) {
  if (!args.length) throw new SopError('MISSING_ARG', 'list-profiles needs a subcommand name');
  const list = { 'generate-key': KEY_PROFILES, encrypt: ENCRYPT_PROFILES }[args[0]];
  if (!list) throw new SopError('UNSUPPORTED_PROFILE', `${args[0]} takes no profiles`);
  await writeStdout(list.map(([n, d]) => `${n}: ${d}\n`).join(''));
}

async function generateKey(o, userIds) {
  const [profile] = profileOf(KEY_PROFILES, o.profile);
  if (!userIds.length) throw new SopError('MISSING_ARG', 'generate-key: signet-crypto needs at least one USERID');
  const passphrase = o['with-key-password'] === undefined ? undefined : newPassword(o['with-key-password'], 'key password');
  let k;
  try {
    k = await signet.generateKey({ userIds, profile, passphrase });
  } catch (e) {
    throw fromPackage(e, 'key');
  }
  let bin = dearmor(new TextEncoder().encode(k.privateKey));
  if (o['signing-only']) {
    bin = withoutSubkeys(bin);
    const info = await signet.readKey(bin);
    if (info.subkeys.length || !info.usage.sign) throw new SopError('UNSPECIFIED_FAILURE', 'internal: --signing-only left a key that cannot sign alone');
  }
  await writeStdout(outputOf(bin, o['no-armor']));
}

async function changeKeyPassword(o) {
  if (o['new-key-password'] === undefined) {
    throw new SopError('MISSING_ARG', '--new-key-password is required: signet-crypto exports secret keys only passphrase-protected');
  }
  const pw = newPassword(o['new-key-password'], 'new key password');
  const old = passwordsFrom(o['old-key-password'], 'old key password');
  const keys = keysIn(await readStdin(), true, 'standard input');
  const out = await withKeys(keys, old, (handles) => Promise.all(handles.map((h) => signet.exportPrivateKey(h, pw))));
  const bin = Buffer.concat(out.map((a) => dearmor(new TextEncoder().encode(a))));
  await writeStdout(outputOf(new Uint8Array(bin), o['no-armor']));
}

/**
 * Each key's certificate carrying a key revocation signature (reason
 * unspecified: SOP names none), as `revokeKey` makes it.
 */
async function revokeKeyCmd(o) {
  const keys = keysIn(await readStdin(), true, 'standard input');
  const out = await withKeys(keys, passwordsFrom(o['with-key-password'], 'key password'), (handles) => Promise.all(handles.map((h) => signet.revokeKey(h).catch((e) => {
    throw fromPackage(e, 'key');
  }))));
  const bin = Buffer.concat(out.map((a) => dearmor(new TextEncoder().encode(a))));
  await writeStdout(outputOf(new Uint8Array(bin), o['no-armor']));
}

/**
 * The certificate of a password-protected key, which the package exports
 * only after unlocking: its public packets (see `certOfSecretKey`), accepted
 * only when the package reads them as the same key and subkeys.
 */
async function lockedCert(k) {
  const cert = certOfSecretKey(k);
  const fprs = (i) => [i.fingerprint, ...i.subkeys.map((sk) => sk.fingerprint)].join(' ');
  if (cert) {
    try {
      const [a, b] = await Promise.all([signet.readKey(cert), signet.readKey(k)]);
      if (!a.isPrivate && fprs(a) === fprs(b)) return cert;
    } catch {
      // falls through: not a certificate the package accepts
    }
  }
  throw new SopError('KEY_IS_PROTECTED', 'extract-cert: cannot separate the certificate of this password-protected key');
}

async function extractCert(o) {
  const keys = keysIn(await readStdin(), true, 'standard input');
  const certs = [];
  for (const k of keys) {
    let h;
    try {
      h = await signet.unlockKey(k);
    } catch (e) {
      if (e?.code === 'BAD_PASSPHRASE') {
        certs.push(await lockedCert(k));
        continue;
      }
      throw fromPackage(e, 'key');
    }
    try {
      certs.push(dearmor(new TextEncoder().encode(h.publicKey())));
    } finally {
      h.free();
    }
  }
  await writeStdout(outputOf(new Uint8Array(Buffer.concat(certs)), o['no-armor']));
}

function keySpecs(args, what) {
  if (!args.length) throw new SopError('MISSING_ARG', `${what} needs at least one KEYS file`);
  return args.flatMap((a) => keysIn(readInput(a), true, a));
}

async function sign(o, args) {
  asBinary(o.as, ['binary', 'text']);
  const keys = keySpecs(args, 'sign');
  const micalg = o['micalg-out'] === undefined ? null : openOutput(o['micalg-out']);
  const data = await readStdin();
  const sig = await withKeys(keys, passwordsFrom(o['with-key-password'], 'key password'), (handles) => {
    checkSigners(handles);
    return signet.sign({ data, signingKeys: handles, detached: true, armor: false }).catch((e) => {
      throw fromPackage(e, 'sign');
    });
  });
  if (micalg) {
    const hashes = new Set(signaturePackets(sig).map((p) => signatureInfo(p.body).hash));
    const [h] = hashes;
    micalg(hashes.size === 1 && HASHES[h] ? `pgp-${HASHES[h]}` : '');
  }
  await writeStdout(outputOf(sig, o['no-armor']));
}

async function verify(o, args) {
  if (args.length < 2) throw new SopError('MISSING_ARG', 'verify needs SIGNATURES and at least one CERTS file');
  const notBefore = dateArg(o['not-before'], -Infinity, -Infinity);
  const notAfter = dateArg(o['not-after'], Infinity, Date.now());
  const signature = readInput(args[0]);
  const certs = certsFrom(args.slice(1));
  const data = await readStdin();
  let r;
  try {
    r = await signet.verify({ data, signature, verificationKeys: certs });
  } catch (e) {
    throw fromPackage(e, 'data');
  }
  const lines = verificationLines(r.signatures, notBefore, notAfter, signatureModes(binaryOf(signature, args[0]), r.signatures.length));
  if (!lines) throw new SopError('NO_SIGNATURE', 'no good signature from the given certificates');
  await writeStdout(lines);
}

async function inlineSign(o, args) {
  asBinary(o.as, ['binary', 'text', 'clearsigned']);
  const keys = keySpecs(args, 'inline-sign');
  const data = await readStdin();
  const out = await withKeys(keys, passwordsFrom(o['with-key-password'], 'key password'), (handles) => {
    checkSigners(handles);
    return signet.sign({ data, signingKeys: handles, detached: false, armor: !o['no-armor'] }).catch((e) => {
      throw fromPackage(e, 'sign');
    });
  });
  await writeStdout(out);
}

async function inlineVerify(o, args) {
  if (!args.length) throw new SopError('MISSING_ARG', 'inline-verify needs at least one CERTS file');
  const notBefore = dateArg(o['not-before'], -Infinity, -Infinity);
  const notAfter = dateArg(o['not-after'], Infinity, Date.now());
  const out = o['verifications-out'] === undefined ? null : openOutput(o['verifications-out']);
  const certs = certsFrom(args);
  const message = await readStdin();
  let r;
  try {
    r = await signet.verify({ message, verificationKeys: certs });
  } catch (e) {
    throw fromPackage(e, 'data');
  }
  let modes = null;
  try {
    modes = signatureModes(detachInline(message).signatures, r.signatures.length);
  } catch {
    // compressed or otherwise opaque: lines without mode
  }
  const lines = verificationLines(r.signatures, notBefore, notAfter, modes);
  if (!lines) throw new SopError('NO_SIGNATURE', 'no good signature from the given certificates');
  // The package gives cleartext in its canonical form (CRLF line ends, RFC 9580 §7);
  // the signature does not depend on line ends, so they are written as the message has them: LF.
  const data = isCleartextSigned(message) ? Buffer.from(Buffer.from(r.data).toString('utf8').replace(/\r\n/g, '\n'), 'utf8') : r.data;
  await writeStdout(data);
  out?.(lines);
}

async function inlineDetach(o) {
  if (o['signatures-out'] === undefined) throw new SopError('MISSING_ARG', 'inline-detach needs --signatures-out');
  const out = openOutput(o['signatures-out']);
  const { data, signatures } = detachInline(await readStdin());
  await writeStdout(data);
  out(outputOf(signatures, o['no-armor']));
}

async function encrypt(o, args) {
  asBinary(o.as, ['binary', 'text']);
  const seipd = profileOf(ENCRYPT_PROFILES, o.profile)[2];
  const passwords = o['with-password'].map((p) => newPassword(p, 'password'));
  const certs = certsFrom(args);
  if (!certs.length && !passwords.length) throw new SopError('MISSING_ARG', 'encrypt needs CERTS or --with-password');
  await checkCerts(certs);
  const skOut = o['session-key-out'] === undefined ? null : openOutput(o['session-key-out']);
  const armorOut = !o['no-armor'];
  const fail = (e) => {
    // An explicit profile the recipients rule out (RFC 9980: PQ keys need SEIPDv2).
    if (e?.code === 'INVALID_ARGUMENT' && seipd !== 'auto') throw new SopError('UNSUPPORTED_PROFILE', `profile ${o.profile}: ${e.message}`);
    throw fromPackage(e, 'cert');
  };
  if (!o['sign-with'].length && !skOut) {
    const out = await signet.encryptStream({ data: stdinStream(), encryptionKeys: certs, passwords, armor: armorOut, seipd }).catch(fail);
    await streamToStdout(out).catch(fail);
    return;
  }
  const keys = o['sign-with'].flatMap((a) => keysIn(readInput(a), true, a));
  const data = await readStdin();
  const r = await withKeys(keys, passwordsFrom(o['with-key-password'], 'key password'), (handles) => {
    checkSigners(handles);
    return signet.encrypt({ data, encryptionKeys: certs, passwords, signingKeys: handles, armor: armorOut, seipd, sessionKeyOut: !!skOut }).catch(fail);
  });
  if (!skOut) return writeStdout(r);
  try {
    skOut(formatSessionKey(r.sessionKey[0], r.sessionKey.subarray(1)));
  } finally {
    r.sessionKey.fill(0);
  }
  await writeStdout(r.message);
}

/** "ALGO:HEX" (draft § "SESSIONKEY") -> the package's form: algorithm octet + key. */
function parseSessionKey(text, spec) {
  const m = text.trim().match(/^([0-9]{1,3}):([0-9A-Fa-f]+)$/);
  if (!m || Number(m[1]) > 255 || m[2].length % 2) throw new SopError('BAD_DATA', `${spec}: not a session key (ALGO:HEX)`);
  return new Uint8Array([Number(m[1]), ...Buffer.from(m[2], 'hex')]);
}

function formatSessionKey(alg, key) {
  return `${alg}:${Buffer.from(key).toString('hex').toUpperCase()}\n`;
}

/** Decrypts a whole message with a known session key, or null if it does not fit. */
async function decryptWithSessionKey(message, sessionKey) {
  try {
    const out = await signet.decryptStream({ message: new Blob([message]).stream(), sessionKey });
    return new Uint8Array(await new Response(out).arrayBuffer());
  } catch {
    return null;
  }
}

async function decrypt(o, args) {
  const verifyWith = o['verify-with'];
  if (verifyWith.length && o['verifications-out'] === undefined) {
    throw new SopError('INCOMPLETE_VERIFICATION', '--verify-with needs --verifications-out');
  }
  if (!verifyWith.length && o['verifications-out'] !== undefined) {
    throw new SopError('INCOMPLETE_VERIFICATION', '--verifications-out needs --verify-with');
  }
  if (verifyWith.length && o['with-session-key'].length) {
    throw new SopError('UNSUPPORTED_OPTION', '--verify-with with --with-session-key: signet-crypto reports signatures only when it finds the session key itself');
  }
  const notBefore = dateArg(o['verify-not-before'], -Infinity, -Infinity);
  const notAfter = dateArg(o['verify-not-after'], Infinity, Date.now());
  const sessionKeys = o['with-session-key'].map((s) => parseSessionKey(readText(s, 'session key'), s));
  const passwords = passwordsFrom(o['with-password'], 'password');
  const keys = args.flatMap((a) => keysIn(readInput(a), true, a));
  const certs = certsFrom(verifyWith);
  if (!keys.length && !passwords.length && !sessionKeys.length) {
    throw new SopError('MISSING_ARG', 'decrypt needs KEYS, --with-password or --with-session-key');
  }
  const skOut = o['session-key-out'] === undefined ? null : openOutput(o['session-key-out']);
  const verOut = o['verifications-out'] === undefined ? null : openOutput(o['verifications-out']);
  const fail = (e) => {
    throw fromPackage(e, 'decrypt');
  };
  await withKeys(keys, passwordsFrom(o['with-key-password'], 'key password'), async (handles) => {
    if (!sessionKeys.length && !skOut && !certs.length) {
      // The streaming path: standard input to standard output, authenticated chunk by chunk.
      const out = await signet.decryptStream({ message: stdinStream(), decryptionKeys: handles, passwords }).catch(fail);
      await streamToStdout(out).catch(fail);
      return;
    }
    const message = await readStdin();
    try {
      for (const sk of sessionKeys) {
        const plain = await decryptWithSessionKey(message, sk);
        if (plain) {
          skOut?.(formatSessionKey(sk[0], sk.subarray(1)));
          await writeStdout(plain);
          return;
        }
      }
    } finally {
      for (const sk of sessionKeys) sk.fill(0);
    }
    if (!handles.length && !passwords.length) throw new SopError('CANNOT_DECRYPT', 'no --with-session-key fits this message');
    const bin = binaryOf(message, 'message');
    if (skOut) {
      let sk;
      try {
        sk = signet.decryptSessionKey({ message: bin, decryptionKeys: handles, passwords });
      } catch (e) {
        fail(e);
      }
      try {
        // v6 PKESK/SKESK carry no algorithm: the SEIPDv2 packet names it.
        const alg = sk[0] || seipdv2Cipher(bin);
        if (!alg) throw new SopError('UNSPECIFIED_FAILURE', 'internal: session key without an algorithm');
        skOut(formatSessionKey(alg, sk.subarray(1)));
      } finally {
        sk.fill(0);
      }
    }
    const r = await signet.decrypt({ message: bin, decryptionKeys: handles, passwords, verificationKeys: certs }).catch(fail);
    verOut?.(verificationLines(r.signatures, notBefore, notAfter));
    await writeStdout(r.data);
  });
}

async function armorCmd() {
  const b = await readStdin();
  if (isArmored(b)) {
    if (!isCleartextSigned(b)) checkPackets(dearmor(b)); // well-formed armor only
    return writeStdout(b);
  }
  checkPackets(b);
  await writeStdout(armor(b));
}

async function dearmorCmd() {
  const b = dearmor(await readStdin());
  checkPackets(b);
  await writeStdout(b);
}

/** Each subcommand: its options (flags, single values, repeatable lists) and runner. */
export const COMMANDS = {
  version: { spec: { flags: ['backend', 'extended', 'sop-spec', 'sopv'] }, run: version },
  'list-profiles': { spec: {}, run: listProfiles },
  'generate-key': { spec: { flags: ['no-armor', 'signing-only'], values: ['with-key-password', 'profile'] }, run: generateKey },
  'change-key-password': { spec: { flags: ['no-armor'], values: ['new-key-password'], lists: ['old-key-password'] }, run: changeKeyPassword },
  'revoke-key': { spec: { flags: ['no-armor'], lists: ['with-key-password'] }, run: revokeKeyCmd },
  'extract-cert': { spec: { flags: ['no-armor'] }, run: extractCert },
  sign: { spec: { flags: ['no-armor'], values: ['as', 'micalg-out'], lists: ['with-key-password'] }, run: sign },
  verify: { spec: { values: ['not-before', 'not-after'] }, run: verify },
  'inline-sign': { spec: { flags: ['no-armor'], values: ['as'], lists: ['with-key-password'] }, run: inlineSign },
  'inline-verify': { spec: { values: ['not-before', 'not-after', 'verifications-out'] }, run: inlineVerify },
  'inline-detach': { spec: { flags: ['no-armor'], values: ['signatures-out'] }, run: inlineDetach },
  encrypt: {
    spec: { flags: ['no-armor'], values: ['as', 'profile', 'session-key-out'], lists: ['with-password', 'sign-with', 'with-key-password'] },
    run: encrypt,
  },
  decrypt: {
    spec: {
      values: ['session-key-out', 'verifications-out', 'verify-not-before', 'verify-not-after'],
      lists: ['with-session-key', 'with-password', 'verify-with', 'with-key-password'],
    },
    run: decrypt,
  },
  armor: { spec: {}, run: armorCmd },
  dearmor: { spec: {}, run: dearmorCmd },
};
