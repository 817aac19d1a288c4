// The browser entries as single files (run by `make pkg`, after the Wasm glue exists):
//   pkg/index.min.js          `signet-crypto` in a browser: index.js and everything it
//                             imports (glue, streams, one-shot engine, loader, snippets)
//   pkg/stream-worker.min.js  the stream worker index.min.js starts: stream-worker.js's graph
//   pkg/notes.min.js          `signet-crypto/notes`: notes.js's graph
// Why: a browser fetches, compiles and links each ES module of a graph on its own, and
// finds a module's imports only once it has it. The full entry's 13 modules cost about
// 85 ms before `init()` could start on a warm cache and 120 ms on a cold one (Chromium,
// headless, docs/size.md); one file costs 15–20 and 45–60. The package's exports map
// points browsers and bundlers at these files; the sources stay in pkg/ for Node and
// for pages that pin each module (www/).
//
// The bundles are the same code (esbuild, pinned in package.json, minified, no other
// transform), so they hold one copy of the glue each: every browser entry that shares the
// full module (`.`, `./stream`, `./bundler`) imports index.min.js, never the sources.
// Two URLs are rewritten, each checked to occur exactly once:
//   - the stream worker's script: `./stream-worker.js` → `./stream-worker.min.js`;
//   - the glue's default Wasm URL (`init()` always passes the module it compiled, but a
//     bundler that meets the bundle still resolves the expression): relative to pkg/.
//
// Usage: node scripts/bundle.mjs [--root DIR]
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = process.argv.indexOf('--root');
const root = arg > 0 ? path.resolve(process.argv[arg + 1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'pkg');

/** Each bundle: its source entry, and the URL rewrites (from → to, once each). */
const BUNDLES = {
  'index.min.js': {
    entry: 'index.js',
    rewrite: [
      ['"./stream-worker.js"', '"./stream-worker.min.js"'],
      ['"signet_crypto_bg.wasm"', '"./wasm/signet_crypto_bg.wasm"'],
    ],
  },
  'stream-worker.min.js': {
    entry: 'stream-worker.js',
    rewrite: [['"signet_crypto_bg.wasm"', '"./wasm/signet_crypto_bg.wasm"']],
  },
  'notes.min.js': {
    entry: 'notes.js',
    rewrite: [['"signet_notes_bg.wasm"', '"./wasm/signet_notes_bg.wasm"']],
  },
};

const header = (entry) =>
  `// signet-crypto: ${entry} and its imports in one file (scripts/bundle.mjs); the sources are beside it.\n`;

for (const [out, { entry, rewrite }] of Object.entries(BUNDLES)) {
  const r = await build({
    entryPoints: [path.join(pkg, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'warning',
    // The glue lists each snippet module once per `extern` block that imports from it:
    // the same namespace object under the same key, harmless.
    logOverride: { 'duplicate-object-key': 'silent' },
  });
  let text = r.outputFiles[0].text;
  for (const [from, to] of rewrite) {
    const n = text.split(from).length - 1;
    if (n !== 1) throw new Error(`bundle ${out}: expected ${from} once, found it ${n} times`);
    text = text.replace(from, to);
  }
  if (/\bimport\s*[\s{*"'(]|\bfrom\s*["']/.test(text.replace(/import\.meta/g, ''))) {
    throw new Error(`bundle ${out}: an import is left in it`);
  }
  writeFileSync(path.join(pkg, out), header(entry) + text);
  console.log(`[bundle] pkg/${out}: ${(text.length / 1024).toFixed(1)} KiB from pkg/${entry}`);
}
