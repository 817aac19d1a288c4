// Peer side of the stream interop tests (Node only): makes the fixtures with
// GnuPG 2.2 and OpenPGP.js, reads the RFC 9580 samples from the shared vectors
// directory, and checks what signet-crypto produced with both peers.
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = process.env.SIGNET_VECTORS ?? path.join(root, '../shared/vectors');

function gpgAvailable() {
  return spawnSync('gpg', ['--version']).status === 0;
}

function gpg(args, input) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'signet-gpg-'));
  try {
    return new Uint8Array(execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', 'pw', ...args], { input, maxBuffer: 1 << 28 }));
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  }
}

/** GnuPG with `secretKey` (armored) imported first, in one throwaway home. */
export function gpgWithKey(secretKey, args, input) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'signet-gpg-'));
  const run = (a, i, stderr = 'pipe') => new Uint8Array(execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', ...a], { input: i, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', stderr] }));
  try {
    // Its warnings about our SHA-3 preferences are noise here.
    run(['--import'], secretKey, 'ignore');
    return run(args, input);
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  }
}

export function pseudoRandom(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export async function makeFixtures(s, openpgp) {
  const requirePeers = process.env.SIGNET_REQUIRE_PEERS === '1';
  const rfcDir = path.join(vectors, 'rfc9580-aead');
  if (!existsSync(rfcDir)) {
    console.log(`skipped: vectors not found at ${vectors}`);
    return { skip: `vectors not found at ${vectors}` };
  }
  if (!gpgAvailable()) {
    if (requirePeers) throw new Error('gpg not found but SIGNET_REQUIRE_PEERS=1');
    return { skip: 'gpg not found' };
  }
  // 700 KiB + a few: three 256 KiB chunks, the last one partial.
  const data = pseudoRandom(700 * 1024 + 13, 42);
  const g = await s.generateKey({ userIds: ['Interop <interop@example.gov.vn>'], profile: 'rfc9580' });
  // A v4 key without SEIPDv2 (GnuPG 2.2's kind): what we send it is SEIPDv1.
  const c = await s.generateKey({ userIds: ['Compat <compat@example.gov.vn>'], profile: 'compat' });
  const utf8 = (t) => new TextEncoder().encode(t);
  const cfg = (aead) => ({ aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead[aead], aeadChunkSizeByte: 12 });
  const opEnc = async (opts, aead) => new Uint8Array(await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }), format: 'binary', config: cfg(aead), ...opts,
  }));
  const rfc = {};
  for (const m of ['eax', 'gcm', 'ocb']) rfc[m] = new Uint8Array(readFileSync(path.join(rfcDir, `${m}.msg`)));
  return {
    data,
    publicKey: g.publicKey,
    privateKey: g.privateKey,
    // As bytes: the Chromium test passes every other field as bytes.
    compat: { publicKey: utf8(c.publicKey), privateKey: utf8(c.privateKey) },
    gpgSymmetric: gpg(['--symmetric', '--cipher-algo', 'AES256', '-o', '-'], data),
    openpgpGcm: await opEnc({ passwords: ['pw'] }, 'gcm'),
    openpgpOcb: await opEnc({ passwords: ['pw'] }, 'ocb'),
    openpgpToKey: await opEnc({ encryptionKeys: await openpgp.readKey({ armoredKey: g.publicKey }) }, 'gcm'),
    rfc,
  };
}

const same = (a, b) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

export async function checkOutputs(r, fx, openpgp, assert) {
  const hello = new TextEncoder().encode('Hello, world!');
  for (const [name, got] of Object.entries(r.decrypted)) {
    assert.ok(same(got, name.startsWith('rfc') ? hello : fx.data), `decrypting ${name}`);
  }
  const priv = await openpgp.readPrivateKey({ armoredKey: fx.privateKey });
  const opDec = async (msg, opts) => new Uint8Array((await openpgp.decrypt({ message: msg, format: 'binary', ...opts })).data);
  const bin = (b) => openpgp.readMessage({ binaryMessage: b });
  assert.ok(same(await opDec(await bin(r.encrypted.gcmPassword), { passwords: ['pw'] }), fx.data), 'OpenPGP.js reads GCM (password)');
  assert.ok(same(await opDec(await bin(r.encrypted.gcmKey), { decryptionKeys: priv }), fx.data), 'OpenPGP.js reads GCM (key)');
  assert.ok(same(await opDec(await bin(r.encrypted.ocbPassword), { passwords: ['pw'] }), fx.data), 'OpenPGP.js reads OCB');
  const armored = await openpgp.readMessage({ armoredMessage: new TextDecoder().decode(r.encrypted.armored) });
  assert.ok(same(await opDec(armored, { passwords: ['pw'] }), fx.data), 'OpenPGP.js reads armored');
  assert.ok(same(gpg(['--decrypt'], r.encrypted.v1Password), fx.data), 'GnuPG reads SEIPDv1');
  // SEIPDv1 to a v4 key (recipient without SEIPDv2), streamed and one-shot.
  const cpriv = await openpgp.readPrivateKey({ armoredKey: new TextDecoder().decode(fx.compat.privateKey) });
  for (const name of ['v1Key', 'v1OneShot']) {
    const msg = r.encrypted[name];
    assert.ok(same(gpgWithKey(fx.compat.privateKey, ['--decrypt'], msg), fx.data), `GnuPG reads ${name}`);
    const m = msg[0] === 0x2d ? await openpgp.readMessage({ armoredMessage: new TextDecoder().decode(msg) }) : await bin(msg);
    assert.equal(m.packets.filterByTag(openpgp.enums.packet.symEncryptedIntegrityProtectedData)[0]?.version, 1, `${name} is SEIPDv1`);
    assert.ok(same(await opDec(m, { decryptionKeys: cpriv }), fx.data), `OpenPGP.js reads ${name}`);
  }
  assert.ok(same(r.roundTripV1, fx.data), 'the other backend reads our SEIPDv1');
  assert.ok(same(r.roundTrip, fx.data), 'the other backend reads our output');
  assert.equal(r.info.gcmPassword?.bytesIn, fx.data.length, 'progress reports all input');
}

/**
 * SEIPDv1 (RFC 9580 §5.13.1) around `inner` packets under a known AES-256
 * key, written here so that the inner packets can be anything (OpenPGP.js
 * re-reads a signed message's trailing signatures lazily and drops them when
 * it encrypts one it parsed). Returns the message and the session key.
 */
export function seipd1(inner) {
  const key = randomBytes(32);
  const prefix = randomBytes(16);
  const head = Buffer.concat([prefix, prefix.subarray(14), inner, Buffer.from([0xd3, 0x14])]);
  const plain = Buffer.concat([head, createHash('sha1').update(head).digest()]);
  const c = createCipheriv('aes-256-cfb', key, Buffer.alloc(16));
  const body = Buffer.concat([Buffer.from([1]), c.update(plain), c.final()]);
  const len = body.length;
  const header = Buffer.from([0xc0 | 18, 0xff, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]);
  return { message: new Uint8Array(Buffer.concat([header, body])), sessionKey: new Uint8Array([9, ...key]) };
}
