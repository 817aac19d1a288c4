// A small W3C WebDriver (classic) client and the page adapter built on it, for the
// engines we drive through a WebDriver server: Firefox ESR (geckodriver) and
// WebKitGTK (WebKitWebDriver + MiniBrowser). The adapter offers the subset of
// Playwright's Page API the browser tests use (see harness.mjs), so each test is
// written once. What classic WebDriver lacks (init scripts, console events,
// download events, file choosers from memory) is done inside the page by the
// hooks below, installed after every navigation.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';

const W3C_ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const KEYS = {
  Enter: '\uE007', Tab: '\uE004', Escape: '\uE00C', Backspace: '\uE003',
  End: '\uE010', Home: '\uE011', ArrowLeft: '\uE012', ArrowUp: '\uE013', ArrowRight: '\uE014', ArrowDown: '\uE015',
};
const SCRIPT_TIMEOUT = 300_000;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
/** A sleep that does not keep the process alive (for races against clean-up). */
const grace = (ms) => new Promise((ok) => setTimeout(ok, ms).unref());

/** Waits until something listens on 127.0.0.1:port (a driver we just spawned). */
async function waitForPort(port, child, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`driver exited with ${child.exitCode} before listening`);
    const up = await new Promise((ok) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => { s.end(); ok(true); });
      s.on('error', () => ok(false));
    });
    if (up) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`driver did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Spawns a WebDriver server; returns { url, stop() }. Its output goes to `log` on failure. */
export async function startDriver({ bin, args, env, port }) {
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => { out = (out + d).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    await waitForPort(port, child);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${bin}: ${e.message}\n${out}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([new Promise((ok) => child.once('exit', ok)), grace(3000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One WebDriver session: raw commands, and pages (top-level windows) on top. */
export class Session {
  static async create(driverUrl, capabilities, engine) {
    const r = await fetch(`${driverUrl}/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ capabilities: { alwaysMatch: capabilities } }),
    });
    const body = await r.json();
    if (body.value?.error) throw new Error(`${engine}: new session: ${body.value.error}: ${body.value.message}`);
    const s = new Session(`${driverUrl}/session/${body.value.sessionId}`, body.value.capabilities, engine);
    // Long enough for the longest evaluation (64 MiB streams, Argon2, the hostile corpus on
    // a loaded machine); short enough that a lost callback fails the test, not the run.
    await s.cmd('POST', '/timeouts', { script: SCRIPT_TIMEOUT, pageLoad: 120_000, implicit: 0 });
    s.current = await s.cmd('GET', '/window');
    s.fresh = s.current; // the session's first window, handed to the first newPage()
    return s;
  }

  constructor(base, capabilities, engine) {
    this.base = base;
    this.capabilities = capabilities;
    this.engine = engine;
    this.queue = Promise.resolve();
  }

  /** Sends one command; WebDriver errors become Errors naming the engine. */
  async cmd(method, path, body) {
    // No command may hang the run: past the driver's own script timeout, give up.
    const r = await fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(SCRIPT_TIMEOUT + 30_000),
    }).catch((e) => {
      throw new Error(`${this.engine}: ${method} ${path}: ${e.name === 'TimeoutError' ? 'no answer from the driver' : e.message}`);
    });
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${this.engine}: ${method} ${path}: HTTP ${r.status}: ${text.slice(0, 300)}`);
    }
    if (json.value && json.value.error) {
      const e = new Error(`${this.engine}: ${json.value.error}: ${json.value.message}`);
      e.wdError = json.value.error;
      throw e;
    }
    return json.value;
  }

  /** Commands go to one window at a time: serialize them and switch when needed. */
  inWindow(handle, fn) {
    const run = this.queue.then(async () => {
      if (this.current !== handle) {
        await this.cmd('POST', '/window', { handle });
        this.current = handle;
      }
      return fn();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async newPage(server) {
    let handle = this.fresh;
    this.fresh = null;
    if (!handle) handle = (await this.queue.then(() => this.cmd('POST', '/window/new', { type: 'tab' }))).handle;
    return new WebDriverPage(this, handle, server);
  }

  async close() {
    try {
      // Bounded: a browser stuck in a page must not keep the test process alive.
      await Promise.race([this.cmd('DELETE', ''), grace(15_000)]);
    } catch {
      // the browser may already be gone
    }
  }
}

/** Installed after every navigation: records errors and turns Blob-URL downloads
 *  into uploads to the test server (`/__harness/download`). Idempotent. */
function installHooks(token) {
  if (window.__harness) return;
  const h = (window.__harness = { errors: [], downloads: 0 });
  window.addEventListener('error', (e) => h.errors.push(String(e.error ?? e.message)));
  window.addEventListener('unhandledrejection', (e) => h.errors.push(`unhandled rejection: ${e.reason?.stack ?? e.reason}`));
  const origError = console.error;
  console.error = (...a) => { h.errors.push(a.map(String).join(' ')); origError.apply(console, a); };
  // The page's CSP (connect-src 'self') forbids fetching its blob: URLs (Firefox
  // enforces it), so remember each URL's Blob as it is made.
  const blobs = new Map();
  const create = URL.createObjectURL;
  URL.createObjectURL = (b) => {
    const u = create.call(URL, b);
    blobs.set(u, b);
    return u;
  };
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[download]') : null;
    if (!a || !a.href) return;
    e.preventDefault();
    h.downloads++;
    const b = blobs.get(a.href);
    if (!b) return h.errors.push(`download hook: no Blob for ${a.href}`);
    fetch(`/__harness/download?token=${token}&name=${encodeURIComponent(a.download)}`, { method: 'POST', body: b })
      .catch((err) => h.errors.push(`download hook: ${err}`));
  }, true);
}

/** The page adapter: Playwright's method names and defaults, over WebDriver. */
export class WebDriverPage {
  constructor(session, handle, server) {
    this.session = session;
    this.handle = handle;
    this.server = server; // { base, expectDownload(token, timeout), putBlob(bytes) -> url, putModule(src) -> url }
    this.engine = session.engine;
    this.token = `${Math.random().toString(36).slice(2)}`;
    this.initScripts = [];
    this.oldErrors = [];
    this.keyboard = { press: (key) => this.press(key) };
  }

  cmd(method, path, body) {
    return this.session.inWindow(this.handle, () => this.session.cmd(method, path, body));
  }

  /** `errors` as in the Chromium harness: console errors and uncaught exceptions. */
  get errors() {
    return this.oldErrors.concat(this.lastErrors ?? []);
  }

  async syncErrors() {
    try {
      this.lastErrors = await this.rawEval('return window.__harness ? window.__harness.errors.slice() : []');
    } catch {
      // page gone
    }
  }

  rawEval(script, ...args) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async afterNavigation() {
    await this.syncErrors();
    this.oldErrors = this.errors;
    this.lastErrors = [];
    // In the page's realm (see evaluate): Firefox's WebDriver sandbox cannot fetch the
    // page's blob: URLs.
    await this.evaluate(installHooks, this.token);
    for (const s of this.initScripts) await this.evaluate(s.fn, s.arg);
  }

  /** Runs after each navigation (classic WebDriver has no true init scripts: the
   *  page's own start-up code has already run by then). */
  async addInitScript(fn, arg) {
    this.initScripts.push({ fn, arg });
  }

  async goto(url) {
    await this.cmd('POST', '/url', { url });
    await this.afterNavigation();
  }

  /** A normal reload, through the service worker. (geckodriver's Refresh bypasses it, like
   *  a shift-reload, so the page would never load from the worker's cache.) */
  async reload() {
    const url = await this.cmd('GET', '/url');
    await this.cmd('POST', '/url', { url });
    await this.afterNavigation();
  }

  /** Like Playwright: `fn` runs in the page with one JSON argument; promises are awaited.
   *  It must run in the page's own realm, as a page script would: geckodriver runs
   *  WebDriver scripts in a sandbox with JS builtins of its own, and a module graph
   *  imported from there (the package included) gets them too, so the Uint8Arrays the
   *  package's worker posts back fail its `instanceof Uint8Array`. So `fn` is served
   *  as a module by the test server (the page's CSP allows no eval or inline script)
   *  and started by a <script type=module> element, which the page itself loads. */
  async evaluate(fn, arg) {
    const src = typeof fn === 'function' ? String(fn) : `() => (${fn})`;
    const url = this.server.putModule(`const id = new URL(import.meta.url).searchParams.get('id');
const slot = window.__harnessEval[id];
(async () => (${src})(JSON.parse(slot.arg)))().then(
  (value) => slot.done({ value }),
  (e) => slot.done({ error: \`\${e?.name ?? 'Error'}: \${e?.message ?? e}\`, stack: String(e?.stack ?? '') }),
);
`);
    const id = String(this.session.evals = (this.session.evals ?? 0) + 1);
    let r;
    try {
      r = await this.cmd('POST', '/execute/async', {
        script: `const [url, id, arg, done] = arguments;
          const slots = (window.__harnessEval = window.__harnessEval || {});
          const s = document.createElement('script');
          slots[id] = { arg, done: (r) => { delete slots[id]; s.remove(); done(r); } };
          s.type = 'module';
          s.src = url + '?id=' + id;
          s.onerror = () => slots[id] && slots[id].done({ error: 'could not load ' + url });
          document.head.append(s);`,
        args: [url, id, JSON.stringify(arg ?? null)],
      });
    } finally {
      await this.syncErrors();
    }
    if (r && r.error) {
      const e = new Error(`${this.engine}: evaluate: ${r.error}`);
      e.pageStack = r.stack;
      throw e;
    }
    return r ? r.value : undefined;
  }

  /** Polls `fn(arg)` (run as a WebDriver script: it may read the DOM, await, not import). */
  async waitForFunction(fn, arg, { timeout = 30_000, polling = 100 } = {}) {
    const t0 = Date.now();
    for (;;) {
      const v = await this.rawEval(`return (${fn})(arguments[0]);`, arg === undefined ? null : arg);
      if (v) return v;
      if (Date.now() - t0 > timeout) throw new Error(`${this.engine}: waitForFunction timed out after ${timeout} ms: ${String(fn).slice(0, 200)}`);
      await sleep(polling);
    }
  }

  async waitForTimeout(ms) {
    await sleep(ms);
  }

  /** Playwright's default: wait until the element is attached and visible. */
  async waitForSelector(selector, { timeout = 30_000, state = 'visible' } = {}) {
    await this.waitForFunction(([sel, st]) => {
      const e = document.querySelector(sel);
      const visible = !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
      if (st === 'attached') return !!e;
      if (st === 'hidden') return !visible;
      return visible;
    }, [selector, state], { timeout }).catch((err) => {
      throw new Error(`${this.engine}: waitForSelector ${selector}: ${err.message}`);
    });
  }

  /** Finds an element (waiting for it to be visible and enabled, like Playwright's actions). */
  async element(selector, { enabled = true, timeout = 30_000 } = {}) {
    await this.waitForFunction(([sel, en]) => {
      const e = document.querySelector(sel);
      return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' && (!en || !e.disabled);
    }, [selector, enabled], { timeout }).catch((err) => {
      throw new Error(`${this.engine}: no visible${enabled ? ', enabled' : ''} element ${selector}: ${err.message}`);
    });
    const r = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
    return r[W3C_ELEMENT];
  }

  async click(selector, opts) {
    const id = await this.element(selector, opts);
    try {
      await this.cmd('POST', `/element/${id}/click`, {});
    } catch (e) {
      // Obscured or out of view under the engine's own rules: a DOM click does what a user's would.
      if (!/intercepted|not interactable/.test(e.wdError ?? '')) throw e;
      await this.rawEval('arguments[0].click()', { [W3C_ELEMENT]: id });
    }
    await this.syncErrors();
  }

  async focus(selector) {
    await this.$eval(selector, (e) => e.focus());
  }

  async press(key) {
    const value = KEYS[key] ?? key;
    await this.cmd('POST', '/actions', {
      actions: [{ type: 'key', id: 'kbd', actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }] }],
    });
    await this.cmd('DELETE', '/actions');
  }

  /** Sets the value as Playwright's fill does: focus, value, `input` and `change` events. */
  async fill(selector, value) {
    await this.element(selector);
    await this.$eval(selector, (e, v) => {
      e.focus();
      const proto = e instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, v);
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }

  async selectOption(selector, value) {
    await this.element(selector);
    const ok = await this.$eval(selector, (e, v) => {
      const i = typeof v === 'object' && v && 'index' in v ? v.index : [...e.options].findIndex((o) => o.value === v || o.label === v);
      if (i < 0 || i >= e.options.length) return false;
      e.selectedIndex = i;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    }, value);
    if (!ok) throw new Error(`${this.engine}: selectOption ${selector}: no option ${JSON.stringify(value)}`);
  }

  async setChecked(selector, want) {
    await this.element(selector);
    if ((await this.$eval(selector, (e) => e.checked)) !== want) await this.click(selector);
    if ((await this.$eval(selector, (e) => e.checked)) !== want) throw new Error(`${this.engine}: could not ${want ? 'check' : 'uncheck'} ${selector}`);
  }

  check(selector) { return this.setChecked(selector, true); }

  uncheck(selector) { return this.setChecked(selector, false); }

  async $eval(selector, fn, arg) {
    const r = await this.rawEval(
      `const e = document.querySelector(arguments[0]);
       if (!e) return { missing: true };
       return Promise.resolve((${fn})(e, arguments[1])).then((value) => ({ value }));`,
      selector, arg === undefined ? null : arg,
    );
    await this.syncErrors();
    if (r.missing) throw new Error(`${this.engine}: no element ${selector}`);
    return r.value;
  }

  async $$eval(selector, fn, arg) {
    const r = await this.rawEval(`return (${fn})([...document.querySelectorAll(arguments[0])], arguments[1]);`, selector, arg === undefined ? null : arg);
    await this.syncErrors();
    return r;
  }

  textContent(selector) { return this.$eval(selector, (e) => e.textContent); }

  getAttribute(selector, name) { return this.$eval(selector, (e, n) => e.getAttribute(n), name); }

  inputValue(selector) { return this.$eval(selector, (e) => e.value); }

  isDisabled(selector) { return this.$eval(selector, (e) => e.disabled === true); }

  async isVisible(selector) {
    return this.evaluate((sel) => {
      const e = document.querySelector(sel);
      return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    }, selector);
  }

  async isHidden(selector) { return !(await this.isVisible(selector)); }

  /** Files from memory: the bytes go to the test server and the page builds a File from
   *  them (DataTransfer), so no engine needs a native file chooser. `files` is
   *  { name, mimeType, buffer } (Playwright's shape) or a path on disk. */
  async setInputFiles(selector, files) {
    const { readFile } = await import('node:fs/promises');
    const { basename } = await import('node:path');
    const f = typeof files === 'string'
      ? { name: basename(files), mimeType: 'application/octet-stream', buffer: await readFile(files) }
      : files;
    const url = this.server.putBlob(f.buffer);
    await this.element(selector, { enabled: true }).catch(() => {}); // file inputs may be visually hidden
    const err = await this.rawEval(
      `const [sel, url, name, type] = arguments;
       return fetch(url).then((r) => r.blob()).then((b) => {
         const e = document.querySelector(sel);
         const dt = new DataTransfer();
         dt.items.add(new File([b], name, { type }));
         e.files = dt.files;
         e.dispatchEvent(new Event('input', { bubbles: true }));
         e.dispatchEvent(new Event('change', { bubbles: true }));
         return null;
       }, (x) => String(x));`,
      selector, url, f.name, f.mimeType ?? 'application/octet-stream',
    );
    if (err) throw new Error(`${this.engine}: setInputFiles ${selector}: ${err}`);
  }

  /** Puts the file at `path` on a file input the way a user's file chooser does (WebDriver's
   *  Element Send Keys with the path): the page gets a disk-backed File, never read whole. */
  async setInputFilePath(selector, path) {
    const r = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
    await this.cmd('POST', `/element/${r[W3C_ELEMENT]}/value`, { text: path });
    await this.syncErrors();
  }

  /** Playwright's `page.once('dialog', d => d.accept())`: the handler decides now, and the
   *  page's next confirm/alert/prompt answers that way (WebDriver would dismiss it). */
  once(event, handler) {
    if (event !== 'dialog') throw new Error(`${this.engine}: page.once('${event}') is not in the adapter`);
    let accept = false;
    handler({ accept: () => { accept = true; }, dismiss: () => { accept = false; }, type: () => 'confirm', message: () => '' });
    this.rawEval(`const acc = arguments[0];
      const names = ['confirm', 'alert', 'prompt'];
      const orig = names.map((k) => window[k]);
      for (const k of names) {
        window[k] = () => {
          names.forEach((n, i) => { window[n] = orig[i]; });
          return k === 'prompt' ? (acc ? '' : null) : acc;
        };
      }`, accept).catch(() => {});
  }

  /** Clicks `selector` and returns { name, bytes } of the Blob-URL download it starts. */
  async download(selector, timeout = 120_000) {
    const got = this.server.expectDownload(this.token, timeout);
    await this.click(selector);
    return got;
  }

  /** How many downloads the page started (the hook counts them). */
  async downloadCount() {
    return this.evaluate(() => window.__harness?.downloads ?? 0);
  }

  /** Resizes the window so the layout viewport is `width` x `height`. */
  async setViewportSize({ width, height }) {
    for (let i = 0; i < 3; i++) {
      const inner = await this.rawEval('return [innerWidth, innerHeight]');
      if (inner[0] === width && inner[1] === height) return;
      const rect = await this.cmd('GET', '/window/rect');
      await this.cmd('POST', '/window/rect', { width: rect.width + width - inner[0], height: rect.height + height - inner[1] });
    }
  }

  async viewportSize() {
    const [width, height] = await this.rawEval('return [innerWidth, innerHeight]');
    return { width, height };
  }

  async screenshot({ path } = {}) {
    const b64 = await this.cmd('GET', '/screenshot');
    const bytes = Buffer.from(b64, 'base64');
    if (path) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, bytes);
    }
    return bytes;
  }

  async close() {
    const s = this.session;
    const handles = await s.inWindow(this.handle, () => s.cmd('GET', '/window/handles'));
    if (handles.length === 1) {
      // A session ends with its last window: open a blank one for the next newPage() first.
      s.fresh = (await s.inWindow(this.handle, () => s.cmd('POST', '/window/new', { type: 'tab' }))).handle;
    }
    // New windows are opened from the current one: switch to a live one after closing.
    const rest = await s.inWindow(this.handle, () => s.cmd('DELETE', '/window'));
    await s.inWindow(rest[0], () => {});
  }
}
