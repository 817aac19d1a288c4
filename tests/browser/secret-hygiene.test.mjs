// Secret hygiene in every engine: after lock()/free(), the module's Wasm
// memory holds neither the passphrase-derived keys of a vault nor the plaintext it
// showed. The keys are recomputed independently (Argon2id in a second module
// instance, AES-GCM and HKDF in WebCrypto) from the stored header, and a scan
// while the vault is unlocked proves the scan can find them.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';


const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const PASS = 'hygiene passphrase Đà Nẵng';
const PLAINTEXT = 'KNOWN-PLAINTEXT-7f3a9c-hygiene-note-body';

forEachEngine(({ h, test }) => {
  test('vault keys (KEK, vault key, sub-keys, per-note keys), passphrase and note plaintext are gone from Wasm memory after lock and free', { timeout: 300_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    // Module instance A: the vault under test. Its records before and after a key
    // rotation, so the test can recompute both key hierarchies.
    const records = await page.evaluate(async ({ kdf, PASS, PLAINTEXT }) => {
      const s = await import('/pkg/index.js');
      // Internal hooks (initSync, the Argon2 test hook) come from the glue: the package does not export them.
      const g = await import('/pkg/wasm/signet_crypto.js');
      await s.init();
      const map = new Map();
      const adapter = {
        get: (k) => map.get(k) ?? null,
        put: (k, v) => void map.set(k, new Uint8Array(v)),
        delete: (k) => void map.delete(k),
        list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
      };
      const snap = () => {
        const root = [...map.keys()].find((k) => k.startsWith('root/'));
        const note = [...map.keys()].find((k) => k.startsWith('note/'));
        return { root: Array.from(map.get(root)), note: Array.from(map.get(note)) };
      };
      window.vault = await s.NoteVault.create({ name: 'h', passphrase: PASS, storage: adapter, kdf });
      const id = await window.vault.put({ title: 'secret title', body: PLAINTEXT });
      window.vault.get(id); // decrypted note in memory, and handed to JS once
      const before = snap();
      await window.vault.rotateKeys();
      window.vault.get(id);
      window.mem = g.initSync().memory;
      return { before, after: snap() };
    }, { kdf, PASS, PLAINTEXT });

    // Module instance B (a fresh page): recompute KEK, vault key, sub-keys and the
    // note's key from each root and note record.
    const page2 = await h.newPage();
    await page2.goto(`${h.base}/test/blank.html`);
    const keys = await page2.evaluate(async ({ records, PASS }) => {
      const s = await import('/pkg/index.js');
      // Internal hooks (initSync, the Argon2 test hook) come from the glue: the package does not export them.
      const g = await import('/pkg/wasm/signet_crypto.js');
      await s.init();
      const enc = new TextEncoder();
      const aesOpen = async (key, iv, additionalData, ct) =>
        new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData },
          await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']), ct));
      const hierarchy = async ({ root, note }) => {
        const hdr = new Uint8Array(root);
        const dv = new DataView(hdr.buffer);
        // docs/vault-format.md: the root starts with the header: magic 4, version 1,
        // vault id 16, m t p (u32 BE), salt 16, nonce 12, wrapped key 48.
        const vaultId = hdr.slice(5, 21);
        const [m, t, p] = [dv.getUint32(21), dv.getUint32(25), dv.getUint32(29)];
        const kek = g.__signetTestArgon2id(enc.encode(PASS), hdr.slice(33, 49), m, t, p);
        const vaultKey = await aesOpen(kek, hdr.slice(49, 61), hdr.slice(0, 49), hdr.slice(61, 109));
        const hk = await crypto.subtle.importKey('raw', vaultKey, 'HKDF', false, ['deriveBits']);
        const sub = async (info) => new Uint8Array(await crypto.subtle.deriveBits(
          { name: 'HKDF', hash: 'SHA-256', salt: vaultId, info: enc.encode(info) }, hk, 256));
        const noteWrapKey = await sub('signet-notes/v1/note-wrap');
        // Note record: magic 4, version 1, note id 16, revision 8, key nonce 12, wrapped key 48.
        const rec = new Uint8Array(note);
        const aad = new Uint8Array([...enc.encode('signet-notes/note-key'), 1, ...vaultId, ...rec.slice(5, 29)]);
        const noteKey = await aesOpen(noteWrapKey, rec.slice(29, 41), aad, rec.slice(41, 89));
        return {
          kek: Array.from(kek),
          vaultKey: Array.from(vaultKey),
          manifestKey: Array.from(await sub('signet-notes/v1/manifest')),
          noteWrapKey: Array.from(noteWrapKey),
          backupKey: Array.from(await sub('signet-notes/v1/backup')),
          noteKey: Array.from(noteKey),
        };
      };
      const now = await hierarchy(records.after);
      const old = await hierarchy(records.before);
      const out = { ...now };
      // rotateKeys keeps the KEK; everything below it is new.
      for (const [k, v] of Object.entries(old)) if (k !== 'kek') out[`old ${k}`] = v;
      return out;
    }, { records, PASS });
    await page2.close();

    const scan = (stage) =>
      page.evaluate(
        async ({ keys, PASS, PLAINTEXT, stage }) => {
          if (stage === 'lock') window.vault.lock();
          if (stage === 'free') window.vault.free();
          const { findIn } = await import('/test/wasm-scan.mjs');
          const find = (needle) => findIn(window.mem, needle);
          const enc = new TextEncoder();
          const hits = {};
          const at = {};
          for (const [k, v] of Object.entries(keys)) at[k] = find(v);
          at.passphrase = find(enc.encode(PASS));
          at.plaintext = find(enc.encode(PLAINTEXT));
          for (const [k, v] of Object.entries(at)) hits[k] = v !== -1;
          return { hits, at, bytes: mem.length };
        },
        { keys, PASS, PLAINTEXT, stage },
      );

    const open = await scan('open');
    // Positive control: while unlocked the vault holds its keys, so the scan must see them.
    assert.ok(open.hits.kek && open.hits.vaultKey && open.hits.noteWrapKey && open.hits.manifestKey && open.hits.backupKey,
      `scan found nothing while unlocked: ${JSON.stringify(open.hits)}`);
    // The keys the rotation replaced are gone already while unlocked.
    for (const [k, v] of Object.entries(open.hits)) {
      if (k.startsWith('old ')) assert.equal(v, false, `${k} still in Wasm memory after rotateKeys()`);
    }
    const locked = await scan('lock');
    const freed = await scan('free');
    console.log(`secret hygiene: scanned ${freed.bytes / 1048576} MiB; unlocked ${JSON.stringify(open.at)}; locked ${JSON.stringify(locked.at)}; freed ${JSON.stringify(freed.at)} (offsets, -1 = absent)`);
    // Every key of both hierarchies (KEK, vault key, manifest, note-wrap and backup
    // sub-keys, the note's own key), the passphrase and the plaintext.
    const residue = { locked: locked.hits, freed: freed.hits };
    for (const stage of ['locked', 'freed']) {
      for (const [k, v] of Object.entries(residue[stage])) {
        assert.equal(v, false, `${k} still in Wasm memory after ${stage === 'locked' ? 'lock()' : 'free()'}`);
      }
    }
  });

  /** Runs `fn(arg)` in a fresh page (a fresh module instance). `fn` imports the
   *  package itself (functions are serialized, so no shared helpers). */
  async function inFreshPage(fn, arg) {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(fn, arg);
    await page.close();
    return r;
  }

  test('wrapped and unwrapped data keys leave no copy in Wasm memory', { timeout: 120_000 }, async () => {
    const r = await inFreshPage(async () => {
      const s = await import('/pkg/index.js');
      // Internal hooks (initSync, the Argon2 test hook) come from the glue: the package does not export them.
      const g = await import('/pkg/wasm/signet_crypto.js');
      await s.init();
      const { findIn } = await import('/test/wasm-scan.mjs');
      const find = (n) => findIn(g.initSync().memory, n);
      const dataKey = crypto.getRandomValues(new Uint8Array(32));
      const pair = s.generateWrapKeyPair();
      const env = s.wrapKey({ key: dataKey, recipients: [pair.publicKey] });
      const afterWrap = find(dataKey);
      const got = s.unwrapKey({ envelope: env, secretKey: pair.secretKey });
      const afterUnwrap = find(dataKey);
      pair.secretKey.free();
      return { same: got.every((b, i) => b === dataKey[i]), afterWrap, afterUnwrap };
    });
    console.log(`secret hygiene (wrap): ${JSON.stringify(r)} (offsets, -1 = absent)`);
    assert.ok(r.same);
    assert.equal(r.afterWrap, -1, 'the data key stayed in Wasm memory after wrapKey');
    assert.equal(r.afterUnwrap, -1, 'the data key stayed in Wasm memory after unwrapKey');
  });

  // Plaintext passes through rPGP's packet buffers, growing output buffers and
  // the stack; the zeroizing allocator wipes every freed block and the pgp
  // bindings scrub the stack. A small message (one buffer) and a 3 MiB one (many
  // buffer growths and 1 MiB output blocks), through encrypt/decrypt and sign/verify.
  test('OpenPGP plaintext leaves no copy in Wasm memory after encrypt/decrypt/sign/verify', { timeout: 180_000 }, async () => {
    const r = await inFreshPage(async (marker) => {
      const s = await import('/pkg/index.js');
      // Internal hooks (initSync, the Argon2 test hook) come from the glue: the package does not export them.
      const g = await import('/pkg/wasm/signet_crypto.js');
      await s.init();
      const { findIn } = await import('/test/wasm-scan.mjs');
      const find = (n) => findIn(g.initSync().memory, n);
      const enc = new TextEncoder();
      const k = await s.generateKey({ userIds: ['Hygiene <h@example.gov.vn>'], profile: 'rfc9580' });
      const v4 = await s.generateKey({ userIds: ['Hygiene v4 <h4@example.gov.vn>'], profile: 'compat' });
      const priv = await s.unlockKey(k.privateKey);
      const priv4 = await s.unlockKey(v4.privateKey);
      const out = {};
      // Distinct markers per case, so one case's residue cannot hide another's.
      const big = (tag) => {
        const line = enc.encode(`${marker}-${tag}-line `);
        const b = new Uint8Array(3 << 20);
        for (let i = 0; i + line.length <= b.length; i += line.length) b.set(line, i);
        return b;
      };
      for (const [tag, data] of [['small', enc.encode(`${marker}-small`)], ['big', big('big')]]) {
        const needle = enc.encode(`${marker}-${tag}`);
        const msg = await s.encrypt({ data, encryptionKeys: [k.publicKey], signingKeys: [priv] });
        out[`${tag}AfterEncrypt`] = find(needle);
        const d = await s.decrypt({ message: msg, decryptionKeys: [priv], verificationKeys: [k.publicKey] });
        out[`${tag}Roundtrip`] = d.data.length === data.length && d.signatures[0]?.valid === true;
        out[`${tag}AfterDecrypt`] = find(needle);
        // SEIPDv1 (buffered whole for its MDC) to a v4 key.
        const m1 = await s.encrypt({ data, encryptionKeys: [v4.publicKey] });
        await s.decrypt({ message: m1, decryptionKeys: [priv4] });
        out[`${tag}AfterV1`] = find(needle);
        // Unsigned SEIPDv2-GCM: the one-shot functions' WebCrypto path (pkg/oneshot.js).
        const plainMsg = await s.encrypt({ data, encryptionKeys: [k.publicKey], armor: false });
        out[`${tag}AfterFastEncrypt`] = find(needle);
        const fd = await s.decrypt({ message: plainMsg, decryptionKeys: [priv] });
        out[`${tag}FastRoundtrip`] = fd.data.length === data.length;
        out[`${tag}AfterFastDecrypt`] = find(needle);
        const signed = await s.sign({ data, signingKeys: [priv] });
        const v = await s.verify({ message: signed, verificationKeys: [k.publicKey] });
        out[`${tag}Verified`] = v.valid && v.data.length === data.length;
        out[`${tag}AfterSignVerify`] = find(needle);
      }
      priv.free();
      priv4.free();
      return out;
    }, PLAINTEXT);
    console.log(`secret hygiene (pgp): ${JSON.stringify(r)} (offsets, -1 = absent)`);
    for (const tag of ['small', 'big']) {
      assert.ok(r[`${tag}Roundtrip`] && r[`${tag}Verified`] && r[`${tag}FastRoundtrip`], `${tag}: round trip failed`);
      for (const stage of ['AfterEncrypt', 'AfterDecrypt', 'AfterV1', 'AfterFastEncrypt', 'AfterFastDecrypt', 'AfterSignVerify']) {
        assert.equal(r[`${tag}${stage}`], -1, `${tag} plaintext still in Wasm memory ${stage}`);
      }
    }
  });
});

forEachEngine(({ h, test }) => {
  test('a recovery code, its slot key and the vault key it opens are gone from Wasm memory after lock and free', { timeout: 300_000 }, async () => {
    const page = await h.newPage();
    await page.goto(`${h.base}/test/blank.html`);
    const r = await page.evaluate(async ({ kdf, PASS }) => {
      const s = await import('/pkg/index.js');
      // Internal hooks (initSync, the Argon2 test hook) come from the glue: the package does not export them.
      const g = await import('/pkg/wasm/signet_crypto.js');
      await s.init();
      const map = new Map();
      const adapter = {
        get: (k) => map.get(k) ?? null,
        put: (k, v) => void map.set(k, new Uint8Array(v)),
        delete: (k) => void map.delete(k),
        list: (p) => [...map.keys()].filter((k) => k.startsWith(p)),
      };
      const v = await s.NoteVault.create({ name: 'rc', passphrase: PASS, storage: adapter, kdf });
      const code = await v.addRecoveryCode();
      v.free();
      // Recompute, outside this module, what the code unlocks (docs/vault-format.md):
      // the slot's X-Wing seed = HKDF-SHA256(salt = vault id, ikm = the 28 data
      // symbols, "signet-notes/v3/recovery-code"), and the vault key from the header.
      const enc = new TextEncoder();
      const root = map.get([...map.keys()].find((k) => k.startsWith('root/')));
      const vaultId = root.slice(5, 21);
      const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
      const symbols = new Uint8Array([...code.replaceAll('-', '')].filter((_, i) => i % 5 !== 4).map((c) => alphabet.indexOf(c)));
      const ikm = await crypto.subtle.importKey('raw', symbols, 'HKDF', false, ['deriveBits']);
      const seed = new Uint8Array(await crypto.subtle.deriveBits(
        { name: 'HKDF', hash: 'SHA-256', salt: vaultId, info: enc.encode('signet-notes/v3/recovery-code') }, ikm, 256));
      const dv = new DataView(root.buffer, root.byteOffset);
      const kek = g.__signetTestArgon2id(enc.encode(PASS), root.slice(33, 49), dv.getUint32(21), dv.getUint32(25), dv.getUint32(29));
      const aes = await crypto.subtle.importKey('raw', kek, 'AES-GCM', false, ['decrypt']);
      const vaultKey = new Uint8Array(await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: root.slice(49, 61), additionalData: root.slice(0, 49) }, aes, root.slice(61, 109)));
      kek.fill(0);

      const w = await s.NoteVault.open({ name: 'rc', recoveryCode: code, storage: adapter });
      const { findIn } = await import('/test/wasm-scan.mjs');
      const find = (n) => findIn(g.initSync().memory, n);
      const needles = { code: enc.encode(code), symbols, seed, vaultKey };
      const scan = () => Object.fromEntries(Object.entries(needles).map(([k, n]) => [k, find(n)]));
      const open = scan();
      w.lock();
      const locked = scan();
      w.free();
      return { open, locked, freed: scan() };
    }, { kdf, PASS });
    console.log(`secret hygiene (recovery code): unlocked ${JSON.stringify(r.open)}; locked ${JSON.stringify(r.locked)}; freed ${JSON.stringify(r.freed)}`);
    assert.notEqual(r.open.vaultKey, -1, 'positive control: the unlocked vault holds its key');
    for (const stage of ['locked', 'freed']) {
      for (const [k, at] of Object.entries(r[stage])) assert.equal(at, -1, `${k} still in Wasm memory after ${stage}`);
    }
    await page.close();
  });
});
