// Shared set-up for Chromium tests: one static server and one headless Chromium per
// test file, driven by playwright-core (never downloads a browser).
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

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

/**
 * Starts the server and browser; returns helpers and a `close()` for `after()`.
 * `serve`: extra options for scripts/serve.mjs (e.g. `alter` to change served bytes).
 */
export async function launch({ serve = {} } = {}) {
  const server = await startServer({ port: 0, quiet: true, ...serve });
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    base,
    browser,
    /** A fresh page that records console errors and uncaught exceptions. */
    async newPage(context) {
      const page = await (context ?? browser).newPage();
      page.errors = [];
      page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
      page.on('pageerror', (e) => page.errors.push(String(e)));
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}
