// Minimal static server for the web page and the tests. No dependencies.
//   /            -> www/
//   /pkg/        -> pkg/ (the built npm package)
//   /test/       -> tests/browser/pages/ (test-only pages)
//   /vendor/openpgp/ -> node_modules/openpgp/dist/ (benchmarks and interop pages)
// Usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const mounts = [
  ['/pkg/', join(root, 'pkg')],
  ['/test/', join(root, 'tests', 'browser', 'pages')],
  ['/vendor/openpgp/', join(root, 'node_modules', 'openpgp', 'dist')],
  ['/', join(root, 'www')],
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

function resolvePath(urlPath) {
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

/**
 * `alter(urlPath, bytes)`, for tests: returns other bytes to send instead (a tampered
 * file, as a compromised server or cache would send), or undefined to send the file.
 */
export function startServer({ port = 8080, host = '127.0.0.1', quiet = false, alter = null } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = resolvePath(url.pathname);
    try {
      if (!file) throw new Error('outside');
      let st = await stat(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = await stat(file);
      }
      const altered = alter ? await alter(url.pathname, await readFile(file)) : undefined;
      res.writeHead(200, {
        'Content-Type': types[extname(file)] ?? 'application/octet-stream',
        'Content-Length': altered ? altered.length : st.size,
        'Content-Security-Policy': CSP,
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      });
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
  const server = await startServer({ port, host, quiet: true });
  console.log(`signet-crypto web page: http://${host}:${server.address().port}/  (Ctrl-C to stop)`);
}
