// The web page's unlock methods in every engine: creating a notebook offers the
// recovery code (save step, "kept" confirmation), the unlock screen opens with the
// code and sets a new passphrase, a mistyped group is refused at once, an office
// recovery key is added; and a passkey from "add passkey" to "use passkey" on a
// virtual authenticator with PRF where the engine's driver has one (Chromium, Firefox),
// the page's clear UNSUPPORTED where the browser has no WebAuthn (WebKitGTK).
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';
import { virtualAuthenticator } from './webauthn.mjs';

const PASS = 'mật khẩu thử nghiệm 2026';
const NEW_PASS = 'mật khẩu mới sau khôi phục';

/** The notes panel's message: read it, wait for one of `kinds`, clear it. */
function messages(page) {
  const msg = () => page.evaluate(() => {
    const m = document.getElementById('notes-msg');
    return { kind: m.dataset.kind ?? '', code: m.dataset.code ?? '', text: m.textContent };
  });
  return {
    msg,
    waitMsg: (kinds) => page.waitForFunction(
      (k) => k.includes(document.getElementById('notes-msg').dataset.kind),
      kinds,
      { timeout: 120_000 },
    ).then(msg),
    clearMsg: () => page.$eval('#notes-msg', (m) => { m.textContent = ''; delete m.dataset.kind; delete m.dataset.code; }),
  };
}

/** Loads the page at `base`, creates a notebook with PASS and one note titled `title`;
 *  the unlock-methods panel is then open (the offer) with only the passphrase. */
async function createNotebook(page, base, title) {
  await page.goto(`${base}/`);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
  await page.click('#tab-notes');
  await page.waitForSelector('#panel-notes:not([hidden]):not([aria-busy])');
  await page.fill('#vc-pass', PASS);
  await page.fill('#vc-pass2', PASS);
  await page.click('#vault-create button[type="submit"]');
  await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
  await page.waitForSelector('#slots-panel:not([hidden]) #slot-list li');
  assert.deepEqual(await page.$$eval('#slot-list li', (l) => l.map((e) => e.dataset.kind)), ['passphrase']);
  await page.click('#note-new');
  await page.fill('#note-title', title);
  await page.fill('#note-body', 'nội dung');
  await page.click('#note-save');
  await page.waitForFunction((t) => [...document.querySelectorAll('.note-title')].some((e) => e.textContent === t), title);
}

forEachEngine(({ h, test, engine }) => {
  test('web page: recovery code from creation to unlock with a new passphrase', async () => {
    const context = await h.browser.newContext({ acceptDownloads: true });
    const page = await h.newPage(context);
    const { waitMsg, clearMsg } = messages(page);
    await createNotebook(page, h.base, 'Sổ tay công tác');

    await page.click('#slot-add-code');
    await page.waitForSelector('#rc-show:not([hidden])', { timeout: 60_000 });
    const code = (await page.textContent('#rc-code')).trim();
    assert.match(code, /^([0-9A-Z]{5}-){6}[0-9A-Z]{5}$/);
    const saved = await page.download('#rc-save');
    assert.equal(saved.name, 'signet-recovery-code.txt');
    assert.ok(saved.bytes.toString().includes(code));
    assert.equal(await page.isDisabled('#rc-done'), true, 'done only once kept');
    await page.check('#rc-kept');
    await page.click('#rc-done');
    await page.waitForFunction(() => document.getElementById('rc-show').hidden);
    assert.equal(await page.textContent('#rc-code'), '', 'the code leaves the page');
    await page.waitForFunction(() => document.querySelectorAll('#slot-list li').length === 2);

    // Office escrow: a recovery key generated for the test.
    const officeKey = await page.evaluate(async () => {
      const s = await import('/pkg/index.js');
      await s.init();
      const k = s.generateWrapKeyPair();
      k.secretKey.free();
      return s.wrapPublicKeyToText(k.publicKey);
    });
    await clearMsg();
    await page.fill('#slot-escrow-key', officeKey);
    await page.click('#slot-add-escrow');
    assert.equal((await waitMsg(['ok', 'error'])).kind, 'ok');
    await page.waitForFunction(() => document.querySelectorAll('#slot-list li[data-kind="escrow"]').length === 1);

    // Forgotten passphrase: reload, a mistyped group, then the code and a new passphrase.
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    await page.click('#tab-notes');
    await page.waitForSelector('#vault-unlock:not([hidden])');
    await page.click('#vu-recovery');
    const typo = code.slice(0, 6) + (code[6] === 'A' ? 'B' : 'A') + code.slice(7);
    await page.fill('#vu-code', typo);
    await page.fill('#vu-newpass', NEW_PASS);
    await page.fill('#vu-newpass2', NEW_PASS);
    await clearMsg();
    await page.click('#vu-recovery-go');
    assert.equal((await waitMsg(['error'])).code, 'INVALID_ARGUMENT');
    await page.fill('#vu-code', code.toLowerCase().replaceAll('-', ' '));
    await clearMsg();
    await page.click('#vu-recovery-go');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    assert.equal(await page.$$eval('.note-title', (e) => e.length), 1);

    // The new passphrase now opens it, the old one does not.
    await page.click('#vault-lock');
    await page.waitForSelector('#vault-unlock:not([hidden])');
    await page.fill('#vu-pass', PASS);
    await clearMsg();
    await page.click('#vault-unlock button[type="submit"]');
    assert.equal((await waitMsg(['error'])).code, 'BAD_PASSPHRASE');
    await page.fill('#vu-pass', NEW_PASS);
    await page.click('#vault-unlock button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    assert.equal(await page.$$eval('.note-title', (e) => e.length), 1);
    console.log(`# www unlock methods (${engine}): recovery code path through the page ok`);
    await context.close();
  });

  test('web page: passkey added, used to unlock, refused for a wrong credential, gone with its slot', async () => {
    const context = await h.browser.newContext();
    const page = await h.newPage(context);
    // WebAuthn refuses IP addresses as relying party ids: the page is served as localhost.
    await createNotebook(page, h.base.replace('127.0.0.1', 'localhost'), 'Việc của passkey');
    const auth = await virtualAuthenticator(page, engine);
    const { waitMsg, clearMsg } = messages(page);
    const words = (key) => page.evaluate(async (k) => (await import('/i18n.js')).dictionaries[document.documentElement.lang][k], key);
    const lock = async () => {
      await page.click('#vault-lock');
      await page.waitForSelector('#vault-unlock:not([hidden])');
    };
    const usePasskey = async () => {
      await clearMsg();
      await page.click('#vu-passkey');
      return Promise.race([
        page.waitForSelector('#vault-open:not([hidden])', { timeout: 120_000 }).then(() => ({ kind: 'open' })),
        waitMsg(['error']),
      ]);
    };
    await clearMsg();
    await page.click('#slot-add-passkey');
    const added = await waitMsg(['ok', 'error']);
    if (!auth) {
      // No WebAuthn in this browser: the page says so in its own words.
      assert.equal(added.code, 'UNSUPPORTED', JSON.stringify(added));
      assert.equal(added.text, await words('slots.passkeyUnsupported'));
      await lock();
      const used = await usePasskey();
      assert.equal(used.code, 'NO_MATCHING_KEY', 'no passkey slot: nothing to ask for');
      console.log(`# www passkey (${engine}): no WebAuthn here, the page says so: "${added.text}"`);
      return context.close();
    }
    assert.equal(added.kind, 'ok', JSON.stringify(added));
    assert.equal(added.text, await words('slots.passkeyAdded'));
    await page.waitForFunction(() => document.querySelectorAll('#slot-list li[data-kind="passkey"]').length === 1);

    // Lock, then "use passkey": the worker's vault asks the page, which asks the authenticator.
    await lock();
    assert.equal((await usePasskey()).kind, 'open');
    await page.waitForFunction(() => [...document.querySelectorAll('.note-title')].some((e) => e.textContent === 'Việc của passkey'));

    // A wrong credential: the authenticator holds only another registration's.
    await auth.clearCredentials();
    await page.evaluate(async () => {
      await navigator.credentials.create({ publicKey: {
        rp: { name: 'other' }, user: { id: new Uint8Array(16), name: 'u', displayName: 'u' },
        challenge: new Uint8Array(32), pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      } });
    });
    await lock();
    const t0 = Date.now();
    const wrong = await usePasskey();
    assert.equal(wrong.code, 'KEY_UNUSABLE', JSON.stringify(wrong));
    assert.equal(wrong.text, await words('reason.passkey-refused'));
    const refusedMs = Date.now() - t0;

    // With the passphrase, remove the passkey slot: "use passkey" then has nothing to ask.
    await page.fill('#vu-pass', PASS);
    await page.click('#vault-unlock button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    // The panel toggles (and lists the slots afresh when it opens); it may still be open.
    if (!(await page.isHidden('#slots-panel'))) await page.click('#vault-slots');
    await page.click('#vault-slots');
    await page.waitForSelector('#slot-list li[data-kind="passkey"] button');
    await page.click('#slot-list li[data-kind="passkey"] button');
    await page.waitForFunction(() => document.querySelectorAll('#slot-list li[data-kind="passkey"]').length === 0);
    await lock();
    const gone = await usePasskey();
    assert.equal(gone.code, 'NO_MATCHING_KEY', JSON.stringify(gone));
    assert.equal(gone.text, await words('slots.passkeyNoSlot'));
    assert.deepEqual(page.errors.filter((e) => !/passkey|WebAuthn|credential|NotAllowed/i.test(e)), []);
    console.log(`# www passkey (${engine}, ${h.version}): added, unlocked, wrong credential refused in ${refusedMs} ms, removed slot refused`);
    await context.close();
  });
});
