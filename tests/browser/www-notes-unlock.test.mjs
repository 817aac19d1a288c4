// The web page's unlock methods in every engine: creating a notebook offers the
// recovery code (save step, "kept" confirmation), the unlock screen opens with the
// code and sets a new passphrase, a mistyped group is refused at once, an office
// recovery key is added, and the passkey button gives a clear answer.
import assert from 'node:assert/strict';
import { forEachEngine } from './harness.mjs';

const PASS = 'mật khẩu thử nghiệm 2026';
const NEW_PASS = 'mật khẩu mới sau khôi phục';

forEachEngine(({ h, test, engine }) => {
  test('web page: recovery code from creation to unlock with a new passphrase', async () => {
    const context = await h.browser.newContext({ acceptDownloads: true });
    const page = await h.newPage(context);
    await page.goto(`${h.base}/`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    const msg = () => page.evaluate(() => {
      const m = document.getElementById('notes-msg');
      return { kind: m.dataset.kind ?? '', code: m.dataset.code ?? '', text: m.textContent };
    });
    const waitMsg = (kinds) => page.waitForFunction(
      (k) => k.includes(document.getElementById('notes-msg').dataset.kind),
      kinds,
      { timeout: 120_000 },
    ).then(msg);
    const clearMsg = () => page.$eval('#notes-msg', (m) => { m.textContent = ''; delete m.dataset.kind; delete m.dataset.code; });

    await page.click('#tab-notes');
    await page.waitForSelector('#panel-notes:not([hidden]):not([aria-busy])');
    await page.fill('#vc-pass', PASS);
    await page.fill('#vc-pass2', PASS);
    await page.click('#vault-create button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    // The offer: the unlock-methods panel is open with only the passphrase.
    await page.waitForSelector('#slots-panel:not([hidden]) #slot-list li');
    assert.deepEqual(await page.$$eval('#slot-list li', (l) => l.map((e) => e.dataset.kind)), ['passphrase']);
    await page.click('#note-new');
    await page.fill('#note-title', 'Sổ tay công tác');
    await page.fill('#note-body', 'nội dung');
    await page.click('#note-save');
    await page.waitForFunction(() => [...document.querySelectorAll('.note-title')].some((e) => e.textContent === 'Sổ tay công tác'));

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

    // The passkey button: the notebook lives in a worker, where WebAuthn is absent.
    await clearMsg();
    await page.click('#slot-add-passkey');
    const pk = await waitMsg(['ok', 'error']);
    assert.equal(pk.code, 'UNSUPPORTED', JSON.stringify(pk));

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
});
