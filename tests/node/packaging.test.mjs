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
      await s.init();
      const k = await s.generateKey({ userIds: ['a <a@example.org>'], profile: 'rfc9580' });
      const key = await s.unlockKey(k.privateKey);
      const message = await s.encrypt({ data: 'xin chào', encryptionKeys: [k.publicKey] });
      const { data } = await s.decrypt({ message, decryptionKeys: [key] });
      console.log(JSON.stringify({ text: new TextDecoder().decode(data), stream: typeof encryptStream,
        version: s.getVersion().package }));
    `);
    const out = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: dir, encoding: 'utf8' }).trim());
    assert.deepEqual(out, { text: 'xin chào', stream: 'function', version });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
