// Which keys an OpenPGP message names as its recipients, read from the session-key
// packets that open it (RFC 9580 §5.1 PKESK, §5.3 SKESK), so the page can ask for the
// passphrase of the right key when a file is chosen, before decrypting. A hint only:
// the package decides when it decrypts. Reads at most the bytes it is given (the
// worker passes the file's first 96 KiB) and at most MAX_PACKETS headers; never throws.
// The package has no such function yet (it would belong beside `decryptSessionKey`).

const MAX_PACKETS = 64;
const ARMOR = '-----BEGIN PGP MESSAGE-----';

/**
 * `head`: the message's first bytes, binary or ASCII-armored. Returns null when they
 * open with no session-key packet, else `{ ids, password, anonymous }`: key IDs (v3)
 * and fingerprints (v6) in uppercase hex, whether a password packet is present, and
 * whether some recipient is unnamed (anonymous / wildcard).
 */
export function messageRecipients(head) {
  const bytes = startsArmored(head) ? dearmor(head) : head;
  const ids = [];
  let password = false;
  let anonymous = false;
  let any = false;
  let off = 0;
  for (let n = 0; n < MAX_PACKETS && off < bytes.length; n++) {
    const h = packetHeader(bytes, off);
    if (!h) break;
    if (h.tag === 1) {
      any = true;
      const id = pkeskRecipient(bytes.subarray(h.start, Math.min(h.start + h.len, bytes.length)));
      if (id === '') anonymous = true;
      else if (id) ids.push(id);
    } else if (h.tag === 3) {
      any = true;
      password = true;
    } else if (h.tag !== 10 && h.tag !== 21) {
      break; // markers and padding may sit between; anything else ends the list
    }
    off = h.start + h.len;
  }
  return any ? { ids, password, anonymous } : null;
}

/** A packet's tag, body start and length (RFC 9580 §4.2), or null (partial or cut). */
function packetHeader(b, off) {
  const c = b[off];
  if (c === undefined || !(c & 0x80)) return null;
  if (c & 0x40) {
    const l0 = b[off + 1];
    if (l0 === undefined) return null;
    const tag = c & 0x3f;
    if (l0 < 192) return { tag, start: off + 2, len: l0 };
    if (l0 < 224) return off + 2 < b.length ? { tag, start: off + 3, len: ((l0 - 192) << 8) + b[off + 2] + 192 } : null;
    if (l0 === 255 && off + 5 < b.length) {
      return { tag, start: off + 6, len: b[off + 2] * 2 ** 24 + (b[off + 3] << 16) + (b[off + 4] << 8) + b[off + 5] };
    }
    return null; // partial body lengths: not a session-key packet
  }
  const lengthType = c & 3;
  if (lengthType === 3) return null;
  const n = 1 << lengthType;
  if (off + n >= b.length) return null;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[off + i];
  return { tag: (c >> 2) & 0x0f, start: off + 1 + n, len };
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

/** The key ID (v3 PKESK) or fingerprint (v6) a PKESK names, '' when it names none, null
 *  when unreadable. */
function pkeskRecipient(p) {
  if (p[0] === 3 && p.length >= 9) {
    const id = hex(p.subarray(1, 9));
    return /^0+$/.test(id) ? '' : id;
  }
  if (p[0] === 6 && p.length >= 2) {
    const n = p[1];
    if (n === 0) return '';
    return p.length >= 2 + n ? hex(p.subarray(3, 2 + n)) : null;
  }
  return null;
}

function startsArmored(head) {
  const text = String.fromCharCode(...head.subarray(0, 256));
  return text.trimStart().startsWith(ARMOR);
}

/** The binary start of an armored message (RFC 9580 §6.2): as many whole base64
 *  quartets as `head` holds after the armor headers. */
function dearmor(head) {
  const lines = new TextDecoder('latin1').decode(head).split(/\r?\n/);
  let i = lines.findIndex((l) => l.trim() === ARMOR) + 1;
  while (i < lines.length && lines[i].trim() !== '' && lines[i].includes(':')) i++;
  if (lines[i]?.trim() === '') i++;
  let b64 = '';
  for (; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l.startsWith('=') || l.startsWith('-----')) break;
    b64 += l;
  }
  b64 = b64.replace(/[^A-Za-z0-9+/=]/g, '');
  b64 = b64.slice(0, b64.length - (b64.length % 4));
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}
