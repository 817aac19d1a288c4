// Pins the shipped bytes (SHA-384, in Subresource Integrity form):
//   pkg/integrity.json   every file the npm package ships (what `npm pack` lists), for
//                        embedders who pin the package's files;
//   www/index.html       (and the crypto frame's pages, frame.html and consent.html: PAGES)
//                        the block between the `pinned` markers: integrity attributes on
//                        the entry script (boot.js) and the stylesheet, and a JSON block
//                        (#pins) with the hash of everything the page loads (its modules,
//                        the crypto worker's, the Wasm) plus, for each module, where its
//                        import specifiers and `import.meta` stand, so www/pins.js can run
//                        it from verified copies.
// Run by `make pkg`. Nothing here depends on time or on the checkout's path.
//
// Usage: node scripts/integrity.mjs [--check] [--root DIR]
//   --check   compare with what is on disk instead of writing; exit 1 naming what differs
//   --root    the tree holding pkg/ and www/ (default: this repository)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The page's module graphs (entries as paths relative to www/) and its Wasm. */
export const PAGE_ENTRY = 'app.js';
export const WORKER_ENTRY = 'worker.js';
export const WASM = '../pkg/wasm/signet_crypto_bg.wasm';
/** The script index.html loads (pinned by attribute); it loads the rest through LOADER. */
export const BOOT = 'boot.js';
const LOADER = 'pins.js';
/** Each pinned HTML page: its module graph, its crypto worker's (if any), its stylesheet
 *  (pinned by attribute) and other files it pins (the service worker checks them). */
export const PAGES = {
  'index.html': { entry: PAGE_ENTRY, worker: WORKER_ENTRY, css: 'style.css', assets: ['icon.svg'] },
  'frame.html': { entry: 'frame/frame.js', worker: 'frame/worker.js', css: 'frame/frame.css', assets: [] },
  'consent.html': { entry: 'frame/consent.js', worker: null, css: 'frame/frame.css', assets: [] },
};
const BEGIN = '<!-- pinned: begin';
const END = '<!-- pinned: end -->';

/** `sha384-<base64>` of some bytes. */
export function sri(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** Files `npm pack` would ship from `pkgDir`, sorted, without integrity.json itself. */
export function packageFiles(pkgDir) {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out)[0]
    .files.map((f) => f.path)
    .filter((p) => p !== 'integrity.json')
    .sort();
}

/** The content of pkg/integrity.json. */
export function packageManifest(pkgDir) {
  const { name, version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const files = {};
  for (const p of packageFiles(pkgDir)) files[p] = sri(readFileSync(join(pkgDir, p)));
  return `${JSON.stringify({ name, version, algorithm: 'sha384', files }, null, 2)}\n`;
}

/**
 * Static structure of one ES module: its relative imports (static, re-exports and
 * literal dynamic imports) with the [start, end) of each specifier literal, and the
 * [start, end) of each `import.meta`. Anything the loader could not pin is an error.
 */
function scanModule(file, text, { computedImports = false } = {}) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const imports = [];
  const meta = [];
  const visit = (node) => {
    let spec = null;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      spec = node.moduleSpecifier;
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      spec = node.arguments[0];
      if (!spec || !ts.isStringLiteral(spec)) {
        if (!computedImports) throw new Error(`${file}: import() with a computed specifier cannot be pinned`);
        spec = null;
      }
    } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      meta.push([node.getStart(sf), node.end]);
    }
    if (spec) {
      if (!/^\.\.?\//.test(spec.text)) throw new Error(`${file}: import '${spec.text}' is not relative; cannot be pinned`);
      imports.push([spec.getStart(sf), spec.end, spec.text]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, meta };
}

/**
 * The module graph from `entry` (a path relative to www/): for each module, its imports
 * resolved to www/-relative paths. Fails on a cycle: the worker loader builds each
 * module's verified copy after its dependencies'.
 */
function moduleGraph(wwwDir, entry) {
  const modules = {};
  const walk = (path, stack) => {
    if (stack.includes(path)) throw new Error(`import cycle ${[...stack, path].join(' -> ')}: the pinned worker loader needs an acyclic graph`);
    if (modules[path]) return;
    const text = readFileSync(resolve(wwwDir, path), 'utf8');
    const { imports, meta } = scanModule(path, text);
    const resolved = imports.map(([s, e, spec]) => [s, e, posix.normalize(posix.join(posix.dirname(path), spec))]);
    modules[path] = { imports: resolved, meta };
    for (const [, , dep] of resolved) walk(dep, [...stack, path]);
  };
  walk(entry, []);
  return modules;
}

/** The pinned block of one of PAGES (default www/index.html) for the current files. */
export function pageBlock(wwwDir, html = 'index.html') {
  const { entry, worker: workerEntry, css, assets } = PAGES[html];
  const hash = (p) => sri(readFileSync(resolve(wwwDir, p)));
  // The entry and the loader run before anything is verified: their imports would be
  // fetched unchecked (boot.js imports only verified blob: copies, computed).
  for (const p of [BOOT, LOADER]) {
    if (scanModule(p, readFileSync(resolve(wwwDir, p), 'utf8'), { computedImports: true }).imports.length) {
      throw new Error(`${p} must import nothing by name: its imports would be fetched unchecked`);
    }
  }
  const sorted = (graph) => Object.fromEntries(Object.keys(graph).sort().map((p) => [p, graph[p]]));
  const page = moduleGraph(wwwDir, entry);
  const worker = workerEntry ? moduleGraph(wwwDir, workerEntry) : {};
  const files = {};
  const wasm = workerEntry ? [WASM] : [];
  for (const p of [...new Set([...Object.keys(page), ...Object.keys(worker), BOOT, LOADER, css, ...assets, ...wasm])].sort()) files[p] = hash(p);
  const pins = { files, page: { entry, modules: sorted(page) } };
  if (workerEntry) Object.assign(pins, { worker: { entry: workerEntry, modules: sorted(worker) }, wasm: WASM });
  const lines = [
    `${BEGIN}: written by \`make pkg\` (scripts/integrity.mjs) from the files' SHA-384; do not edit -->`,
    `<link rel="stylesheet" href="${css}" integrity="${files[css]}">`,
    `<script type="module" src="${BOOT}" integrity="${files[BOOT]}"></script>`,
    `<script type="application/json" id="pins">${JSON.stringify(pins)}</script>`,
    END,
  ];
  return lines.map((l) => `  ${l}`).join('\n');
}

/** A page's HTML with its pinned block replaced. */
export function stampPage(html, block, name = 'index.html') {
  const a = html.indexOf(BEGIN);
  const b = html.indexOf(END);
  if (a < 0 || b < a) throw new Error(`www/${name} has no "${BEGIN} ... ${END}" block`);
  const lineStart = html.lastIndexOf('\n', a) + 1;
  return html.slice(0, lineStart) + block + html.slice(b + END.length);
}

/** The file map of integrity.json or of index.html's #pins block. */
function filesOf(text) {
  const m = /<script type="application\/json" id="pins">([^<]*)<\/script>/.exec(text);
  try {
    return JSON.parse(m ? m[1] : text).files ?? {};
  } catch {
    return {};
  }
}

/** Files whose pin differs between two manifests (added and removed ones too). */
function changedFiles(have, want) {
  const a = filesOf(have);
  const b = filesOf(want);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => a[f] !== b[f]).sort();
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const i = args.indexOf('--root');
  const root = i >= 0 ? resolve(args[i + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const pkgDir = join(root, 'pkg');
  const wwwDir = join(root, 'www');
  const want = [
    [join(pkgDir, 'integrity.json'), packageManifest(pkgDir)],
    ...Object.keys(PAGES).map((html) => {
      const path = join(wwwDir, html);
      return [path, stampPage(readFileSync(path, 'utf8'), pageBlock(wwwDir, html), html)];
    }),
  ];
  let stale = 0;
  for (const [path, text] of want) {
    let have = null;
    try {
      have = readFileSync(path, 'utf8');
    } catch {
      // missing: stale, or written below
    }
    if (have === text) continue;
    if (!check) {
      writeFileSync(path, text);
      continue;
    }
    stale++;
    const changed = changedFiles(have ?? '', text);
    console.error(`[integrity] ${path} is stale: ${changed.length ? `changed since it was written: ${changed.join(', ')}` : 'rerun make pkg'}`);
  }
  if (stale) process.exit(1);
  const n = Object.keys(JSON.parse(want[0][1]).files).length;
  console.log(`[integrity] ${check ? 'checked' : 'wrote'} pkg/integrity.json (${n} files) and the pins in www/${Object.keys(PAGES).join(', www/')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`[integrity] ${err.message}`);
    process.exit(1);
  }
}
