// Start-up: from `import` to the first completed encryption of 1 KiB to a public
// key, on a page that has loaded nothing else. `?lib=ours` imports the package's
// browser entry (the bundle its exports map names) and runs init() and encrypt();
// `?lib=openpgp` imports OpenPGP.js's browser build and runs readKey() and encrypt().
// `?lib=memory` does what `ours` does through the unbundled sources, to read the
// instance's Wasm memory from the glue (the bundle exports only the API).
// The armored public key is the URL's fragment. scripts/bench.mjs loads the page in a
// fresh browser (cold cache) and again (warm cache) and reads `window.startupDone`.
const lib = new URLSearchParams(location.search).get('lib');
const armoredKey = decodeURIComponent(location.hash.slice(1));
const data = new Uint8Array(1024).fill(0x61);

async function ours() {
  const t0 = performance.now();
  const s = await import('/pkg/index.min.js');
  await s.init();
  const tInit = performance.now();
  const message = await s.encrypt({ data, encryptionKeys: [armoredKey], armor: false });
  const ms = performance.now() - t0;
  if (!(message instanceof Uint8Array) || message.length < data.length) throw new Error('no message');
  return { ms, initMs: tInit - t0 };
}

async function memory() {
  const s = await import('/pkg/index.js');
  await s.init();
  // The glue's own init returns the instance already made (no second one): its memory.
  const { default: glue } = await import('/pkg/wasm/signet_crypto.js');
  const mem = (await glue()).memory;
  const afterInit = mem.buffer.byteLength;
  const message = await s.encrypt({ data, encryptionKeys: [armoredKey], armor: false });
  if (!(message instanceof Uint8Array) || message.length < data.length) throw new Error('no message');
  return { wasmMemoryAfterInit: afterInit, wasmMemoryAfterEncrypt: mem.buffer.byteLength };
}

async function peer() {
  const t0 = performance.now();
  const openpgp = await import('/vendor/openpgp/openpgp.min.mjs');
  const key = await openpgp.readKey({ armoredKey });
  const message = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: data }),
    encryptionKeys: key,
    format: 'binary',
  });
  const ms = performance.now() - t0;
  if (!(message instanceof Uint8Array) || message.length < data.length) throw new Error('no message');
  return { ms };
}

try {
  const r = await ({ openpgp: peer, ours, memory }[lib] ?? ours)();
  document.getElementById('out').textContent = JSON.stringify(r);
  window.startupDone = r;
} catch (e) {
  window.startupDone = { error: String(e?.stack ?? e) };
}
