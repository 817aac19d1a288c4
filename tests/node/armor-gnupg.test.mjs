// Armored output that GnuPG 2.2 reads: SEIPDv1 messages (one-shot and streamed)
// and signatures by v4 keys carry the CRC24 footer. Without it GnuPG 2.2 takes the
// `-----END` line for base64 whenever the last line ends without `=` padding, and
// refuses one armored message in three ("invalid radix64 character 2D"). Lengths
// 0..5 cover every padding case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as s from 'signet-crypto';
import { gpgWithKey } from './stream-peers.mjs';

const haveGpg = spawnSync('gpg', ['--version']).status === 0;
const skip = !haveGpg && process.env.SIGNET_REQUIRE_PEERS !== '1' ? 'gpg not found' : false;
const CRC_LINE = /\n=[A-Za-z0-9+/]{4}\n-----END PGP (MESSAGE|SIGNATURE)-----\n$/;

async function collect(stream) {
  const parts = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('GnuPG 2.2 reads every armored SEIPDv1 message and v4 signature we write', { skip, timeout: 120_000 }, async () => {
  const { privateKey, publicKey } = await s.generateKey({ userIds: ['Armor <armor@tinh.gov.vn>'], passphrase: 'pw', profile: 'compat' });
  const key = await s.unlockKey(privateKey, 'pw');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signet-armor-'));
  try {
    for (let n = 0; n < 6; n++) {
      const data = 'x'.repeat(n);
      const oneShot = await s.encrypt({ data, encryptionKeys: [publicKey] });
      const streamed = await collect(await s.encryptStream({ data: new Blob([data]).stream(), encryptionKeys: [publicKey], armor: true }));
      for (const [what, msg] of [['one-shot', oneShot], ['stream', streamed]]) {
        assert.match(msg, CRC_LINE, `${what} ${n}: CRC24 footer`);
        const out = gpgWithKey(privateKey, ['--passphrase', 'pw', '--decrypt'], msg);
        assert.equal(Buffer.from(out).toString(), data, `${what} ${n}: GnuPG decrypts it`);
      }
      const sig = await s.sign({ data, signingKeys: [key], detached: true });
      assert.match(sig, CRC_LINE, `signature ${n}: CRC24 footer`);
      writeFileSync(path.join(dir, 'data'), data);
      writeFileSync(path.join(dir, 'data.asc'), sig);
      gpgWithKey(privateKey, ['--verify', path.join(dir, 'data.asc'), path.join(dir, 'data')]);
    }
    // SEIPDv2 output (not for GnuPG 2.2) keeps RFC 9580's default: no footer.
    const v6 = await s.generateKey({ userIds: ['V6 <v6@tinh.gov.vn>'], passphrase: 'pw', profile: 'rfc9580' });
    assert.doesNotMatch(await s.encrypt({ data: 'abc', encryptionKeys: [v6.publicKey] }), CRC_LINE);
  } finally {
    key.free();
    rmSync(dir, { recursive: true, force: true });
  }
});
