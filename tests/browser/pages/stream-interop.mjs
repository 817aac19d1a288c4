// Stream interop cases shared by Node (tests/node/stream-interop.test.mjs) and
// Chromium (tests/browser/stream-interop.test.mjs), run once per backend.
// `fx` holds messages made by the peers (GnuPG, OpenPGP.js) and the RFC 9580
// sample messages, all as Uint8Array; the result holds what we decrypted and
// what we encrypted for the peers to check.

function streamOf(bytes, step) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.slice(off, off + step));
      off += step;
    },
  }, { highWaterMark: 0 });
}

async function collect(stream) {
  const parts = [];
  let n = 0;
  for await (const p of stream) {
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * @param s the signet-crypto module
 * @param fx { data, gpgSymmetric, openpgpGcm, openpgpOcb, openpgpToKey, rfc: {eax,gcm,ocb}, publicKey, privateKey, compat: {publicKey, privateKey} (bytes) }
 * @param backend "webcrypto" | "rust"
 */
export async function interopCases(s, fx, backend) {
  const key = await s.unlockKey(fx.privateKey);
  const dec = (message, opts) => s.decryptStream({ message: streamOf(message, 100 * 1000), backend, ...opts }).then(collect);
  const enc = (opts) => s.encryptStream({ data: streamOf(fx.data, 64 * 1024), backend, ...opts }).then(collect);
  const info = {};
  const progress = (name) => (p) => { info[name] = p; };
  try {
    const out = {
      decrypted: {
        // GnuPG 2.2: SEIPDv1 (buffered fallback), compressed.
        gpgSymmetric: await dec(fx.gpgSymmetric, { passwords: ['pw'] }),
        // OpenPGP.js 6: SEIPDv2 GCM and OCB, 256 KiB chunks, to a password and to our key.
        openpgpGcm: await dec(fx.openpgpGcm, { passwords: ['pw'] }),
        openpgpOcb: await dec(fx.openpgpOcb, { passwords: ['pw'] }),
        openpgpToKey: await dec(fx.openpgpToKey, { decryptionKeys: [key] }),
        // RFC 9580 A.9-A.11 (EAX, OCB, GCM; armored), password "password".
        rfcEax: await dec(fx.rfc.eax, { passwords: ['password'] }),
        rfcOcb: await dec(fx.rfc.ocb, { passwords: ['password'] }),
        rfcGcm: await dec(fx.rfc.gcm, { passwords: ['password'] }),
      },
      encrypted: {
        // For OpenPGP.js: SEIPDv2 GCM to a password and to the key; OCB.
        gcmPassword: await enc({ passwords: ['pw'], onProgress: progress('gcmPassword') }),
        gcmKey: await enc({ encryptionKeys: [fx.publicKey] }),
        ocbPassword: await enc({ passwords: ['pw'], aead: 'ocb' }),
        armored: await enc({ passwords: ['pw'], armor: true }),
        // For GnuPG 2.2 (no SEIPDv2): SEIPDv1.
        v1Password: await enc({ passwords: ['pw'], seipd: 'v1' }),
        // To a v4 key without SEIPDv2 (SEIPDv1 chosen by the key), streamed
        // and through the one-shot `encrypt` (armored).
        v1Key: await enc({ encryptionKeys: [fx.compat.publicKey] }),
        v1OneShot: new TextEncoder().encode(await s.encrypt({ data: fx.data, encryptionKeys: [fx.compat.publicKey] })),
      },
      info,
    };
    // Our own output through the other backend's reader, both ways.
    const other = backend === 'rust' ? 'webcrypto' : 'rust';
    out.roundTrip = await dec(out.encrypted.gcmKey, { decryptionKeys: [key], backend: other });
    const ckey = await s.unlockKey(fx.compat.privateKey);
    try {
      out.roundTripV1 = await dec(out.encrypted.v1Key, { decryptionKeys: [ckey], backend: other });
    } finally {
      ckey.free();
    }
    return out;
  } finally {
    key.free();
  }
}
