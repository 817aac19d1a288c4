// The packed tarball (what `npm publish` would ship, so the `files` whitelist is
// tested) installs into a scratch project outside the repo and works there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

test('npm pack → npm install in a scratch project → import by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-scratch-'));
  try {
    const npm = (...args) => execFileSync('npm', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    const tgz = npm('pack', pkgDir, '--silent').trim().split('\n').pop();
    npm('install', '--no-audit', '--no-fund', '--offline', join(dir, tgz));
    writeFileSync(join(dir, 'use.mjs'), `
      import * as s from 'signet-crypto';
      import { encryptStream } from 'signet-crypto/stream';
      import * as n from 'signet-crypto/notes';
      await s.init();
      await n.init();
      const w = n.generateWrapKeyPair();
      const wrapped = n.wrapKey({ key: new Uint8Array(32).fill(7), recipients: [w.publicKey] });
      const unwrapped = n.unwrapKey({ envelope: wrapped, secretKey: w.secretKey });
      const k = await s.generateKey({ userIds: ['a <a@example.org>'], profile: 'rfc9580' });
      const key = await s.unlockKey(k.privateKey);
      const message = await s.encrypt({ data: 'xin chào', encryptionKeys: [k.publicKey] });
      const { data } = await s.decrypt({ message, decryptionKeys: [key] });
      console.log(JSON.stringify({ text: new TextDecoder().decode(data), stream: typeof encryptStream,
        version: s.getVersion().package, notes: [...unwrapped].every((b) => b === 7) && n.encrypt === undefined }));
    `);
    const out = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: dir, encoding: 'utf8' }).trim());
    assert.deepEqual(out, { text: 'xin chào', stream: 'function', version, notes: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The names in the README's API table ("functions and classes" column; names in
 *  parentheses are methods or notes, not exports). */
function readmeApi() {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|').map((c) => c.trim()));
  const head = rows.findIndex((r) => r[2] === 'functions and classes');
  assert.ok(head >= 0, 'README has no API table');
  const names = [];
  for (const r of rows.slice(head + 1)) {
    if (!r[2] || r[1] === 'code' || r[2].startsWith('meaning')) break;
    let cell = r[2];
    while (/\([^()]*\)/.test(cell)) cell = cell.replace(/\([^()]*\)/g, '');
    for (const m of cell.matchAll(/`([A-Za-z_$][\w$]*)`/g)) names.push(m[1]);
  }
  return names.sort();
}

test('the package exports exactly the README API table; ./stream only the streams; ./embed only connect; ./notes its row', async () => {
  const api = readmeApi();
  assert.ok(api.length >= 20, `API table parsed to ${api.length} names`);
  assert.deepEqual(Object.keys(await import('signet-crypto')).sort(), api);
  assert.deepEqual(Object.keys(await import('signet-crypto/stream')).sort(), ['decryptStream', 'encryptStream', 'prewarm']);
  // ./embed: the SDK for embedders, `connect` only (the README's embedding row names it).
  const embedRow = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8').split('\n').find((l) => l.startsWith('| embedding |'));
  assert.match(embedRow ?? '', /`signet-crypto\/embed` \(its one export `connect\(/);
  assert.deepEqual(Object.keys(await import('signet-crypto/embed')), ['connect']);
  // ./notes: the names its README row lists, each also in the main table.
  const notesRow = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8').split('\n').find((l) => l.startsWith('| notes entry |'));
  const notesNames = [...(/`signet-crypto\/notes` \(exports ([^()]*)\)/.exec(notesRow ?? '')?.[1] ?? '').matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]).sort();
  assert.ok(notesNames.length >= 10, `notes row parsed to ${notesNames.length} names`);
  assert.deepEqual(Object.keys(await import('signet-crypto/notes')).sort(), notesNames);
  for (const name of notesNames) assert.ok(api.includes(name), name);
  // Internals stay out of reach through the exports map.
  for (const sub of ['signet-crypto/stream-worker.js', 'signet-crypto/wasm/signet_crypto.js', 'signet-crypto/oneshot.js', 'signet-crypto/wasm/signet_notes.js', 'signet-crypto/notes-api.js']) {
    await assert.rejects(import(sub), (e) => e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED', sub);
  }
});

test('every browser entry of the exports map is a bundle with the Node entry\'s names; ./stream and ./bundler use the full bundle', async () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const browser = (entry) => join(pkgDir, pkg.exports[entry].browser ?? pkg.exports[entry].default);
  const same = async (entry, nodeName) =>
    assert.deepEqual(Object.keys(await import(browser(entry))).sort(), Object.keys(await import(nodeName)).sort(), entry);
  await same('.', 'signet-crypto');
  await same('./notes', 'signet-crypto/notes');
  await same('./stream', 'signet-crypto/stream');
  for (const file of ['index.min.js', 'notes.min.js', 'stream-worker.min.js']) {
    const text = readFileSync(join(pkgDir, file), 'utf8').replace(/import\.meta/g, '');
    assert.doesNotMatch(text, /\bimport\s*[\s{*"'(]|\bfrom\s*["']/, `${file} imports nothing`);
  }
  // One instance per page: the entries sharing the full module import its bundle only.
  for (const file of ['stream-browser.js', 'bundler.js']) {
    const specifiers = [...readFileSync(join(pkgDir, file), 'utf8').matchAll(/from\s*'([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(specifiers)], ['./index.min.js'], file);
  }
  assert.match(readFileSync(join(pkgDir, 'index.min.js'), 'utf8'), /new URL\("\.\/stream-worker\.min\.js",import\.meta\.url\)/);
});
