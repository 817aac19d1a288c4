// Loading with integrity. `make pkg` writes the SHA-384 of every file the page runs into
// index.html (scripts/integrity.mjs): boot.js carries an `integrity` attribute, and the
// #pins block lists the page's modules, the crypto worker's and the Wasm. Those are
// fetched here against their pins, so a file changed on the server or in a cache is
// refused before any of it runs, and the user is told which file.

/** A pinned file was refused: its bytes do not match the pin (`code` INTEGRITY) or it could not be fetched (`UNAVAILABLE`). */
export class PinError extends Error {
  constructor(code, file, detail) {
    super(`${file}: ${detail}`);
    this.name = 'PinError';
    this.code = code;
    this.file = file;
  }
}

/** The page's pins (the #pins JSON block of index.html). */
export function readPins(doc = document) {
  return JSON.parse(doc.getElementById('pins').textContent);
}

async function sri(buffer) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-384', buffer));
  return `sha384-${btoa(String.fromCharCode(...d))}`;
}

/**
 * `fetch(url, { integrity })`. On failure, fetches once more without the pin only to hash
 * what the server sends (never to run it), so the error says "changed" or "unavailable".
 */
export async function fetchPinned(url, integrity) {
  const file = new URL(url).pathname;
  if (!integrity) throw new PinError('INTEGRITY', file, 'no pin for this file');
  let first;
  try {
    const res = await fetch(url, { integrity });
    if (res.ok) return res;
    first = `HTTP ${res.status}`;
  } catch (err) {
    first = String(err?.message ?? err);
  }
  let got = null;
  try {
    const res = await fetch(url, { cache: 'no-store' });
    if (res.ok) got = await sri(await res.arrayBuffer());
  } catch {
    // unreachable: reported as unavailable below
  }
  if (got && got !== integrity) throw new PinError('INTEGRITY', file, `SHA-384 is ${got}, pinned ${integrity}`);
  throw new PinError('UNAVAILABLE', file, first);
}

/**
 * A verified copy of a module graph from the pins (`pins.page` or `pins.worker`): each
 * module is fetched with its pin, its import specifiers are pointed at its dependencies'
 * copies (blob: URLs) and `import.meta` at an object holding its real URL. Returns the
 * blob: URL of the entry's copy, to import or to start a worker from: nothing it runs
 * was fetched unchecked (a `Worker` has no integrity option, and not every engine checks
 * the integrity of module preloads).
 * @param {ReturnType<typeof readPins>} pins
 * @param {{ entry: string, modules: Record<string, { imports: [number, number, string][], meta: [number, number][] }> }} graph
 * @param {string} base the URL the pins' paths are relative to (the page's)
 */
export async function pinnedModule(pins, graph, base) {
  const { entry, modules } = graph;
  const url = (path) => new URL(path, base).href;
  // Every module's bytes at once; each copy is built after its dependencies'.
  const texts = new Map(Object.keys(modules).map((p) => [p, fetchPinned(url(p), pins.files[p]).then((r) => r.text())]));
  for (const t of texts.values()) t.catch(() => undefined); // the first failure is reported below
  const copies = new Map();
  const copy = (path) => {
    if (!copies.has(path)) {
      copies.set(path, (async () => {
        const { imports, meta } = modules[path];
        const [text, deps] = await Promise.all([texts.get(path), Promise.all(imports.map(([, , dep]) => copy(dep)))]);
        const edits = [
          ...imports.map(([s, e], i) => [s, e, JSON.stringify(deps[i])]),
          ...meta.map(([s, e]) => [s, e, `({ url: ${JSON.stringify(url(path))} })`]),
        ].sort((a, b) => b[0] - a[0]);
        let out = text;
        for (const [s, e, r] of edits) out = out.slice(0, s) + r + out.slice(e);
        return URL.createObjectURL(new Blob([out], { type: 'text/javascript' }));
      })());
    }
    return copies.get(path);
  };
  return copy(entry);
}

/** Starts the crypto worker from the verified copy of its module graph. */
export async function startPinnedWorker(pins, base, options = {}) {
  return new Worker(await pinnedModule(pins, pins.worker, base), { ...options, type: 'module' });
}

/**
 * In a crypto worker: the page's first message is { boot: wasmPin(...) }; resolves once
 * `init` compiled the Wasm fetched against that pin (a changed module is refused first).
 */
export function initFromBoot(init) {
  return new Promise((resolve) => {
    self.addEventListener('message', function boot({ data }) {
      if (!data?.boot) return;
      self.removeEventListener('message', boot);
      resolve(data.boot);
    });
  }).then(({ url, integrity }) => init(fetchPinned(url, integrity)));
}

/** What the worker needs to fetch the Wasm against its pin. */
export function wasmPin(pins, base) {
  return { url: new URL(pins.wasm, base).href, integrity: pins.files[pins.wasm] };
}
