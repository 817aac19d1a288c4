// Pinned delivery, in Node: pkg/integrity.json covers exactly what `npm pack` ships with
// each file's SHA-384; getVersion() reports the hash of the Wasm actually loaded (both
// entries, and a different module gives a different hash); the page's pins in
// www/index.html match the files, and their splice points are where the imports are;
// `scripts/integrity.mjs --check` names a changed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as signet from 'signet-crypto';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = join(root, 'pkg');
const www = join(root, 'www');
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const manifest = JSON.parse(readFileSync(join(pkg, 'integrity.json'), 'utf8'));
const wasm = readFileSync(join(pkg, 'wasm', 'signet_crypto_bg.wasm'));

/** The module plus a custom section: still a valid module, other bytes. */
function tamperedWasm() {
  const name = Buffer.from('tampered');
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from('x')]);
  return Buffer.concat([wasm, Buffer.from([0, payload.length]), payload]);
}

test('integrity.json pins every file npm pack ships, with its SHA-384', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, encoding: 'utf8' }))[0].files.map((f) => f.path);
  assert.ok(packed.includes('integrity.json'), 'integrity.json itself ships (package.json "files")');
  assert.deepEqual(Object.keys(manifest.files).sort(), packed.filter((p) => p !== 'integrity.json').sort());
  for (const [file, pin] of Object.entries(manifest.files)) {
    assert.match(pin, /^sha384-[A-Za-z0-9+/]{64}$/, file);
    assert.equal(pin, sri(readFileSync(join(pkg, file))), file);
  }
  assert.equal(manifest.version, JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version);
  assert.ok(manifest.files['wasm/signet_crypto_bg.wasm'] && manifest.files['wasm/signet_crypto.js']);
});

test('getVersion() reports the SHA-384 of the Wasm as loaded (Node entry)', () => {
  const v = signet.getVersion();
  assert.equal(v.wasmSha384, sri(wasm));
  assert.equal(v.wasmSha384, manifest.files['wasm/signet_crypto_bg.wasm']);
  assert.equal(typeof v.package, 'string');
});

test('getVersion() of the browser entry hashes what init() compiled, and another module gives another hash', () => {
  // index.js alone (as a browser loads it), given Responses as a page would fetch them.
  const script = `
    import { readFileSync } from 'node:fs';
    const bytes = readFileSync(process.argv[1]);
    const { init, getVersion } = await import(${JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href)});
    await init(new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } }));
    console.log(JSON.stringify(getVersion()));
  `;
  const run = (bytes) => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-version-'));
    try {
      writeFileSync(join(dir, 'm.wasm'), bytes);
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, join(dir, 'm.wasm')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  assert.equal(run(wasm).wasmSha384, manifest.files['wasm/signet_crypto_bg.wasm']);
  const other = tamperedWasm();
  assert.ok(WebAssembly.validate(other), 'the changed module is still valid Wasm');
  const v = run(other);
  assert.equal(v.wasmSha384, sri(other));
  assert.notEqual(v.wasmSha384, manifest.files['wasm/signet_crypto_bg.wasm']);
});

test("the page's pins match the files, and each splice point is an import specifier or import.meta", () => {
  const html = readFileSync(join(www, 'index.html'), 'utf8');
  const pins = JSON.parse(/<script type="application\/json" id="pins">([^<]*)<\/script>/.exec(html)[1]);
  const onDisk = (p) => join(www, p);
  for (const [file, pin] of Object.entries(pins.files)) assert.equal(pin, sri(readFileSync(onDisk(file))), file);
  // The package's files are pinned with integrity.json's values.
  const pkgPins = Object.entries(pins.files).filter(([f]) => f.startsWith('../pkg/'));
  assert.deepEqual(pkgPins.map(([f]) => f).sort(), ['../pkg/index.min.js', '../pkg/wasm/signet_crypto_bg.wasm'], 'the worker loads the single-file entry and the Wasm');
  for (const [file, pin] of pkgPins) assert.equal(pin, manifest.files[file.slice('../pkg/'.length)], file);
  assert.equal(pins.files[pins.wasm], manifest.files['wasm/signet_crypto_bg.wasm']);
  // Every <script>/<link> with integrity carries the file's pin.
  const tags = [...html.matchAll(/<(?:script|link)[^>]*?(?:src|href)="([^"]+)"[^>]*?integrity="([^"]+)"/g)];
  assert.deepEqual(tags.map(([, file]) => file), ['style.css', 'boot.js'], 'the stylesheet and the one entry script are pinned');
  for (const [, file, pin] of tags) assert.equal(pin, sri(readFileSync(onDisk(file))), file);
  assert.equal([...html.matchAll(/<script\b[^>]*\bsrc=/g)].length, 1, 'no other script is loaded by the page itself');
  // Both graphs: every relative import of every module is listed, at its place.
  assert.ok(pins.page.modules['app.js'] && pins.page.modules['i18n.js'] && pins.page.modules['pins.js']);
  // The worker runs the package's single-file entry: one module, its `import.meta` pinned too.
  assert.ok(pins.worker.modules['worker.js'] && pins.worker.modules['../pkg/index.min.js']);
  assert.equal(pins.worker.modules['../pkg/index.min.js'].imports.length, 0);
  assert.ok(pins.worker.modules['../pkg/index.min.js'].meta.length >= 2);
  const modules = { ...pins.page.modules, ...pins.worker.modules };
  for (const [file, { imports, meta }] of Object.entries(modules)) {
    const text = readFileSync(onDisk(file), 'utf8');
    for (const [s, e, dep] of imports) {
      const spec = JSON.parse(text.slice(s, e).replace(/^'|'$/g, '"'));
      assert.equal(posix.normalize(posix.join(posix.dirname(file), spec)), dep, `${file} @${s}`);
      assert.ok(modules[dep], `${dep} is in the graph`);
    }
    for (const [s, e] of meta) assert.equal(text.slice(s, e), 'import.meta', `${file} @${s}`);
    const found = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+['"](\.[^'"]+)['"]/gms)].length;
    assert.ok(imports.length >= found, `${file}: ${imports.length} pinned imports, ${found} static ones in the text`);
  }
});

test('integrity.mjs --check passes on a fresh copy and names a changed file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-pins-'));
  const check = () => spawnSync(process.execPath, [join(root, 'scripts', 'integrity.mjs'), '--check', '--root', dir], { encoding: 'utf8' });
  try {
    cpSync(pkg, join(dir, 'pkg'), { recursive: true, dereference: true });
    cpSync(www, join(dir, 'www'), { recursive: true });
    let r = check();
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(join(dir, 'pkg', 'wasm', 'signet_crypto_bg.wasm'), tamperedWasm());
    writeFileSync(join(dir, 'www', 'worker.js'), `${readFileSync(join(www, 'worker.js'), 'utf8')}\n// changed\n`);
    r = check();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /integrity\.json is stale: changed since it was written: wasm\/signet_crypto_bg\.wasm/);
    assert.match(r.stderr, /index\.html is stale: changed since it was written: \.\.\/pkg\/wasm\/signet_crypto_bg\.wasm, worker\.js/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
