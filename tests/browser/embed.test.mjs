// The crypto frame (www/frame.html) embedded by a mini app on another origin, driven
// through the SDK (signet-crypto/embed) in every engine: each SDK call end to end
// (consent clicked in the Signet window as the user would), a 50 MiB file streamed
// through the frame, encrypted forms read back in Node, and a hostile embedder (raw
// protocol, malformed messages of every field type, replays, forged consent, floods,
// hidden and overlaid frames, an origin not on the allow-list) that obtains no
// plaintext, signature or key while the frame keeps working.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachEngine } from './harness.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { WebDriverPage } from './webdriver.mjs';
import { parseContainer } from '../../www/frame/form.js';

const W3C = 'element-6066-11e4-a52e-4f735466cecf';
const PASS = 'mật khẩu cán bộ';
const MARKER = 'Bí mật: công văn số 7/2026';
const REMEMBER_MINUTES = 0.75;

const freePort = () => new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

// The mini app's origin is on the frame's allow-list; the intruder's is not.
const miniPort = await freePort();
const intruderPort = await freePort();
const miniOrigin = `http://127.0.0.1:${miniPort}`;
let frameBase = null; // the engine's key-holding origin (the harness's server)

/** A mini-app-site server whose frame origin follows the engine under test; the
 *  harness's /__harness/ routes (evaluate modules) are passed through to it. */
async function embedderServer(port) {
  const server = await startServer({ port, quiet: true, site: 'miniapp', frameOrigin: () => frameBase });
  const [serve] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/__harness/')) return serve(req, res);
    const r = await fetch(frameBase + req.url);
    res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  return server;
}

const { init, generateKey, unlockKey, decrypt, sign, verify } = await import('signet-crypto');
await init();
const official = await generateKey({ userIds: ['Cán bộ <canbo@tinh.gov.vn>'], passphrase: PASS });

// ---------------------------------------------------------------------------
// Driving the frame and the consent window as the user would, in every engine.

async function chromiumFrame(page, sel) {
  const handle = await page.waitForSelector(sel, { state: 'attached' });
  return handle.contentFrame();
}

/** Runs `body` with WebDriver's focus inside the <iframe> `sel`. */
async function wdInFrame(page, sel, body) {
  const id = await page.element(sel, { enabled: false });
  await page.cmd('POST', '/frame', { id: { [W3C]: id } });
  try {
    return await body();
  } finally {
    await page.cmd('POST', '/frame', { id: null });
  }
}

async function wdFind(page, sel, timeout = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const ok = await page.cmd('POST', '/execute/sync', {
      script: 'const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0 && !e.disabled;',
      args: [sel],
    });
    if (ok) return (await page.cmd('POST', '/element', { using: 'css selector', value: sel }))[W3C];
    if (Date.now() - t0 > timeout) throw new Error(`${page.engine}: no ${sel} in the frame`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const frame = {
  async click(page, sel, target = '#t-slot iframe') {
    if (page.engine === 'chromium') return (await chromiumFrame(page, target)).click(sel, { timeout: 60_000 });
    return wdInFrame(page, target, async () => page.cmd('POST', `/element/${await wdFind(page, sel)}/click`, {}));
  },
  /** `fn(arg)` evaluated in the frame's document (what the user sees there). */
  async eval(page, fn, arg, target = '#t-slot iframe') {
    if (page.engine === 'chromium') return (await chromiumFrame(page, target)).evaluate(fn, arg);
    return wdInFrame(page, target, () => page.cmd('POST', '/execute/sync', { script: `return (${fn})(arguments[0]);`, args: [arg] }));
  },
  async waitFor(page, sel, target = '#t-slot iframe') {
    if (page.engine === 'chromium') return (await chromiumFrame(page, target)).waitForSelector(sel, { timeout: 60_000 });
    return wdInFrame(page, target, () => wdFind(page, sel));
  },
  async setFile(page, sel, { name, buffer }, target = '#t-slot iframe') {
    if (page.engine === 'chromium') return (await chromiumFrame(page, target)).setInputFiles(sel, { name, mimeType: 'application/octet-stream', buffer });
    const path = join(mkdtempSync(join(tmpdir(), 'signet-embed-')), name);
    writeFileSync(path, buffer);
    return wdInFrame(page, target, async () => page.cmd('POST', `/element/${await wdFind(page, sel)}/value`, { text: path }));
  },
};

/** Clicks "Review" in the frame and returns the consent window it opens. */
async function openConsent(page) {
  if (page.engine === 'chromium') {
    const [popup] = await Promise.all([page.waitForEvent('popup', { timeout: 60_000 }), frame.click(page, '#review')]);
    await popup.waitForLoadState();
    return popup;
  }
  const known = await page.cmd('GET', '/window/handles');
  await frame.click(page, '#review');
  const t0 = Date.now();
  for (;;) {
    const fresh = (await page.cmd('GET', '/window/handles')).find((x) => !known.includes(x));
    if (fresh) return new WebDriverPage(page.session, fresh, page.server);
    if (Date.now() - t0 > 30_000) throw new Error(`${page.engine}: no consent window opened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The user reads the consent window, types the passphrase and allows. */
async function allow(page, { remember = false, wrongFirst = false } = {}) {
  const popup = await openConsent(page);
  await popup.waitForSelector('#c-allow', { timeout: 60_000 });
  const text = await popup.textContent('#consent');
  assert.ok(text.includes(miniOrigin), `the consent names the requesting origin: ${text}`);
  assert.match(text, /Đồng ý/);
  assert.match(text, /Allow/);
  if (wrongFirst) {
    await popup.fill('#c-pass', 'sai mật khẩu');
    await popup.click('#c-allow');
    await popup.waitForFunction(() => document.getElementById('c-error').textContent.length > 0, null, { timeout: 60_000 });
    assert.match(await popup.textContent('#c-error'), /Wrong passphrase/);
  }
  await popup.fill('#c-pass', PASS);
  if (remember) await popup.check('#c-remember');
  await popup.click('#c-allow');
  return text;
}

// ---------------------------------------------------------------------------
// In the embedder's page (self-contained functions: they are serialized).

/** Connects an instrumented SDK client: every message the page receives is kept. */
async function install({ frameUrl }) {
  if (window.__t) return true;
  const seen = [];
  const desc = Object.getOwnPropertyDescriptor(MessagePort.prototype, 'onmessage');
  Object.defineProperty(MessagePort.prototype, 'onmessage', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(fn) { desc.set.call(this, fn && ((e) => { seen.push(e.data); return fn.call(this, e); })); },
  });
  window.addEventListener('message', (e) => seen.push(e.data));
  const { connect } = await import('/embed/index.js');
  const slot = document.createElement('div');
  slot.id = 't-slot';
  document.body.prepend(slot);
  const client = await connect({ frameUrl, container: slot });
  client.frame.style.height = '300px';
  const vals = {};
  const res = {};
  const blob = (n) => {
    const parts = [];
    for (let off = 0; off < n; off += 65536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, n - off))));
    return new Blob(parts);
  };
  const resolve = (v) => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') {
      if ('$ref' in v) return v.field ? vals[v.$ref][v.field] : vals[v.$ref];
      if ('$blob' in v) return blob(v.$blob);
      if ('$bytes' in v) return new TextEncoder().encode(v.$bytes);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    }
    return v;
  };
  const summary = (v) => {
    if (typeof v === 'string') return { type: 'string', length: v.length, text: v };
    if (v instanceof Uint8Array) return { type: 'bytes', length: v.length };
    if (v instanceof Blob) return { type: 'blob', size: v.size };
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(summary);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, summary(x)]));
    return v;
  };
  const bytesOf = async (v) => (v instanceof Blob ? new Uint8Array(await v.arrayBuffer()) : typeof v === 'string' ? new TextEncoder().encode(v) : v);
  window.__t = {
    client, seen, vals, res,
    start(key, op, args) {
      res[key] = { done: false };
      const t0 = performance.now();
      client[op](resolve(args)).then(
        (v) => { vals[key] = v; res[key] = { done: true, ok: true, ms: performance.now() - t0, value: summary(v) }; },
        (e) => { res[key] = { done: true, ok: false, code: e.code, message: e.message }; },
      );
    },
    store(key, spec) { vals[key] = resolve(spec); },
    async digest(key, field) {
      const v = field ? vals[key][field] : vals[key];
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', await bytesOf(v)))].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    async bytes(key, field) { return Array.from(await bytesOf(field ? vals[key][field] : vals[key])); },
    /** Does any message this page received (from the `from`th on) contain `needle` (as text, in any bytes or Blob)? */
    async received(needle, from = 0) {
      const enc = new TextEncoder().encode(needle);
      const hasBytes = (b) => {
        outer: for (let i = 0; i + enc.length <= b.length; i++) {
          for (let j = 0; j < enc.length; j++) if (b[i + j] !== enc[j]) continue outer;
          return true;
        }
        return false;
      };
      const walk = async (v, depth = 0) => {
        if (depth > 20 || v == null) return false;
        if (typeof v === 'string') return v.includes(needle);
        if (v instanceof Uint8Array) return hasBytes(v);
        if (v instanceof ArrayBuffer) return hasBytes(new Uint8Array(v));
        if (v instanceof Blob) return hasBytes(new Uint8Array(await v.arrayBuffer()));
        if (typeof v === 'object') {
          for (const x of Object.values(v)) if (await walk(x, depth + 1)) return true;
        }
        return false;
      };
      for (const m of seen.slice(from)) if (await walk(m)) return true;
      return false;
    },
  };
  return true;
}

const start = (page, key, op, args) => page.evaluate(([k, o, a]) => window.__t.start(k, o, a), [key, op, args]);
async function result(page, key, timeout = 300_000) {
  await page.waitForFunction((k) => window.__t?.res?.[k]?.done, key, { timeout, polling: 100 });
  return page.evaluate((k) => window.__t.res[k], key);
}
const pending = async (page, key) => !(await page.evaluate((k) => window.__t.res[k].done, key));
/** The request `key` waits for the user: its prompt shows in the frame. */
async function prompted(page, key) {
  await page.waitForTimeout(300);
  const r = await page.evaluate((k) => window.__t.res[k], key);
  if (r.done) {
    const inner = await frame.eval(page, () => ({ vis: document.visibilityState, w: innerWidth, h: innerHeight }));
    const outer = await page.evaluate(() => ({ rect: window.__t.client.frame.getBoundingClientRect().toJSON(), w: innerWidth, h: innerHeight, vis: document.visibilityState }));
    assert.fail(`answered without the user: ${JSON.stringify(r)} frame ${JSON.stringify(inner)} page ${JSON.stringify(outer)}`);
  }
  await frame.waitFor(page, '#review');
}

// ---------------------------------------------------------------------------

forEachEngine(({ h, test, engine }) => {
  let page;
  let mini;
  let intruder;
  let publicKeyArmored;
  let formMessage;
  let context;

  before(async () => {
    frameBase = h.base;
    mini = await embedderServer(miniPort);
    intruder = await embedderServer(intruderPort);
    // One page (WebKit's MiniBrowser shows only its first tab: others are "hidden"): the
    // official's key into the Signet page's key ring (the key-holding origin), then the mini app.
    // (Chromium: an explicit context, so the inbox page below shares its storage.)
    context = engine === 'chromium' ? await h.newContext() : undefined;
    page = await h.newPage(context);
    await page.goto(`${h.base}/test/blank.html`);
    await page.evaluate(async (rec) => {
      const s = await import('/keystore.js');
      await s.putKey({ ...rec, added: Date.now() });
    }, { fingerprint: official.fingerprint, publicKey: official.publicKey, privateKey: official.privateKey });
    await page.goto(`${miniOrigin}/`);
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 120_000 });
    await page.evaluate(install, { frameUrl: `${h.base}/frame.html` });
  });
  after(async () => {
    for (const s of [mini, intruder]) {
      s?.closeAllConnections();
      await new Promise((ok) => (s ? s.close(ok) : ok()));
    }
  });

  test('public-key work needs no prompt: listPublicKeys, encrypt, verify; errors keep the package codes', async () => {
    // The frame's key ring lives in its storage partition: WebKit partitions it per top
    // origin, Chromium and Firefox per top site (one site here: every port of 127.0.0.1).
    // It may be empty until the official's first consent links a key (next test).
    await start(page, 'keys', 'listPublicKeys', {});
    const keys = await result(page, 'keys');
    assert.ok(keys.ok && Array.isArray(keys.value), JSON.stringify(keys));
    assert.doesNotMatch(JSON.stringify(keys.value), /PRIVATE KEY/);
    publicKeyArmored = official.publicKey;

    await start(page, 'enc', 'encrypt', { data: MARKER, encryptionKeys: [publicKeyArmored], armor: true });
    const enc = await result(page, 'enc');
    assert.ok(enc.ok, JSON.stringify(enc));
    assert.match(enc.value.text, /BEGIN PGP MESSAGE/);
    // The ciphertext is real: the official decrypts it in Node.
    const key = await unlockKey(official.privateKey, PASS);
    assert.equal(new TextDecoder().decode((await decrypt({ message: enc.value.text, decryptionKeys: [key] })).data), MARKER);

    const signed = await sign({ data: 'Quyết định số 5', signingKeys: [key], detached: false, armor: true });
    key.free();
    await start(page, 'ver', 'verify', { message: signed, verificationKeys: [publicKeyArmored] });
    const ver = await result(page, 'ver');
    assert.ok(ver.ok && ver.value.valid, JSON.stringify(ver));

    await start(page, 'bad', 'encrypt', { data: 'x', encryptionKeys: ['not a key'] });
    assert.equal((await result(page, 'bad')).code, 'MALFORMED_INPUT');
  });

  test('showDecrypted: consent in a Signet window (VI+EN, names the origin); plaintext only inside the frame', async () => {
    await start(page, 'show', 'showDecrypted', { message: { $ref: 'enc' }, name: 'cong-van.txt' });
    await prompted(page, 'show');
    const panel = await frame.eval(page, () => document.getElementById('request').textContent);
    assert.ok(panel.includes(miniOrigin) && panel.includes('cong-van.txt'), panel);
    assert.ok(await pending(page, 'show'), 'nothing happens before the user answers');
    const text = await allow(page, { wrongFirst: true });
    assert.match(text, /cong-van\.txt/);
    const r = await result(page, 'show');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.shown, true);
    assert.equal(await frame.eval(page, () => document.getElementById('plaintext')?.textContent), MARKER);
    assert.equal(await page.evaluate((m) => window.__t.received(m), MARKER), false, 'the embedder received the plaintext');
    await frame.click(page, '#reader-close');

    // The key the user consented with is linked to this frame: listed from now on.
    await start(page, 'keys2', 'listPublicKeys', {});
    const keys = await result(page, 'keys2');
    const mine = keys.value.find((k) => k.fingerprint.text === official.fingerprint);
    assert.ok(mine, `the official key is listed: ${JSON.stringify(keys.value).slice(0, 300)}`);
    assert.equal(mine.isPostQuantum, true);
    assert.equal(mine.publicKey.text.includes('BEGIN PGP PUBLIC KEY'), true);
    assert.doesNotMatch(JSON.stringify(keys.value), /PRIVATE KEY/);
  });

  test('sign after consent: the signature verifies; refused consent yields nothing (DENIED)', async () => {
    await start(page, 'sig', 'sign', { data: 'Tờ trình 12', name: 'to-trinh.txt', detached: true });
    await allow(page);
    const sig = await result(page, 'sig');
    assert.ok(sig.ok, JSON.stringify(sig));
    const v = await verify({ data: 'Tờ trình 12', signature: sig.value.text, verificationKeys: [official.publicKey] });
    assert.equal(v.valid, true);

    await start(page, 'sig2', 'sign', { data: 'khác', detached: true });
    await frame.click(page, '#refuse');
    assert.equal((await result(page, 'sig2')).code, 'DENIED');
  });

  test('decrypt to the embedder (own consent), remembered for the session; a 50 MiB file streamed both ways; the grant expires', async () => {
    await start(page, 'dec', 'decrypt', { message: { $ref: 'enc' }, name: 'cong-van.txt' });
    const text = await allow(page, { remember: true });
    assert.match(text, /TRAO NỘI DUNG|HAND THE CONTENT/);
    const dec = await result(page, 'dec');
    assert.ok(dec.ok, JSON.stringify(dec));
    const granted = Date.now();

    const size = 50 * 1024 * 1024;
    await page.evaluate((n) => window.__t.store('big', { $blob: n }), size);
    await start(page, 'bigEnc', 'encrypt', { data: { $ref: 'big' }, encryptionKeys: [publicKeyArmored] });
    const bigEnc = await result(page, 'bigEnc');
    assert.ok(bigEnc.ok, JSON.stringify(bigEnc));
    assert.ok(bigEnc.value.size > size);
    // Remembered: no prompt this time.
    await start(page, 'bigDec', 'decrypt', { message: { $ref: 'bigEnc' }, name: 'big.bin' });
    const bigDec = await result(page, 'bigDec');
    assert.ok(bigDec.ok, JSON.stringify(bigDec));
    assert.equal(bigDec.value.data.size, size);
    assert.equal(await page.evaluate(() => window.__t.digest('bigDec', 'data')), await page.evaluate(() => window.__t.digest('big')));
    console.log(`# ${engine}: 50 MiB through the frame: encrypt ${Math.round(bigEnc.ms)} ms, decrypt ${Math.round(bigDec.ms)} ms (machine loaded)`);

    // Past the deployment's remember time the user is asked again.
    const wait = granted + REMEMBER_MINUTES * 60_000 + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await start(page, 'dec2', 'decrypt', { message: { $ref: 'enc' } });
    await prompted(page, 'dec2');
    await frame.click(page, '#refuse');
    assert.equal((await result(page, 'dec2')).code, 'DENIED');
  });

  test('renderForm: answers and files encrypted in the frame to post-quantum keys; the mini app gets ciphertext only', async () => {
    const form = {
      id: 'dang-ky',
      title: 'Đăng ký hồ sơ',
      fields: [
        { name: 'hoTen', label: 'Họ và tên', type: 'text', required: true },
        { name: 'tuoi', label: 'Tuổi', type: 'number' },
        { name: 'ngay', label: 'Ngày', type: 'date' },
        { name: 'loai', label: 'Loại', type: 'choice', options: ['Cá nhân', 'Doanh nghiệp'] },
        { name: 'tep', label: 'Tệp', type: 'file' },
      ],
    };
    await start(page, 'form', 'renderForm', { form, encryptionKeys: [publicKeyArmored] });
    await frame.waitFor(page, '#form-submit');
    await frame.eval(page, () => {
      const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); };
      set('f-hoTen', 'Nguyễn Thị Bí Mật');
      set('f-tuoi', '42');
      set('f-ngay', '2026-12-06');
      set('f-loai', 'Doanh nghiệp');
      return true;
    });
    const attachment = Buffer.from('%PDF-1.7 giấy phép kinh doanh');
    await frame.setFile(page, '#f-tep', { name: 'giay-phep.pdf', buffer: attachment });
    await frame.click(page, '#form-submit');
    const r = await result(page, 'form');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.message.type, 'bytes');
    assert.equal(await page.evaluate((m) => window.__t.received(m), 'Bí Mật'), false);
    const message = new Uint8Array(await page.evaluate(() => window.__t.bytes('form', 'message')));
    formMessage = message;
    const key = await unlockKey(official.privateKey, PASS);
    const { manifest, files } = parseContainer((await decrypt({ message, decryptionKeys: [key] })).data);
    key.free();
    assert.equal(manifest.format, 'signet-form/1');
    assert.equal(manifest.origin, miniOrigin);
    assert.deepEqual(manifest.fields.map((f) => [f.name, f.value]), [['hoTen', 'Nguyễn Thị Bí Mật'], ['tuoi', 42], ['ngay', '2026-12-06'], ['loai', 'Doanh nghiệp'], ['tep', [0]]]);
    assert.equal(files[0].name, 'giay-phep.pdf');
    assert.deepEqual(Buffer.from(files[0].bytes), attachment);

    // Classical agency keys are refused unless the mini app says so.
    const classic = await generateKey({ userIds: ['Sở <so@tinh.gov.vn>'], profile: 'rfc9580' });
    await start(page, 'form2', 'renderForm', { form: { title: 'T', fields: [{ name: 'a', label: 'A', type: 'text' }] }, encryptionKeys: [classic.publicKey] });
    await frame.waitFor(page, '#form-submit');
    await frame.click(page, '#form-submit');
    assert.equal((await result(page, 'form2')).code, 'KEY_UNUSABLE');
  });

  test("the agency's inbox on the Signet page decrypts the submission and shows answers and attachments", async () => {
    const inbox = await h.newPage(context);
    await inbox.goto(`${h.base}/`);
    await inbox.waitForSelector('#status[data-state="ready"]', { timeout: 120_000 });
    await inbox.click('#key-list .key-unlock');
    await inbox.fill('#pass-dialog-input', PASS);
    await inbox.click('#pass-dialog button[value="ok"]');
    await inbox.waitForSelector('#key-list .key-lock', { timeout: 60_000 });
    await inbox.click('#tab-files');
    await inbox.setInputFiles('#inbox-file', { name: 'ho-so.pgp', mimeType: 'application/octet-stream', buffer: Buffer.from(formMessage) });
    await inbox.click('#inbox-open');
    await inbox.waitForSelector('#inbox-fields', { timeout: 60_000 });
    assert.equal(await inbox.textContent('#inbox-form-title'), 'Đăng ký hồ sơ');
    const table = await inbox.textContent('#inbox-fields');
    for (const v of ['Nguyễn Thị Bí Mật', '42', '2026-12-06', 'Doanh nghiệp', 'giay-phep.pdf']) assert.ok(table.includes(v), `${v} in ${table}`);
    assert.equal(await inbox.getAttribute('#inbox-fields a.inbox-attachment', 'download'), 'giay-phep.pdf');
    // A damaged submission: the package's code, nothing shown.
    const bad = Buffer.from(formMessage);
    bad[bad.length - 20] ^= 1;
    await inbox.setInputFiles('#inbox-file', { name: 'hong.pgp', mimeType: 'application/octet-stream', buffer: bad });
    await inbox.click('#inbox-open');
    await inbox.waitForFunction(() => document.getElementById('inbox-msg').dataset.code, null, { timeout: 60_000 });
    assert.equal(await inbox.getAttribute('#inbox-msg', 'data-code'), 'DECRYPTION_FAILED');
    assert.equal(await inbox.$$eval('#inbox-fields', (e) => e.length), 0);
    await inbox.close();
  });

  test('hostile embedder, raw protocol: malformed messages of every field type, replays and a forged second connection are refused; the frame keeps working', async () => {
    const out = await page.evaluate(async (frameUrl) => {
      const iframe = document.createElement('iframe');
      iframe.src = frameUrl;
      iframe.style.cssText = 'width:600px;height:300px';
      const origin = new URL(frameUrl).origin;
      const hello = new Promise((r) => {
        window.addEventListener('message', function h(e) {
          if (e.source === iframe.contentWindow && e.origin === origin && e.data?.signet === 'hello') {
            window.removeEventListener('message', h);
            r();
          }
        });
      });
      document.body.prepend(iframe);
      await hello;
      const { port1, port2 } = new MessageChannel();
      const replies = [];
      let wake = null;
      port1.onmessage = (e) => { replies.push(e.data); wake?.(); };
      const next = () => new Promise((ok) => {
        if (replies.length) return ok(replies.shift());
        const t = setTimeout(() => ok('no reply'), 10_000);
        wake = () => { clearTimeout(t); wake = null; ok(replies.shift()); };
      });
      iframe.contentWindow.postMessage({ signet: 'connect', v: 1 }, origin, [port2]);
      const ready = await next();
      // A second connection to the same frame is ignored.
      const other = new MessageChannel();
      let stolen = false;
      other.port1.onmessage = () => { stolen = true; };
      iframe.contentWindow.postMessage({ signet: 'connect', v: 1 }, origin, [other.port2]);
      const big = 'x'.repeat(300);
      const key = 'k'.repeat(10);
      const form = (f) => ({ form: { title: 'T', fields: [f] }, encryptionKeys: [key] });
      let id = 10;
      const cases = [
        null, 'text', 42, [], true,
        { id: '11', op: 'listPublicKeys' }, { id: -1, op: 'listPublicKeys' }, { id: 1.5, op: 'listPublicKeys' }, { id: 2 ** 60, op: 'listPublicKeys' },
        { op: 'listPublicKeys' }, { id: ++id, op: 'nope' }, { id: ++id, op: '__proto__' }, { id: ++id, op: 'constructor' }, { id: ++id },
        { id: ++id, op: 'listPublicKeys', args: [] }, { id: ++id, op: 'listPublicKeys', args: 'x' }, { id: ++id, op: 'listPublicKeys', args: null },
        { id: ++id, op: 'listPublicKeys', consent: true }, { id: ++id, op: 'listPublicKeys', args: { consent: true } },
        { id: ++id, op: 'encrypt', args: { data: 5, encryptionKeys: [key] } },
        { id: ++id, op: 'encrypt', args: { data: {}, encryptionKeys: [key] } },
        { id: ++id, op: 'encrypt', args: { data: null, encryptionKeys: [key] } },
        { id: ++id, op: 'encrypt', args: { data: new ArrayBuffer(4), encryptionKeys: [key] } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: key } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: [] } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: [5] } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: Array(33).fill(key) } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: ['k'.repeat(300_000)] } },
        { id: ++id, op: 'encrypt', args: { data: 'x', encryptionKeys: [key], armor: 'yes' } },
        { id: ++id, op: 'encrypt', args: { data: 'x' } },
        { id: ++id, op: 'verify', args: { verificationKeys: [key] } },
        { id: ++id, op: 'verify', args: { message: 'm' } },
        { id: ++id, op: 'verify', args: { message: 7, verificationKeys: [key] } },
        { id: ++id, op: 'decrypt', args: {} },
        { id: ++id, op: 'decrypt', args: { message: 5 } },
        { id: ++id, op: 'decrypt', args: { message: 'm', name: '' } },
        { id: ++id, op: 'decrypt', args: { message: 'm', name: big } },
        { id: ++id, op: 'decrypt', args: { message: 'm', name: 'a\u0000b' } },
        { id: ++id, op: 'showDecrypted', args: { message: 'm', name: 9 } },
        { id: ++id, op: 'showDecrypted', args: { message: 'm', consent: true } },
        { id: ++id, op: 'sign', args: {} },
        { id: ++id, op: 'sign', args: { data: 'x', detached: 1 } },
        { id: ++id, op: 'sign', args: { data: 'x', armor: 'no' } },
        { id: ++id, op: 'renderForm', args: { form: 'x', encryptionKeys: [key] } },
        { id: ++id, op: 'renderForm', args: { form: { title: 'T', fields: [] }, encryptionKeys: [key] } },
        { id: ++id, op: 'renderForm', args: { form: { title: '', fields: [{ name: 'a', label: 'A', type: 'text' }] }, encryptionKeys: [key] } },
        { id: ++id, op: 'renderForm', args: { form: { title: 'T', fields: [{ name: 'a', label: 'A', type: 'text' }], script: 'x' }, encryptionKeys: [key] } },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'html' }) },
        { id: ++id, op: 'renderForm', args: form({ name: '1a', label: 'A', type: 'text' }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: big, type: 'text' }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'text', required: 'yes' }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'choice' }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'choice', options: [1] }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'text', options: ['x'] }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'text', multiple: true }) },
        { id: ++id, op: 'renderForm', args: form({ name: 'a', label: 'A', type: 'file', onclick: 'x' }) },
        { id: ++id, op: 'renderForm', args: { form: { title: 'T', fields: [{ name: 'a', label: 'A', type: 'text' }, { name: 'a', label: 'B', type: 'text' }] }, encryptionKeys: [key] } },
        { id: ++id, op: 'renderForm', args: { form: { title: 'T', fields: [{ name: 'a', label: 'A', type: 'text' }] }, encryptionKeys: [key], allowClassical: 'true' } },
      ];
      const codes = [];
      for (const c of cases) {
        port1.postMessage(c);
        const r = await next();
        codes.push([JSON.stringify(c)?.slice(0, 80) ?? String(c), r?.ok, r?.error?.code]);
      }
      // Replays: an id may be used once, and ids only grow.
      port1.postMessage({ id: 1000, op: 'listPublicKeys' });
      const fresh = await next();
      port1.postMessage({ id: 1000, op: 'listPublicKeys' });
      const replay = await next();
      port1.postMessage({ id: 999, op: 'listPublicKeys' });
      const older = await next();
      port1.postMessage({ id: 1001, op: 'listPublicKeys' });
      const after = await next();
      iframe.remove();
      return { ready, stolen, codes, fresh: fresh.ok, replay: replay.error?.code, older: older.error?.code, after: after.ok, keys: JSON.stringify(after.result) };
    }, `${h.base}/frame.html`);
    assert.deepEqual(out.ready, { signet: 'ready', v: 1 });
    assert.equal(out.stolen, false, 'a second connection was answered');
    for (const [c, ok, code] of out.codes) {
      assert.equal(ok, false, `accepted: ${c}`);
      assert.ok(code === 'INVALID_ARGUMENT' || (code === 'LIMIT_EXCEEDED' && /k{100}/.test(c)), `${c}: ${code}`);
    }
    assert.equal(out.fresh, true);
    assert.equal(out.replay, 'INVALID_ARGUMENT');
    assert.equal(out.older, 'INVALID_ARGUMENT');
    assert.equal(out.after, true, 'the frame keeps working');
    assert.doesNotMatch(out.keys, /PRIVATE KEY/);
  });

  test('hostile embedder: hidden or tiny frame, forged consent, a flood of secret requests: no plaintext, no signature; the frame keeps working', async () => {
    // (The consented `decrypt` above handed the plaintext over: look only at what follows.)
    const mark = await page.evaluate(() => window.__t.seen.length);
    const setStyle = (css) => page.evaluate(async (c) => {
      window.__t.client.frame.style.cssText = c;
      await new Promise((r) => setTimeout(r, 400));
    }, css);
    for (const css of ['width:100px;height:60px', 'display:none', 'width:100%;height:300px;position:relative;top:-2000px']) {
      await setStyle(css);
      await start(page, 'hid', 'showDecrypted', { message: { $ref: 'enc' } });
      assert.equal((await result(page, 'hid')).code, 'NOT_VISIBLE', css);
    }
    // Transparent or covered: Chromium's IntersectionObserver v2 refuses at once; in
    // every engine nothing happens without the user in the consent window.
    await setStyle('width:100%;height:300px;opacity:0');
    await start(page, 'op0', 'sign', { data: 'x' });
    await page.waitForTimeout(1500);
    const op0 = await page.evaluate(() => window.__t.res.op0);
    if (engine === 'chromium') assert.equal(op0.code, 'NOT_VISIBLE');
    else assert.equal(op0.done, false);
    await setStyle('width:100%;height:300px');
    if (!op0.done) {
      // Forged answers from the embedder are ignored: the request is still waiting.
      await page.evaluate(() => {
        const w = window.__t.client.frame.contentWindow;
        for (const type of ['signet-consent-answer', 'signet-consent-ready']) w.postMessage({ type, nonce: 'x', allow: true, passphrase: 'p' }, '*');
      });
      await page.waitForTimeout(500);
      assert.equal(await pending(page, 'op0'), true);
      await frame.click(page, '#refuse');
      assert.equal((await result(page, 'op0')).code, 'DENIED');
    }

    // A flood: one request waits for the user, every other one is refused at once.
    await page.evaluate(() => {
      for (let i = 0; i < 200; i++) window.__t.start(`fl${i}`, i % 2 ? 'sign' : 'showDecrypted', i % 2 ? { data: 'x' } : { message: { $ref: 'enc' } });
    });
    await page.waitForFunction(() => Object.keys(window.__t.res).filter((k) => k.startsWith('fl') && window.__t.res[k].done).length >= 199, null, { timeout: 60_000 });
    const flood = await page.evaluate(() => Object.entries(window.__t.res).filter(([k]) => k.startsWith('fl')).map(([, r]) => r));
    assert.equal(flood.filter((r) => r.ok).length, 0);
    assert.equal(flood.filter((r) => r.done && r.code === 'LIMIT_EXCEEDED').length, 199);
    await frame.click(page, '#refuse');
    await page.waitForFunction(() => Object.keys(window.__t.res).filter((k) => k.startsWith('fl') && window.__t.res[k].done).length === 200, null, { timeout: 60_000 });
    await start(page, 'alive', 'listPublicKeys', {});
    assert.ok((await result(page, 'alive')).ok);
    assert.equal(await page.evaluate(([m, from]) => window.__t.received(m, from), [MARKER, mark]), false);
    assert.equal(await page.evaluate(([m, from]) => window.__t.received(m, from), ['-----BEGIN PGP SIGNATURE', mark]), false);
  });

  test('an origin not on the allow-list gets no frame (UNAVAILABLE) and no answer', async () => {
    const p = await h.newPage();
    await p.goto(`http://127.0.0.1:${intruderPort}/`);
    const r = await p.evaluate(async (frameUrl) => {
      const { connect } = await import('/embed/index.js');
      try {
        await connect({ frameUrl, timeout: 4000 });
        return 'connected';
      } catch (e) {
        return e.code;
      }
    }, `${h.base}/frame.html`);
    assert.equal(r, 'UNAVAILABLE');
    await p.close();
  });
}, { serve: { embed: { origins: [miniOrigin], rememberMinutes: REMEMBER_MINUTES } } });
