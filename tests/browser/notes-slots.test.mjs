// Vault key slots in the browser: a passkey through the WebAuthn PRF extension on a
// virtual authenticator with PRF (Chromium: CDP; Firefox: WebDriver), a clear
// UNSUPPORTED where there is no WebAuthn (WebKitGTK), a ceremony that settles without
// any authenticator, and the unlock time of every slot kind.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';
import { virtualAuthenticator } from './webauthn.mjs';

/** The engines whose driver has a virtual authenticator (tests/browser/webauthn.mjs). */
const noAuthenticator = (engine) => engine === 'webkit' && 'WebKitWebDriver has no virtual authenticator and MiniBrowser no WebAuthn: see the UNSUPPORTED test';

const kdf = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

forEachEngine(({ h, test, engine }) => {
  // WebAuthn refuses IP addresses as relying party ids: serve the page as localhost.
  const origin = () => h.base.replace('127.0.0.1', 'localhost');
  test('passkey slot: WebAuthn PRF unlock, a wrong credential, a removed slot', { skip: noAuthenticator(engine) }, async () => {
    const context = await h.browser.newContext();
    const page = await h.newPage(context);
    await page.goto(`${origin()}/test/blank.html`);
    const auth = await virtualAuthenticator(page, engine);
    const name = `pk-${Date.now()}`;
    const added = await page.evaluate(async ({ name, kdf }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.create({ name, passphrase: 'pw', kdf });
      await v.put({ title: 'bí mật', body: 'b' });
      const id = await v.addPasskey({ label: 'điện thoại', timeoutMs: 20000 });
      const slots = v.slots();
      v.free();
      const w = await s.NoteVault.open({ name, passkey: true, timeoutMs: 20000 });
      const titles = w.list().map((n) => n.title);
      w.free();
      return { id, slots, titles };
    }, { name, kdf });
    assert.deepEqual(added.slots.map((s) => s.kind), ['passphrase', 'passkey']);
    assert.equal(added.slots[1].id, added.id);
    assert.equal(added.slots[1].label, 'điện thoại');
    assert.deepEqual(added.titles, ['bí mật']);

    // A wrong credential: the authenticator now holds only a credential of
    // another registration, so no credential the slot names can answer.
    await auth.clearCredentials();
    const wrong = await page.evaluate(async ({ name }) => {
      const s = await import('/pkg/index.js');
      await navigator.credentials.create({ publicKey: {
        rp: { name: 'other' }, user: { id: new Uint8Array(16), name: 'u', displayName: 'u' },
        challenge: new Uint8Array(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      } });
      try {
        await s.NoteVault.open({ name, passkey: true, timeoutMs: 3000 });
        return 'OK';
      } catch (e) {
        return e.code;
      }
    }, { name });
    assert.equal(wrong, 'KEY_UNUSABLE');

    // A new passkey, then its slot removed: the vault no longer asks for it (only
    // for the first passkey, whose credential is gone: the ceremony fails); with
    // that slot removed too, no passkey is asked for at all.
    const removed = await page.evaluate(async ({ name, first }) => {
      const s = await import('/pkg/index.js');
      const code = (p) => p.then((v) => { v.free(); return 'OK'; }, (e) => e.code);
      const v = await s.NoteVault.open({ name, passphrase: 'pw' });
      const id = await v.addPasskey({ timeoutMs: 20000 });
      const out = [await code(s.NoteVault.open({ name, passkey: true, timeoutMs: 20000 }))];
      await v.removeSlot(id);
      out.push(await code(s.NoteVault.open({ name, passkey: true, timeoutMs: 3000 })));
      await v.removeSlot(first);
      out.push(await code(s.NoteVault.open({ name, passkey: true, timeoutMs: 3000 })));
      out.push(v.slots().map((x) => x.kind).join());
      v.free();
      return out;
    }, { name, first: added.id });
    // Firefox's software token (behind WebDriver's virtual authenticator) refuses every
    // assertion whose allowCredentials lists two ids (NotAllowedError; also without PRF,
    // measured with Firefox 153 ESR): there the two-slot unlock is refused, not opened.
    const twoSlots = engine === 'firefox' ? 'KEY_UNUSABLE' : 'OK';
    assert.deepEqual(removed, [twoSlots, 'KEY_UNUSABLE', 'NO_MATCHING_KEY', 'passphrase']);
    await context.close();
  });

  // No authenticator at all: headless Chromium never settles the ceremony by itself
  // (its own timeout is not honoured without a UI); the package's timer settles it.
  test('passkey without a PRF-capable authenticator: UNSUPPORTED or refused, within timeoutMs', async () => {
    const page = await h.newPage();
    await page.goto(`${origin()}/test/blank.html`);
    const got = await page.evaluate(async ({ kdf }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.create({ name: `nopk-${Date.now()}`, passphrase: 'pw', kdf, storage: 'memory' });
      const t0 = performance.now();
      try {
        await v.addPasskey({ timeoutMs: 3000 });
        return { code: 'OK' };
      } catch (e) {
        return { code: e.code, reason: e.reason, message: e.message, ms: performance.now() - t0 };
      } finally {
        v.free();
      }
    }, { kdf });
    // No authenticator is attached: either the browser says there is no PRF, or
    // the ceremony cannot complete (no authenticator to answer).
    assert.ok(['UNSUPPORTED', 'KEY_UNUSABLE'].includes(got.code), JSON.stringify(got));
    if (got.code === 'KEY_UNUSABLE') assert.equal(got.reason, 'passkey-refused');
    assert.ok(got.ms < 3000 + 2000, `settled after ${got.ms} ms`);
    console.log(`# ${engine}: addPasskey without an authenticator: ${got.code} after ${got.ms.toFixed(0)} ms (${got.message})`);
    await page.close();
  });

  test('unlock time per slot kind', { skip: noAuthenticator(engine) }, async () => {
    const context = await h.browser.newContext();
    const page = await h.newPage(context);
    await page.goto(`${origin()}/test/blank.html`);
    await virtualAuthenticator(page, engine);
    const t = await page.evaluate(async ({ name }) => {
      const s = await import('/pkg/index.js');
      await s.init();
      const v = await s.NoteVault.create({ name, passphrase: 'pw' }); // default Argon2id
      await v.put({ title: 't', body: 'b' });
      const recoveryCode = await v.addRecoveryCode();
      await v.addPasskey({ timeoutMs: 20000 });
      const office = s.generateWrapKeyPair();
      await v.addEscrow({ publicKey: office.publicKey });
      v.free();
      const time = async (opts) => {
        const t0 = performance.now();
        (await s.NoteVault.open({ name, ...opts })).free();
        return performance.now() - t0;
      };
      const out = {};
      for (let i = 0; i < 5; i++) {
        for (const [k, o] of Object.entries({
          passphrase: { passphrase: 'pw' },
          recoveryCode: { recoveryCode },
          passkey: { passkey: true, timeoutMs: 20000 },
          escrow: { escrowSecretKey: office.secretKey },
        })) (out[k] ??= []).push(await time(o));
      }
      office.secretKey.free();
      return out;
    }, { name: `time-${Date.now()}` });
    const median = (a) => [...a].sort((x, y) => x - y)[2];
    const line = Object.entries(t).map(([k, v]) => `${k} ${median(v).toFixed(0)} ms`).join(', ');
    console.log(`# notes unlock per slot kind, ${h.version}, median of 5 (machine loaded): ${line}`);
    for (const v of Object.values(t)) assert.ok(median(v) > 0);
    await context.close();
  });
});
