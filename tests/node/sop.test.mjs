// Conformance of `signet-sop` with the Stateless OpenPGP CLI
// (draft-dkg-openpgp-stateless-cli-16): each subcommand and option, each exit
// code we produce, @ENV:/@FD:, armored and binary inputs, the RFC 9580 and
// RFC 9980 sample data through the command line, and a streamed pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run, scratch, vectors, pipeRoundTrip, BIN } from './sop-harness.mjs';
import { packets } from '../../pkg/sop/packets.js';

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ([0-9A-F]{40}|[0-9A-F]{64}) ([0-9A-F]{40}|[0-9A-F]{64})( mode:(binary|text))?$/;
const text = (b) => b.toString('utf8');

function ok(r, what) {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function fails(r, code, what) {
  assert.equal(r.code, code, `${what}: expected exit ${code}, got ${r.code}: ${r.stderr}`);
  assert.equal(r.stdout.length, 0, `${what}: no output on failure`);
}

/** Top-level packet tags of binary data, and the SEIPD version. */
function shape(bin) {
  const ps = [...packets(new Uint8Array(bin))];
  return { tags: ps.map((p) => p.tag), seipd: ps.find((p) => p.tag === 18)?.body[0] };
}

test('signet-sop conformance', async (t) => {
  const s = scratch();
  const sop = (args, opts = {}) => run('ours', args, { cwd: s.dir, ...opts });
  const data = Buffer.from('Công văn số 12/2026\nline two\n');
  s.file('data', data);
  try {
    await t.test('version, list-profiles, unknown subcommands and options', () => {
      const v = text(ok(sop(['version']), 'version'));
      assert.match(v, /^signet-sop \d+\.\d+\.\d+\n$/);
      assert.match(text(ok(sop(['version', '--backend']), 'backend')), /^signet-crypto \d/);
      const ext = text(ok(sop(['version', '--extended']), 'extended')).split('\n');
      assert.equal(`${ext[0]}\n`, v);
      assert.ok(ext.some((l) => l.startsWith('pgp ')), 'extended names the OpenPGP crate');
      assert.equal(text(ok(sop(['version', '--sop-spec']), 'spec')).split('\n')[0], '~draft-dkg-openpgp-stateless-cli-16');
      assert.equal(text(ok(sop(['version', '--sopv']), 'sopv')), '1.0\n');
      fails(sop(['version', '--backend', '--extended']), 83, 'two version flags');
      const kp = text(ok(sop(['list-profiles', 'generate-key']), 'profiles')).trim().split('\n');
      assert.deepEqual(kp.map((l) => l.split(':')[0]), ['pqc', 'rfc9580', 'compat']);
      const ep = text(ok(sop(['list-profiles', 'encrypt']), 'profiles')).trim().split('\n');
      assert.deepEqual(ep.map((l) => l.split(':')[0]), ['rfc9580', 'seipdv2', 'compat']);
      fails(sop(['list-profiles', 'sign']), 89, 'list-profiles sign');
      fails(sop(['list-profiles']), 19, 'list-profiles without subcommand');
      fails(sop([]), 19, 'no subcommand');
      for (const sub of ['update-key', 'merge-certs', 'certify-userid', 'validate-userid', 'frobnicate']) {
        fails(sop([sub]), 69, sub);
      }
      fails(sop(['sign', '--frobnicate', 'k']), 37, 'unknown option');
      fails(sop(['armor', '--label=sig']), 37, 'armor --label (dropped from the draft)');
      fails(sop(['generate-key', '--profile=rsa4096', 'A']), 89, 'unknown key profile');
      fails(sop(['encrypt', '--profile=nope', '--with-password=data'], { input: data }), 89, 'unknown encrypt profile');
    });

    const keys = {};
    for (const profile of ['pqc', 'rfc9580', 'compat']) {
      await t.test(`${profile}: generate-key, extract-cert, encrypt/decrypt, sign/verify`, () => {
        const key = ok(sop(['generate-key', `--profile=${profile}`, '--', `Sop ${profile} <sop-${profile}@example.gov.vn>`]), 'generate-key');
        assert.match(text(key), /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
        const cert = ok(sop(['extract-cert'], { input: key }), 'extract-cert');
        assert.match(text(cert), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
        const bcert = ok(sop(['extract-cert', '--no-armor'], { input: key }), 'extract-cert --no-armor');
        assert.deepEqual(shape(bcert).tags[0], 6);
        s.file(`${profile}.key`, key);
        s.file(`${profile}.cert`, cert);
        s.file(`${profile}.bcert`, bcert);
        keys[profile] = { key: `${profile}.key`, cert: `${profile}.cert` };

        const msg = ok(sop(['encrypt', `${profile}.cert`], { input: data }), 'encrypt');
        assert.match(text(msg), /^-----BEGIN PGP MESSAGE-----/);
        assert.deepEqual(ok(sop(['decrypt', `${profile}.key`], { input: msg }), 'decrypt'), data);
        // Binary certificate in, binary message out.
        const bmsg = ok(sop(['encrypt', '--no-armor', `${profile}.bcert`], { input: data }), 'encrypt --no-armor');
        assert.equal(shape(bmsg).seipd, profile === 'compat' ? 1 : 2);
        assert.deepEqual(ok(sop(['decrypt', `${profile}.key`], { input: bmsg }), 'decrypt binary'), data);

        const sig = ok(sop(['sign', `${profile}.key`], { input: data }), 'sign');
        assert.match(text(sig), /^-----BEGIN PGP SIGNATURE-----/);
        s.file(`${profile}.sig`, sig);
        const lines = text(ok(sop(['verify', `${profile}.sig`, `${profile}.cert`], { input: data }), 'verify')).trim().split('\n');
        assert.equal(lines.length, 1);
        const m = lines[0].match(LINE);
        assert.ok(m, lines[0]);
        assert.equal(m[4], 'binary');
        fails(sop(['verify', `${profile}.sig`, `${profile}.cert`], { input: 'other data' }), 3, 'verify other data');
      });
    }

    await t.test('sign and verify options', () => {
      const { key, cert } = keys.rfc9580;
      fails(sop(['sign', '--as=text', key], { input: data }), 37, 'sign --as=text');
      fails(sop(['sign', '--as=mime', key], { input: data }), 37, 'sign --as=mime');
      fails(sop(['sign'], { input: data }), 19, 'sign without keys');
      fails(sop(['sign', cert], { input: data }), 41, 'sign with a certificate');
      fails(sop(['sign', 'missing.key'], { input: data }), 61, 'sign with a missing file');
      const bsig = ok(sop(['sign', '--no-armor', '--micalg-out=micalg', key], { input: data }), 'sign --no-armor');
      assert.equal(shape(bsig).tags[0], 2);
      assert.match(text(s.read('micalg')), /^pgp-sha(256|384|512|3-256|3-512)$/);
      fails(sop(['sign', '--micalg-out=micalg', key], { input: data }), 59, 'micalg-out exists');
      s.file('b.sig', bsig);
      // Binary KEYS too.
      s.file('b.key', ok(sop(['dearmor'], { input: s.read(key) }), 'dearmor key'));
      s.file('b2.sig', ok(sop(['sign', 'b.key'], { input: data }), 'sign with a binary key'));
      ok(sop(['verify', 'b2.sig', cert], { input: data }), 'verify signature by binary key');
      // A reader that stops early: exit without a stack trace.
      const early = run('bash', ['-c', `head -c 4000000 /dev/zero | '${process.execPath}' '${BIN}' encrypt --with-password=@ENV:PW | head -c 10 >/dev/null`], { cwd: s.dir, env: { PW: 'pw' } });
      assert.doesNotMatch(early.stderr, /at |Error/, early.stderr);
      ok(sop(['verify', 'b.sig', cert], { input: data }), 'verify binary signature');
      // Two signers; verify with both certificates -> two lines.
      const two = ok(sop(['sign', keys.rfc9580.key, keys.compat.key], { input: data }), 'sign with two keys');
      s.file('two.sig', two);
      assert.equal(text(ok(sop(['verify', 'two.sig', cert, keys.compat.cert], { input: data }), 'verify two')).trim().split('\n').length, 2);
      assert.equal(text(ok(sop(['verify', 'two.sig', keys.compat.cert], { input: data }), 'verify one of two')).trim().split('\n').length, 1);
      fails(sop(['verify', 'b.sig', keys.pqc.cert], { input: data }), 3, 'verify with another certificate');
      fails(sop(['verify', 'b.sig'], { input: data }), 19, 'verify without certs');
      fails(sop(['verify', 'b.sig', key], { input: data }), 41, 'verify with a secret key as cert');
      fails(sop(['verify', '--not-after=2000-01-01T00:00:00Z', 'b.sig', cert], { input: data }), 3, 'not-after in the past');
      fails(sop(['verify', '--not-before=2999-01-01T00:00:00Z', '--not-after=-', 'b.sig', cert], { input: data }), 3, 'not-before in the future');
      ok(sop(['verify', '--not-before=-', '--not-after=now', 'b.sig', cert], { input: data }), 'open window');
      fails(sop(['verify', '--not-before=yesterday', 'b.sig', cert], { input: data }), 1, 'bad date');
      s.file('junk.sig', 'not a signature');
      fails(sop(['verify', 'junk.sig', cert], { input: data }), 41, 'malformed signature');
    });

    await t.test('inline-sign, inline-verify, inline-detach', () => {
      const { key, cert } = keys.rfc9580;
      const signed = ok(sop(['inline-sign', key], { input: data }), 'inline-sign');
      assert.match(text(signed), /^-----BEGIN PGP MESSAGE-----/);
      assert.deepEqual(ok(sop(['inline-verify', '--verifications-out=ver', cert], { input: signed }), 'inline-verify'), data);
      assert.match(text(s.read('ver')).trim(), LINE);
      fails(sop(['inline-verify', keys.pqc.cert], { input: signed }), 3, 'inline-verify other cert');
      fails(sop(['inline-verify', '--not-after=2001-01-01T00:00:00Z', cert], { input: signed }), 3, 'inline-verify not-after');
      fails(sop(['inline-verify', '--not-before=2999-01-01T00:00:00Z', '--not-after=-', cert], { input: signed }), 3, 'inline-verify not-before');
      fails(sop(['inline-verify', '--verifications-out=ver', cert], { input: signed }), 59, 'verifications-out exists');
      fails(sop(['inline-verify'], { input: signed }), 19, 'inline-verify without certs');
      fails(sop(['inline-sign', '--as=clearsigned', key], { input: data }), 37, 'clearsigned');
      fails(sop(['inline-sign', '--as=text', key], { input: data }), 37, 'text');
      const bsigned = ok(sop(['inline-sign', '--no-armor', key], { input: data }), 'inline-sign --no-armor');
      assert.deepEqual(shape(bsigned).tags, [4, 11, 2]);
      // One flipped octet of the literal data: no good signature.
      const bad = Buffer.from(bsigned);
      const lit = [...packets(new Uint8Array(bad))].find((p) => p.tag === 11);
      bad[lit.end - 1] ^= 1;
      fails(sop(['inline-verify', cert], { input: bad }), 3, 'tampered inline-signed');
      // Detach: the data and signatures that verify with `verify`.
      assert.deepEqual(ok(sop(['inline-detach', '--signatures-out=det.sig'], { input: signed }), 'inline-detach'), data);
      assert.match(text(s.read('det.sig')), /^-----BEGIN PGP SIGNATURE-----/);
      ok(sop(['verify', 'det.sig', cert], { input: data }), 'verify detached from inline');
      assert.deepEqual(ok(sop(['inline-detach', '--no-armor', '--signatures-out=det2.sig'], { input: bsigned }), 'inline-detach binary'), data);
      assert.equal(s.read('det2.sig')[0] & 0x80, 0x80);
      fails(sop(['inline-detach'], { input: signed }), 19, 'inline-detach without --signatures-out');
      fails(sop(['inline-detach', '--signatures-out=det.sig'], { input: signed }), 59, 'signatures-out exists');
      fails(sop(['inline-detach', '--signatures-out=det3.sig'], { input: data }), 41, 'inline-detach of plain data');
    });

    await t.test('key passwords: generate-key, change-key-password, extract-cert, signing-only', () => {
      s.file('pw1', 'mật khẩu một\n');
      s.file('pw2', 'second password');
      // A key made protected by generate-key.
      const made = ok(sop(['generate-key', '--profile=rfc9580', '--with-key-password=pw1', 'Made <made@example.gov.vn>']), 'generate protected');
      s.file('made.key', made);
      fails(sop(['sign', 'made.key'], { input: data }), 67, 'sign with a locked key');
      fails(sop(['sign', '--with-key-password=pw2', 'made.key'], { input: data }), 67, 'wrong key password');
      // The password file's trailing newline was stripped when the key was made.
      ok(sop(['sign', '--with-key-password=pw1', 'made.key'], { input: data }), 'sign with key password');
      // extract-cert of a locked key: its public packets, checked by the package.
      s.file('made.cert', ok(sop(['extract-cert'], { input: made }), 'extract-cert of a locked key'));
      s.file('made.sig', ok(sop(['sign', '--with-key-password=pw1', 'made.key'], { input: data }), 'sign'));
      ok(sop(['verify', 'made.sig', 'made.cert'], { input: data }), 'verify with the certificate of a locked key');
      const toMade = ok(sop(['encrypt', 'made.cert'], { input: data }), 'encrypt to it');
      assert.deepEqual(ok(sop(['decrypt', '--with-key-password=pw1', 'made.key'], { input: toMade }), 'decrypt'), data);
      // A plain key, protected by change-key-password; its certificate taken before.
      const plain = ok(sop(['generate-key', '--profile=rfc9580', 'Locked <locked@example.gov.vn>']), 'generate');
      s.file('locked.cert', ok(sop(['extract-cert'], { input: plain }), 'cert'));
      const key = ok(sop(['change-key-password', '--new-key-password=pw1'], { input: plain }), 'protect');
      s.file('locked.key', key);
      assert.deepEqual(ok(sop(['extract-cert', '--no-armor'], { input: key }), 'cert of the protected key'),
        ok(sop(['dearmor'], { input: s.read('locked.cert') }), 'dearmor'), 'the same certificate locked or not');
      fails(sop(['sign', 'locked.key'], { input: data }), 67, 'sign with the protected key');
      s.file('locked.sig', ok(sop(['sign', '--with-key-password=pw1', 'locked.key'], { input: data }), 'sign'));
      ok(sop(['verify', 'locked.sig', 'locked.cert'], { input: data }), 'verify locked key signature');
      const changed = ok(sop(['change-key-password', '--old-key-password=pw2', '--old-key-password=pw1', '--new-key-password=pw2'], { input: key }), 'change-key-password');
      s.file('changed.key', changed);
      fails(sop(['sign', '--with-key-password=pw1', 'changed.key'], { input: data }), 67, 'old password after change');
      s.file('changed.sig', ok(sop(['sign', '--with-key-password=pw2', 'changed.key'], { input: data }), 'new password after change'));
      ok(sop(['verify', 'changed.sig', 'locked.cert'], { input: data }), 'same key after the change');
      fails(sop(['change-key-password', '--old-key-password=pw1'], { input: key }), 19, 'removing the password');
      fails(sop(['change-key-password', '--old-key-password=pw2', '--new-key-password=pw1'], { input: key }), 67, 'wrong old password');
      const msg = ok(sop(['encrypt', 'locked.cert'], { input: data }), 'encrypt to locked');
      fails(sop(['decrypt', 'locked.key'], { input: msg }), 67, 'decrypt with a locked key');
      assert.deepEqual(ok(sop(['decrypt', '--with-key-password=pw1', 'locked.key'], { input: msg }), 'decrypt with key password'), data);
      // Signing-only keys: no encryption subkey.
      for (const profile of ['pqc', 'compat']) {
        const so = ok(sop(['generate-key', '--signing-only', `--profile=${profile}`, 'Signer <s@example.gov.vn>']), 'signing-only');
        s.file(`so-${profile}.key`, so);
        s.file(`so-${profile}.cert`, ok(sop(['extract-cert'], { input: so }), 'extract-cert signing-only'));
        assert.ok(!shape(ok(sop(['dearmor'], { input: so }), 'dearmor')).tags.includes(7), 'no secret subkey');
        fails(sop(['encrypt', `so-${profile}.cert`], { input: data }), 17, 'encrypt to a signing-only cert');
        s.file(`so-${profile}.sig`, ok(sop(['sign', `so-${profile}.key`], { input: data }), 'sign signing-only'));
        ok(sop(['verify', `so-${profile}.sig`, `so-${profile}.cert`], { input: data }), 'verify signing-only');
      }
      fails(sop(['generate-key', '--with-key-password=@ENV:SIGNET_SOP_UNSET', 'A']), 61, 'unset variable');
      const nonUtf8 = s.file('pw-latin1', Buffer.from([0x6d, 0xe2, 0x74, 0xff]));
      fails(sop(['generate-key', `--with-key-password=${nonUtf8}`, 'A']), 31, 'non-UTF-8 key password');
      // SOP allows keys without user IDs; the package requires one (docs/sop.md).
      fails(sop(['generate-key', '--profile=rfc9580']), 19, 'generate-key without user ID');
    });

    await t.test('revoke-key', () => {
      // A protected key (pw1 from the previous test) and two plain ones in one input.
      const made = s.read('made.key');
      fails(sop(['revoke-key'], { input: made }), 67, 'revoke-key of a locked key');
      fails(sop(['revoke-key', '--with-key-password=pw2'], { input: made }), 67, 'wrong key password');
      fails(sop(['revoke-key'], { input: s.read('made.cert') }), 41, 'revoke-key of a certificate');
      const rev = ok(sop(['revoke-key', '--with-key-password=pw1'], { input: made }), 'revoke-key');
      assert.match(text(rev), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      s.file('made.rev', rev);
      // A revoked certificate: no recipient, no good signature (not even an earlier one).
      fails(sop(['encrypt', 'made.rev'], { input: data }), 17, 'encrypt to a revoked certificate');
      fails(sop(['verify', 'made.sig', 'made.rev'], { input: data }), 3, 'verify with a revoked certificate');
      ok(sop(['verify', 'made.sig', 'made.cert'], { input: data }), 'the certificate before revocation still verifies');
      const two = Buffer.concat([s.read(keys.compat.key), s.read(keys.pqc.key)]);
      const both = ok(sop(['revoke-key', '--no-armor'], { input: two }), 'revoke-key of two keys, binary');
      const tags = shape(both).tags;
      assert.equal(tags.filter((x) => x === 6).length, 2, 'two certificates');
      assert.ok(!tags.includes(5) && !tags.includes(7), 'no secret key material');
      s.file('two.rev', both);
      fails(sop(['encrypt', 'two.rev'], { input: data }), 17, 'encrypt to revoked certificates');
    });

    await t.test('encrypt and decrypt options, session keys, @ENV: and @FD:', () => {
      const { key, cert } = keys.pqc;
      s.file('password', 'correct horse battery staple\n');
      s.file('wrong', 'Tr0ub4dor&3');
      const pmsg = ok(sop(['encrypt', '--with-password=password'], { input: data }), 'encrypt --with-password');
      assert.deepEqual(shape(ok(sop(['dearmor'], { input: pmsg }), 'dearmor')).tags, [3, 18]);
      assert.deepEqual(ok(sop(['decrypt', '--with-password=password'], { input: pmsg }), 'decrypt --with-password'), data);
      assert.deepEqual(ok(sop(['decrypt', '--with-password=@ENV:SOP_PW'], { input: pmsg, env: { SOP_PW: 'correct horse battery staple' } }), 'decrypt @ENV:'), data);
      fails(sop(['decrypt', '--with-password=wrong'], { input: pmsg }), 29, 'wrong password');
      fails(sop(['decrypt', '--with-password=missing'], { input: pmsg }), 61, 'missing password file');
      // @FD: as input and output.
      const fdIn = openSync(s.path('password'), 'r');
      const fdOut = openSync(s.path('sk-fd'), 'w');
      try {
        assert.deepEqual(ok(sop(['decrypt', '--with-password=@FD:3', '--session-key-out=@FD:4'], { input: pmsg, stdio: [fdIn, fdOut] }), 'decrypt @FD:'), data);
      } finally {
        closeSync(fdIn);
        closeSync(fdOut);
      }
      assert.match(text(s.read('sk-fd')), /^9:[0-9A-F]{64}\n$/);
      fails(sop(['decrypt', '--with-password=@FOO:x'], { input: pmsg }), 71, 'unknown designator');
      fails(sop(['decrypt', '--with-password=password', '--session-key-out=@ENV:X'], { input: pmsg }), 71, '@ENV: as output');
      s.file('@ENV:SOP_PW', 'a file with a designator name');
      fails(sop(['decrypt', '--with-password=@ENV:SOP_PW'], { input: pmsg, env: { SOP_PW: 'x' } }), 73, 'ambiguous designator');

      // Session keys: out, then in (also for a public-key message).
      const msg = ok(sop(['encrypt', '--sign-with', keys.rfc9580.key, cert], { input: data }), 'encrypt --sign-with');
      assert.deepEqual(ok(sop(['decrypt', '--session-key-out=sk', key], { input: msg }), 'decrypt --session-key-out'), data);
      const sk = text(s.read('sk'));
      assert.match(sk, /^9:[0-9A-F]{64}\n$/);
      fails(sop(['decrypt', '--session-key-out=sk', key], { input: msg }), 59, 'session-key-out exists');
      assert.deepEqual(ok(sop(['decrypt', '--with-session-key=sk'], { input: msg }), 'decrypt --with-session-key'), data);
      assert.deepEqual(ok(sop(['decrypt', '--with-session-key=@ENV:SK'], { input: msg, env: { SK: sk.trim().toLowerCase() } }), 'lowercase session key'), data);
      s.file('sk-wrong', `9:${'00'.repeat(32)}`);
      fails(sop(['decrypt', '--with-session-key=sk-wrong'], { input: msg }), 29, 'wrong session key');
      assert.deepEqual(ok(sop(['decrypt', '--with-session-key=sk-wrong', key], { input: msg }), 'wrong session key, then the key'), data);
      s.file('sk-junk', 'nine:abc');
      fails(sop(['decrypt', '--with-session-key=sk-junk'], { input: msg }), 41, 'malformed session key');

      // Verification inside decryption.
      const dec = sop(['decrypt', '--verify-with', keys.rfc9580.cert, '--verifications-out=v1', key], { input: msg });
      assert.deepEqual(ok(dec, 'decrypt --verify-with'), data);
      const vl = text(s.read('v1')).trim().split('\n');
      assert.equal(vl.length, 1);
      assert.match(vl[0], LINE);
      ok(sop(['decrypt', '--verify-with', keys.compat.cert, '--verifications-out=v2', key], { input: msg }), 'decrypt, other verifier');
      assert.equal(text(s.read('v2')), '', 'no verification from a cert that did not sign');
      ok(sop(['decrypt', '--verify-with', keys.rfc9580.cert, '--verify-not-after=2000-01-01T00:00:00Z', '--verifications-out=v3', key], { input: msg }), 'window');
      assert.equal(text(s.read('v3')), '');
      ok(sop(['decrypt', '--verify-with', keys.rfc9580.cert, '--verify-not-before=2999-01-01T00:00:00Z', '--verify-not-after=-', '--verifications-out=v6', key], { input: msg }), 'window');
      assert.equal(text(s.read('v6')), '');
      fails(sop(['decrypt', '--verify-with', keys.rfc9580.cert, key], { input: msg }), 23, 'verify-with without verifications-out');
      fails(sop(['decrypt', '--verifications-out=v4', key], { input: msg }), 23, 'verifications-out without verify-with');
      fails(sop(['decrypt', '--with-session-key=sk', '--verify-with', keys.rfc9580.cert, '--verifications-out=v5'], { input: msg }), 37, 'session key + verify-with');

      fails(sop(['decrypt', keys.compat.key], { input: msg }), 29, 'not a recipient');
      fails(sop(['decrypt'], { input: msg }), 19, 'decrypt without keys');
      fails(sop(['decrypt', cert], { input: msg }), 41, 'decrypt with a certificate');
      fails(sop(['decrypt', key], { input: 'not a message' }), 41, 'decrypt garbage');
      const tampered = Buffer.from(ok(sop(['dearmor'], { input: msg }), 'dearmor'));
      tampered[tampered.length - 20] ^= 0x40;
      assert.notEqual(sop(['decrypt', key], { input: tampered }).code, 0, 'tampered message');
      fails(sop(['encrypt'], { input: data }), 19, 'encrypt to nobody');
      fails(sop(['encrypt', key], { input: data }), 41, 'encrypt to a secret key');
      fails(sop(['encrypt', '--as=text', cert], { input: data }), 37, 'encrypt --as=text');
      // encrypt --session-key-out: the key decrypt finds and accepts.
      for (const [c, profile] of [[cert, 'rfc9580'], [keys.compat.cert, 'compat']]) {
        const out = `esk-${profile}`;
        const m = ok(sop(['encrypt', `--session-key-out=${out}`, `--profile=${profile}`, c], { input: data }), 'encrypt --session-key-out');
        const esk = text(s.read(out));
        assert.match(esk, /^(7|9):([0-9A-F]{32}|[0-9A-F]{64})\n$/);
        assert.deepEqual(ok(sop(['decrypt', `--with-session-key=${out}`], { input: m }), 'decrypt --with-session-key'), data);
        const found = `found-${profile}`;
        ok(sop(['decrypt', `--session-key-out=${found}`, c === cert ? key : keys.compat.key], { input: m }), 'decrypt --session-key-out');
        assert.equal(text(s.read(found)), esk);
        fails(sop(['encrypt', `--session-key-out=${out}`, c], { input: data }), 59, 'session-key-out exists');
      }
      const signedSk = ok(sop(['encrypt', '--session-key-out=esk-signed', '--sign-with', keys.rfc9580.key, cert], { input: data }), 'encrypt --sign-with --session-key-out');
      assert.deepEqual(ok(sop(['decrypt', '--with-session-key=esk-signed'], { input: signedSk }), 'signed, with session key'), data);
      fails(sop(['encrypt', `--with-password=${s.file('pw-bin', Buffer.from([0xc3, 0x28]))}`], { input: data }), 31, 'non-UTF-8 password');
      fails(sop(['encrypt', '--sign-with', keys.rfc9580.cert, cert], { input: data }), 41, 'sign-with a certificate');
      // Profiles: compat forces SEIPDv1, seipdv2 forces v2 even for a v4 recipient.
      // RFC 9980: post-quantum recipients need SEIPDv2.
      fails(sop(['encrypt', '--profile=compat', cert], { input: data }), 89, 'profile compat for a PQ recipient');
      const v1 = ok(sop(['encrypt', '--no-armor', '--profile=compat', keys.rfc9580.cert], { input: data }), 'profile compat');
      assert.equal(shape(v1).seipd, 1);
      assert.deepEqual(ok(sop(['decrypt', keys.rfc9580.key], { input: v1 }), 'decrypt SEIPDv1'), data);
      const v2 = ok(sop(['encrypt', '--no-armor', '--profile=seipdv2', keys.compat.cert], { input: data }), 'profile seipdv2');
      assert.equal(shape(v2).seipd, 2);
      assert.deepEqual(ok(sop(['decrypt', keys.compat.key], { input: v2 }), 'decrypt SEIPDv2 for v4'), data);
      ok(sop(['decrypt', '--session-key-out=sk-v1', keys.rfc9580.key], { input: v1 }), 'session key of SEIPDv1');
      assert.match(text(s.read('sk-v1')), /^(7|9):[0-9A-F]+\n$/);
      assert.deepEqual(ok(sop(['decrypt', '--with-session-key=sk-v1'], { input: v1 }), 'SEIPDv1 with session key'), data);
    });

    await t.test('keys GnuPG made: 79 (cannot sign), 17, 13 (Elgamal recipient)', (tt) => {
      const gpgOk = (() => {
        try {
          return execFileSync('gpg', ['--version']).length > 0;
        } catch {
          return false;
        }
      })();
      if (!gpgOk) {
        if (process.env.SIGNET_REQUIRE_PEERS === '1') assert.fail('gpg not found but SIGNET_REQUIRE_PEERS=1');
        tt.skip('gpg not found');
        return;
      }
      const home = scratch();
      try {
        const g = (...a) => execFileSync('gpg', ['--homedir', home.dir, '--batch', '--quiet', '--passphrase', '', ...a], { stdio: ['ignore', 'pipe', 'ignore'] });
        // A certification-only primary key without subkeys.
        g('--quick-gen-key', 'Cert only <c@example.gov.vn>', 'ed25519', 'cert', 'never');
        s.file('conly.key', g('--export-secret-keys', '--armor'));
        s.file('conly.cert', g('--export', '--armor'));
        fails(sop(['sign', 'conly.key'], { input: data }), 79, 'sign with a certification-only key');
        fails(sop(['inline-sign', 'conly.key'], { input: data }), 79, 'inline-sign with it');
        fails(sop(['encrypt', 'conly.cert'], { input: data }), 17, 'encrypt to it');
        // DSA + Elgamal: parsed, but the package does not encrypt to Elgamal.
        g('--quick-gen-key', 'Elg <e@example.gov.vn>', 'dsa2048', 'sign', 'never');
        const fpr = g('--with-colons', '--list-keys', 'Elg').toString().match(/^fpr:+([0-9A-F]+):/m)[1];
        g('--quick-add-key', fpr, 'elg2048', 'encr', 'never');
        s.file('elg.cert', g('--export', '--armor', fpr));
        fails(sop(['encrypt', 'elg.cert'], { input: data }), 13, 'encrypt to an Elgamal subkey');
      } finally {
        execFileSync('gpgconf', ['--homedir', home.dir, '--kill', 'all'], { stdio: 'ignore' });
        home.cleanup();
      }
    });

    await t.test('armor and dearmor', () => {
      const { cert } = keys.rfc9580;
      const armored = s.read(cert);
      const bin = ok(sop(['dearmor'], { input: armored }), 'dearmor');
      assert.equal(shape(bin).tags[0], 6);
      assert.deepEqual(ok(sop(['dearmor'], { input: bin }), 'dearmor binary'), bin);
      const again = ok(sop(['armor'], { input: bin }), 'armor');
      assert.match(text(again), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      assert.deepEqual(ok(sop(['dearmor'], { input: again }), 'round trip'), bin);
      assert.deepEqual(ok(sop(['armor'], { input: again }), 'armor is idempotent'), again);
      const sig = ok(sop(['armor'], { input: ok(sop(['dearmor'], { input: s.read('rfc9580.sig') }), 'sig') }), 'armor sig');
      assert.match(text(sig), /^-----BEGIN PGP SIGNATURE-----/);
      const msg = ok(sop(['armor'], { input: ok(sop(['encrypt', '--no-armor', cert], { input: data }), 'enc') }), 'armor msg');
      assert.match(text(msg), /^-----BEGIN PGP MESSAGE-----/);
      fails(sop(['armor'], { input: 'plain text' }), 41, 'armor of non-OpenPGP data');
      fails(sop(['dearmor'], { input: '-----BEGIN PGP MESSAGE-----\n\n!!!!\n-----END PGP MESSAGE-----\n' }), 41, 'bad base64');
      fails(sop(['dearmor'], { input: '-----BEGIN PGP MESSAGE-----\n\nwV4D\n' }), 41, 'armor without end');
    });

    await t.test('RFC 9580 and RFC 9980 sample data through the CLI', (tt) => {
      const rfc = path.join(vectors, 'rfc9980');
      if (!existsSync(rfc)) {
        if (process.env.SIGNET_REQUIRE_PEERS === '1') assert.fail(`vectors not found at ${vectors}`);
        tt.skip(`vectors not found at ${vectors}`);
        return;
      }
      const names = readdirSync(rfc);
      const stems = [...new Set(names.map((n) => n.split('-sample-')[0]))];
      let messages = 0;
      let signatures = 0;
      for (const st of stems) {
        const sk = path.join(rfc, `${st}-sample-sk.asc`);
        const pk = path.join(rfc, `${st}-sample-pk.asc`);
        if (names.includes(`${st}-sample-message.asc`)) {
          const m = readFileSync(path.join(rfc, `${st}-sample-message.asc`));
          const r = sop(['decrypt', '--verify-with', pk, `--verifications-out=ver-${st}`, '--session-key-out', `sk-${st}`, sk], { input: m });
          assert.equal(text(ok(r, st)), 'Testing\n', st);
          const lines = text(s.read(`ver-${st}`)).trim().split('\n');
          assert.ok(lines.length >= 1 && lines.every((l) => LINE.test(l)), `${st}: ${lines}`);
          assert.equal(text(ok(sop(['decrypt', `--with-session-key=sk-${st}`], { input: m }), `${st} session key`)), 'Testing\n');
          messages++;
        }
        if (names.includes(`${st}-sample-signature.asc`)) {
          const sig = path.join(rfc, `${st}-sample-signature.asc`);
          assert.match(text(ok(sop(['verify', sig, pk], { input: 'Testing\n' }), st)).trim(), LINE);
          fails(sop(['verify', sig, pk], { input: 'Testing?\n' }), 3, `${st} other data`);
          signatures++;
        }
        // Every sample certificate round-trips through dearmor/armor.
        const b = ok(sop(['dearmor'], { input: readFileSync(pk) }), 'dearmor');
        assert.deepEqual(ok(sop(['dearmor'], { input: ok(sop(['armor'], { input: b }), 'armor') }), 'dearmor'), b);
      }
      assert.ok(messages >= 4 && signatures >= 5, `messages ${messages}, signatures ${signatures}`);
      // RFC 9580 Appendix A.9-A.11: SKESKv6 + SEIPDv2 with EAX, GCM, OCB.
      s.file('rfcpw', 'password');
      for (const mode of ['eax', 'gcm', 'ocb']) {
        const m = readFileSync(path.join(vectors, 'rfc9580-aead', `${mode}.msg`));
        assert.equal(text(ok(sop(['decrypt', '--with-password=rfcpw', `--session-key-out=sk-${mode}`], { input: m }), mode)), 'Hello, world!');
        assert.match(text(s.read(`sk-${mode}`)), /^7:[0-9A-F]{32}\n$/, `${mode}: AES-128 per the RFC sample`);
        assert.equal(text(ok(sop(['decrypt', `--with-session-key=sk-${mode}`], { input: m }), mode)), 'Hello, world!');
        fails(sop(['decrypt', '--with-password=wrong'], { input: m }), 29, `${mode} wrong password`);
      }
    });

    await t.test('64 MiB encrypt | decrypt through pipes, bounded memory', async () => {
      const mib = Number(process.env.SIGNET_SOP_PIPE_MIB ?? 64);
      // The baseline runs 16 MiB: below that the heap has not reached its steady size.
      const base = await pipeRoundTrip(16 << 20, ['encrypt', '--no-armor', keys.rfc9580.cert], ['decrypt', keys.rfc9580.key], s.dir);
      const r = await pipeRoundTrip(mib << 20, ['encrypt', '--no-armor', keys.rfc9580.cert], ['decrypt', keys.rfc9580.key], s.dir);
      assert.equal(r.bytesOut, mib << 20);
      assert.equal(r.digestOut, r.digestIn);
      // Streaming: the peak grows by far less than the data (a buffering
      // implementation would hold the whole input at least once).
      const grow = Math.max(r.encPeakKiB - base.encPeakKiB, r.decPeakKiB - base.decPeakKiB);
      console.log(`# sop pipe ${mib} MiB: ${(r.ms / 1000).toFixed(1)} s (loaded machine, rough); peak RSS encrypt ${(r.encPeakKiB / 1024).toFixed(0)} MiB, decrypt ${(r.decPeakKiB / 1024).toFixed(0)} MiB; 16 MiB run ${(base.encPeakKiB / 1024).toFixed(0)} / ${(base.decPeakKiB / 1024).toFixed(0)} MiB`);
      assert.ok(grow < (mib << 10) / 2, `peak RSS grew by ${grow} KiB for ${mib} MiB`);
    });

    await t.test('the packed package installs the signet-sop bin', () => {
      const npmDir = scratch();
      try {
        const npm = (...a) => execFileSync('npm', a, { cwd: npmDir.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        writeFileSync(path.join(npmDir.dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
        const tgz = npm('pack', path.dirname(path.dirname(BIN)), '--silent').trim().split('\n').pop();
        npm('install', '--no-audit', '--no-fund', '--offline', path.join(npmDir.dir, tgz));
        const bin = path.join(npmDir.dir, 'node_modules/.bin/signet-sop');
        assert.match(execFileSync(bin, ['version'], { encoding: 'utf8' }), /^signet-sop /);
        const cert = execFileSync(bin, ['extract-cert'], { input: s.read(keys.compat.key) });
        assert.deepEqual(cert, s.read(keys.compat.cert));
      } finally {
        npmDir.cleanup();
      }
    });
  } finally {
    s.cleanup();
  }
});
