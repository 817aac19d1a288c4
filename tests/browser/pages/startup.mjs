// Start-up: from `import` to the first completed encryption of 1 KiB to a public
// key, on a page that has loaded nothing else. `?lib=ours` imports the package and
// runs init() and encrypt(); `?lib=openpgp` imports OpenPGP.js's browser build and
// runs readKey() and encrypt(). The armored public key is the URL's fragment.
// scripts/bench.mjs loads the page in a fresh browser (cold cache) and again
// (warm cache) and reads `window.startupDone`.
const lib = new URLSearchParams(location.search).get('lib');
const armoredKey = decodeURIComponent(location.hash.slice(1));
const data = new Uint8Array(1024).fill(0x61);

async function ours() {
  const t0 = performance.now();
  const s = await import('/pkg/index.js');
  await s.init();
  const tInit = performance.now();
  // The glue's own init returns the instance already made (no second one): its memory.
  const { default: glue } = await import('/pkg/wasm/signet_crypto.js');
  const memory = (await glue()).memory;
  const afterInit = memory.buffer.byteLength;
  const message = await s.encrypt({ data, encryptionKeys: [armoredKey], armor: false });
  const ms = performance.now() - t0;
  if (!(message instanceof Uint8Array) || message.length < data.length) throw new Error('no message');
  return { ms, initMs: tInit - t0, wasmMemoryAfterInit: afterInit, wasmMemoryAfterEncrypt: memory.buffer.byteLength };
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
  const r = await (lib === 'openpgp' ? peer() : ours());
  document.getElementById('out').textContent = JSON.stringify(r);
  window.startupDone = r;
} catch (e) {
  window.startupDone = { error: String(e?.stack ?? e) };
}
