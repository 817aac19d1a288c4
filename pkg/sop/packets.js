// OpenPGP framing for the `signet-sop` command: ASCII armor and packet
// boundaries only (RFC 9580 §4.2, §6). No cryptography happens here; every
// key, signature and message goes to the package's own functions. The CLI
// needs framing where SOP asks for something the package API does not take
// or give: several keys in one KEYS input, `armor`/`dearmor`, the session
// key's algorithm of a SEIPDv2 message, `inline-detach`, `--signing-only`.
import { SopError } from './errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const TAG = Object.freeze({
  PKESK: 1, SIGNATURE: 2, SKESK: 3, OPS: 4, SECRET_KEY: 5, PUBLIC_KEY: 6, SECRET_SUBKEY: 7,
  COMPRESSED: 8, MARKER: 10, LITERAL: 11, USER_ID: 13, PUBLIC_SUBKEY: 14, SEIPD: 18, PADDING: 21,
});

const LABELS = new Map([
  [TAG.SECRET_KEY, 'PGP PRIVATE KEY BLOCK'],
  [TAG.PUBLIC_KEY, 'PGP PUBLIC KEY BLOCK'],
  [TAG.SIGNATURE, 'PGP SIGNATURE'],
]);

const BEGIN = enc.encode('-----BEGIN PGP ');

function skipSpace(b, i = 0) {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

/** True when the input starts (after whitespace) with an armor header line. */
export function isArmored(bytes) {
  const i = skipSpace(bytes);
  if (bytes.length - i < BEGIN.length) return false;
  for (let k = 0; k < BEGIN.length; k++) if (bytes[i + k] !== BEGIN[k]) return false;
  return true;
}

/** True for a cleartext signed message (RFC 9580 §7). */
export function isCleartextSigned(bytes) {
  return isArmored(bytes) && dec.decode(bytes.subarray(0, 64)).trimStart().startsWith('-----BEGIN PGP SIGNED MESSAGE-----');
}

/**
 * Binary form of armored input: every armor block in order, concatenated
 * (a KEYS or CERTS input may hold several). Binary input is returned as it is.
 * The CRC24 line is ignored, as the package's own armor reader does (RFC 9580
 * §6.1: it is optional and the data carries its own integrity checks).
 */
export function dearmor(bytes) {
  if (!isArmored(bytes)) return bytes;
  if (isCleartextSigned(bytes)) throw new SopError('BAD_DATA', 'a cleartext signed message has no binary form; use inline-detach');
  const lines = dec.decode(bytes).split(/\r?\n/);
  const parts = [];
  let i = 0;
  while (i < lines.length) {
    const head = lines[i].trim().match(/^-----BEGIN PGP ([A-Z ,/0-9]+)-----$/);
    if (!head) {
      if (lines[i].trim() !== '') throw new SopError('BAD_DATA', 'text outside the armor');
      i++;
      continue;
    }
    i++;
    while (i < lines.length && lines[i].trim() !== '' && /^[A-Za-z-]+: /.test(lines[i])) i++; // armor headers
    if (i < lines.length && lines[i].trim() === '') i++;
    let b64 = '';
    let ended = false;
    for (; i < lines.length; i++) {
      const l = lines[i].trim();
      if (l === `-----END PGP ${head[1]}-----`) {
        ended = true;
        i++;
        break;
      }
      if (l.startsWith('=') && l.length === 5) continue; // CRC24
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(l)) throw new SopError('BAD_DATA', 'invalid base64 in the armor');
      b64 += l;
    }
    if (!ended) throw new SopError('BAD_DATA', `armor without its END line (${head[1]})`);
    parts.push(Buffer.from(b64, 'base64'));
  }
  if (!parts.length) throw new SopError('BAD_DATA', 'no armored data');
  return new Uint8Array(Buffer.concat(parts));
}

/** CRC24 of RFC 9580 §6.1.1. */
function crc24(bytes) {
  let crc = 0xb704ce;
  for (const b of bytes) {
    crc ^= b << 16;
    for (let k = 0; k < 8; k++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/**
 * Armors binary OpenPGP data, with the label its first packet calls for. The CRC24
 * footer is written (RFC 9580 §6.1 allows it where a reader needs it): GnuPG 2.2
 * misreads a block without it whose base64 ends unpadded.
 */
export function armor(bytes) {
  if (isArmored(bytes)) return bytes;
  const first = bytes.length ? packets(bytes).next().value : null;
  const label = LABELS.get(first?.tag) ?? 'PGP MESSAGE';
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
  let out = `-----BEGIN ${label}-----\n\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  const c = crc24(bytes);
  out += `=${Buffer.from([c >> 16, (c >> 8) & 0xff, c & 0xff]).toString('base64')}\n`;
  return enc.encode(`${out}-----END ${label}-----\n`);
}

/**
 * The packets of binary data in order: `{ tag, start, end, body }` where
 * `start..end` is the whole packet and `body` its body octets (partial body
 * lengths joined). Throws BAD_DATA on a broken header or a short packet.
 */
export function* packets(b) {
  let i = 0;
  while (i < b.length) {
    const start = i;
    const h = b[i++];
    if (!(h & 0x80)) throw new SopError('BAD_DATA', `not OpenPGP data (octet 0x${h.toString(16)} at ${start})`);
    let tag;
    let body;
    const need = (n) => {
      if (i + n > b.length) throw new SopError('BAD_DATA', 'truncated packet');
    };
    if (h & 0x40) {
      tag = h & 0x3f;
      const chunks = [];
      for (;;) {
        need(1);
        const l0 = b[i++];
        let len;
        let partial = false;
        if (l0 < 192) len = l0;
        else if (l0 < 224) {
          need(1);
          len = ((l0 - 192) << 8) + b[i++] + 192;
        } else if (l0 === 255) {
          need(4);
          len = ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
          i += 4;
        } else {
          len = 1 << (l0 & 0x1f);
          partial = true;
        }
        need(len);
        chunks.push(b.subarray(i, i + len));
        i += len;
        if (!partial) break;
      }
      body = chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
    } else {
      tag = (h >> 2) & 0x0f;
      const lt = h & 3;
      let len;
      if (lt === 3) len = b.length - i;
      else {
        const n = [1, 2, 4][lt];
        need(n);
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + b[i + k];
        i += n;
      }
      need(len);
      body = b.subarray(i, i + len);
      i += len;
    }
    yield { tag, start, end: i, body };
  }
}

/** Throws BAD_DATA unless the whole input is a sequence of well-framed packets. */
export function checkPackets(b) {
  let n = 0;
  for (const _ of packets(b)) n++;
  if (!n) throw new SopError('BAD_DATA', 'no OpenPGP data');
}

/**
 * Splits keys or certificates (binary) into one transferable key each:
 * `[{ secret, bytes }]`. Anything before the first primary key is BAD_DATA.
 */
export function splitKeys(b) {
  const out = [];
  for (const p of packets(b)) {
    if (p.tag === TAG.SECRET_KEY || p.tag === TAG.PUBLIC_KEY) {
      out.push({ secret: p.tag === TAG.SECRET_KEY, start: p.start, end: p.end });
    } else if (!out.length) {
      throw new SopError('BAD_DATA', `expected a key or certificate, found packet type ${p.tag}`);
    } else {
      out.at(-1).end = p.end;
    }
  }
  if (!out.length) throw new SopError('BAD_DATA', 'no key or certificate in the input');
  return out.map((k) => ({ secret: k.secret, bytes: b.subarray(k.start, k.end) }));
}

/** A transferable secret key without its subkeys (and their binding signatures). */
export function withoutSubkeys(b) {
  const keep = [];
  let skipping = false;
  for (const p of packets(b)) {
    if (p.tag === TAG.SECRET_SUBKEY || p.tag === TAG.PUBLIC_SUBKEY) skipping = true;
    else if (p.tag !== TAG.SIGNATURE) skipping = false;
    if (!skipping) keep.push(b.subarray(p.start, p.end));
  }
  return new Uint8Array(Buffer.concat(keep));
}

/** Octets of the public key material for fixed-size algorithms (RFC 9580 §9.1, RFC 9980 §4). */
const FIXED_MATERIAL = {
  25: 32, 26: 56, 27: 32, 28: 57, // X25519, X448, Ed25519, Ed448
  30: 32 + 1952, 31: 57 + 2592, // ML-DSA-65+Ed25519, ML-DSA-87+Ed448
  32: 32, 33: 32, 34: 64, // SLH-DSA-SHAKE-128s, -128f, -256s
  35: 32 + 1184, 36: 56 + 1568, // ML-KEM-768+X25519, ML-KEM-1024+X448
};
/** v4 material made of MPIs and length-prefixed fields: 'm' MPI, 'o' OID, 'k' KDF parameters. */
const FIELD_MATERIAL = { 1: 'mm', 2: 'mm', 3: 'mm', 16: 'mmm', 17: 'mmmm', 18: 'omk', 19: 'om', 22: 'om' };

/** Length of the public fields at the start of a (secret) key packet body, or null when unknown. */
function publicPartLength(body) {
  const version = body[0];
  if (version === 6) {
    if (body.length < 10) return null;
    const n = ((body[6] << 24) >>> 0) + (body[7] << 16) + (body[8] << 8) + body[9];
    return 10 + n <= body.length ? 10 + n : null;
  }
  if (version !== 4 || body.length < 6) return null;
  const alg = body[5];
  let i = 6;
  if (FIXED_MATERIAL[alg]) i += FIXED_MATERIAL[alg];
  else if (FIELD_MATERIAL[alg]) {
    for (const f of FIELD_MATERIAL[alg]) {
      if (i + 2 > body.length) return null;
      i += f === 'm' ? 2 + ((((body[i] << 8) | body[i + 1]) + 7) >> 3) : 1 + body[i];
    }
  } else return null;
  return i <= body.length ? i : null;
}

function newFormatPacket(tag, body) {
  const n = body.length;
  let len;
  if (n < 192) len = [n];
  else if (n < 8384) len = [((n - 192) >> 8) + 192, (n - 192) & 0xff];
  else len = [255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.from([0xc0 | tag, ...len]), body]);
}

/**
 * The certificate of a transferable secret key without touching its secret
 * parts (which may be locked): each secret (sub)key packet becomes the
 * public one with the same public fields (RFC 9580 §5.5.3 starts with them);
 * every other packet is kept. Null when a key's algorithm is unknown here.
 * The caller checks the result with the package (same fingerprints).
 */
export function certOfSecretKey(b) {
  const out = [];
  for (const p of packets(b)) {
    if (p.tag === TAG.SECRET_KEY || p.tag === TAG.SECRET_SUBKEY) {
      const n = publicPartLength(p.body);
      if (n === null) return null;
      out.push(newFormatPacket(p.tag === TAG.SECRET_KEY ? TAG.PUBLIC_KEY : TAG.PUBLIC_SUBKEY, p.body.subarray(0, n)));
    } else {
      out.push(b.subarray(p.start, p.end));
    }
  }
  return new Uint8Array(Buffer.concat(out));
}

/** Type, hash algorithm and version of a signature packet's body. */
export function signatureInfo(body) {
  const version = body[0];
  if (version === 3) return { version, type: body[2], hash: body[16] };
  return { version, type: body[1], hash: body[3] };
}

/** The signature packets of binary data. */
export function signaturePackets(b) {
  return [...packets(b)].filter((p) => p.tag === TAG.SIGNATURE);
}

/** The symmetric algorithm named by a SEIPDv2 packet, or null (SEIPDv1 or none). */
export function seipdv2Cipher(b) {
  for (const p of packets(b)) {
    if (p.tag === TAG.SEIPD) return p.body[0] === 2 ? p.body[1] : null;
  }
  return null;
}

/** The content of a literal data packet's body (after format, name and date). */
function literalContent(body) {
  const nameLen = body[1];
  return body.subarray(2 + nameLen + 4);
}

/**
 * Splits an inline-signed message into its data and its signatures (binary).
 * One-pass signed and signature-first messages; cleartext signed messages.
 */
export function detachInline(bytes) {
  if (isCleartextSigned(bytes)) return detachCleartext(dec.decode(bytes));
  const b = dearmor(bytes);
  const sigs = [];
  let data = null;
  for (const p of packets(b)) {
    if (p.tag === TAG.SIGNATURE) sigs.push(b.subarray(p.start, p.end));
    else if (p.tag === TAG.LITERAL && data === null) data = literalContent(p.body);
    else if (p.tag === TAG.OPS || p.tag === TAG.MARKER || p.tag === TAG.PADDING) continue;
    else if (p.tag === TAG.COMPRESSED) throw new SopError('BAD_DATA', 'inline-detach: compressed signed messages are not supported');
    else throw new SopError('BAD_DATA', `inline-detach: unexpected packet type ${p.tag} in a signed message`);
  }
  if (data === null || !sigs.length) throw new SopError('BAD_DATA', 'not an inline-signed message');
  return { data, signatures: new Uint8Array(Buffer.concat(sigs)) };
}

/**
 * RFC 9580 §7: the signed text is what lies between the headers and the
 * signature, dash-unescaped, without trailing spaces and tabs on each line
 * (removed for signing and verifying alike), so the detached text signature
 * verifies over it.
 */
function detachCleartext(text) {
  const lines = text.split(/\r?\n/);
  let i = lines.findIndex((l) => l.trim() === '-----BEGIN PGP SIGNED MESSAGE-----');
  i++;
  while (i < lines.length && lines[i] !== '') i++; // Hash: headers
  i++;
  const body = [];
  for (; i < lines.length && lines[i] !== '-----BEGIN PGP SIGNATURE-----'; i++) {
    body.push((lines[i].startsWith('- ') ? lines[i].slice(2) : lines[i]).replace(/[ \t]+$/, ''));
  }
  if (i >= lines.length) throw new SopError('BAD_DATA', 'cleartext signed message without its signature');
  const signatures = dearmor(enc.encode(lines.slice(i).join('\n')));
  return { data: enc.encode(body.join('\n')), signatures };
}
