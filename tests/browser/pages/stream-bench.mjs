// Throughput of the streaming API vs OpenPGP.js and raw WebCrypto, on the same
// data. Runs in a page (tests/browser/stream-bench.mjs) and in Node
// (tests/node/stream-bench.mjs). Returns MiB/s per case.

const MiB = 1 << 20;

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

function streamOf(bytes, step = MiB) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(off, off + step));
      off += step;
    },
  }, { highWaterMark: 0 });
}

async function drain(stream) {
  let n = 0;
  const parts = [];
  for await (const p of stream) {
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function time(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

/**
 * @param s the signet-crypto module; @param openpgp OpenPGP.js;
 * @param opts { sizeMiB = 64, worker = true }
 */
export async function runStreamBench(s, openpgp, { sizeMiB = 64, worker = true, only = '' } = {}) {
  const wants = (label) => !only || label.includes(only);
  const size = sizeMiB * MiB;
  const data = randomBytes(size);
  const rate = (ms) => Math.round((sizeMiB / (ms / 1000)) * 10) / 10;
  const results = {};
  const same = (a) => a.length === data.length && a[0] === data[0] && a[size - 1] === data[size - 1]
    && a[size >> 1] === data[size >> 1];

  const g = await s.generateKey({ userIds: ['Bench <bench@example.gov.vn>'], profile: 'rfc9580' });
  const key = await s.unlockKey(g.privateKey);

  const ours = async (label, encOpts, decOpts) => {
    if (!wants(label)) return;
    // Warm-up on a small input (worker start, Wasm compile, JIT).
    await drain(await s.decryptStream({
      message: await s.encryptStream({ data: streamOf(data.subarray(0, 4 * MiB)), encryptionKeys: [g.publicKey], worker, ...encOpts }),
      decryptionKeys: [key], worker, ...decOpts,
    }));
    const enc = await time(async () => drain(await s.encryptStream({
      data: streamOf(data), encryptionKeys: [g.publicKey], worker, ...encOpts,
    })));
    const dec = await time(async () => drain(await s.decryptStream({
      message: streamOf(enc.r), decryptionKeys: [key], worker, ...decOpts,
    })));
    if (!same(dec.r)) throw new Error(`${label}: round trip mismatch`);
    results[label] = { encrypt: rate(enc.ms), decrypt: rate(dec.ms) };
  };
  await ours('signet GCM webcrypto', { backend: 'webcrypto' }, { backend: 'webcrypto' });
  await ours('signet GCM rust', { backend: 'rust' }, { backend: 'rust' });
  await ours('signet OCB (rust)', { aead: 'ocb' }, {});

  // OpenPGP.js 6.3.2: v6 Curve25519 key, SEIPDv2 with 256 KiB chunks, Uint8Array in/out.
  const { privateKey: opPriv, publicKey: opPub } = await openpgp.generateKey({
    type: 'curve25519', userIDs: [{ name: 'Bench' }], format: 'object', config: { v6Keys: true },
  });
  for (const aead of ['gcm', 'ocb']) {
    if (!wants(`OpenPGP.js ${aead.toUpperCase()}`)) continue;
    const config = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead[aead], aeadChunkSizeByte: 12 };
    const encOnce = async (d) => openpgp.encrypt({
      message: await openpgp.createMessage({ binary: d }), encryptionKeys: opPub, format: 'binary', config,
    });
    const decOnce = async (m) => (await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: m }), decryptionKeys: opPriv, format: 'binary', config,
    })).data;
    await decOnce(await encOnce(data.subarray(0, 4 * MiB)));
    const small = aead === 'ocb' ? Math.min(sizeMiB, 8) : sizeMiB; // OCB in OpenPGP.js is slow
    const d = data.subarray(0, small * MiB);
    const enc = await time(() => encOnce(d));
    const dec = await time(() => decOnce(enc.r));
    if (dec.r.length !== d.length) throw new Error('openpgp round trip mismatch');
    const r = (ms) => Math.round((small / (ms / 1000)) * 10) / 10;
    results[`OpenPGP.js ${aead.toUpperCase()}${small !== sizeMiB ? ` (${small} MiB)` : ''}`] = { encrypt: r(enc.ms), decrypt: r(dec.ms) };
  }

  // Raw WebCrypto AES-256-GCM over 256 KiB chunks, one awaited call per chunk.
  const subtle = crypto.subtle;
  const k = await subtle.importKey('raw', randomBytes(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const CH = 256 * 1024;
  const iv = new Uint8Array(12);
  const cts = [];
  const enc = await time(async () => {
    for (let o = 0; o < size; o += CH) {
      cts.push(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: iv.subarray(0, 5) }, k, data.subarray(o, o + CH)));
    }
  });
  const dec = await time(async () => {
    for (const c of cts) await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: iv.subarray(0, 5) }, k, c);
  });
  results['raw WebCrypto AES-GCM 256 KiB chunks'] = { encrypt: rate(enc.ms), decrypt: rate(dec.ms) };
  key.free();
  return results;
}
