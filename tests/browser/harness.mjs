// Shared set-up for the browser tests, in every engine: one static server per test
// file and one browser per engine, all from Debian packages (nothing downloads a
// browser):
//   chromium  /usr/bin/chromium, driven by playwright-core (headless)
//   firefox   /usr/bin/firefox-esr, through geckodriver (`cargo install`), headless
//   webkit    WebKitGTK's MiniBrowser, through WebKitWebDriver, on an Xvfb display
//             this harness starts itself
// SIGNET_ENGINES=chromium,firefox,webkit (the default) picks the engines.
//
// One runner design: a test is written once against the page API below and runs
// per engine. In Chromium the page IS Playwright's Page; in Firefox and WebKit it is
// tests/browser/webdriver.mjs's adapter with the same method names and defaults:
//   goto reload close evaluate waitForFunction waitForSelector waitForTimeout
//   click fill selectOption check uncheck focus keyboard.press $eval $$eval
//   textContent getAttribute inputValue isVisible isHidden isDisabled
//   setInputFiles({ name, mimeType, buffer } | path) setInputFilePath(selector, path) setViewportSize screenshot errors
//   once('dialog', (d) => d.accept())
// plus, in every engine: download(selector) -> { name, bytes }, downloadCount(),
// and on the handle: h.newContext({ viewport }) (Firefox also { prefs }), context.addInitScript(fn) (in
// Firefox/WebKit it runs after each navigation, not before the page's code),
// h.setOffline(bool) (the test server stops serving the app; the service worker must).
// Selectors are plain CSS everywhere (no Playwright `text=`/`:has-text()`). `evaluate`
// functions are self-contained (serialized) and their argument and result are JSON.
// Anything else of Playwright's is Chromium-only: guard it with `lacks()`.
//
//   import { forEachEngine } from './harness.mjs';
//   forEachEngine(({ h, test, lacks }) => {
//     test('does a thing', async () => { const page = await h.newPage(); ... });
//     test('needs CDP', { skip: lacks('cdp') }, async () => { ... });
//   });
// Each test's name ends in `[engine]`; a skipped test says why. `launch()` without
// an engine is the old Chromium-only entry point and still works.
import { after, before, describe, test as nodeTest } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { Session, startDriver } from './webdriver.mjs';

export const ALL_ENGINES = ['chromium', 'firefox', 'webkit'];
const TEST_TIMEOUT = 600_000;

/** The engines SIGNET_ENGINES selects (default: all three). */
export function engines() {
  const list = (process.env.SIGNET_ENGINES ?? ALL_ENGINES.join(',')).split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of list) if (!ALL_ENGINES.includes(e)) throw new Error(`SIGNET_ENGINES: unknown engine ${e} (known: ${ALL_ENGINES})`);
  return list;
}

// What an engine (or its driver) cannot do, and why: a test that needs it is skipped
// with this reason. Browser features the package relies on are not listed here: the
// tests must show how the package degrades instead.
const LACKS = {
  cdp: {
    firefox: 'needs the Chrome DevTools Protocol (forced GC + heap usage) to sample page memory',
    webkit: 'needs the Chrome DevTools Protocol (forced GC + heap usage) to sample page memory',
  },
  savePicker: {
    firefox: 'Firefox has no File System Access API (showSaveFilePicker): the page offers Blob downloads, tested above',
    webkit: 'WebKit has no showSaveFilePicker: the page offers Blob downloads, tested above',
  },
  initScript: {
    firefox: 'classic WebDriver has no init scripts: nothing can run before the page\'s own code',
    webkit: 'classic WebDriver has no init scripts: nothing can run before the page\'s own code',
  },
};

/** The reason `engine` cannot run a test needing `feature`, or false. */
export function lacks(engine, feature) {
  if (!LACKS[feature]) throw new Error(`lacks(): unknown feature ${feature}`);
  return LACKS[feature][engine] ? `${engine}: ${LACKS[feature][engine]}` : false;
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const hostileDir = join(root, 'tests', 'hostile');

/** The test server: scripts/serve.mjs, plus the harness's routes in front of it:
 *    GET  /hostile/...            tests/hostile/ (the shared hostile-input corpus)
 *    GET  /__harness/blob/<id>    bytes a test hands to setInputFiles
 *    GET  /__harness/fn/<hash>.mjs a function a WebDriver page evaluates, as a module
 *    POST /__harness/download     a download the page hook captured
 *  and an offline switch (every request's socket is destroyed). */
async function testServer(serveOptions = {}) {
  const server = await startServer({ port: 0, quiet: true, ...serveOptions });
  const [serve] = server.listeners('request');
  server.removeAllListeners('request');
  const blobs = new Map();
  const modules = new Map();
  const waiting = new Map();
  let nextBlob = 0;
  const state = { offline: false };
  server.on('request', (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const p = url.pathname;
    // Offline cuts the app (page, package), not the harness's own routes.
    if (state.offline && !p.startsWith('/__harness/')) return req.socket.destroy();
    if (p.startsWith('/__harness/blob/')) {
      const b = blobs.get(p.slice('/__harness/blob/'.length));
      blobs.delete(p.slice('/__harness/blob/'.length));
      res.writeHead(b ? 200 : 404, { 'Content-Type': 'application/octet-stream', 'Cross-Origin-Resource-Policy': 'same-origin' });
      return res.end(b ?? '');
    }
    if (p.startsWith('/__harness/fn/')) {
      const src = modules.get(p.slice('/__harness/fn/'.length));
      res.writeHead(src ? 200 : 404, { 'Content-Type': 'text/javascript', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'max-age=3600' });
      return res.end(src ?? '');
    }
    if (p === '/__harness/download' && req.method === 'POST') {
      const parts = [];
      req.on('data', (d) => parts.push(d));
      req.on('end', () => {
        res.writeHead(204);
        res.end();
        const w = waiting.get(url.searchParams.get('token'));
        if (w) w({ name: url.searchParams.get('name'), bytes: Buffer.concat(parts) });
      });
      return undefined;
    }
    if (p.startsWith('/hostile/')) {
      const file = resolve(hostileDir, `.${sep}${decodeURIComponent(p.slice('/hostile/'.length))}`);
      if (!file.startsWith(hostileDir + sep) || !existsSync(file)) {
        res.writeHead(404);
        return res.end();
      }
      const type = { '.mjs': 'text/javascript', '.json': 'application/json' }[extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Cross-Origin-Resource-Policy': 'same-origin' });
      return res.end(readFileSync(file));
    }
    return serve(req, res);
  });
  return {
    server,
    base: `http://127.0.0.1:${server.address().port}`,
    setOffline: (v) => { state.offline = v; },
    putBlob(bytes) {
      const id = String(nextBlob++);
      blobs.set(id, Buffer.from(bytes));
      return `/__harness/blob/${id}`;
    },
    putModule(src) {
      const name = `${createHash('sha256').update(src).digest('hex').slice(0, 24)}.mjs`;
      modules.set(name, src);
      return `/__harness/fn/${name}`;
    },
    expectDownload(token, timeout) {
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => { waiting.delete(token); fail(new Error(`no download within ${timeout} ms`)); }, timeout);
        waiting.set(token, (d) => { clearTimeout(timer); waiting.delete(token); ok(d); });
      });
    },
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts Xvfb on a free display (it tells us which); returns { display, stop }. */
async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const display = await new Promise((ok, fail) => {
    let out = '';
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) ok(`:${out.trim()}`);
    });
    child.once('exit', (c) => fail(new Error(`Xvfb exited with ${c}`)));
    child.once('error', fail);
  });
  return { display, stop: () => child.kill('SIGTERM') };
}

function which(cands) {
  for (const c of cands) if (c && existsSync(c)) return c;
  return null;
}

/** Where Debian puts MiniBrowser (WebKitGTK 4.1 API, else 6.0). */
export function miniBrowserPath() {
  const out = spawnSync('sh', ['-c', 'ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser /usr/lib/*/webkitgtk-6.0/MiniBrowser 2>/dev/null'], { encoding: 'utf8' });
  return process.env.SIGNET_MINIBROWSER ?? out.stdout.split('\n').find(Boolean) ?? null;
}

// A driver serves one session, so each context gets its own driver process (and so
// its own browser instance and storage); WebKit's share one Xvfb display.
const DRIVERS = {
  async firefox() {
    const bin = which([process.env.GECKODRIVER, join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin', 'geckodriver'), '/usr/local/bin/geckodriver', '/usr/bin/geckodriver']);
    if (!bin) throw new Error('firefox: geckodriver not found (scripts/setup.sh installs it with cargo install)');
    const caps = {
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
        args: ['-headless'],
        prefs: {
          'browser.shell.checkDefaultBrowser': false,
          'datareporting.policy.dataSubmissionEnabled': false,
          'toolkit.telemetry.reportingpolicy.firstRun': false,
          // WebAuthn through the software token, which is where WebDriver's "Add Virtual
          // Authenticator" (with PRF) lives; otherwise a ceremony waits for a USB key.
          'security.webauth.webauthn_enable_softtoken': true,
          'security.webauth.webauthn_enable_usbtoken': false,
        },
      },
    };
    return {
      caps,
      start: async () => {
        const port = await freePort();
        return startDriver({ bin, args: ['--port', String(port), '--log', 'warn'], port });
      },
      stop: async () => {},
    };
  },
  async webkit() {
    const bin = which([process.env.WEBKITWEBDRIVER, '/usr/bin/WebKitWebDriver']);
    const mini = miniBrowserPath();
    if (!bin || !mini) throw new Error('webkit: WebKitWebDriver or MiniBrowser not found (scripts/setup.sh installs webkit2gtk-driver)');
    const x = await startXvfb();
    const caps = {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: mini, args: ['--automation'] },
    };
    return {
      caps,
      start: async () => {
        const port = await freePort();
        // No GPU under Xvfb. (As root WebKit's bubblewrap sandbox starts here; and
        // WEBKIT_DISABLE_COMPOSITING_MODE=1 must not be set: screenshots then never return.)
        return startDriver({
          bin,
          args: [`--port=${port}`],
          port,
          env: { DISPLAY: x.display, LIBGL_ALWAYS_SOFTWARE: '1' },
        });
      },
      stop: async () => x.stop(),
    };
  },
};

/** Starts the server and one browser of `engine`; returns the handle (see the top). */
export async function launch(engine = 'chromium', { serve = {} } = {}) {
  // The older form launch({ serve }) means Chromium.
  if (typeof engine === 'object') ({ serve = {} } = engine), (engine = 'chromium');
  const srv = await testServer(serve);
  const h = { engine, base: srv.base, setOffline: srv.setOffline };
  if (engine === 'chromium') {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    h.browser = browser;
    h.version = `Chromium ${browser.version()}`;
    h.newContext = (opts) => browser.newContext(opts);
    h.newPage = async (context) => {
      const page = await (context ?? browser).newPage();
      page.engine = engine;
      page.errors = [];
      page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
      page.on('pageerror', (e) => page.errors.push(String(e)));
      let downloads = 0;
      page.on('download', () => { downloads++; });
      page.setInputFilePath = (selector, path) => page.setInputFiles(selector, path);
      page.downloadCount = async () => downloads;
      page.download = async (selector, timeout = 120_000) => {
        const [d] = await Promise.all([page.waitForEvent('download', { timeout }), page.click(selector)]);
        return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
      };
      return page;
    };
    h.close = async () => {
      await browser.close();
      await srv.close();
    };
    return h;
  }
  const kind = await DRIVERS[engine]();
  const contexts = [];
  const stopAll = async () => {
    for (const c of [...contexts]) await c.close();
    await kind.stop();
  };
  // A context is a WebDriver session on its own driver: its own browser and storage.
  // `opts.prefs` (Firefox): preferences added to that browser's profile.
  const newContext = async (opts = {}) => {
    const driver = await kind.start();
    let caps = kind.caps;
    if (opts.prefs) {
      const ff = caps['moz:firefoxOptions'];
      if (!ff) throw new Error(`newContext({ prefs }) is for Firefox, not ${engine}`);
      caps = { ...caps, 'moz:firefoxOptions': { ...ff, prefs: { ...ff.prefs, ...opts.prefs } } };
    }
    let s;
    try {
      s = await Session.create(driver.url, caps, engine);
    } catch (e) {
      await driver.stop();
      throw new Error(`${e.message}\n--- driver output ---\n${driver.output()}`);
    }
    const initScripts = [];
    const ctx = {
      session: s,
      addInitScript: async (fn, arg) => { initScripts.push({ fn, arg }); },
      newPage: async () => {
        const page = await s.newPage(srv);
        page.initScripts = initScripts;
        if (opts.viewport) await page.setViewportSize(opts.viewport);
        return page;
      },
      close: async () => {
        if (!contexts.includes(ctx)) return;
        contexts.splice(contexts.indexOf(ctx), 1);
        await s.close();
        await driver.stop();
      },
    };
    contexts.push(ctx);
    return ctx;
  };
  let main;
  try {
    main = await newContext();
  } catch (e) {
    await stopAll();
    throw e;
  }
  const caps0 = main.session.capabilities;
  h.version = `${engine === 'webkit' ? 'WebKitGTK MiniBrowser' : 'Firefox'} ${caps0.browserVersion}`;
  h.newContext = newContext;
  h.newPage = (context) => (context ?? main).newPage();
  h.browser = { newContext, version: () => h.version };
  h.close = async () => {
    await stopAll();
    await srv.close();
  };
  return h;
}

/** Declares the caller's tests once per selected engine. `body` gets
 *  { engine, h, test, lacks }: `h` is filled in before the first test runs;
 *  `test` is node:test's, with ` [engine]` appended to the name. */
export function forEachEngine(body, { serve = {} } = {}) {
  for (const engine of engines()) {
    describe(engine, () => {
      const h = { engine };
      before(async () => {
        const t0 = Date.now();
        Object.assign(h, await launch(engine, { serve }));
        console.log(`# ${engine}: ${h.version} started in ${Date.now() - t0} ms`);
      });
      after(async () => { if (h.close) await h.close(); });
      // A stuck browser fails its test (node:test has no default timeout) instead of hanging the run.
      const test = (name, opts, fn) => (typeof opts === 'function'
        ? nodeTest(`${name} [${engine}]`, { timeout: TEST_TIMEOUT }, opts)
        : nodeTest(`${name} [${engine}]`, { timeout: TEST_TIMEOUT, ...opts }, fn));
      body({ engine, h, test, lacks: (feature) => lacks(engine, feature) });
    });
  }
}
