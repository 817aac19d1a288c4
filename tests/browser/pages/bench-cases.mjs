// The benchmark cases, shared by the Node runner (scripts/bench.mjs) and the
// browser page (bench.html, in each engine), so every environment times exactly the same code.
//
// Each case times our package (`s`, signet-crypto) and, where one exists, a peer
// over the same input: OpenPGP.js (`openpgp`), raw WebCrypto AES-256-GCM (the
// physical ceiling for bulk encryption), or — for Wasm-vs-native rows — nothing
// here: the runner fills the peer from `cargo bench --bench suite`.
//
// Every figure is the median of several runs, with min and max; one untimed
// warm-up run precedes cheap cases. Outputs are cross-checked once per case
// (each side decrypts/verifies the other's output where it makes sense, and the
// SEIPD version and AEAD mode actually produced are asserted), so a row can never
// time the wrong thing.

/** Median/min/max of samples in ms. */
export function stats(samples) {
  const v = [...samples].sort((a, b) => a - b);
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { median, min: v[0], max: v[n - 1], runs: n };
}

/** Slow cases (OpenPGP.js's pure-JS OCB over 64 MiB takes about a minute per call)
 *  stop after this much timed work; `runs` in the result says how many were taken. */
const BUDGET_MS = 25_000;
let budgetMs = BUDGET_MS;
let warmups = true;

async function measure(fn, runs, warmup = true, onLast = null) {
  if (warmup && warmups) await fn();
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await fn();
    samples.push(performance.now() - t);
    if (samples.reduce((a, b) => a + b, 0) > budgetMs) break;
  }
  if (onLast) await onLast(last);
  return stats(samples);
}

function check(cond, msg) {
  if (!cond) throw new Error(`bench cross-check failed: ${msg}`);
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deterministic filler; crypto.getRandomValues is capped at 64 KiB per call. */
function payload(bytes) {
  const out = new Uint8Array(bytes);
  let x = 0x12345678;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
    out[i + 1] = x >>> 8;
    out[i + 2] = x >>> 16;
    out[i + 3] = x >>> 24;
  }
  return out;
}

/** The same note-text generator as benches/suite.rs (xorshift32 over a word list). */
const WORDS = [
  'họp', 'Hà Nội', 'công văn', 'báo cáo', 'kế hoạch', 'ngân sách', 'hồ sơ', 'phòng', 'ủy ban',
  'quyết định', 'thông báo', 'dự án', 'meeting', 'budget', 'tuần', 'tháng', 'Sài Gòn', 'Đà Nẵng',
];
function noteText(state, words) {
  const out = [];
  for (let i = 0; i < words; i++) {
    let x = state.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state.seed = x >>> 0;
    out.push(WORDS[state.seed % WORDS.length]);
  }
  return out.join(' ');
}

/** A storage adapter over a Map: the JS twin of the native MemoryStore. */
function memoryStorage() {
  const m = new Map();
  return {
    get: (k) => m.get(k),
    getMany: (ks) => ks.map((k) => m.get(k)),
    put: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
    list: (p) => [...m.keys()].filter((k) => k.startsWith(p)),
    apply: (ops) => {
      for (const o of ops) o.type === 'put' ? m.set(o.key, o.value) : m.delete(o.key);
    },
  };
}

/** The SEIPD packet of a binary message, as OpenPGP.js parses it. */
async function seipdOf(openpgp, bytes) {
  const msg = await openpgp.readMessage({ binaryMessage: bytes });
  const p = msg.packets.find((x) => x.constructor.tag === openpgp.enums.packet.symEncryptedIntegrityProtectedData);
  check(p, 'no SEIPD packet');
  return { version: p.version, aead: p.version === 2 ? openpgp.enums.read(openpgp.enums.aead, p.aeadAlgorithm) : null };
}

const MiB = 1 << 20;

/** The suite's parts, in order. A browser runner gives each part a fresh page:
 *  one page for the whole suite kept what every case left behind (the notes rows'
 *  675 MiB of Wasm memory, which never shrinks), and WebKit's died of it. */
export const PARTS = ['keygen', 'bulk', 'notes', 'streams', 'seipd1'];

/**
 * Runs every case whose name contains `only` (all when empty) and returns
 * `[{ name, ours, peer, peerName, unit, note? }]` with `ours`/`peer` as
 * `{ median, min, max, runs }` (peer null when the runner or nobody supplies it).
 *
 * @param {object} o
 * @param {object} o.s       signet-crypto, initialised
 * @param {object} o.openpgp OpenPGP.js 6
 * @param {boolean} o.quick  2 runs, no warm-ups, 1 MiB only, 300 notes
 * @param {string} [o.only]  substring filter on case names
 * @param {string} [o.part]  one of `PARTS`: only that part's cases (all when absent)
 * @param {(line: string) => void} [o.log]
 * @param {(row: object) => void} [o.onRow]  each row as it is measured (the runner
 *   keeps what an engine measured before its page died)
 */
export async function runCases({ s, openpgp, quick, only = '', part = null, wasmMemory, log = () => {}, onRow = () => {} }) {
  if (part != null && !PARTS.includes(part)) throw new Error(`unknown bench part ${part}`);
  const results = [];
  // `only`: alternatives separated by '|'; a leading '^' anchors at the start.
  const alts = only.split('|').filter(Boolean);
  // The part whose cases run now: set before each part's code below.
  let section = PARTS[0];
  const wants = (name) =>
    (part == null || part === section) && (!alts.length || alts.some((a) => (a.startsWith('^') ? name.startsWith(a.slice(1)) : name.includes(a))));
  // QUICK: at most 2 runs, no warm-ups, 2 s per figure; a smoke mode, not for the doc.
  const R = (full) => (quick ? Math.min(full, 2) : full);
  budgetMs = quick ? 2_000 : BUDGET_MS;
  warmups = !quick;
  const add = (row) => {
    results.push(row);
    onRow(row);
    const p = row.peer ? `${row.peer.median.toFixed(2)} ${row.peerName}` : row.peerName ?? '-';
    log(`${row.name}: ours ${row.ours.median.toFixed(2)} ${row.unit} | peer ${p}`);
  };
  const userIds = ['Bench <bench@example.gov.vn>'];
  const pgpConfig = (aead) => ({
    aeadProtect: aead != null,
    ...(aead ? { preferredAEADAlgorithm: openpgp.enums.aead[aead] } : {}),
  });

  // --- Key generation -------------------------------------------------------
  const peerKeygen = {
    pqc: null,
    rfc9580: { name: 'OpenPGP.js v6 curve25519', opts: { type: 'curve25519', config: { v6Keys: true } } },
    compat: { name: 'OpenPGP.js v4 ecc curve25519Legacy', opts: { type: 'ecc', curve: 'curve25519Legacy' } },
  };
  for (const profile of ['pqc', 'rfc9580', 'compat']) {
    const name = `keygen: ${profile}`;
    if (!wants(name)) continue;
    const runs = profile === 'pqc' ? R(7) : R(15);
    const ours = await measure(() => s.generateKey({ userIds, profile }), runs);
    const pk = peerKeygen[profile];
    const peer = pk
      ? await measure(() => openpgp.generateKey({ userIDs: [{ name: 'Bench', email: 'bench@example.gov.vn' }], format: 'object', ...pk.opts }), runs)
      : null;
    add({ name, ours, peer, peerName: pk ? pk.name : 'none (OpenPGP.js 6.3 has no PQC keys)', unit: 'ms' });
  }

  // --- Bulk encryption to a public key -----------------------------------------
  section = 'bulk';
  // Recipient keys decide the container and AEAD mode for both libraries:
  // v1: our compat (v4) key, which advertises SEIPDv1 only;
  // GCM: our rfc9580 (v6) key, whose first AEAD preference is AES-256-GCM;
  // OCB: a v6 key made by OpenPGP.js with AES-256-OCB preferred (ours picks the
  //      recipient's first preference; OpenPGP.js picks its config's preference).
  const sizes = quick ? [1] : [1, 16, 64];
  const modes = [
    { label: 'SEIPDv1 (compat key)', aead: null, version: 1 },
    { label: 'SEIPDv2 AES-256-GCM', aead: 'gcm', version: 2 },
    { label: 'SEIPDv2 AES-256-OCB', aead: 'ocb', version: 2 },
  ];
  const bulkNames = sizes.flatMap((m) => modes.flatMap((md) => [`encrypt ${m} MiB: ${md.label}`, `decrypt ${m} MiB: ${md.label}`]));
  const ceilingNames = sizes.flatMap((m) => ['encrypt', 'decrypt'].flatMap((op) => [`${op} ${m} MiB: SEIPDv2 AES-256-GCM vs WebCrypto`, `${op} ${m} MiB: SEIPDv2 AES-256-GCM vs WebCrypto, same chunking`]));
  let keys = null;
  const needKeys = [...bulkNames, ...ceilingNames, 'sign 1 MiB', 'verify 1 MiB'].some(wants);
  if (needKeys) {
    const compat = await s.generateKey({ userIds, profile: 'compat' });
    const v6 = await s.generateKey({ userIds, profile: 'rfc9580' });
    const ocb = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'Bench', email: 'bench@example.gov.vn' }],
      format: 'armored',
      config: { v6Keys: true, aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb },
    });
    const mk = async (privateKey, publicKey) => ({
      ours: { sk: await s.unlockKey(privateKey), pk: publicKey },
      peer: {
        sk: await openpgp.readPrivateKey({ armoredKey: privateKey }),
        pk: await openpgp.readKey({ armoredKey: publicKey }),
      },
    });
    keys = {
      v1: await mk(compat.privateKey, compat.publicKey),
      gcm: await mk(v6.privateKey, v6.publicKey),
      ocb: await mk(ocb.privateKey, ocb.publicKey),
    };
  }
  const ours = {
    enc: (k, data) => s.encrypt({ data, encryptionKeys: [k.pk], armor: false }),
    dec: async (k, message) => (await s.decrypt({ message, decryptionKeys: [k.sk] })).data,
  };
  const peer = {
    enc: async (k, data, aead) =>
      openpgp.encrypt({ message: await openpgp.createMessage({ binary: data }), encryptionKeys: k.pk, format: 'binary', config: pgpConfig(aead) }),
    dec: async (k, bytes) =>
      (await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: bytes }), decryptionKeys: k.sk, format: 'binary' })).data,
  };
  const subtle = globalThis.crypto.subtle;
  const aesKey = needKeys
    ? await subtle.importKey('raw', payload(32), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
    : null;
  for (const m of sizes) {
    const data = payload(m * MiB);
    const runs = m >= 64 ? R(3) : R(5);
    const warm = !quick && m < 64;
    for (const md of modes) {
      const encName = `encrypt ${m} MiB: ${md.label}`;
      const decName = `decrypt ${m} MiB: ${md.label}`;
      if (!wants(encName) && !wants(decName)) continue;
      const k = keys[md.aead ?? 'v1'];
      // Cross-checks: the mode each side produces (every size), each side reads
      // the other (smallest size; larger ones check each side's own round trip).
      const ourMsg = await ours.enc(k.ours, data);
      const peerMsg = await peer.enc(k.peer, data, md.aead);
      for (const [who, msg] of [['ours', ourMsg], ['OpenPGP.js', peerMsg]]) {
        const got = await seipdOf(openpgp, msg);
        check(got.version === md.version && got.aead === md.aead, `${who} produced SEIPDv${got.version} ${got.aead} for ${md.label}`);
      }
      if (m === sizes[0]) {
        check(equalBytes(await ours.dec(k.ours, peerMsg), data), `ours cannot read OpenPGP.js ${md.label}`);
        check(equalBytes(await peer.dec(k.peer, ourMsg), data), `OpenPGP.js cannot read ours ${md.label}`);
      }
      const same = (who) => (out) => check(equalBytes(out, data), `${who} round trip ${md.label}`);
      if (wants(encName)) {
        add({
          name: encName,
          ours: await measure(() => ours.enc(k.ours, data), runs, warm),
          peer: await measure(() => peer.enc(k.peer, data, md.aead), runs, warm),
          peerName: 'OpenPGP.js',
          unit: 'ms',
        });
      }
      if (wants(decName)) {
        add({
          name: decName,
          ours: await measure(() => ours.dec(k.ours, ourMsg), runs, warm, same('ours')),
          peer: await measure(() => peer.dec(k.peer, peerMsg), runs, warm, same('OpenPGP.js')),
          peerName: 'OpenPGP.js',
          unit: 'ms',
        });
      }
    }
    // The ceilings: WebCrypto AES-256-GCM over the same bytes, no OpenPGP
    // framing and no public-key step. "vs WebCrypto": one call, no chunking.
    // "vs WebCrypto, same chunking" (#22's goal row): one call per 256 KiB
    // chunk, as our messages are chunked (chunk size octet 12), all issued at
    // once, so WebCrypto pipelines them as well as it can.
    const iv = new Uint8Array(12);
    const cEnc = `encrypt ${m} MiB: SEIPDv2 AES-256-GCM vs WebCrypto`;
    const cDec = `decrypt ${m} MiB: SEIPDv2 AES-256-GCM vs WebCrypto`;
    const sEnc = `${cEnc}, same chunking`;
    const sDec = `${cDec}, same chunking`;
    if (wants(sEnc) || wants(sDec)) {
      const k = keys.gcm.ours;
      const CH = 256 * 1024;
      const ad = new Uint8Array(13);
      const pieces = [];
      for (let o = 0; o < data.length; o += CH) pieces.push(data.subarray(o, o + CH));
      const rawEnc = () => Promise.all(pieces.map((p) => subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, aesKey, p)));
      const cts = await rawEnc();
      const rawDec = () => Promise.all(cts.map((c) => subtle.decrypt({ name: 'AES-GCM', iv, additionalData: ad }, aesKey, c)));
      const back = await rawDec();
      check(back.length === pieces.length && back.every((b, i) => equalBytes(new Uint8Array(b), pieces[i])), 'WebCrypto chunked round trip');
      if (wants(sEnc)) {
        add({
          name: sEnc,
          ours: await measure(() => ours.enc(k, data), runs, warm),
          peer: await measure(rawEnc, runs, warm),
          peerName: 'WebCrypto AES-256-GCM, 256 KiB calls (ceiling)',
          unit: 'ms',
        });
      }
      if (wants(sDec)) {
        const ourMsg = await ours.enc(k, data);
        add({
          name: sDec,
          ours: await measure(() => ours.dec(k, ourMsg), runs, warm),
          peer: await measure(rawDec, runs, warm),
          peerName: 'WebCrypto AES-256-GCM, 256 KiB calls (ceiling)',
          unit: 'ms',
        });
      }
    }
    if (wants(cEnc) || wants(cDec)) {
      const k = keys.gcm.ours;
      const ourMsg = await ours.enc(k, data);
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, data);
      check(equalBytes(new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv }, aesKey, ct)), data), 'WebCrypto round trip');
      if (wants(cEnc)) {
        add({
          name: cEnc,
          ours: await measure(() => ours.enc(k, data), runs, warm),
          peer: await measure(() => subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, data), runs, warm),
          peerName: 'WebCrypto AES-256-GCM (ceiling)',
          unit: 'ms',
        });
      }
      if (wants(cDec)) {
        add({
          name: cDec,
          ours: await measure(() => ours.dec(k, ourMsg), runs, warm),
          peer: await measure(() => subtle.decrypt({ name: 'AES-GCM', iv }, aesKey, ct), runs, warm),
          peerName: 'WebCrypto AES-256-GCM (ceiling)',
          unit: 'ms',
        });
      }
    }
  }

  // --- Password encryption (Argon2id S2K on both sides) --------------------------
  for (const [name, op] of [['password encrypt 1 MiB', 'enc'], ['password decrypt 1 MiB', 'dec']]) {
    if (!wants(name)) continue;
    const data = payload(MiB);
    const pw = 'correct horse battery staple';
    const cfg = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm, s2kType: openpgp.enums.s2k.argon2 };
    const oEnc = () => s.encrypt({ data, passwords: [pw], armor: false });
    const pEnc = async () =>
      openpgp.encrypt({ message: await openpgp.createMessage({ binary: data }), passwords: [pw], format: 'binary', config: cfg });
    const oMsg = await oEnc();
    const pMsg = await pEnc();
    const oDec = async (m) => (await s.decrypt({ message: m, passwords: [pw] })).data;
    const pDec = async (m) =>
      (await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: m }), passwords: [pw], format: 'binary' })).data;
    check(equalBytes(await oDec(pMsg), data) && equalBytes(await pDec(oMsg), data), 'password messages interoperate');
    const runs = quick ? 1 : 5;
    add({
      name,
      ours: await measure(() => (op === 'enc' ? oEnc() : oDec(oMsg)), runs, false),
      peer: await measure(() => (op === 'enc' ? pEnc() : pDec(pMsg)), runs, false),
      peerName: 'OpenPGP.js (Argon2id m=64 MiB t=3 p=4; ours p=1)',
      unit: 'ms',
    });
  }

  // --- Padding vs literal data (hostile-input linearity) ---------------------------
  // A password SEIPDv2-GCM message made by OpenPGP.js whose content is a 5-octet
  // literal data packet followed by N MiB of padding (tag 21), next to one whose
  // literal data is N MiB: padding must cost no more than data (it used to cost
  // quadratic time). Both libraries decrypt both messages.
  {
    const n = quick ? 1 : 64;
    const padName = `decrypt ${n} MiB padding packet (password, SEIPDv2 GCM)`;
    const litName = `decrypt ${n} MiB literal data (password, SEIPDv2 GCM)`;
    if (wants(padName) || wants(litName)) {
      const pw = 'padding bench';
      const cfg = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm };
      const lit = new openpgp.LiteralDataPacket();
      lit.setBytes(new TextEncoder().encode('hello'), 'binary');
      const pad = new openpgp.PaddingPacket();
      // createPadding draws random octets, 64 KiB at most per call in Node.
      pad.padding = payload(n * MiB);
      const packets = new openpgp.PacketList();
      packets.push(lit, pad);
      const padMsg = await openpgp.encrypt({ message: new openpgp.Message(packets), passwords: [pw], format: 'binary', config: cfg });
      const data = payload(n * MiB);
      const litMsg = await openpgp.encrypt({ message: await openpgp.createMessage({ binary: data }), passwords: [pw], format: 'binary', config: cfg });
      const oDec = async (m) => (await s.decrypt({ message: m, passwords: [pw] })).data;
      const pDec = async (m) =>
        (await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: m }), passwords: [pw], format: 'binary' })).data;
      const isHello = (who) => (out) => check(new TextDecoder().decode(out) === 'hello', `${who} reads the padded message`);
      const isData = (who) => (out) => check(equalBytes(out, data), `${who} reads the literal message`);
      const runs = R(3);
      if (wants(padName)) {
        add({ name: padName, ours: await measure(() => oDec(padMsg), runs, false, isHello('ours')), peer: await measure(() => pDec(padMsg), runs, false, isHello('OpenPGP.js')), peerName: 'OpenPGP.js', unit: 'ms' });
      }
      if (wants(litName)) {
        add({ name: litName, ours: await measure(() => oDec(litMsg), runs, false, isData('ours')), peer: await measure(() => pDec(litMsg), runs, false, isData('OpenPGP.js')), peerName: 'OpenPGP.js', unit: 'ms' });
      }
    }
  }

  // --- Sign / verify 1 MiB, detached, Ed25519 (v6 keys) --------------------------------
  if (wants('sign 1 MiB') || wants('verify 1 MiB')) {
    const data = payload(MiB);
    const k = keys.gcm;
    const oSign = () => s.sign({ data, signingKeys: [k.ours.sk], detached: true, armor: false });
    const pSign = async () =>
      openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: k.peer.sk, detached: true, format: 'binary' });
    const oVerify = async (sig) => (await s.verify({ data, signature: sig, verificationKeys: [k.ours.pk] })).valid;
    const pVerify = async (sig) => {
      const r = await openpgp.verify({
        message: await openpgp.createMessage({ binary: data }),
        signature: await openpgp.readSignature({ binarySignature: sig }),
        verificationKeys: k.peer.pk,
      });
      return r.signatures[0].verified;
    };
    const oSig = await oSign();
    const pSig = await pSign();
    check((await oVerify(pSig)) === true && (await pVerify(oSig)) === true, 'signatures interoperate');
    if (wants('sign 1 MiB')) add({ name: 'sign 1 MiB', ours: await measure(oSign, R(7)), peer: await measure(pSign, R(7)), peerName: 'OpenPGP.js', unit: 'ms' });
    if (wants('verify 1 MiB')) {
      add({ name: 'verify 1 MiB', ours: await measure(() => oVerify(oSig), R(7)), peer: await measure(() => pVerify(pSig), R(7)), peerName: 'OpenPGP.js', unit: 'ms' });
    }
  }

  // --- Hybrid key wrapping (peer: native Rust, filled in by the runner) -------------
  if ([1, 100].some((n) => wants(`wrap: wrap to ${n} recipients`) || wants(`wrap: unwrap of ${n} recipients (last entry)`))) {
    const pairs = Array.from({ length: 100 }, () => s.generateWrapKeyPair());
    const key = payload(32);
    for (const n of [1, 100]) {
      const recipients = pairs.slice(0, n).map((p) => p.publicKey);
      const runs = R(n === 1 ? 50 : 9);
      const wName = `wrap: wrap to ${n} recipients`;
      if (wants(wName)) add({ name: wName, ours: await measure(() => s.wrapKey({ key, recipients }), runs), peer: null, peerName: 'native Rust', unit: 'ms' });
      const envelope = s.wrapKey({ key, recipients });
      const secretKey = pairs[n - 1].secretKey;
      check(equalBytes(s.unwrapKey({ envelope, secretKey }), key), 'unwrap');
      const uName = `wrap: unwrap of ${n} recipients (last entry)`;
      if (wants(uName)) add({ name: uName, ours: await measure(() => s.unwrapKey({ envelope, secretKey }), runs), peer: null, peerName: 'native Rust', unit: 'ms' });
    }
    for (const p of pairs) p.secretKey.free();
  }

  // --- Notes vault (peer: native Rust) ------------------------------------------------
  if (wants('notes: unlock')) {
    const storage = memoryStorage();
    (await s.NoteVault.create({ name: 'bench', passphrase: 'passphrase', storage })).free();
    const ours = await measure(async () => (await s.NoteVault.open({ name: 'bench', passphrase: 'passphrase', storage })).free(), R(5));
    add({ name: 'notes: unlock (default Argon2id)', ours, peer: null, peerName: 'native Rust', unit: 'ms' });
  }
  section = 'notes';
  await notesScaleCases({ s, quick, wants, add, R, wasmMemory });
  section = 'streams';
  await streamCases({ s, openpgp, quick, wants, add, R });
  section = 'seipd1';
  await seipd1Cases({ s, openpgp, quick, wants, add, R });

  for (const k of Object.values(keys ?? {})) k.ours.sk.free();
  return results;
}

// --- Notes vault at scale (peer: none; targets in docs/vault-format.md) -------------
// The vault is built in memory storage, then moved by a backup into the storage
// under test: IndexedDB in the browser, a Map-backed adapter in Node.
async function notesScaleCases({ s, quick, wants, add, R, wasmMemory }) {
  const big = quick ? 2000 : 100000;
  const mid = quick ? 1000 : 10000;
  const names = {
    put100: 'notes: put at 100 notes',
    putMid: `notes: put at ${mid} notes`,
    open: `notes: open ${big} notes (after unlock)`,
    list: `notes: list ${big} notes`,
    search: `notes: search ${big} notes`,
    searchBodies: `notes: search ${big} notes (bodies)`,
    get: `notes: get at ${big} notes`,
    memory: `notes: Wasm memory at ${big} notes (high-water)`,
  };
  if (!Object.values(names).some(wants)) return;
  const idb = typeof indexedDB !== 'undefined';
  const kdf = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };
  // Timing rows pair with the same rows of the native suite (benches/suite.rs).
  const row = (name, ours, unit = 'ms', note) => add({ name, ours, peer: null, peerName: unit === 'ms' ? 'native Rust' : '-', unit, note });
  const state = { seed: 42 };
  const next = () => ({ title: noteText(state, 4), body: noteText(state, 60), tags: [noteText(state, 1)] });
  let seq = 0;
  /** Restores `backup` into fresh storage of the kind under test. */
  const place = async (backup) => {
    const name = `bench-scale-${Date.now()}-${seq++}`;
    const storage = idb ? 'indexeddb' : memoryStorage();
    const v = await s.NoteVault.importBackup({ backup, passphrase: 'pw', name, storage });
    const drop = () => (idb ? new Promise((ok) => { const r = indexedDB.deleteDatabase(`signet-notes:${name}`); r.onsuccess = r.onerror = r.onblocked = ok; }) : null);
    return { v, name, storage, drop };
  };
  const builder = await s.NoteVault.create({ name: 'scale', passphrase: 'pw', storage: memoryStorage(), kdf });
  let have = 0;
  const grow = async (to) => {
    for (; have < to; have++) await builder.put(next());
  };
  for (const [count, name] of [[100, names.put100], [mid, names.putMid]]) {
    if (!wants(name)) continue;
    await grow(count);
    const p = await place(await builder.exportBackup());
    row(name, await measure(() => p.v.put(next()), R(30)));
    p.v.free();
    await p.drop();
  }
  if (![names.open, names.list, names.search, names.searchBodies, names.get, names.memory].some(wants)) return builder.free();
  await grow(big);
  const p = await place(await builder.exportBackup());
  builder.free();
  p.v.free();
  // Unlock alone (Argon2id at the creation floor), subtracted from the open time.
  const empty = memoryStorage();
  (await s.NoteVault.create({ name: 'empty', passphrase: 'pw', storage: empty, kdf })).free();
  const unlock = await measure(async () => (await s.NoteVault.open({ name: 'empty', passphrase: 'pw', storage: empty })).free(), R(3));
  const open = () => s.NoteVault.open({ name: p.name, passphrase: 'pw', storage: p.storage });
  const o = await measure(async () => (await open()).free(), R(3), false);
  const sub = (x) => Math.max(0, x - unlock.median);
  if (wants(names.open)) row(names.open, { ...o, median: sub(o.median), min: sub(o.min), max: sub(o.max) }, 'ms', `unlock ${unlock.median.toFixed(0)} ms subtracted`);
  const v = await open();
  check(v.list().length === big, 'vault holds every note');
  if (wants(names.list)) row(names.list, await measure(() => v.list(), R(10)));
  // Titles and tags (format 4); with bodies, every note is decrypted as format 3's open did.
  if (wants(names.search)) row(names.search, await measure(() => v.search('ha noi ngan sach'), R(10)));
  if (wants(names.searchBodies)) row(names.searchBodies, await measure(() => v.search('ha noi ngan sach', { bodies: true }), R(3)));
  if (wants(names.get)) {
    const ids = v.list().slice(0, 1000).map((n) => n.id);
    row(names.get, await measure(() => { for (const id of ids) v.get(id); }, R(5)), 'ms', 'per 1,000 notes');
  }
  if (wants(names.memory)) {
    const rss = globalThis.process?.memoryUsage ? `; process RSS ${(globalThis.process.memoryUsage().rss / MiB).toFixed(0)} MiB` : '';
    row(names.memory, stats([wasmMemory() / MiB]), 'MiB', `Wasm memory never shrinks: includes building the vault and its backup${rss}`);
  }
  v.free();
  await p.drop();
}

// --- Streaming (encryptStream / decryptStream over WHATWG streams) ------------------

/** A generated plaintext stream of `bytes` octets in 1 MiB blocks (never held whole):
 *  block i = the 1 MiB filler with its first 4 octets replaced by i (little-endian). */
const BASE = payload(MiB);
function genStream(bytes) {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes) return c.close();
      const n = Math.min(MiB, bytes - off);
      const b = BASE.slice(0, n);
      const i = off / MiB;
      b[0] = i; b[1] = i >>> 8; b[2] = i >>> 16; b[3] = i >>> 24;
      off += n;
      c.enqueue(b);
    },
  }, { highWaterMark: 0 });
}
const expectedAt = (off) => {
  const r = off % MiB;
  return r < 4 ? ((off / MiB) >>> (8 * r)) & 0xff : BASE[r];
};

/** The chunks of any ReadableStream: WebKit's streams (OpenPGP.js's output among
 *  them) have no async iterator. */
async function* chunks(stream) {
  if (typeof stream[Symbol.asyncIterator] === 'function') {
    yield* stream;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Replays stored ciphertext chunks as a stream. */
function replay(parts) {
  let i = 0;
  return new ReadableStream({ pull(c) { i < parts.length ? c.enqueue(parts[i++]) : c.close(); } }, { highWaterMark: 0 });
}

async function collect(stream) {
  const parts = [];
  for await (const p of chunks(stream)) parts.push(p instanceof Uint8Array ? p : new Uint8Array(p));
  return parts;
}

// --- SEIPDv1 of any size (issue #25): two passes from a re-readable source ---------

async function seipd1Cases({ s, openpgp, quick, wants, add, R }) {
  const v1MiB = quick ? 16 : 256;
  const twoPass = `stream decrypt ${v1MiB} MiB: SEIPDv1 two-pass from a Blob vs OpenPGP.js in-memory`;
  const gnupgGiB = quick ? 1 / 16 : 4;
  const gnupgLabel = gnupgGiB >= 1 ? `${gnupgGiB} GiB` : `${gnupgGiB * 1024} MiB`;
  const gnupgNames = ['time', 'RSS growth'].map((w) => `stream decrypt ${gnupgLabel}: GnuPG 2.2 SEIPDv1, two-pass from a path, ${w}`);
  // Same name as the browsers' row (scripts/bench-large.mjs): a quarter of the size, one bit flipped.
  const flipLabel = gnupgGiB >= 4 ? `${gnupgGiB / 4} GiB` : `${gnupgGiB * 256} MiB`;
  gnupgNames.push(`stream decrypt ${flipLabel} with one flipped bit: no plaintext, DECRYPTION_FAILED (time to verdict)`);
  if (wants(twoPass) && typeof Blob === 'function') {
    // Our encryptStream's SEIPDv1 (password: SKESKv4, iterated S2K) — both
    // libraries decrypt exactly these bytes; OpenPGP.js holds them in memory.
    const bytes = v1MiB * MiB;
    const parts = await collect(await s.encryptStream({ data: genStream(bytes), passwords: ['bench'], seipd: 'v1' }));
    const whole = concat(parts);
    const blob = new Blob(parts);
    const ours = await measure(async () => consume(await s.decryptStream({ message: blob, passwords: ['bench'] }), bytes, performance.now(), 'ours'), R(3));
    const peer = await measure(async () => {
      const m = await openpgp.readMessage({ binaryMessage: whole });
      const { data } = await openpgp.decrypt({ message: m, passwords: ['bench'], format: 'binary' });
      check(data.length === bytes, 'OpenPGP.js SEIPDv1 length');
    }, R(3));
    add({ name: twoPass, ours, peer, peerName: 'OpenPGP.js decrypt (whole message in memory)', unit: 'ms' });
  }
  // A GnuPG 2.2 file decrypted from its path: Node only (gpg and a file system).
  const proc = globalThis.process;
  if (gnupgNames.some(wants) && proc?.versions?.node) {
    const { spawnSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    if (spawnSync('gpg', ['--version']).status !== 0) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signet-bench-v1-'));
    try {
      const bytes = gnupgGiB * 1024 * MiB;
      /** The generator's first `n` octets through `gpg --symmetric` (no compression) into `out`. */
      const gpgFile = async (n, out) => {
        const plainFile = path.join(dir, 'plain');
        const fd = fs.openSync(plainFile, 'w');
        for await (const b of chunks(genStream(n))) fs.writeSync(fd, b);
        fs.closeSync(fd);
        const g = spawnSync('gpg', ['--homedir', dir, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', 'bench',
          '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', 'none', '--output', out, plainFile]);
        check(g.status === 0, `gpg: ${g.stderr}`);
        fs.rmSync(plainFile);
        return out;
      };
      if (wants(gnupgNames[0]) || wants(gnupgNames[1])) {
        const msgFile = await gpgFile(bytes, path.join(dir, 'msg.gpg'));
        const t = [];
        const mem = [];
        for (let i = 0; i < R(1); i++) {
          const m = memorySampler();
          const t0 = performance.now();
          await consume(await s.decryptStream({ message: msgFile, passwords: ['bench'] }), bytes, t0, 'ours');
          t.push(performance.now() - t0);
          mem.push(Math.max(await m.stop(), 0));
        }
        if (wants(gnupgNames[0])) add({ name: gnupgNames[0], ours: stats(t), peer: null, peerName: 'goal: decrypts at all (OpenPGP.js fails at about 2 GB)', unit: 'ms' });
        if (wants(gnupgNames[1])) add({ name: gnupgNames[1], ours: stats(mem), peer: stats([128 * MiB]), peerName: 'goal: under 128 MiB', unit: 'bytes' });
      }
      if (wants(gnupgNames[2])) {
        // The first quarter of the message, re-encrypted by gpg, with one bit flipped in its middle.
        const flipped = await gpgFile(bytes / 4, path.join(dir, 'flipped.gpg'));
        const fd = fs.openSync(flipped, 'r+');
        const at = Math.floor(bytes / 8);
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, at);
        b[0] ^= 0x10;
        fs.writeSync(fd, b, 0, 1, at);
        fs.closeSync(fd);
        const t0 = performance.now();
        let released = 0;
        let code = null;
        try {
          for await (const p of chunks(await s.decryptStream({ message: flipped, passwords: ['bench'] }))) released += p.length;
        } catch (e) {
          code = e?.code ?? String(e);
        }
        check(released === 0 && code === 'DECRYPTION_FAILED', `a flipped bit gave ${code ?? 'success'} with ${released} octets released`);
        add({ name: gnupgNames[2], ours: stats([performance.now() - t0]), peer: null, peerName: 'goal: 0 octets released, DECRYPTION_FAILED (checked)', unit: 'ms' });
      }
    } finally {
      spawnSync('gpgconf', ['--homedir', dir, '--kill', 'all']);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Reads a plaintext stream to the end, spot-checking three octets of every chunk
 *  against the generator and the total length; returns ms to the first chunk. */
async function consume(stream, bytes, t0, who) {
  let off = 0;
  let ttfb = null;
  for await (const p of chunks(stream)) {
    if (ttfb === null && p.length) ttfb = performance.now() - t0;
    for (const j of [0, p.length >> 1, p.length - 1]) {
      if (p.length && p[j] !== expectedAt(off + j)) throw new Error(`bench cross-check failed: ${who} plaintext differs at ${off + j}`);
    }
    off += p.length;
  }
  check(off === bytes, `${who} produced ${off} of ${bytes} octets`);
  return ttfb;
}

/** Peak-memory sampler: Node process RSS (sampled every 20 ms); in a browser the
 *  page's JS heap (performance.memory, sampled) plus the peak Wasm memory of our
 *  worker from progress events. performance.measureUserAgentSpecificMemory() was
 *  tried: in headless Chromium 156 each call resolved only after seconds (at a
 *  GC), i.e. at most one sample per run, so it cannot see a peak. Returns growth
 *  over the start in bytes. */
function memorySampler() {
  const proc = globalThis.process;
  if (proc?.memoryUsage?.rss) {
    const base = proc.memoryUsage.rss();
    let peak = base;
    const id = setInterval(() => { peak = Math.max(peak, proc.memoryUsage.rss()); }, 20);
    return {
      method: 'process RSS',
      wasm: () => {},
      stop: async () => { clearInterval(id); peak = Math.max(peak, proc.memoryUsage.rss()); return peak - base; },
    };
  }
  let wasmPeak = 0;
  const wasm = (p) => { if (p?.wasmMemory) wasmPeak = Math.max(wasmPeak, p.wasmMemory); };
  const heap = () => performance.memory?.usedJSHeapSize ?? 0;
  const base = heap();
  let peak = base;
  const id = setInterval(() => { peak = Math.max(peak, heap()); }, 20);
  return {
    // performance.memory is Chromium's alone: elsewhere only our worker's Wasm is seen.
    method: performance.memory ? 'performance.memory + worker Wasm memory' : 'worker Wasm memory only (no performance.memory in this engine)',
    wasm,
    stop: async () => { clearInterval(id); return peak - base + wasmPeak; },
  };
}

async function streamCases({ s, openpgp, quick, wants, add, R }) {
  const bigMiB = quick ? 16 : 256;
  const midMiB = quick ? 4 : 64;
  const bigNames = ['time', 'time to first byte', 'peak memory'].map((w) => `stream decrypt ${bigMiB} MiB: SEIPDv2 AES-256-GCM (WebCrypto backend), ${w}`);
  const modes = [
    { label: 'AES-256-GCM, WebCrypto backend', aead: 'gcm', backend: 'webcrypto' },
    { label: 'AES-256-GCM, pure-Rust backend', aead: 'gcm', backend: 'rust' },
    { label: 'AES-256-OCB (pure Rust)', aead: 'ocb', backend: undefined },
  ];
  const midNames = modes.flatMap((m) => ['encrypt', 'decrypt'].map((op) => `stream ${op} ${midMiB} MiB: SEIPDv2 ${m.label}`));
  const ceilNames = ['encrypt', 'decrypt'].map((op) => `stream ${op} ${midMiB} MiB: SEIPDv2 AES-256-GCM, WebCrypto backend vs raw WebCrypto`);
  if (![...bigNames, ...midNames, ...ceilNames].some(wants)) return;

  // Same v6 key for both libraries: made by OpenPGP.js with GCM and OCB preferred as
  // needed; we take the recipient's first preference, so one key per AEAD mode.
  const peerKey = async (aead) => {
    const k = await openpgp.generateKey({
      type: 'curve25519', userIDs: [{ name: 'Bench', email: 'bench@example.gov.vn' }], format: 'armored',
      config: { v6Keys: true, aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead[aead] },
    });
    return {
      pub: k.publicKey,
      sk: await s.unlockKey(k.privateKey),
      opSk: await openpgp.readPrivateKey({ armoredKey: k.privateKey }),
      opPk: await openpgp.readKey({ armoredKey: k.publicKey }),
    };
  };
  const keys = { gcm: await peerKey('gcm'), ocb: await peerKey('ocb') };
  const cfg = (aead) => ({ aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead[aead], aeadChunkSizeByte: 12 });

  const ourEnc = (k, bytes, backend, onProgress) => s.encryptStream({ data: genStream(bytes), encryptionKeys: [k.pub], backend, onProgress });
  const ourDec = (k, parts, backend, onProgress) => s.decryptStream({ message: replay(parts), decryptionKeys: [k.sk], backend, onProgress });
  const peerEnc = async (k, bytes, aead) =>
    openpgp.encrypt({ message: await openpgp.createMessage({ binary: genStream(bytes) }), encryptionKeys: k.opPk, format: 'binary', config: cfg(aead) });
  const peerDec = async (k, parts, aead) =>
    (await openpgp.decrypt({ message: await openpgp.readMessage({ binaryMessage: replay(parts) }), decryptionKeys: k.opSk, format: 'binary', config: cfg(aead) })).data;
  const modeOf = async (parts, aead) => {
    const got = await seipdOf(openpgp, concat(parts));
    check(got.version === 2 && got.aead === aead, `stream produced SEIPDv${got.version} ${got.aead}, wanted ${aead}`);
  };

  // 1. Decrypt of a large message: total time, time to first plaintext byte, peak memory.
  if (bigNames.some(wants)) {
    const k = keys.gcm;
    const bytes = bigMiB * MiB;
    // The message (ours, WebCrypto backend) is kept as its stream chunks; both
    // libraries decrypt exactly these bytes. Memory is measured as growth over it.
    // (Its mode is asserted by the smaller cases below with the same key and backend.)
    const parts = await collect(await ourEnc(k, bytes, 'webcrypto'));
    const runs = R(3);
    const o = { t: [], ttfb: [], mem: [] };
    const p = { t: [], ttfb: [], mem: [] };
    let method = '';
    for (let i = 0; i < runs; i++) {
      for (const [who, acc] of [['ours', o], ['OpenPGP.js', p]]) {
        const m = memorySampler();
        method = m.method;
        const t0 = performance.now();
        const out = who === 'ours' ? await ourDec(k, parts, 'webcrypto', m.wasm) : await peerDec(k, parts, 'gcm');
        acc.ttfb.push(await consume(out, bytes, t0, who));
        acc.t.push(performance.now() - t0);
        const mem = await m.stop();
        if (mem != null) acc.mem.push(Math.max(mem, 0));
      }
    }
    const peerName = 'OpenPGP.js (ReadableStream message, allowUnauthenticatedStream false)';
    if (wants(bigNames[0])) add({ name: bigNames[0], ours: stats(o.t), peer: stats(p.t), peerName, unit: 'ms' });
    if (wants(bigNames[1])) add({ name: bigNames[1], ours: stats(o.ttfb), peer: stats(p.ttfb), peerName, unit: 'ms' });
    if (wants(bigNames[2]) && o.mem.length) {
      // performance.memory is bucketed: a peer figure of 0 means "not seen", not "none".
      const seen = p.mem.some((x) => x > 0);
      add({
        name: bigNames[2],
        ours: stats(o.mem),
        peer: seen ? stats(p.mem) : null,
        peerName: seen ? `${peerName}; growth, ${method}` : `OpenPGP.js: not measurable with ${method} (no growth seen)`,
        unit: 'bytes',
      });
    }
  }

  // 2. Throughput per mode against OpenPGP.js's streaming API, and the GCM
  //    WebCrypto backend against raw WebCrypto AES-256-GCM in 256 KiB chunks.
  const bytes = midMiB * MiB;
  const runs = R(3);
  for (const md of modes) {
    const [encName, decName] = ['encrypt', 'decrypt'].map((op) => `stream ${op} ${midMiB} MiB: SEIPDv2 ${md.label}`);
    if (!wants(encName) && !wants(decName)) continue;
    const k = keys[md.aead];
    const ourParts = await collect(await ourEnc(k, bytes, md.backend));
    const peerParts = await collect(await peerEnc(k, bytes, md.aead));
    await modeOf(ourParts, md.aead);
    await modeOf(peerParts, md.aead);
    // Each side reads the other's message (untimed), then times its own.
    await consume(await ourDec(k, peerParts, md.backend), bytes, 0, 'ours on OpenPGP.js');
    await consume(await peerDec(k, ourParts, md.aead), bytes, 0, 'OpenPGP.js on ours');
    const drain = async (st) => { for await (const _ of chunks(st)) void _; };
    if (wants(encName)) {
      add({
        name: encName,
        ours: await measure(async () => drain(await ourEnc(k, bytes, md.backend)), runs, false),
        peer: await measure(async () => drain(await peerEnc(k, bytes, md.aead)), runs, false),
        peerName: `OpenPGP.js streaming ${md.aead.toUpperCase()}`,
        unit: 'ms',
      });
    }
    if (wants(decName)) {
      add({
        name: decName,
        ours: await measure(async () => consume(await ourDec(k, ourParts, md.backend), bytes, 0, 'ours'), runs, false),
        peer: await measure(async () => consume(await peerDec(k, peerParts, md.aead), bytes, 0, 'OpenPGP.js'), runs, false),
        peerName: `OpenPGP.js streaming ${md.aead.toUpperCase()}`,
        unit: 'ms',
      });
    }
  }
  if (ceilNames.some(wants)) {
    const k = keys.gcm;
    const subtle = globalThis.crypto.subtle;
    const aesKey = await subtle.importKey('raw', payload(32), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    const iv = new Uint8Array(12);
    const ad = new Uint8Array(5);
    const CH = 256 * 1024;
    // One awaited call per 256 KiB chunk of the generated stream: no framing, no KDF.
    const rawEnc = async () => {
      const cts = [];
      for await (const b of chunks(genStream(bytes))) {
        for (let o = 0; o < b.length; o += CH) cts.push(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, aesKey, b.subarray(o, o + CH)));
      }
      return cts;
    };
    const cts = await rawEnc();
    const rawDec = async () => {
      let off = 0;
      for (const c of cts) {
        const p = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: ad }, aesKey, c));
        check(p[0] === expectedAt(off), 'raw WebCrypto round trip');
        off += p.length;
      }
      check(off === bytes, 'raw WebCrypto length');
    };
    const ourParts = await collect(await ourEnc(k, bytes, 'webcrypto'));
    const drain = async (st) => { for await (const _ of chunks(st)) void _; };
    if (wants(ceilNames[0])) {
      add({ name: ceilNames[0], ours: await measure(async () => drain(await ourEnc(k, bytes, 'webcrypto')), runs, false), peer: await measure(rawEnc, runs, false), peerName: 'raw WebCrypto AES-256-GCM, 256 KiB chunks (ceiling)', unit: 'ms' });
    }
    if (wants(ceilNames[1])) {
      add({ name: ceilNames[1], ours: await measure(async () => consume(await ourDec(k, ourParts, 'webcrypto'), bytes, 0, 'ours'), runs, false), peer: await measure(rawDec, runs, false), peerName: 'raw WebCrypto AES-256-GCM, 256 KiB chunks (ceiling)', unit: 'ms' });
    }
  }
  for (const k of Object.values(keys)) k.sk.free();
}

function concat(parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
