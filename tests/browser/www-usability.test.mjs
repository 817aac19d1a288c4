// The web page as a new official meets it (issue #21), in every engine, at phone
// (390x844) and desktop (1280x900) width: the first visit, messages next to the action
// and inside the viewport, import wording, a post-quantum key beside a GnuPG 2.2
// colleague (one file per group), the passphrase asked in place when a file is chosen
// (and the auto-lock), error words, unsaved note edits, key buttons that name their key.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { forEachEngine } from './harness.mjs';

const PASS = 'mật khẩu thử nghiệm 2026';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const hostile = (name) => {
  const cases = JSON.parse(readFileSync(new URL('../hostile/cases.json', import.meta.url)));
  const c = cases.find((x) => x.name === name);
  return readFileSync(fileURLToPath(new URL(`../hostile/corpus/${c.file}`, import.meta.url)));
};
const HOSTILE_PASS = JSON.parse(readFileSync(new URL('../hostile/fixtures.json', import.meta.url))).passphrase;

// Colleagues on GnuPG-style v4 keys (OpenPGP.js defaults: no SEIPDv2 feature), made once.
const colleague = (name, email, passphrase) => openpgp.generateKey({
  type: 'ecc', curve: 'curve25519', userIDs: [{ name, email }], format: 'armored', ...(passphrase ? { passphrase } : {}),
});
const people = Promise.all([
  colleague('Trần Thị Bình', 'binh@so.gov.vn'),
  colleague('Lê Văn Cường', 'cuong@so.gov.vn'),
  colleague('Phạm Thị Dung', 'dung@so.gov.vn'),
  colleague('Hoàng Văn Em', 'em@so.gov.vn', 'mật khẩu GnuPG của Em'),
]);

forEachEngine(({ h, test, engine }) => {
  let context;
  let page;
  let tmp;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'signet-www21-'));
    context = await h.browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    await context.addInitScript(() => { delete window.showSaveFilePicker; });
    page = await h.newPage(context);
    // Keys lock themselves 10 s after unlocking here (the select offers minutes).
    await page.goto(`${h.base}/?autoLockSec=10`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
  });

  after(async () => {
    await context?.close().catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const dict = (lang, key) => page.evaluate(async ([l, k]) => (await import('/i18n.js')).dictionaries[l][k], [lang, key]);
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

  // Controls are scrolled into view before WebDriver clicks them: after a window resize
  // WebKitGTK's driver scrolls to a control and then clicks beside it.
  const reveal = (selector) => page.$eval(selector, (e) => e.scrollIntoView({ block: 'center' }));
  const click = async (selector) => { await reveal(selector); await page.click(selector); };
  const check = async (selector) => { await reveal(selector); await page.check(selector); };
  const download = async (selector) => { await reveal(selector); return page.download(selector); };

  async function tab(name) {
    await click(`#tab-${name}`);
    await page.waitForSelector(`#panel-${name}:not([hidden]):not([aria-busy])`);
  }

  async function clearMsg(panel) {
    await page.$eval(`#${panel}-msg`, (m) => {
      m.textContent = '';
      delete m.dataset.kind;
      delete m.dataset.code;
    });
  }

  async function waitMsg(panel, kinds = ['ok', 'error']) {
    await page.waitForFunction(([p, k]) => k.includes(document.getElementById(`${p}-msg`).dataset.kind), [panel, kinds], { timeout: 60_000 }).catch(async (err) => {
      const now = await page.$eval(`#${panel}-msg`, (m) => `${m.dataset.kind}: ${m.textContent}`);
      throw new Error(`${engine}: no ${kinds} message in ${panel} (now "${now}"): ${err.message}`);
    });
    return page.$eval(`#${panel}-msg`, (m) => ({ text: m.textContent, kind: m.dataset.kind, code: m.dataset.code ?? null }));
  }

  /** Where an element is against the viewport: fully inside, and its rectangle. */
  function inView(selector) {
    return page.$eval(selector, (e) => {
      const r = e.getBoundingClientRect();
      return {
        inside: r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
        rect: `${Math.round(r.top)}..${Math.round(r.bottom)} of ${innerHeight}`,
      };
    });
  }

  /** The key card (li) whose name contains `name`, as a selector. */
  async function card(name) {
    const i = await page.$$eval('#key-list li.key', (els, n) => els.findIndex((e) => e.querySelector('h3').textContent.includes(n)), name);
    assert.ok(i >= 0, `${engine}: no key card for ${name}`);
    return `#key-list li.key:nth-child(${i + 1})`;
  }

  async function importKey(armored, passphrase = '') {
    await page.fill('#import-text', armored);
    await page.fill('#import-pass', passphrase);
    await clearMsg('keys');
    await click('#import-btn');
    return waitMsg('keys');
  }

  test('first visit: what to do first and where things are kept; a plain status line', async () => {
    await tab('keys');
    assert.equal(await page.isVisible('#welcome'), true);
    const steps = await page.$$eval('#welcome li', (l) => l.map((x) => x.textContent));
    assert.equal(steps.length, 4);
    assert.equal(steps[0], await dict('vi', 'welcome.step1'));
    assert.match(steps[2], /khoá công khai/);
    assert.equal(await page.textContent('.where'), await dict('vi', 'welcome.where'));
    assert.match(await page.textContent('.where'), /chỉ nằm trong trình duyệt này/);
    // The status line says "ready"; the version and Wasm hash wait under "details".
    const status = await page.$eval('#status', (s) => ({
      visible: s.querySelector(':scope > span').textContent,
      open: s.querySelector('details').open,
      wasm: s.dataset.wasm,
    }));
    assert.equal(status.visible, await dict('vi', 'status.ready'));
    assert.doesNotMatch(status.visible, /signet-crypto|Wasm/);
    assert.equal(status.open, false);
    assert.ok(status.wasm.startsWith('sha384-'));
    await click('#status summary');
    assert.match(await page.textContent('#status details'), /signet-crypto \d+\.\d+\.\d+ · Wasm sha384-/);
    assert.deepEqual(page.errors, []);
  });

  test('importing: a protected GnuPG key with an empty passphrase field asks for its passphrase', async () => {
    const [, , , em] = await people;
    await tab('keys');
    assert.equal(await page.textContent('label[for="import-pass"]'), await dict('vi', 'keys.importPass'));
    assert.equal(await page.getAttribute('#import-pass', 'aria-describedby'), 'import-pass-hint');
    const empty = await importKey(em.privateKey, '');
    assert.equal(empty.kind, 'error');
    assert.equal(empty.text, await dict('vi', 'keys.needKeyPass'));
    assert.notEqual(empty.text, await dict('vi', 'error.BAD_PASSPHRASE'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'import-pass');
    const wrong = await importKey(em.privateKey, 'không phải');
    assert.equal(wrong.text, await dict('vi', 'error.BAD_PASSPHRASE'));
    const ok = await importKey(em.privateKey, 'mật khẩu GnuPG của Em');
    assert.equal(ok.kind, 'ok', ok.text);
    assert.equal(ok.text, fill(await dict('vi', 'keys.imported'), { name: 'Hoàng Văn Em' }));
    assert.deepEqual(page.errors, []);
  });

  test('messages appear next to their action, inside the viewport, at phone and desktop width', async () => {
    const [binh, cuong, dung] = await people;
    await tab('keys');
    for (const p of [binh, cuong, dung]) assert.equal((await importKey(p.publicKey)).kind, 'ok');
    // Generate our own key last: it is the 5th card, at the bottom of the list.
    await page.fill('#gen-uid', 'Nguyễn Văn An <an@tinh.gov.vn>');
    await page.selectOption('#gen-profile', 'pqc');
    await page.fill('#gen-pass', PASS);
    await page.fill('#gen-pass2', PASS);
    await clearMsg('keys');
    await click('#gen-btn');
    const made = await waitMsg('keys');
    assert.equal(made.kind, 'ok', made.text);
    assert.match(made.text, /Nguyễn Văn An/);
    assert.match(made.text, /sao lưu/); // the backup nudge
    assert.equal(await page.isVisible('#welcome'), false, 'the first-visit steps give way once a key exists');

    for (const viewport of [PHONE, DESKTOP]) {
      const label = `${viewport.width}x${viewport.height}`;
      await page.setViewportSize(viewport);
      await tab('keys');
      // A wrong passphrase on the last key of the list.
      const an = await card('Nguyễn Văn An');
      await click(`${an} .key-unlock`);
      await page.waitForFunction(() => document.getElementById('pass-dialog').open, null, { timeout: 10_000 }).catch(async () => {
        throw new Error(`${engine} ${label}: no passphrase dialog after Unlock; focus on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}`);
      });
      await page.fill('#pass-dialog-input', 'sai mật khẩu');
      await clearMsg('keys');
      await click('#pass-dialog button[value="ok"]');
      const bad = await waitMsg('keys', ['error']);
      assert.equal(bad.code, 'BAD_PASSPHRASE');
      assert.equal(await page.$eval('#keys-msg', (m) => m.closest('li.key')?.querySelector('h3').textContent ?? null), 'Nguyễn Văn An <an@tinh.gov.vn>', `${label}: the message sits in the key's card`);
      assert.equal(await page.getAttribute('#keys-msg', 'role'), 'alert');
      const v1 = await inView('#keys-msg');
      assert.ok(v1.inside, `${engine} ${label}: wrong-passphrase message at ${v1.rect}`);

      // "Encrypt" with no file chosen, after scrolling to the button.
      await tab('files');
      await page.$eval('#file-input', (i) => { i.value = ''; i.dispatchEvent(new Event('change')); });
      await clearMsg('files');
      await click('#encrypt-btn');
      const need = await waitMsg('files', ['error']);
      assert.equal(need.text, await dict('vi', 'files.needFile'));
      const v2 = await inView('#files-msg');
      assert.ok(v2.inside, `${engine} ${label}: encrypt message at ${v2.rect}`);
      const below = await page.$eval('#files-msg', (m) => m.previousElementSibling?.id);
      assert.equal(below, 'file-actions', 'the message follows the buttons');
    }
    await page.setViewportSize(DESKTOP);
    assert.deepEqual(page.errors, []);
  });

  test('key cards: buttons name their key, copy and export by name, backup nudge, delete feedback', async () => {
    await tab('keys');
    const an = await card('Nguyễn Văn An');
    assert.equal(await page.getAttribute(`${an} .key-unlock`, 'aria-label'), 'Mở khoá: Nguyễn Văn An');
    assert.equal(await page.getAttribute(`${an} .key-delete`, 'aria-label'), 'Xoá: Nguyễn Văn An');
    assert.equal(await page.textContent(`${an} .nudge`), await dict('vi', 'keys.onlyHere'));

    await clearMsg('keys');
    await click(`${an} .key-copy`);
    const copied = await waitMsg('keys');
    assert.equal(copied.kind, 'ok', copied.text);
    assert.equal(copied.text, await dict('vi', 'keys.copied'));

    const pub = await download(`${an} .key-export-public`);
    assert.equal(pub.name, 'Nguyễn-Văn-An-khoa-cong-khai.asc');
    assert.match(pub.bytes.toString(), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const priv = await download(`${an} .key-export-private`);
    assert.equal(priv.name, 'Nguyễn-Văn-An-khoa-bi-mat.asc');
    await page.waitForFunction((sel) => !document.querySelector(`${sel} .nudge`), an);
    assert.match(await page.textContent(an), /Đã sao lưu/);

    const dung = await card('Phạm Thị Dung');
    page.once('dialog', (d) => d.accept());
    await clearMsg('keys');
    await click(`${dung} .key-delete`);
    const deleted = await waitMsg('keys');
    assert.equal(deleted.text, fill(await dict('vi', 'keys.deleted'), { name: 'Phạm Thị Dung' }));
    const v = await inView('#keys-msg');
    assert.ok(v.inside, `${engine}: delete message at ${v.rect}`);
    assert.deepEqual(page.errors, []);
  });

  test('a post-quantum key and a GnuPG 2.2 colleague: the conflict is explained, one file per group', async () => {
    const [binh] = await people;
    await tab('files');
    const text = Buffer.from('Báo cáo quý IV — gửi hai nhóm người nhận.\n'.repeat(500));
    await page.setInputFiles('#file-input', { name: 'baocao.pdf', mimeType: 'application/pdf', buffer: text });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.$$eval('#recipients input:checked', (boxes) => boxes.forEach((b) => b.click()));
    for (const who of ['Nguyễn Văn An', 'Trần Thị Bình']) {
      const i = await page.$$eval('#recipients label', (ls, n) => ls.findIndex((l) => l.textContent.includes(n)), who);
      await check(`#recipients .check:nth-child(${i + 1}) input`);
    }
    await page.selectOption('#file-signer', '');
    await clearMsg('files');
    await click('#encrypt-btn');
    const m = await waitMsg('files', ['error']);
    assert.equal(m.code, 'INVALID_ARGUMENT');
    assert.equal(m.text, fill(await dict('vi', 'files.conflict'), { pq: 'Nguyễn Văn An', old: 'Trần Thị Bình' }));
    assert.notEqual(m.text, await dict('vi', 'error.INVALID_ARGUMENT'));
    const v = await inView('#files-msg');
    assert.ok(v.inside, `${engine}: conflict message at ${v.rect}`);
    assert.equal(await page.isVisible('#conflict-split'), true);
    assert.equal(await page.textContent('#conflict-split'), fill(await dict('vi', 'files.conflictSplit'), { count: 2 }));

    await clearMsg('files');
    await click('#conflict-split');
    await page.waitForFunction(() => document.querySelectorAll('#download a').length === 2 && document.getElementById('files-msg').dataset.kind === 'ok', null, { timeout: 60_000 });
    const names = await page.$$eval('#download a', (as) => as.map((a) => a.download));
    assert.deepEqual(names, ['baocao (cho Nguyễn Văn An).pdf.gpg', 'baocao (cho Trần Thị Bình).pdf.gpg']);
    await page.waitForTimeout(1000); // the two automatic downloads have landed
    const forAn = await download('#download span:nth-child(1) a');
    const forBinh = await download('#download span:nth-child(2) a');
    assert.equal(forAn.name, names[0]);
    assert.equal(forBinh.name, names[1]);
    // Bình's file is plain SEIPDv1 that OpenPGP.js (as GnuPG 2.2 would) decrypts.
    const key = await openpgp.readPrivateKey({ armoredKey: binh.privateKey });
    const out = await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: forBinh.bytes }), decryptionKeys: key, format: 'binary' });
    assert.equal(Buffer.from(out.data).toString(), text.toString());
    page.anFile = forAn;
    page.anText = text;
    assert.deepEqual(page.errors, []);
  });

  test('decrypting asks for the passphrase of the key the file is for, in place; keys lock themselves', async () => {
    await tab('files');
    const file = page.anFile;
    assert.ok(file, 'needs the file of the previous test');
    await page.setInputFiles('#file-input', { name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.waitForSelector('#unlock-inline:not([hidden])');
    assert.equal(await page.textContent('#file-for'), fill(await dict('vi', 'files.for'), { names: 'Nguyễn Văn An' }));
    assert.equal(await page.textContent('#unlock-inline-label'), fill(await dict('vi', 'files.unlockFor'), { name: 'Nguyễn Văn An' }));
    assert.equal(await page.textContent('#unlock-inline-btn'), 'Mở khoá: Nguyễn Văn An');

    // Decrypt first: the page points at the field instead of failing.
    await clearMsg('files');
    await click('#decrypt-btn');
    const locked = await waitMsg('files', ['error']);
    assert.equal(locked.text, fill(await dict('vi', 'files.needUnlockFor'), { name: 'Nguyễn Văn An' }));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'unlock-inline-pass');

    await page.fill('#unlock-inline-pass', 'sai');
    await clearMsg('files');
    await click('#unlock-inline-btn');
    assert.equal((await waitMsg('files', ['error'])).code, 'BAD_PASSPHRASE');
    const v = await inView('#files-msg');
    assert.ok(v.inside, `${engine}: unlock message at ${v.rect}`);
    await page.fill('#unlock-inline-pass', PASS);
    await clearMsg('files');
    await click('#unlock-inline-btn');
    assert.equal((await waitMsg('files')).kind, 'ok');
    await page.waitForFunction(() => document.getElementById('unlock-inline').hidden);

    const dec = await download('#decrypt-btn');
    assert.equal(dec.name, 'baocao (cho Nguyễn Văn An).pdf');
    assert.equal(dec.bytes.toString(), page.anText.toString());

    // ?autoLockSec=10: the key locks itself, and the field comes back for the next file.
    await page.waitForSelector('#unlock-inline:not([hidden])', { timeout: 30_000 });
    await tab('keys');
    await page.waitForSelector(`${await card('Nguyễn Văn An')} .key-unlock`);
    assert.equal(await page.isVisible('label[for="autolock"]'), true);
    assert.deepEqual(page.errors, []);
  });

  test('error words: bzip2 decrypts; a damaged header is called damaged; a non-backup restore; text gets .txt', async () => {
    await tab('files');
    // GnuPG's bzip2 compression (tests/hostile corpus), named without an extension.
    await page.setInputFiles('#file-input', { name: 'thu-gnupg.gpg', mimeType: 'application/octet-stream', buffer: hostile('decrypt-bzip2-gpg') });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.waitForFunction(() => document.getElementById('file-for').textContent.length > 0);
    assert.equal(await page.textContent('#file-for'), await dict('vi', 'files.forPassword'));
    await page.fill('#file-pass', HOSTILE_PASS);
    const bz = await download('#decrypt-btn');
    assert.equal(bz.name, 'thu-gnupg.txt');
    assert.equal(bz.bytes.toString(), 'compressed with bzip2 by GnuPG\n'.repeat(64));
    // (The damaged messages below are password messages: the password stays given.)

    for (const name of ['decrypt-header-bit7-clear', 'decrypt-header-length-damaged']) {
      await page.setInputFiles('#file-input', { name: 'hong.gpg', mimeType: 'application/octet-stream', buffer: hostile(name) });
      await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
      await clearMsg('files');
      await click('#decrypt-btn');
      const m = await waitMsg('files', ['error']);
      assert.equal(m.code, 'MALFORMED_INPUT', name);
      assert.equal(m.text, await dict('vi', 'error.MALFORMED_INPUT'));
      assert.match(m.text, /hỏng/);
      assert.doesNotMatch(m.text, /người nhận/);
    }
    await page.fill('#file-pass', '');

    await tab('notes');
    await page.setInputFiles('#vr-file', { name: 'khong-phai.backup', mimeType: 'application/octet-stream', buffer: hostile('decrypt-bzip2-gpg') });
    await page.fill('#vr-pass', PASS);
    await clearMsg('notes');
    await click('#vault-restore button[type="submit"]');
    const r = await waitMsg('notes', ['error']);
    assert.equal(r.text, await dict('vi', 'notes.notBackup'), r.code);
    const v = await inView('#notes-msg');
    assert.ok(v.inside, `${engine}: restore message at ${v.rect}`);
    assert.deepEqual(page.errors, []);
  });

  test('unsaved note edits: asked before switching or a new note; leaving the page is held back', async () => {
    await tab('notes');
    await page.fill('#vc-pass', PASS);
    await page.fill('#vc-pass2', PASS);
    await click('#vault-create button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    await click('#note-new');
    await page.fill('#note-title', 'Biên bản họp');
    await page.fill('#note-body', 'Nội dung đã lưu');
    await click('#note-save');
    await page.waitForFunction(() => [...document.querySelectorAll('.note-title')].some((e) => e.textContent === 'Biên bản họp'));
    const leaving = () => page.evaluate(() => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
    assert.equal(await leaving(), false, 'nothing unsaved: leaving is not held back');

    await page.fill('#note-body', 'Nội dung đã lưu — và một đoạn chưa lưu');
    assert.equal(await leaving(), true, 'unsaved: the page asks before leaving');
    page.once('dialog', (d) => d.dismiss());
    await click('#note-new');
    assert.equal(await page.inputValue('#note-body'), 'Nội dung đã lưu — và một đoạn chưa lưu', 'dismissed: the edit stays');
    page.once('dialog', (d) => d.accept());
    await click('#note-new');
    assert.equal(await page.inputValue('#note-title'), '');
    assert.equal(await leaving(), false);
    await click('.note-item');
    await page.waitForFunction(() => document.getElementById('note-body').value === 'Nội dung đã lưu');
    assert.deepEqual(page.errors, []);
  });
});
