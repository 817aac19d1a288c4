// Where the bytes go (`make size`): what each package entry makes a browser download
// (raw, gzip -9, brotli -11, per file and in total), then, for each Wasm build, the
// largest crates and functions by twiggy, read from cargo's output before wasm-bindgen
// strips the `name` section (same code, names kept).
//
// Usage: node scripts/size.mjs [--twiggy] [--wasm LABEL=FILE ...] [--out FILE]
//   --twiggy  add the per-crate / per-function breakdown (needs `twiggy` on PATH and
//             the cargo outputs named in WASM_BUILDS)
//   --wasm    break down these cargo outputs instead (e.g. an older build, to compare)
//   --out     also write the report (markdown) to FILE
// The entries and their files are ENTRIES below; `scripts/bench.mjs` reads the same list.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Each browser entry of the package (the exports map's browser file, bundled by
 * scripts/bundle.mjs): its module and the Wasm its `init()` fetches. A page that imports
 * the entry loads the entry's static import graph (followed by `moduleGraph`: one file
 * for a bundle) and that Wasm; `worker` is the script the entry's stream worker runs
 * (fetched on the first stream; it is handed the compiled Wasm), counted in the total.
 */
export const ENTRIES = {
  'signet-crypto': { entry: 'pkg/index.min.js', wasm: 'pkg/wasm/signet_crypto_bg.wasm', worker: 'pkg/stream-worker.min.js' },
  'signet-crypto/notes': { entry: 'pkg/notes.min.js', wasm: 'pkg/wasm/signet_notes_bg.wasm' },
  'signet-crypto/embed': { entry: 'pkg/embed/index.js', wasm: null },
};

/** The files of `entry`'s static import graph (relative specifiers), in the order first seen. */
export function moduleGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
    }
  };
  visit(entry);
  return [...seen];
}

/** The files a page importing entry `name` downloads. */
export function entryFiles(name) {
  const { entry, wasm, worker } = ENTRIES[name];
  return [...moduleGraph(entry), ...(worker ? moduleGraph(worker) : []), ...(wasm ? [wasm] : [])];
}

/** The Wasm builds twiggy reads: cargo's output, names intact (see the Makefile). */
const WASM_BUILDS = {
  full: 'wasm32-unknown-unknown/release/signet_crypto.wasm',
  notes: 'wasm32-unknown-unknown/release-notes/signet_crypto.wasm',
};

/** Raw, gzip -9 and brotli -11 byte counts of a buffer (Node's zlib, as in `make bench`). */
export function compressed(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

/** Sizes of one entry: each file compressed alone, and the total (the sum of those). */
export function entrySizes(name) {
  const files = entryFiles(name).map((f) => ({ file: f, ...compressed(readFileSync(path.join(root, f))) }));
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) for (const k of Object.keys(total)) total[k] += f[k];
  return { files, total };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/**
 * The crate a (demangled) Rust symbol belongs to: the first path segment, looking
 * inside `<T as Trait>` to T. Monomorphised generics count for the crate that
 * defines the function, not the one that instantiated it.
 */
function crateOf(sym) {
  if (/^"function names"|^custom section|^"local names"|^name section/.test(sym)) return '(names and wasm-bindgen sections: not shipped)';
  if (/^data segment|^elem\[|^table\[|^global\[|^type\[|^import |^export /.test(sym)) return '(data, tables, imports)';
  if (/^[A-Za-z]\w*_[0-9a-f]{16}$/.test(sym)) return '(wasm-bindgen exports)';
  // `core[c5930c85a12de822]::` → `core::`; `<T as tr::Trait>::f` and `<[u8] as ...>` → the trait's crate.
  let s = sym.replace(/\[[0-9a-f]{16}\]/g, '').replace(/^<+/, '').replace(/^&(mut )?/, '').replace(/^(dyn|impl) /, '');
  if (/^([A-Z]|\[|str>|&?[A-Z] as)/.test(s) && / as /.test(s)) s = s.slice(s.indexOf(' as ') + 4).replace(/^<+/, '');
  if (/^str>/.test(s)) return 'core';
  const m = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(s);
  return m ? m[1] : '(other)';
}

function twiggy(wasm) {
  let out;
  try {
    out = execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'json', wasm], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('twiggy is not installed: run scripts/setup.sh (make setup)');
    throw e;
  }
  return JSON.parse(out).map((r) => ({ name: r.name, size: r.shallow_size }));
}

function breakdown(label, wasm, lines) {
  const items = twiggy(wasm);
  const total = items.reduce((a, r) => a + r.size, 0);
  const crates = new Map();
  for (const r of items) crates.set(crateOf(r.name), (crates.get(crateOf(r.name)) ?? 0) + r.size);
  lines.push('', `### ${label}: ${kib(total)} before wasm-bindgen (names kept)`, '');
  lines.push('| crate | bytes | share |', '|---|---:|---:|');
  for (const [c, n] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    lines.push(`| ${c} | ${n} | ${((100 * n) / total).toFixed(1)} % |`);
  }
  lines.push('', `Largest functions and items (${label}):`, '', '| item | bytes |', '|---|---:|');
  for (const r of items.slice(0, 25)) lines.push(`| \`${r.name.replace(/::h[0-9a-f]{16}$/, '').replace(/\|/g, '\\|').slice(0, 110)}\` | ${r.size} |`);
}

function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const lines = ['| entry | file | raw | gzip -9 | brotli -11 |', '|---|---|---:|---:|---:|'];
  for (const name of Object.keys(ENTRIES)) {
    const { entry, wasm } = ENTRIES[name];
    if (![entry, wasm].every((f) => !f || existsSync(path.join(root, f)))) continue;
    const { files, total } = entrySizes(name);
    for (const f of files) lines.push(`| ${name} | \`${f.file.replace(/^pkg\//, '')}\` | ${f.raw} | ${f.gzip} | ${f.brotli} |`);
    lines.push(`| **${name}** | **total** | **${kib(total.raw)}** | **${kib(total.gzip)}** | **${kib(total.brotli)}** |`);
  }
  const peer = path.join(root, 'node_modules/openpgp/dist/openpgp.min.mjs');
  if (existsSync(peer)) {
    const p = compressed(readFileSync(peer));
    lines.push(`| OpenPGP.js 6 | \`openpgp.min.mjs\` | ${kib(p.raw)} | ${kib(p.gzip)} | ${kib(p.brotli)} |`);
  }
  const given = args.flatMap((a, i) => (args[i - 1] === '--wasm' ? [a.split('=')] : []));
  if (given.length) {
    for (const [label, wasm] of given) breakdown(label, wasm, lines);
  } else if (args.includes('--twiggy')) {
    const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
    for (const [label, rel] of Object.entries(WASM_BUILDS)) {
      const wasm = path.join(target, rel);
      if (existsSync(wasm)) breakdown(label, wasm, lines);
    }
  }
  const md = lines.join('\n');
  console.log(md);
  if (outIdx >= 0) writeFileSync(args[outIdx + 1], `${md}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
