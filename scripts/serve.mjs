// Minimal static server for the web page and the tests. No dependencies.
//   /            -> www/
//   /pkg/        -> pkg/ (the built npm package)
//   /test/       -> tests/browser/pages/ (test-only pages)
//   /vendor/openpgp/ -> node_modules/openpgp/dist/ (benchmarks and interop pages)
//   /embed-config.json -> the crypto frame's allow-list (docs/embedding.md)
// and, on a second port, the demo mini app (another origin, as a portal would be):
//   /            -> www/demo-miniapp/
//   /embed/      -> pkg/embed/ (the embedder SDK)
//   /config.json -> where the crypto frame is
// Usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--miniapp-port 8081]
// The allow-list of embedding origins: SIGNET_EMBED_ORIGINS (comma-separated), or a JSON
// file SIGNET_EMBED_CONFIG = { "origins": [...], "rememberMinutes": 15 }; default: the
// demo mini app's origin.
import { createServer } from 'node:http';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const sites = {};
sites.signet = [
  ['/pkg/', join(root, 'pkg')],
  ['/test/', join(root, 'tests', 'browser', 'pages')],
  ['/vendor/openpgp/', join(root, 'node_modules', 'openpgp', 'dist')],
  ['/', join(root, 'www')],
];
sites.miniapp = [
  ['/embed/', join(root, 'pkg', 'embed')],
  ['/', join(root, 'www', 'demo-miniapp')],
];
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
// The page's policy: no eval, Wasm compilation allowed, nothing loaded from elsewhere;
// blob: only for the crypto worker's modules, run from copies verified against their
// pins (www/pins.js).
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; " +
  "style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** The frame may be embedded only by the allow-listed origins (the browser enforces it
 *  before any of the frame runs; the frame checks `event.origin` as well). */
export const frameCsp = (origins) => CSP.replace("frame-ancestors 'none'", `frame-ancestors ${origins.length ? origins.join(' ') : "'none'"}`);

/** The mini app's own policy: it may frame the key-holding origin, nothing else. */
const miniAppCsp = (frameOrigin) =>
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  `frame-src ${frameOrigin}; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'`;

/**
 * The deployment's embedding configuration: `{ origins, rememberMinutes }` from the
 * options, else SIGNET_EMBED_CONFIG (a JSON file), else SIGNET_EMBED_ORIGINS.
 * Origins are normalised (`new URL(o).origin`); anything else is refused at start.
 */
export function embedConfig(given, env = process.env) {
  let cfg = given;
  if (!cfg && env.SIGNET_EMBED_CONFIG) cfg = JSON.parse(readFileSync(env.SIGNET_EMBED_CONFIG, 'utf8'));
  if (!cfg && env.SIGNET_EMBED_ORIGINS) cfg = { origins: env.SIGNET_EMBED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) };
  cfg ??= { origins: [] };
  const origins = (cfg.origins ?? []).map((o) => {
    const u = new URL(o);
    if (u.origin === 'null' || u.origin !== o.replace(/\/$/, '')) throw new Error(`embed origin ${o}: give scheme://host[:port] only`);
    return u.origin;
  });
  const rememberMinutes = Number(cfg.rememberMinutes ?? 15);
  if (!(rememberMinutes >= 0 && rememberMinutes <= 480)) throw new Error('rememberMinutes: 0..480');
  return { origins, rememberMinutes };
}

function resolvePath(mounts, urlPath) {
  for (const [prefix, dir] of mounts) {
    if (urlPath.startsWith(prefix)) {
      const rel = normalize(decodeURIComponent(urlPath.slice(prefix.length)));
      const full = resolve(dir, '.' + sep + rel);
      if (full !== dir && !full.startsWith(dir + sep)) return null;
      return full;
    }
  }
  return null;
}

/** Per-site response headers for `file` (the policy is chosen by the file, not the URL). */
function headersFor(site, file, { embed, frameOrigin }) {
  if (site === 'miniapp') {
    return { 'Content-Security-Policy': miniAppCsp(frameOrigin()), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
  }
  const www = (name) => file === join(root, 'www', name);
  return {
    'Content-Security-Policy': www('frame.html') ? frameCsp(embed.origins) : CSP,
    // The consent window must keep its opener (the frame) to answer it: a window the
    // embedder's page opened nothing of, and cannot script (another origin).
    'Cross-Origin-Opener-Policy': www('consent.html') ? 'unsafe-none' : 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/**
 * `alter(urlPath, bytes)`, for tests: returns other bytes to send instead (a tampered
 * file, as a compromised server or cache would send), or undefined to send the file.
 * `embed`: the frame's allow-list (see embedConfig). `site: 'miniapp'` serves the demo
 * mini app instead, pointing at the frame of `frameOrigin` (a string, or a function
 * returning one).
 */
export function startServer({ port = 8080, host = '127.0.0.1', quiet = false, alter = null, embed, site = 'signet', frameOrigin: given } = {}) {
  const mounts = sites[site];
  // A function when the frame's origin is known only later (tests start servers per engine).
  const frameOrigin = typeof given === 'function' ? given : () => given;
  const embedCfg = site === 'signet' ? embedConfig(embed) : null;
  const generated = site === 'signet'
    ? { '/embed-config.json': () => JSON.stringify(embedCfg) }
    : { '/config.json': () => JSON.stringify({ frameUrl: `${frameOrigin()}/frame.html` }) };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (generated[url.pathname]) {
      const body = generated[url.pathname]();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(body);
      return;
    }
    let file = resolvePath(mounts, url.pathname);
    try {
      if (!file) throw new Error('outside');
      let st = await stat(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = await stat(file);
      }
      const altered = alter ? await alter(url.pathname, await readFile(file)) : undefined;
      // A validator, so `no-cache` revalidates (304) instead of downloading again, as a
      // real server does: the warm-cache start-up row of `make bench` depends on it.
      // None while a test may alter responses (a 304 would keep the browser's copy).
      const etag = alter ? undefined : `W/"${st.size}-${Math.trunc(st.mtimeMs)}"`;
      const headers = {
        'Content-Type': types[extname(file)] ?? 'application/octet-stream',
        ...headersFor(site, file, { embed: embedCfg, frameOrigin }),
        ...(etag ? { ETag: etag } : {}),
      };
      if (etag && req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Length': altered ? altered.length : st.size });
      if (altered) res.end(altered);
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
    if (!quiet) console.log(`${req.method} ${url.pathname}`);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const port = Number(arg('--port', process.env.PORT ?? 8080));
  const host = arg('--host', '127.0.0.1');
  const miniPort = Number(arg('--miniapp-port', process.env.MINIAPP_PORT ?? port + 1));
  const miniOrigin = `http://${host}:${miniPort}`;
  const env = process.env.SIGNET_EMBED_CONFIG || process.env.SIGNET_EMBED_ORIGINS;
  const server = await startServer({ port, host, quiet: true, embed: env ? undefined : { origins: [miniOrigin] } });
  const signet = `http://${host}:${server.address().port}`;
  await startServer({ port: miniPort, host, quiet: true, site: 'miniapp', frameOrigin: signet });
  console.log(`signet-crypto web page: ${signet}/  demo mini app: ${miniOrigin}/  (Ctrl-C to stop)`);
}
