// decryptStream of SEIPDv1 from re-readable sources (a path, a factory, a
// Blob) in Node: verified in a first pass that releases nothing, decrypted in
// a second; our own 300 MiB compat encryptStream output (the failure issue #25
// measured), GnuPG 2.2 messages, a late bit flip, a source changed between
// the passes, and a one-shot stream spilled to an encrypted temporary file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import * as s from 'signet-crypto';

const MiB = 1 << 20;
const haveGpg = spawnSync('gpg', ['--version']).status === 0;
const requirePeers = process.env.SIGNET_REQUIRE_PEERS === '1';

let dir;
let compat;
before(async () => {
  await s.init();
  dir = mkdtempSync(path.join(os.tmpdir(), 'signet-twopass-'));
  const g = await s.generateKey({ userIds: ['Compat <compat@example.gov.vn>'], profile: 'compat' });
  compat = { pub: g.publicKey, key: await s.unlockKey(g.privateKey) };
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic plaintext stream of `n` bytes, 1 MiB pieces; hashes what it gave. */
function plainStream(n, hash) {
  let off = 0;
  let x = 7;
  return new ReadableStream({
    pull(c) {
      if (off >= n) return c.close();
      const k = Math.min(MiB, n - off);
      const b = new Uint8Array(k);
      for (let i = 0; i < k; i += 4) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        b[i] = x; b[i + 1] = x >> 8; b[i + 2] = x >> 16; b[i + 3] = x >> 24;
      }
      hash?.update(b);
      off += k;
      c.enqueue(b);
    },
  }, { highWaterMark: 0 });
}

function streamOf(bytes, step = 256 * 1024) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.slice(off, off + step));
      off += step;
    },
  }, { highWaterMark: 0 });
}

async function toFile(stream, file) {
  const w = createWriteStream(file);
  for await (const c of stream) {
    if (!w.write(c)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
}

/** Reads a decryptStream: bytes released, their SHA-256, the error if any, progress seen. */
async function drain(promise) {
  const h = createHash('sha256');
  let released = 0;
  let error = null;
  try {
    for await (const c of await promise) {
      released += c.length;
      h.update(c);
    }
  } catch (e) {
    error = e;
  }
  return { released, sha: h.digest('hex'), error };
}

test('our 300 MiB compat encryptStream output decrypts from a path, RSS bounded', { timeout: 600_000 }, async () => {
  const n = 300 * MiB;
  const want = createHash('sha256');
  const file = path.join(dir, 'big.pgp');
  await toFile(await s.encryptStream({ data: plainStream(n, want), encryptionKeys: [compat.pub] }), file);
  const wantSha = want.digest('hex');
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const phases = [];
  const r = await drain(s.decryptStream({
    message: file,
    decryptionKeys: [compat.key],
    onProgress(p) {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      if (phases.at(-1)?.phase !== p.phase) phases.push({ phase: p.phase, out: p.bytesOut, pass: p.pass, total: p.total });
    },
  }));
  assert.equal(r.error, null, r.error?.message);
  assert.equal(r.released, n);
  assert.equal(r.sha, wantSha);
  assert.deepEqual(phases.map((p) => p.phase), ['verifying', 'decrypting', 'done']);
  assert.equal(phases[0].out, 0, 'nothing released while verifying');
  assert.equal(phases[1].pass, 2);
  assert.ok(phases[0].total > n);
  const growth = (rssMax - rss0) / MiB;
  console.log(`# 300 MiB SEIPDv1 two-pass from a path: RSS growth ${growth.toFixed(1)} MiB`);
  assert.ok(growth < 128, `RSS grew by ${growth} MiB`);
});

/** Our process's spill directories in the temporary directory. */
function spills() {
  return readdirSync(os.tmpdir()).filter((n) => n.startsWith(`signet-spill-${process.pid}-`));
}

test('a one-shot stream of SEIPDv1 spills to an encrypted temporary file, deleted after', { timeout: 300_000 }, async () => {
  const msg = new Uint8Array(readFileSync(await v1File(40 * MiB, 'flip.pgp')));
  const phases = [];
  let spilled = null;
  const r = await drain(s.decryptStream({
    message: streamOf(msg),
    passwords: ['pw'],
    onProgress(p) {
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
      if (p.pass === 2 && !spilled) {
        const [d] = spills();
        spilled = readFileSync(path.join(os.tmpdir(), d, 'message'));
      }
    },
  }));
  assert.equal(r.error, null, r.error?.message);
  assert.equal(r.released, 40 * MiB);
  assert.deepEqual(phases, ['verifying', 'decrypting', 'done']);
  // The copy held the whole message, encrypted (not the message's own bytes).
  assert.equal(spilled.length, msg.length);
  assert.notDeepEqual(spilled.subarray(0, 4096), Buffer.from(msg.subarray(0, 4096)));
  assert.deepEqual(spills(), []);
  // A late bit flip: nothing released, copy deleted.
  const bad = msg.slice();
  bad[msg.length - 100] ^= 2;
  const f = await drain(s.decryptStream({ message: streamOf(bad), passwords: ['pw'] }));
  assert.equal(f.error?.code, 'DECRYPTION_FAILED');
  assert.equal(f.released, 0);
  assert.deepEqual(spills(), []);
  // Cancelled in the second pass: deleted too.
  const out = await s.decryptStream({ message: streamOf(msg), passwords: ['pw'] });
  const reader = out.getReader();
  const first = await reader.read();
  assert.ok(first.value.length > 0);
  await reader.cancel();
  await new Promise((ok) => setTimeout(ok, 50));
  assert.deepEqual(spills(), []);
  // SEIPDv2 from a one-shot stream streams in one pass; the copy stops at once.
  const v2 = await s.encrypt({ data: new Uint8Array(5 * MiB), passwords: ['pw'], armor: false });
  const r2 = await drain(s.decryptStream({ message: streamOf(v2), passwords: ['pw'] }));
  assert.equal(r2.error, null);
  assert.equal(r2.released, 5 * MiB);
  assert.deepEqual(spills(), []);
});

test('a spill that runs out of room: LIMIT_EXCEEDED naming the fix, nothing released, copy deleted', { timeout: 300_000 }, async () => {
  // A real failure, no test hook: a child process whose files may not grow past
  // 1–2 MiB (RLIMIT_FSIZE, `ulimit -f 2048`: 512- or 1024-byte blocks by shell),
  // so writing the temporary copy of an 8 MiB one-shot stream fails (EFBIG, as
  // past FAT's 4 GiB; ENOSPC and EDQUOT give the same error).
  const file = await v1File(8 * MiB, 'spill-full.pgp');
  const child = `
    import { readFileSync, readdirSync } from 'node:fs';
    import os from 'node:os';
    import * as s from 'signet-crypto';
    const msg = readFileSync(process.argv[1]);
    let off = 0;
    const message = new ReadableStream({ pull(c) {
      if (off >= msg.length) return c.close();
      c.enqueue(new Uint8Array(msg.subarray(off, off + 256 * 1024)));
      off += 256 * 1024;
    } }, { highWaterMark: 0 });
    let released = 0;
    const phases = new Set();
    let error = null;
    try {
      for await (const c of await s.decryptStream({ message, passwords: ['pw'], onProgress: (p) => phases.add(p.phase) })) released += c.length;
    } catch (e) {
      error = { code: e.code, message: e.message };
    }
    const spills = readdirSync(os.tmpdir()).filter((n) => n.startsWith('signet-spill-' + process.pid + '-'));
    console.log(JSON.stringify({ error, released, phases: [...phases], spills }));
  `;
  const r = spawnSync('sh', ['-c', 'ulimit -f 2048 && exec "$0" --input-type=module -e "$1" "$2"', process.execPath, child, file], {
    cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.error?.code, 'LIMIT_EXCEEDED', JSON.stringify(out));
  assert.match(out.error.message, /no room for the temporary copy.*pass a path or a stream factory/);
  assert.equal(out.released, 0);
  assert.deepEqual(out.phases, ['verifying']);
  assert.deepEqual(out.spills, []);
});

test('a bit flip late in a SEIPDv1 message: nothing released, DECRYPTION_FAILED', { timeout: 300_000 }, async () => {
  const msg = new Uint8Array(readFileSync(await v1File(40 * MiB, 'flip.pgp')));
  for (const at of [msg.length - 25, msg.length - 5000, msg.length >> 1]) {
    const bad = msg.slice();
    bad[at] ^= 0x10;
    for (const message of [new Blob([bad]), () => streamOf(bad)]) {
      const r = await drain(s.decryptStream({ message, passwords: ['pw'] }));
      assert.equal(r.error?.code, 'DECRYPTION_FAILED', `flip at ${at}: ${r.error?.message}`);
      assert.equal(r.released, 0, `flip at ${at}: bytes released`);
    }
  }
});

const v1Files = new Map();
/** A SEIPDv1 message of `n` bytes to the password "pw" (our encryptStream), as a file. */
async function v1File(n, name) {
  if (!v1Files.has(name)) {
    const file = path.join(dir, name);
    await toFile(await s.encryptStream({ data: plainStream(n), passwords: ['pw'], seipd: 'v1' }), file);
    v1Files.set(name, file);
  }
  return v1Files.get(name);
}

test('a source that changed between the passes errors with TAMPERED', { timeout: 300_000 }, async () => {
  const msg = new Uint8Array(readFileSync(await v1File(20 * MiB, 'change.pgp')));
  const changed = msg.slice();
  changed[12 * MiB] ^= 1;
  let calls = 0;
  const r = await drain(s.decryptStream({ message: () => streamOf(calls++ === 0 ? msg : changed), passwords: ['pw'] }));
  assert.equal(calls, 2);
  assert.equal(r.error?.code, 'TAMPERED');
  assert.match(r.error.message, /discard/);
  // Only segments before the changed one came out.
  assert.ok(r.released <= 12 * MiB, `${r.released} bytes released`);
  // Unchanged: the same factory form decrypts.
  const ok = await drain(s.decryptStream({ message: () => streamOf(msg), passwords: ['pw'] }));
  assert.equal(ok.error, null);
  assert.equal(ok.released, 20 * MiB);
});

test('Blob and path sources; SEIPDv2 from them streams in one pass', async () => {
  const plain = new Uint8Array(3 * MiB + 5).map((_, i) => i * 7);
  const want = createHash('sha256').update(plain).digest('hex');
  for (const seipd of ['v1', 'v2']) {
    const ct = await s.encrypt({ data: plain, passwords: ['pw'], seipd, armor: seipd === 'v1' });
    const file = path.join(dir, `small-${seipd}.pgp`);
    writeFileSync(file, ct);
    for (const message of [new Blob([ct]), file, new URL(`file://${file}`), () => streamOf(typeof ct === 'string' ? new TextEncoder().encode(ct) : ct)]) {
      const passes = new Set();
      const r = await drain(s.decryptStream({ message, passwords: ['pw'], onProgress: (p) => passes.add(p.pass) }));
      assert.equal(r.error, null, `${seipd} ${typeof message}: ${r.error?.message}`);
      assert.equal(r.sha, want);
      assert.deepEqual([...passes].sort(), seipd === 'v1' ? [1, 2] : [1]);
    }
  }
  const missing = await s.decryptStream({ message: path.join(dir, 'nope.pgp'), passwords: ['pw'] }).then(drain);
  assert.equal(missing.error?.code, 'NOT_FOUND');
  await assert.rejects(s.decryptStream({ message: 42, passwords: ['pw'] }), { code: 'INVALID_ARGUMENT' });
  const bad = await drain(s.decryptStream({ message: () => 'not a stream', passwords: ['pw'] }));
  assert.equal(bad.error?.code, 'INVALID_ARGUMENT');
});

test('a path past 4 GiB is read whole (Node 20\'s openAsBlob gives the size modulo 2^32); a cancel closes the file', async () => {
  // A padding packet (RFC 9580 §5.14) of 2^32 - 1 zero octets, then a message of
  // a few hundred octets: a sparse file just past 4 GiB. Read as a Blob it was a
  // file of a few hundred octets: MALFORMED_INPUT ("truncated input") at once.
  const ct = await s.encrypt({ data: new Uint8Array(100), passwords: ['pw'], armor: false });
  const file = path.join(dir, 'past-4gib.pgp');
  const pad = 2 ** 32 - 1;
  const fd = openSync(file, 'w');
  writeSync(fd, new Uint8Array([0xd5, 0xff, 0xff, 0xff, 0xff, 0xff]));
  ftruncateSync(fd, 6 + pad);
  writeSync(fd, ct, 0, ct.length, 6 + pad);
  closeSync(fd);
  const size = 6 + pad + ct.length;
  const fds = () => readdirSync('/proc/self/fd').length;
  const open0 = fds();
  let first;
  const seen = new Promise((resolve) => { first = resolve; });
  const out = await s.decryptStream({ message: file, passwords: ['pw'], onProgress: first });
  const reader = out.getReader();
  const pending = reader.read();
  const p = await seen;
  assert.equal(p.total, size);
  assert.ok(p.bytesIn > 0 && p.bytesIn < size, `${p.bytesIn} of ${size} read`);
  await reader.cancel();
  assert.equal((await pending).done, true);
  for (let i = 0; i < 100 && fds() > open0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(fds(), open0, 'the file handle is closed');
  rmSync(file);
});

test('GnuPG 2.2 SEIPDv1 (plain and compressed) from a path', { skip: !haveGpg && !requirePeers ? 'gpg not found' : false, timeout: 300_000 }, async () => {
  const n = 24 * MiB;
  const want = createHash('sha256');
  const plainFile = path.join(dir, 'gpg-plain');
  await toFile(plainStream(n, want), plainFile);
  const wantSha = want.digest('hex');
  const home = mkdtempSync(path.join(os.tmpdir(), 'signet-gpg-'));
  try {
    for (const compress of ['none', 'zip', 'zlib', 'bzip2']) {
      const out = path.join(dir, `gpg-${compress}.gpg`);
      const g = spawnSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', 'pw',
        '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', compress, '--output', out, plainFile]);
      assert.equal(g.status, 0, g.stderr.toString());
      const phases = new Set();
      const r = await drain(s.decryptStream({ message: out, passwords: ['pw'], onProgress: (p) => phases.add(p.phase) }));
      assert.equal(r.error, null, `${compress}: ${r.error?.message}`);
      assert.equal(r.sha, wantSha, compress);
      // Compressed content streams in two passes too (decompressed as it arrives).
      assert.deepEqual([...phases], ['verifying', 'decrypting', 'done'], compress);
    }
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  }
});
