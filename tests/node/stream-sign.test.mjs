// Streams that sign and verify, against GnuPG 2.2 and OpenPGP.js 6:
// `encryptStream({ signingKeys })` writes one-pass signatures that both peers
// verify; `decryptStream({ verificationKeys })` verifies theirs as the data
// streams and reports them (`out.signatures`, the final progress event). A
// flipped bit in a signature is never valid; a key not given is unknown-key.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import * as s from 'signet-crypto';
import { pseudoRandom, seipd1 } from './stream-peers.mjs';

const MiB = 1 << 20;
let v4; let v6; let other;
const hasGpg = spawnSync('gpg', ['--version']).status === 0;

/** GnuPG in a throwaway home with `secretKey` imported; returns { out, status }. */
function gpg(secretKey, args, input) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'signet-gpg-'));
  const run = (a, i) => execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--trust-model', 'always', ...a],
    { input: i, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    run(['--import'], secretKey);
    const outFile = path.join(home, 'out');
    const status = run(['--status-fd', '1', '-o', outFile, ...args], input).toString();
    return { out: new Uint8Array(readFileSync(outFile)), status };
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  }
}

async function keyPair(profile, name) {
  const g = await s.generateKey({ userIds: [`${name} <${name}@example.gov.vn>`], profile });
  return { ...g, email: `${name}@example.gov.vn`, handle: await s.unlockKey(g.privateKey) };
}

function streamOf(bytes, step = 300 * 1024) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bytes.length) return c.close();
      c.enqueue(bytes.slice(i, i + step));
      i += step;
    },
  });
}

async function collect(stream) {
  const parts = [];
  for await (const p of stream) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

const same = (a, b) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** decryptStream with verification; the data, the promised verdict and the final progress event. */
async function verifyStream(message, key, verificationKeys, how = { decryptionKeys: [key.handle] }) {
  let last = null;
  const phases = new Set();
  const out = await s.decryptStream({ message, ...how, verificationKeys, onProgress: (p) => { last = p; phases.add(p.phase); } });
  const data = await collect(out);
  const signatures = await out.signatures;
  assert.equal(last?.phase, 'done');
  assert.deepEqual(last.signatures, signatures, 'the final progress event carries the verdict');
  return { data, signatures, phases: [...phases] };
}

before(async () => {
  await s.init();
  v4 = await keyPair('compat', 'v4');
  v6 = await keyPair('rfc9580', 'v6');
  other = await keyPair('rfc9580', 'other');
});

test('GnuPG 2.2 sign+encrypt (v4, SEIPDv1, 8 MiB) verifies as it streams', async (t) => {
  if (!hasGpg) return t.skip('gpg not found');
  const data = pseudoRandom(8 * MiB + 17, 1);
  // Uncompressed and compressed (GnuPG's default, ZIP, ZLIB, BZip2): a Blob
  // streams in two passes with bounded memory (a 'verifying' phase, never the
  // buffered path's single pass); a one-shot stream of SEIPDv1 is buffered.
  for (const extra of [['--compress-algo', 'none'], [], ['--compress-algo', 'zip'], ['--compress-algo', 'zlib'], ['--compress-algo', 'bzip2']]) {
    const { out: msg } = gpg(v4.privateKey, ['--sign', '--encrypt', '-r', v4.email, ...extra], data);
    for (const message of [new Blob([msg]), streamOf(msg)]) {
      const r = await verifyStream(message, v4, [v4.publicKey]);
      if (message instanceof Blob) assert.deepEqual(r.phases, ['verifying', 'decrypting', 'done'], `phases ${extra}`);
      assert.ok(same(r.data, data), `data ${extra}`);
      assert.equal(r.signatures.length, 1);
      assert.equal(r.signatures[0].valid, true, JSON.stringify(r.signatures));
      assert.equal(r.signatures[0].fingerprint, (await s.readKey(v4.publicKey)).fingerprint);
    }
  }
});

test('OpenPGP.js 6 encrypt({ signingKeys }) (v4 and v6) verifies as it streams', async () => {
  const data = pseudoRandom(3 * MiB + 5, 2);
  for (const k of [v4, v6]) {
    const msg = new Uint8Array(await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data }),
      encryptionKeys: await openpgp.readKey({ armoredKey: k.publicKey }),
      signingKeys: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
      format: 'binary',
    }));
    const r = await verifyStream(streamOf(msg), k, [k.publicKey]);
    assert.ok(same(r.data, data));
    assert.equal(r.signatures.length, 1);
    assert.equal(r.signatures[0].valid, true, JSON.stringify(r.signatures));
    // Wrong verification key: reported, unverified, no error.
    const w = await verifyStream(streamOf(msg), k, [other.publicKey]);
    assert.ok(same(w.data, data));
    assert.equal(w.signatures[0].valid, false);
    assert.equal(w.signatures[0].reason, 'unknown-key');
    // Text-mode signatures (OpenPGP.js's createMessage({ text })) hash CR LF line ends.
    const text = 'Công văn số 1\nDòng hai\r\nDòng ba\n';
    const tmsg = new Uint8Array(await openpgp.encrypt({
      message: await openpgp.createMessage({ text }),
      encryptionKeys: await openpgp.readKey({ armoredKey: k.publicKey }),
      signingKeys: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
      format: 'binary',
    }));
    const tr = await verifyStream(streamOf(tmsg), k, [k.publicKey]);
    assert.equal(tr.signatures[0]?.valid, true, JSON.stringify(tr.signatures));
  }
});

test('OpenPGP.js 6 compressed (ZIP, ZLIB), signed SEIPDv2 streams: output before the input ends', async () => {
  const data = pseudoRandom(6 * MiB + 3, 5);
  for (const algo of ['zip', 'zlib']) {
    // A password (a key's preferences would veto compression: ours list none);
    // SKESKv6 + SEIPDv2-GCM, so the bulk runs in node:crypto.
    const msg = new Uint8Array(await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data }),
      passwords: ['mật khẩu'],
      signingKeys: await openpgp.readPrivateKey({ armoredKey: v6.privateKey }),
      config: {
        preferredCompressionAlgorithm: openpgp.enums.compression[algo],
        aeadProtect: true,
        preferredAEADAlgorithm: openpgp.enums.aead.gcm,
      },
      format: 'binary',
    }));
    assert.equal(msg[0], 0xC3, 'SKESK first');
    assert.equal(msg[2], 6, 'SKESKv6');
    // The content is a compressed data packet (tag 8) once decrypted: the
    // engine decompresses it as it streams instead of buffering the message.
    let early = 0;
    const out = await s.decryptStream({
      message: new Blob([msg]),
      passwords: ['mật khẩu'],
      verificationKeys: [v6.publicKey],
      onProgress: (p) => { if (p.phase !== 'done' && p.bytesOut > 0 && p.bytesIn < p.total) early++; },
    });
    assert.ok(same(await collect(out), data), algo);
    const sigs = await out.signatures;
    assert.equal(sigs.length, 1, algo);
    assert.equal(sigs[0].valid, true, JSON.stringify(sigs));
    assert.ok(early > 0, `${algo}: no plaintext before the input ended`);
    const one = await s.decrypt({ message: msg, passwords: ['mật khẩu'], verificationKeys: [v6.publicKey] });
    assert.ok(same(one.data, data), algo);
    assert.equal(one.signatures[0].valid, true);
  }
});

test('a flipped bit in the signature is not verified', async () => {
  const data = pseudoRandom(MiB, 3);
  for (const k of [v4, v6]) {
    const signed = new Uint8Array(await openpgp.sign({
      message: await openpgp.createMessage({ binary: data }),
      signingKeys: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
      format: 'binary',
    }));
    // Untouched it verifies; one bit flipped inside the signature value does not.
    const good = seipd1(signed);
    const ok = await verifyStream(new Blob([good.message]), k, [k.publicKey], { sessionKey: good.sessionKey });
    assert.equal(ok.signatures[0]?.valid, true, JSON.stringify(ok.signatures));
    signed[signed.length - 3] ^= 0x10;
    const { message, sessionKey } = seipd1(signed);
    const r = await verifyStream(new Blob([message]), k, [k.publicKey], { sessionKey });
    assert.ok(same(r.data, data));
    assert.equal(r.signatures.length, 1);
    assert.equal(r.signatures[0].valid, false);
    assert.equal(r.signatures[0].reason, 'bad-signature');
  }
});

test('our signed encryptStream output verifies in GnuPG, OpenPGP.js and decrypt', async (t) => {
  const data = pseudoRandom(2 * MiB + 3, 4);
  for (const k of [v4, v6]) {
    const ct = await collect(await s.encryptStream({ data: streamOf(data), encryptionKeys: [k.publicKey], signingKeys: [k.handle] }));
    const d = await s.decrypt({ message: ct, decryptionKeys: [k.handle], verificationKeys: [k.publicKey] });
    assert.ok(same(d.data, data));
    assert.equal(d.signatures[0]?.valid, true, JSON.stringify(d.signatures));
    const op = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: ct }),
      decryptionKeys: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
      verificationKeys: await openpgp.readKey({ armoredKey: k.publicKey }),
      expectSigned: true,
      format: 'binary',
    });
    assert.ok(same(op.data, data));
    assert.equal(await op.signatures[0].verified, true);
    const back = await verifyStream(streamOf(ct), k, [k.publicKey]);
    assert.ok(same(back.data, data));
    assert.equal(back.signatures[0]?.valid, true);
    if (k === v4) {
      if (!hasGpg) {
        t.diagnostic('gpg not found');
        continue;
      }
      const g = gpg(k.privateKey, ['--decrypt'], ct);
      assert.ok(same(g.out, data), 'GnuPG decrypts');
      assert.match(g.status, /\[GNUPG:\] GOODSIG /, g.status);
      assert.match(g.status, /\[GNUPG:\] VALIDSIG /);
    }
  }
  // Armored and SEIPDv1 (a v4 recipient) with two signers.
  const ct = await collect(await s.encryptStream({ data: streamOf(data), encryptionKeys: [v4.publicKey], signingKeys: [v4.handle, v6.handle], armor: true }));
  const d = await s.decrypt({ message: ct, decryptionKeys: [v4.handle], verificationKeys: [v4.publicKey, v6.publicKey] });
  assert.deepEqual(d.signatures.map((x) => x.valid), [true, true]);
});

test('signatures reject when the stream fails; bad options keep their codes', async () => {
  const ct = await collect(await s.encryptStream({ data: streamOf(pseudoRandom(1000, 5)), encryptionKeys: [v6.publicKey], signingKeys: [v6.handle] }));
  const bad = ct.slice();
  bad[bad.length - 30] ^= 1;
  const out = await s.decryptStream({ message: streamOf(bad), decryptionKeys: [v6.handle], verificationKeys: [v6.publicKey] });
  await assert.rejects(collect(out), (e) => e.code === 'DECRYPTION_FAILED');
  await assert.rejects(out.signatures, (e) => e.code === 'DECRYPTION_FAILED');
  await assert.rejects(s.decryptStream({ message: streamOf(ct), decryptionKeys: [v6.handle], verificationKeys: 'x' }), (e) => e.code === 'INVALID_ARGUMENT');
  await assert.rejects(s.encryptStream({ data: streamOf(ct), passwords: ['x'], signingKeys: 'x' }), (e) => e.code === 'INVALID_ARGUMENT');
  // Unsigned content: an empty verdict.
  const plain = await collect(await s.encryptStream({ data: streamOf(pseudoRandom(10, 6)), passwords: ['pw'] }));
  const o = await s.decryptStream({ message: streamOf(plain), passwords: ['pw'], verificationKeys: [v6.publicKey] });
  await collect(o);
  assert.deepEqual(await o.signatures, []);
});
