// OpenPGP through the built package in every engine: generate, encrypt,
// decrypt, sign, verify, and typed errors, on the page's main thread.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

forEachEngine(({ h, test, engine }) => {
  test('pgp round trip for every profile', async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const results = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const out = [];
      for (const profile of ['pqc', 'rfc9580', 'compat']) {
        const t0 = performance.now();
        const k = await s.generateKey({ userIds: ['Trình duyệt <b@example.gov.vn>'], profile, passphrase: 'pw' });
        const genMs = performance.now() - t0;
        const info = await s.readKey(k.publicKey);
        const key = await s.unlockKey(k.privateKey, 'pw');
        let badCode = null;
        try { await s.unlockKey(k.privateKey, 'nope'); } catch (e) { badCode = e.code; }
        const data = new Uint8Array(1 << 20);
        crypto.getRandomValues(data.subarray(0, 65536));
        let t = performance.now();
        const ct = await s.encrypt({ data, encryptionKeys: [k.publicKey], signingKeys: [key], armor: false });
        const encMs = performance.now() - t;
        t = performance.now();
        const pt = await s.decrypt({ message: ct, decryptionKeys: [key], verificationKeys: [k.publicKey] });
        const decMs = performance.now() - t;
        const same = pt.data.length === data.length && pt.data.every((b, i) => b === data[i]);
        const tampered = ct.slice();
        tampered[tampered.length - 3] ^= 4;
        let tamperCode = null;
        try { await s.decrypt({ message: tampered, decryptionKeys: [key] }); } catch (e) { tamperCode = e.code; }
        const sig = await s.sign({ data: 'văn bản', signingKeys: [key], detached: true });
        const ok = await s.verify({ data: 'văn bản', signature: sig, verificationKeys: [k.publicKey] });
        const bad = await s.verify({ data: 'văn bản!', signature: sig, verificationKeys: [k.publicKey] });
        key.free();
        out.push({
          profile, fp: k.fingerprint, infoFp: info.fingerprint, pq: info.isPostQuantum, badCode,
          same, sigValid: pt.signatures[0]?.valid, tamperCode, ok: ok.valid, bad: bad.valid,
          genMs, encMs, decMs,
        });
      }
      return out;
    });
    for (const r of results) {
      console.log(`# ${engine} ${r.profile}: generateKey ${r.genMs.toFixed(0)} ms (incl. passphrase S2K), `
        + `encrypt+sign 1 MiB ${r.encMs.toFixed(0)} ms, decrypt+verify 1 MiB ${r.decMs.toFixed(0)} ms`);
      assert.equal(r.fp, r.infoFp);
      assert.equal(r.pq, r.profile === 'pqc');
      assert.equal(r.badCode, 'BAD_PASSPHRASE');
      assert.equal(r.same, true, r.profile);
      assert.equal(r.sigValid, true, r.profile);
      assert.equal(r.tamperCode, 'DECRYPTION_FAILED', r.profile);
      assert.equal(r.ok, true);
      assert.equal(r.bad, false);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('SEIPDv1 decryption shares its AES with the stream worker', async (t) => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    // 2 MiB + 5 from GnuPG (SEIPDv1, compressed): the peer's framing, not only
    // ours. Random, so that compression leaves it above the parallel threshold.
    const { randomBytes } = await import('node:crypto');
    const data = new Uint8Array(randomBytes((2 << 20) + 5));
    let gpgMsg = null;
    if (spawnSync('gpg', ['--version']).status === 0) {
      const home = mkdtempSync(path.join(os.tmpdir(), 'signet-gpg-'));
      try {
        gpgMsg = new Uint8Array(execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback',
          '--passphrase', 'pw', '--symmetric', '--cipher-algo', 'AES256', '-o', '-'], { input: data, maxBuffer: 1 << 26 }));
      } finally {
        spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
        rmSync(home, { recursive: true, force: true });
      }
    } else if (process.env.SIGNET_REQUIRE_PEERS === '1') {
      throw new Error('gpg not found but SIGNET_REQUIRE_PEERS=1');
    } else {
      t.diagnostic('gpg not found: the GnuPG case is skipped');
    }
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async ({ data, gpgMsg }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      // Counted at the seam, as stream.test.mjs counts WebCrypto calls: the
      // ranges the one-shot engine driver hands to the stream worker.
      let toWorker = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function count(m, t) {
        if (m?.op === 'init' && m.kind === 'cfb') toWorker++;
        return post.call(this, m, t);
      };
      const bytes = Uint8Array.from(data);
      const same = (a) => a.length === bytes.length && a.every((b, i) => b === bytes[i]);
      const k = await s.generateKey({ userIds: ['V1 <v1@example.gov.vn>'], profile: 'compat' });
      const key = await s.unlockKey(k.privateKey);
      const out = {};
      const runs = () => toWorker;
      // Signed, to a v4 key (SEIPDv1 chosen by the key), checked with its certificate.
      let n = runs();
      const signed = await s.encrypt({ data: bytes, encryptionKeys: [k.publicKey], signingKeys: [key], armor: false });
      const d1 = await s.decrypt({ message: signed, decryptionKeys: [key], verificationKeys: [k.publicKey] });
      out.signed = { same: same(d1.data), valid: d1.signatures[0]?.valid, parallel: runs() - n };
      // Password, armored, written by our streamed SEIPDv1 (AES-CBC in WebCrypto).
      n = runs();
      const pw = await s.encrypt({ data: bytes, passwords: ['pw'], seipd: 'v1' });
      const d2 = await s.decrypt({ message: pw, passwords: ['pw'] });
      out.password = { same: same(d2.data), parallel: runs() - n };
      // One flipped bit in either half: DECRYPTION_FAILED, nothing returned.
      out.tamper = [];
      for (const at of [signed.length >> 2, signed.length - 40]) {
        const bad = signed.slice();
        bad[at] ^= 0x10;
        try {
          await s.decrypt({ message: bad, decryptionKeys: [key] });
          out.tamper.push('returned');
        } catch (e) {
          out.tamper.push(e.code);
        }
      }
      if (gpgMsg) {
        n = runs();
        const d3 = await s.decrypt({ message: Uint8Array.from(gpgMsg), passwords: ['pw'] });
        out.gpg = { same: same(d3.data), parallel: runs() - n };
      }
      key.free();
      return out;
    }, { data: [...data], gpgMsg: gpgMsg ? [...gpgMsg] : null });
    assert.deepEqual(r.signed, { same: true, valid: true, parallel: 1 });
    assert.deepEqual(r.password, { same: true, parallel: 1 });
    assert.deepEqual(r.tamper, ['DECRYPTION_FAILED', 'DECRYPTION_FAILED']);
    if (gpgMsg) assert.deepEqual(r.gpg, { same: true, parallel: 1 });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('one-shot SEIPDv2 AES-256-OCB both ways with OpenPGP.js, every block-length class', async () => {
    const openpgp = await import('openpgp');
    const { randomBytes } = await import('node:crypto');
    // A v6 key whose first AEAD preference is AES-256-OCB: our encrypt follows it.
    const k = await openpgp.generateKey({
      type: 'curve25519', userIDs: [{ name: 'OCB', email: 'ocb@example.gov.vn' }], format: 'armored',
      config: { v6Keys: true, aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb },
    });
    const peerKey = await openpgp.readPrivateKey({ armoredKey: k.privateKey });
    // More than one 256 KiB chunk, ending in a partial block.
    const big = new Uint8Array(randomBytes((1 << 20) + 13));
    const theirs = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: big }), encryptionKeys: peerKey.toPublic(), format: 'binary',
      config: { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb },
    });
    const b64 = (u) => Buffer.from(u).toString('base64');
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const sizes = [0, 1, 15, 16, 17, 1000, (1 << 20) + 13];
    const r = await page.evaluate(async ({ priv, pub, theirs, big, sizes }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const fromB64 = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
      const toB64 = (u) => {
        let str = '';
        for (let i = 0; i < u.length; i += 0x8000) str += String.fromCharCode(...u.subarray(i, i + 0x8000));
        return btoa(str);
      };
      const key = await s.unlockKey(priv);
      const bigBytes = fromB64(big);
      const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
      const out = { theirs: eq((await s.decrypt({ message: fromB64(theirs), decryptionKeys: [key] })).data, bigBytes), ours: [] };
      for (const n of sizes) {
        const data = bigBytes.subarray(0, n);
        const ct = await s.encrypt({ data, encryptionKeys: [pub], armor: false });
        const back = eq((await s.decrypt({ message: ct, decryptionKeys: [key] })).data, data);
        // A flipped bit in the last chunk's ciphertext: refused, nothing returned.
        const bad = ct.slice();
        bad[bad.length - 40] ^= 0x08;
        let code = null;
        try { await s.decrypt({ message: bad, decryptionKeys: [key] }); } catch (e) { code = e.code; }
        out.ours.push({ n, ct: toB64(ct), back, code });
      }
      key.free();
      return out;
    }, { priv: k.privateKey, pub: k.publicKey, theirs: b64(theirs), big: b64(big), sizes });
    assert.equal(r.theirs, true, "OpenPGP.js's OCB message decrypts");
    for (const o of r.ours) {
      assert.equal(o.back, true, `round trip of ${o.n} octets`);
      assert.equal(o.code, 'DECRYPTION_FAILED', `tampered ${o.n} octets`);
      const msg = await openpgp.readMessage({ binaryMessage: new Uint8Array(Buffer.from(o.ct, 'base64')) });
      const seipd = msg.packets.filterByTag(openpgp.enums.packet.symEncryptedIntegrityProtectedData)[0];
      assert.equal(seipd.version, 2);
      assert.equal(seipd.aeadAlgorithm, openpgp.enums.aead.ocb, `${o.n} octets were written with OCB`);
      const { data } = await openpgp.decrypt({ message: msg, decryptionKeys: peerKey, format: 'binary' });
      assert.deepEqual(new Uint8Array(data), big.subarray(0, o.n), `OpenPGP.js reads our ${o.n} octets`);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
