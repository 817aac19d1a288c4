// The web page end to end in every engine: keys, a 50 MiB file round trip with
// progress and a responsive main thread, password encryption, tamper detection,
// the notes vault across a reload, backup/restore, sharing, the language switch and
// screenshots of each tab at desktop and phone width (target/screenshots/<engine>/).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachEngine } from './harness.mjs';

const SHOTS = fileURLToPath(new URL('../../target/screenshots/', import.meta.url));
const BIG = 50 * 1024 * 1024;
const PASS = 'mật khẩu thử nghiệm 2026';

forEachEngine(({ h, test, engine, lacks }) => {
  let tmp;
  let context;
  let page;
  const metrics = {};

  const shots = join(SHOTS, engine);
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'signet-www-'));
    await mkdir(shots, { recursive: true });
    context = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // Long tasks on the main thread, and no save picker (downloads go through Blob URLs).
    await context.addInitScript(() => {
      window.__longtasks = [];
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      } catch {
        // not supported: the test reads an empty list and says so
      }
      delete window.showSaveFilePicker;
    });
    page = await h.newPage(context);
    // Memory mode up to 16 MiB: the 50 MiB file then streams both ways.
    await page.goto(`${h.base}/?memoryMiB=16`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
  });

  after(async () => {
    if (Object.keys(metrics).length) console.log(`www metrics (${engine}):`, JSON.stringify(metrics));
    await context?.close().catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Playwright refuses in-memory files over 50 MB: large inputs go through a temp file. */
  async function setFile(selector, name, bytes) {
    if (bytes.length < 32 * 1024 * 1024) {
      return page.setInputFiles(selector, { name, mimeType: 'application/octet-stream', buffer: bytes });
    }
    const dir = await mkdtemp(join(tmp, 'in-'));
    const path = join(dir, name);
    await writeFile(path, bytes);
    return page.setInputFiles(selector, path);
  }

  /** Empties a panel's message line so the next wait sees only the new message. */
  async function clearMsg(panel) {
    await page.$eval(`#${panel}-msg`, (m) => {
      m.textContent = '';
      delete m.dataset.kind;
      delete m.dataset.code;
    });
  }

  const sha256 = (b) => createHash('sha256').update(b).digest('hex');

  async function tab(name) {
    await page.click(`#tab-${name}`);
    await page.waitForSelector(`#panel-${name}:not([hidden]):not([aria-busy])`);
  }

  /** Clicks `selector` and returns the bytes and name of the download it starts. */
  const download = (selector, timeout = 120_000) => page.download(selector, timeout);

  /** A selector for the first element matching `selector` whose text contains `text`. */
  async function withText(selector, text) {
    const n = await page.$$eval(selector, (els, t) => {
      const i = els.findIndex((e) => e.textContent.includes(t));
      if (i >= 0) els[i].dataset.testPick = String(i);
      return i;
    }, text);
    if (n < 0) throw new Error(`${engine}: no ${selector} with text ${text}`);
    return `${selector}[data-test-pick="${n}"]`;
  }

  async function msg(panel) {
    return page.$eval(`#${panel}-msg`, (m) => ({ text: m.textContent, kind: m.dataset.kind, code: m.dataset.code ?? null }));
  }

  async function waitMsg(panel, kinds = ['ok', 'error']) {
    await page.waitForFunction(
      ([p, k]) => k.includes(document.getElementById(`${p}-msg`).dataset.kind),
      [panel, kinds],
      { timeout: 120_000 },
    );
    return msg(panel);
  }

  /** The texts the page uses, read from its own dictionary module. */
  async function dict(lang, key) {
    return page.evaluate(async ([l, k]) => (await import('/i18n.js')).dictionaries[l][k], [lang, key]);
  }

  test('generate a key, then unlock it with its passphrase (a wrong one is refused)', async () => {
    await tab('keys');
    await page.fill('#gen-uid', 'Nguyễn Văn An <an@tinh.gov.vn>');
    await page.selectOption('#gen-profile', 'pqc');
    await page.fill('#gen-pass', PASS);
    await page.fill('#gen-pass2', PASS);
    await page.click('#gen-btn');
    await page.waitForSelector('#key-list li.key', { timeout: 60_000 });
    const card = await page.textContent('#key-list li.key');
    assert.match(card, /Nguyễn Văn An/);
    assert.match(card, /Hậu lượng tử/); // PQ badge
    assert.match(card, /([0-9A-F]{4} ){5,}/); // grouped fingerprint

    // Wrong passphrase: the BAD_PASSPHRASE message.
    await page.click('#key-list .key-unlock');
    await page.fill('#pass-dialog-input', 'sai mật khẩu');
    await page.click('#pass-dialog button[value="ok"]');
    const bad = await waitMsg('keys', ['error']);
    assert.equal(bad.code, 'BAD_PASSPHRASE');
    assert.equal(bad.text, await dict('vi', 'error.BAD_PASSPHRASE'));

    await page.click('#key-list .key-unlock');
    await page.fill('#pass-dialog-input', PASS);
    await page.click('#pass-dialog button[value="ok"]');
    await page.waitForSelector('#key-list .key-lock', { timeout: 60_000 });
    assert.deepEqual(page.errors, []);
  });

  test('a 50 MiB file streams: encrypt to the key and decrypt back; progress moves, main thread responsive', async () => {
    await tab('files');
    const original = randomBytes(BIG);
    await setFile('#file-input', 'baocao.pdf', original);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.check('#recipients input[type="checkbox"]');
    await page.selectOption('#file-signer', ''); // signing would need memory mode

    const sample = () => page.evaluate(() => {
      window.__samples = [];
      window.__heap = 0;
      window.__longtasks.length = 0;
      const tick = () => {
        window.__samples.push(document.getElementById('progress').value);
        if (performance.memory) window.__heap = Math.max(window.__heap, performance.memory.usedJSHeapSize);
      };
      window.__sampler = setInterval(tick, 25);
    });
    const stop = () => page.evaluate(() => {
      clearInterval(window.__sampler);
      return { samples: window.__samples, heap: window.__heap, longtasks: window.__longtasks };
    });

    // Encrypt.
    await sample();
    const enc = await download('#encrypt-btn');
    const encRun = await stop();
    assert.equal(enc.name, 'baocao.pdf.gpg');
    assert.ok(enc.bytes.length > BIG, 'ciphertext is at least as large as the plaintext');
    const encMiBps = Number(await page.getAttribute('#file-stats', 'data-mibps'));
    const encMs = Number(await page.getAttribute('#file-stats', 'data-ms'));
    const distinct = new Set(encRun.samples.filter((v) => v > 0 && v < 1));
    assert.ok(distinct.size >= 3, `progress bar moved through ${distinct.size} intermediate values`);
    const encLong = Math.max(0, ...encRun.longtasks.map((x) => x.duration));
    assert.ok(encLong < 200, `main-thread long task of ${encLong} ms during encryption`);

    // Decrypt what we downloaded.
    await setFile('#file-input', enc.name, enc.bytes);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await sample();
    const dec = await download('#decrypt-btn');
    const decRun = await stop();
    assert.equal(dec.name, 'baocao.pdf');
    assert.equal(sha256(dec.bytes), sha256(original));
    const decMiBps = Number(await page.getAttribute('#file-stats', 'data-mibps'));
    const decMs = Number(await page.getAttribute('#file-stats', 'data-ms'));
    const decLong = Math.max(0, ...decRun.longtasks.map((x) => x.duration));
    assert.ok(decLong < 200, `main-thread long task of ${decLong} ms during decryption`);
    // Streamed and checked for signatures as it streamed: there are none.
    assert.equal(await page.getAttribute('#sig-status', 'data-state'), 'none');

    // One flipped byte in the middle of the streamed ciphertext: an error, no download.
    const bad = Buffer.from(enc.bytes);
    bad[bad.length >> 1] ^= 0x40;
    await setFile('#file-input', enc.name, bad);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await clearMsg('files');
    await page.click('#decrypt-btn');
    const m = await waitMsg('files', ['error']);
    assert.ok(['DECRYPTION_FAILED', 'TAMPERED'].includes(m.code), m.code);
    assert.equal(m.text, await dict('vi', `error.${m.code}`));
    assert.equal(await page.$eval('#download', (d) => d.children.length), 0, 'nothing offered for download');

    Object.assign(metrics, {
      encryptMiBps: encMiBps,
      decryptMiBps: decMiBps,
      encryptMs: encMs,
      decryptMs: decMs,
      progressSamples: distinct.size,
      longestTaskMs: { encrypt: encLong, decrypt: decLong },
      peakMainHeapMiB: +(Math.max(encRun.heap, decRun.heap) / 1048576).toFixed(1),
    });
    assert.deepEqual(page.errors, []);
  });

  test('a signed file shows its signature status, in memory mode and streamed', async () => {
    await tab('files');
    const text = Buffer.from('Quyết định số 7/QĐ — bản ký số.\n'.repeat(1000));
    await page.setInputFiles('#file-input', { name: 'quyetdinh.txt', mimeType: 'text/plain', buffer: text });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.check('#recipients input[type="checkbox"]');
    await page.selectOption('#file-signer', { index: 1 });
    const enc = await download('#encrypt-btn');
    await page.setInputFiles('#file-input', { name: enc.name, mimeType: 'application/octet-stream', buffer: enc.bytes });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    const dec = await download('#decrypt-btn');
    assert.equal(sha256(dec.bytes), sha256(text));
    assert.equal(await page.getAttribute('#sig-status', 'data-state'), 'valid');
    assert.match(await page.textContent('#sig-status'), /Chữ ký hợp lệ của Nguyễn Văn An/);

    // Over the memory-mode size (16 MiB here): signed and verified as it streams.
    const big = randomBytes(17 * 1024 * 1024);
    await setFile('#file-input', 'lon.bin', big);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    const bigEnc = await download('#encrypt-btn');
    await setFile('#file-input', bigEnc.name, bigEnc.bytes);
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    const bigDec = await download('#decrypt-btn');
    assert.equal(sha256(bigDec.bytes), sha256(big));
    assert.equal(await page.getAttribute('#sig-status', 'data-state'), 'valid');
    assert.match(await page.textContent('#sig-status'), /Chữ ký hợp lệ của Nguyễn Văn An/);
    await page.selectOption('#file-signer', '');
    assert.deepEqual(page.errors, []);
  });

  test('cancel stops a running encryption and offers nothing', async () => {
    await tab('files');
    await setFile('#file-input', 'lon.bin', randomBytes(200 * 1024 * 1024)); // streams: big enough to still be running
    await page.selectOption('#file-signer', '');
    await clearMsg('files');
    const downloadsBefore = await page.downloadCount();
    await page.click('#encrypt-btn');
    await page.click('#cancel-btn'); // waits until it is enabled, i.e. the run started
    const m = await waitMsg('files');
    assert.equal(m.text, await dict('vi', 'files.cancelled'));
    assert.equal(await page.$eval('#progress', (p) => p.value), 0);
    assert.equal(await page.$eval('#download', (d) => d.children.length), 0);
    assert.equal(await page.isDisabled('#encrypt-btn'), false);
    await page.waitForTimeout(500);
    assert.equal(await page.downloadCount(), downloadsBefore);
    assert.deepEqual(page.errors, []);
  });

  test('password encryption and decryption; a wrong password and a tampered file are reported', async () => {
    await tab('files');
    const text = Buffer.from('Công văn số 12/2026 — nội dung mật.\n'.repeat(200));
    await page.setInputFiles('#file-input', { name: 'congvan.txt', mimeType: 'text/plain', buffer: text });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await page.$$eval('#recipients input:checked', (boxes) => boxes.forEach((b) => b.click()));
    await page.selectOption('#file-signer', '');
    await page.check('#file-armor');
    await page.fill('#file-pass', 'mật khẩu tệp');
    const enc = await download('#encrypt-btn');
    assert.equal(enc.name, 'congvan.txt.asc');
    assert.match(enc.bytes.toString(), /^-----BEGIN PGP MESSAGE-----/);
    await page.uncheck('#file-armor');

    await page.setInputFiles('#file-input', { name: enc.name, mimeType: 'text/plain', buffer: enc.bytes });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    const dec = await download('#decrypt-btn');
    assert.equal(dec.name, 'congvan.txt');
    assert.equal(sha256(dec.bytes), sha256(text));
    assert.equal(await page.getAttribute('#sig-status', 'data-state'), 'none');

    // Wrong password.
    await page.fill('#file-pass', 'không đúng');
    await clearMsg('files');
    await page.click('#decrypt-btn');
    const wrong = await waitMsg('files', ['error']);
    // No session key opened: with a password given, the page says wrong password or not a recipient.
    assert.ok(['BAD_PASSPHRASE', 'NO_MATCHING_KEY'].includes(wrong.code), wrong.code);
    assert.equal(wrong.text, await dict('vi', wrong.code === 'NO_MATCHING_KEY' ? 'files.noKeyOrPassword' : 'error.BAD_PASSPHRASE'));

    // Tampered binary ciphertext: flip one byte in the encrypted data.
    await page.fill('#file-pass', 'mật khẩu tệp');
    await page.setInputFiles('#file-input', { name: 'congvan.txt', mimeType: 'text/plain', buffer: text });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    const bin = await download('#encrypt-btn');
    const bad = Buffer.from(bin.bytes);
    bad[bad.length - 40] ^= 0x01;
    await page.setInputFiles('#file-input', { name: bin.name, mimeType: 'application/octet-stream', buffer: bad });
    await page.waitForSelector('#file-for[data-state="done"]', { state: 'attached' });
    await clearMsg('files');
    await page.click('#decrypt-btn');
    const tampered = await waitMsg('files', ['error']);
    assert.ok(['DECRYPTION_FAILED', 'TAMPERED'].includes(tampered.code), tampered.code);
    assert.equal(tampered.text, await dict('vi', `error.${tampered.code}`));
    assert.match(tampered.text, /hỏng hoặc đã bị sửa đổi|sửa đổi trái phép/);
    assert.equal(await page.$eval('#download', (d) => d.children.length), 0, 'nothing offered for download');
    await page.fill('#file-pass', '');
    assert.deepEqual(page.errors, []);
  });

  test('every error code has a Vietnamese and an English message', async () => {
    const missing = await page.evaluate(async () => {
      const { dictionaries } = await import('/i18n.js');
      const s = await import('/pkg/index.js');
      await s.init();
      return s.errorCodes().filter((c) => !dictionaries.vi[`error.${c}`] || !dictionaries.en[`error.${c}`]);
    });
    assert.deepEqual(missing, []);
  });

  test('a refused key is explained in words: err.reason through errorText (docs/policy.md)', async () => {
    const weak = await readFile(new URL('../fixtures/policy/rsa-1024.asc', import.meta.url), 'utf8');
    const got = await page.evaluate(async (cert) => {
      const { dictionaries, errorText } = await import('/i18n.js');
      const s = await import('/pkg/index.js');
      await s.init();
      try {
        await s.encrypt({ data: 'x', encryptionKeys: [cert] });
        return null;
      } catch (err) {
        const words = [dictionaries.vi['reason.too-weak'], dictionaries.en['reason.too-weak']];
        return { code: err.code, reason: err.reason, text: errorText(err), words };
      }
    }, weak);
    assert.equal(got?.code, 'KEY_UNUSABLE');
    assert.equal(got.reason, 'too-weak');
    assert.ok(got.words.every(Boolean), 'Vietnamese and English words');
    assert.ok(got.words.some((w) => got.text.endsWith(w)), got.text);
  });

  test('notes: create, reload, unlock, search, backup and restore, share to our own wrap key', async () => {
    await tab('notes');
    await page.fill('#vc-pass', PASS);
    await page.fill('#vc-pass2', PASS);
    await page.click('#vault-create button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    // The page says whether the browser keeps the notebook: navigator.storage.persisted(),
    // or "unknown" where the engine has no Storage API.
    await page.waitForFunction(async () => {
      const p = navigator.storage?.persisted ? await navigator.storage.persisted() : null;
      return document.getElementById('vault-storage').dataset.persisted === String(p);
    });
    const persisted = await page.getAttribute('#vault-storage', 'data-persisted');
    const storageKey = { true: 'persistent', false: 'bestEffort', null: 'unknown' }[persisted];
    assert.equal(await page.textContent('#vault-storage'), await dict('vi', `notes.storage.${storageKey}`));
    console.log(`# www (${engine}): storage persisted = ${persisted}`);
    for (const [title, body, tags] of [
      ['Họp giao ban thứ Hai', 'Chuẩn bị báo cáo quý', 'họp'],
      ['Danh bạ sở', 'Số điện thoại phòng hành chính', 'danh bạ, nội bộ'],
    ]) {
      await page.click('#note-new');
      await page.fill('#note-title', title);
      await page.fill('#note-body', body);
      await page.fill('#note-tags', tags);
      await page.click('#note-save');
      await page.waitForFunction((t) => [...document.querySelectorAll('.note-title')].some((e) => e.textContent === t), title);
    }

    // Reload: locked, then unlock (a wrong passphrase first).
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    await page.waitForSelector('#vault-unlock:not([hidden])');
    await page.fill('#vu-pass', 'sai');
    await clearMsg('notes');
    await page.click('#vault-unlock button[type="submit"]');
    assert.equal((await waitMsg('notes', ['error'])).code, 'BAD_PASSPHRASE');
    await page.fill('#vu-pass', PASS);
    await page.click('#vault-unlock button[type="submit"]');
    await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
    // The list fills while the panel is aria-busy, just after the notebook shows.
    await page.waitForSelector('#panel-notes:not([aria-busy])');
    assert.equal(await page.$$eval('.note-title', (e) => e.length), 2);

    await page.fill('#note-search', 'hành chính');
    await page.waitForFunction(() => document.querySelectorAll('.note-title').length === 1);
    assert.equal(await page.textContent('.note-title'), 'Danh bạ sở');
    await page.fill('#note-search', '');
    await page.waitForFunction(() => document.querySelectorAll('.note-title').length === 2);

    // Backup, then restore it (replacing the current notebook).
    const backup = await download('#vault-backup');
    assert.match(backup.name, /^signet-notes-\d{4}-\d{2}-\d{2}\.backup$/);
    assert.ok(!backup.bytes.includes(Buffer.from('hành chính')), 'backup holds no plaintext');
    await clearMsg('notes');
    page.once('dialog', (d) => d.accept());
    await page.setInputFiles('#restore-file', { name: backup.name, mimeType: 'application/octet-stream', buffer: backup.bytes });
    await page.waitForSelector('#pass-dialog[open]');
    await page.fill('#pass-dialog-input', PASS);
    await page.click('#pass-dialog button[value="ok"]');
    const restored = await waitMsg('notes');
    assert.equal(restored.kind, 'ok', restored.text);
    assert.equal(restored.text, (await dict('vi', 'notes.restored')).replace('{count}', '2'));
    assert.equal(await page.$$eval('.note-title', (e) => e.length), 2);

    // Share a note to our own X-Wing wrap key and accept it back.
    await tab('keys');
    await page.click('#wrap-gen');
    await page.fill('#pass-dialog-input', PASS);
    await page.fill('#pass-dialog-input2', PASS);
    await page.click('#pass-dialog button[value="ok"]');
    await page.waitForSelector('#wrap-have:not([hidden])', { timeout: 30_000 });
    const wrapText = await page.inputValue('#wrap-text');
    assert.ok(wrapText.length > 100);
    await tab('notes');
    await page.click(await withText('.note-item', 'Họp giao ban thứ Hai'));
    await page.waitForFunction(() => document.getElementById('note-title').value === 'Họp giao ban thứ Hai');
    await page.click('#share-box summary');
    await page.fill('#share-to', wrapText);
    const shared = await download('#share-btn');
    assert.match(shared.name, /\.signet-note$/);
    await page.setInputFiles('#accept-file', { name: shared.name, mimeType: 'application/octet-stream', buffer: shared.bytes });
    await page.waitForSelector('#pass-dialog[open]');
    await clearMsg('notes');
    await page.fill('#pass-dialog-input', PASS);
    await page.click('#pass-dialog button[value="ok"]');
    const accepted = await waitMsg('notes');
    assert.equal(accepted.kind, 'ok', accepted.text);
    assert.equal(await page.$$eval('.note-title', (e) => e.filter((x) => x.textContent === 'Họp giao ban thứ Hai').length), 2);
    assert.deepEqual(page.errors, []);
  });

  test('language switch (remembered across reloads) and keyboard tabs', async () => {
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    assert.equal(await page.textContent('#tab-keys'), 'Khoá');
    await page.selectOption('#lang', 'en');
    assert.equal(await page.textContent('#tab-keys'), 'Keys');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
    assert.equal(await page.textContent('#tab-files'), 'Files');
    assert.equal(await page.textContent('#status > span'), 'Ready.');
    assert.match(await page.textContent('#status details'), /^Technical details ?signet-crypto \d/);

    // Keyboard: arrows move the selection along the tablist.
    await page.focus('#tab-keys');
    await page.click('#tab-keys');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-files', 'aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-files');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#tab-notes', 'aria-selected'), 'true');
    await page.keyboard.press('Home');
    assert.equal(await page.getAttribute('#tab-keys', 'aria-selected'), 'true');
    assert.equal(await page.isHidden('#panel-notes'), true);

    // Every form control has a label.
    const unlabelled = await page.$$eval('input, select, textarea', (els) =>
      els.filter((e) => e.type !== 'hidden' && !(e.labels?.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
        .map((e) => e.id || e.outerHTML));
    assert.deepEqual(unlabelled, []);

    await page.selectOption('#lang', 'vi');
    assert.equal(await page.textContent('#tab-keys'), 'Khoá');
    assert.deepEqual(page.errors, []);
  });

  test('importing keys: an unprotected private key is stored only once protected', async () => {
    const openpgp = await import('openpgp');
    const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519', userIDs: [{ name: 'Trần Thị Bình', email: 'binh@so.gov.vn' }], format: 'armored' });
    await tab('keys');
    const before = await page.$$eval('#key-list li.key', (l) => l.length);
    await page.fill('#import-text', privateKey);
    await clearMsg('keys');
    await page.click('#import-btn');
    const refused = await waitMsg('keys', ['error']);
    assert.equal(refused.text, await dict(await page.getAttribute('html', 'lang'), 'keys.needProtect'));
    assert.equal(await page.$$eval('#key-list li.key', (l) => l.length), before);

    await page.fill('#import-pass', 'bảo vệ khoá nhập');
    await clearMsg('keys');
    await page.click('#import-btn');
    assert.equal((await waitMsg('keys')).kind, 'ok');
    await page.waitForFunction((n) => document.querySelectorAll('#key-list li.key').length === n + 1, before);
    const card = await page.textContent('#key-list li.key:last-child');
    assert.match(card, /Trần Thị Bình/);
    assert.doesNotMatch(card, /Hậu lượng tử|Post-quantum/);
    // What is stored is protected: its export unlocks only with the new passphrase.
    const exported = await download('#key-list li.key:last-child .key-export-private');
    assert.equal(exported.name, 'Trần-Thị-Bình-khoa-bi-mat.asc');
    const k = await openpgp.readPrivateKey({ armoredKey: exported.bytes.toString() });
    assert.equal(k.isDecrypted(), false);
    await openpgp.decryptKey({ privateKey: k, passphrase: 'bảo vệ khoá nhập' });
    assert.deepEqual(page.errors, []);
  });

  test('with a save picker, output streams to the chosen file chunk by chunk', { skip: lacks('savePicker') }, async () => {
    const ctx = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(() => {
      // Stand-in for the File System Access picker (headless Chromium cannot show it).
      window.__saved = { name: null, writes: 0, bytes: 0, closed: false };
      window.showSaveFilePicker = async ({ suggestedName }) => {
        window.__saved.name = suggestedName;
        return {
          createWritable: async () => ({
            write: async (c) => { window.__saved.writes++; window.__saved.bytes += c.byteLength; },
            close: async () => { window.__saved.closed = true; },
            abort: async () => {},
          }),
        };
      };
    });
    const p = await h.newPage(ctx);
    try {
      await p.goto(`${h.base}/`);
      await p.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
      await p.click('#tab-files');
      assert.equal(await p.isVisible('#save-picker-row'), true);
      await p.check('#file-picker');
      await p.setInputFiles('#file-input', { name: 'so-lieu.csv', mimeType: 'text/csv', buffer: randomBytes(10 * 1024 * 1024) });
      await p.fill('#file-pass', 'mật khẩu');
      await p.click('#encrypt-btn');
      await p.waitForFunction(() => window.__saved.closed, null, { timeout: 60_000 });
      const saved = await p.evaluate(() => window.__saved);
      assert.equal(saved.name, 'so-lieu.csv.gpg');
      assert.ok(saved.writes >= 3, `${saved.writes} writes`);
      assert.ok(saved.bytes > 10 * 1024 * 1024);
      assert.equal(await p.downloadCount(), 0);
      assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });

  test('works offline once loaded (service worker)', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    // Offline: the test server stops answering; the service worker serves the page.
    h.setOffline(true);
    try {
      await page.reload();
      await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 });
      assert.match(await page.textContent('#status'), /signet-crypto \d+\.\d+\.\d+/);
    } finally {
      h.setOffline(false);
    }
    assert.deepEqual(page.errors, []);
  });

  // Regenerates the page's screenshots: SIGNET_ENGINES=chromium node --test tests/browser/www.test.mjs
  // (docs/web-page.md). 360 px is the narrowest width the layout holds without scrolling.
  test('screenshots of each tab at desktop and phone width, in both languages', async () => {
    for (const [label, viewport, lang] of [
      ['desktop', { width: 1280, height: 900 }, 'vi'], ['phone', { width: 390, height: 844 }, 'vi'],
      ['desktop', { width: 1280, height: 900 }, 'en'], ['phone', { width: 390, height: 844 }, 'en'],
      ['narrow', { width: 360, height: 740 }, 'vi'],
    ]) {
      await page.setViewportSize(viewport);
      await page.selectOption('#lang', lang);
      for (const name of ['keys', 'files', 'notes']) {
        await tab(name);
        if (name === 'notes' && (await page.isVisible('#vault-unlock'))) {
          await page.fill('#vu-pass', PASS);
          await page.click('#vault-unlock button[type="submit"]');
          await page.waitForSelector('#vault-open:not([hidden])', { timeout: 60_000 });
        }
        // No horizontal scrolling at phone width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${name} at ${label}: ${overflow}px horizontal overflow`);
        await page.screenshot({ path: join(shots, `www-${name}-${label}-${lang}.png`), fullPage: true });
      }
    }
    await page.selectOption('#lang', 'vi');
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(page.errors, []);
  });
});
