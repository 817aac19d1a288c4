// The crypto frame (www/frame.html): embedded by an allow-listed site (a mini app, a
// portal), it answers that site's requests over a MessageChannel and never hands it a
// secret. Public-key work runs at once; decrypt and sign need the user's consent in a
// window of this origin that the embedder can neither overlay nor script
// (consent.html), and are refused while the frame is hidden. Plaintext shown in
// display mode stays in this document. docs/embedding.md describes the protocol.
import { checkRequest, embedError, SECRET_OPS, LIMITS } from './schema.js';
import { ASKS, T, both, size } from './text.js';
import { buildContainer } from './form.js';
import { readPins, startPinnedWorker, wasmPin } from '../pins.js';

/** At most this many requests are being worked on at once; more are refused. */
const MAX_IN_FLIGHT = 8;
/** Consent prompts per minute, and how long one waits for the user. */
const PROMPTS_PER_MINUTE = 10;
const CONSENT_TIMEOUT_MS = 5 * 60 * 1000;
/** The smallest frame in which a request can be read. */
const MIN_WIDTH = 240;
const MIN_HEIGHT = 120;

const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

const config = fetch(new URL('embed-config.json', document.baseURI), { cache: 'no-store' })
  .then((r) => (r.ok ? r.json() : { origins: [], rememberMinutes: 0 }))
  .catch(() => ({ origins: [], rememberMinutes: 0 }));

// ---------------------------------------------------------------------------
// The worker (the package and the keys)

// Started, like the page's, from verified copies of its modules (www/pins.js); its first
// message tells it where the Wasm is and its pin.
const pins = readPins();
const started = startPinnedWorker(pins, document.baseURI, { name: 'signet-frame' }).then((w) => {
  w.onmessage = onWorkerMessage;
  w.onerror = onWorkerError;
  w.postMessage({ boot: wasmPin(pins, document.baseURI) });
  return w;
});
const calls = new Map();
let callId = 0;
function onWorkerMessage({ data }) {
  const c = calls.get(data.id);
  calls.delete(data.id);
  if (data.ok) c.ok(data.result);
  else c.fail(embedError(data.error.code, data.error.message));
}
function onWorkerError() {
  for (const c of calls.values()) c.fail(embedError('UNAVAILABLE', 'the crypto worker failed to start'));
  calls.clear();
}
const call = (op, args = {}) => new Promise((ok, fail) => {
  const id = ++callId;
  calls.set(id, { ok, fail });
  started.then((w) => w.postMessage({ id, op, args }), (err) => {
    calls.delete(id);
    fail(embedError('UNAVAILABLE', `the crypto worker could not start: ${err?.message ?? err}`));
  });
});

// ---------------------------------------------------------------------------
// Visibility: secret requests only while the whole frame is on screen and large enough.
// IntersectionObserver v2 (`isVisible`, Chromium) also sees overlays, opacity and
// transforms; elsewhere an overlay is not detectable here, which is why consent itself
// happens in a window of this origin.

let seen = { intersecting: false, visible: undefined };
new IntersectionObserver(([e]) => {
  seen = { intersecting: e.isIntersecting && e.intersectionRatio >= 0.99, visible: e.isVisible };
}, { threshold: [0, 0.5, 0.99, 1], trackVisibility: true, delay: 100 }).observe(document.documentElement);

function visible() {
  return document.visibilityState === 'visible' && seen.intersecting && seen.visible !== false &&
    window.innerWidth >= MIN_WIDTH && window.innerHeight >= MIN_HEIGHT;
}

// ---------------------------------------------------------------------------
// The connection: one embedder per frame, after checking its origin.

let port = null;
let origin = null;
let lastId = 0;
let inFlight = 0;

window.addEventListener('message', async (event) => {
  const { origins } = await config;
  if (port || event.source !== window.parent || window.parent === window) return;
  if (!origins.includes(event.origin)) return; // not on the deployment's allow-list: silence
  const d = event.data;
  if (!d || typeof d !== 'object' || d.signet !== 'connect' || d.v !== 1 || event.ports.length !== 1) return;
  [port] = event.ports;
  origin = event.origin;
  port.onmessage = (e) => handle(e.data);
  port.postMessage({ signet: 'ready', v: 1 });
  $('status').textContent = `${both(T.connected)} ${origin}`;
  $('status').dataset.state = 'connected';
});

function reply(id, err, result) {
  if (!port) return;
  if (err) {
    const code = typeof err.code === 'string' ? err.code : 'INTERNAL';
    port.postMessage({ id, ok: false, error: { code, message: String(err.message ?? err) } });
  } else {
    port.postMessage({ id, ok: true, result });
  }
}

async function handle(msg) {
  let req;
  try {
    req = checkRequest(msg, lastId);
  } catch (err) {
    reply(Number.isSafeInteger(msg?.id) ? msg.id : null, err);
    return;
  }
  lastId = req.id;
  if (inFlight >= MAX_IN_FLIGHT) {
    reply(req.id, embedError('LIMIT_EXCEEDED', `more than ${MAX_IN_FLIGHT} requests at once`));
    return;
  }
  inFlight++;
  try {
    reply(req.id, null, await run(req));
  } catch (err) {
    reply(req.id, err);
  } finally {
    inFlight--;
  }
}

async function run({ op, args }) {
  if (op === 'listPublicKeys') return call('listPublicKeys');
  if (op === 'encrypt') return call('encrypt', args);
  if (op === 'verify') return call('verify', args);
  if (op === 'renderForm') return showForm(args);
  if (!SECRET_OPS.has(op)) throw embedError('INVALID_ARGUMENT', 'unknown operation');
  const data = args.message ?? args.data;
  const grant = await consent(op, { name: args.name ?? null, size: data instanceof Blob ? data.size : data.length });
  try {
    if (op === 'sign') return await call('sign', { data: args.data, handle: grant.handle, detached: args.detached, armor: args.armor });
    const res = await call('decrypt', { message: args.message, handle: grant.handle });
    if (op === 'decrypt') return res; // the user consented to hand it over
    const shown = await showReader(args.name ?? null, res.data, res.signatures);
    return { shown: true, size: shown, signatures: res.signatures };
  } finally {
    if (!grant.remembered) call('free', { handle: grant.handle });
  }
}

// ---------------------------------------------------------------------------
// Consent

/** Remembered grants of this session: scope (the operation) -> { handle, expires }. */
const grants = new Map();
const prompts = [];
let pending = null;

async function consent(op, detail) {
  const { rememberMinutes } = await config;
  // From here on synchronous: a second request sees `pending` set.
  if (!visible()) throw embedError('NOT_VISIBLE', 'the Signet frame must be fully visible for this request');
  const g = grants.get(op);
  if (g && g.expires > Date.now()) return { handle: g.handle, remembered: true };
  if (pending) throw embedError('LIMIT_EXCEEDED', 'another request is waiting for the user');
  const now = Date.now();
  while (prompts.length && prompts[0] < now - 60_000) prompts.shift();
  if (prompts.length >= PROMPTS_PER_MINUTE) throw embedError('LIMIT_EXCEEDED', `more than ${PROMPTS_PER_MINUTE} consent requests a minute`);
  prompts.push(now);
  return new Promise((ok, fail) => {
    pending = { op, detail, rememberMinutes, nonce: crypto.randomUUID(), popup: null, ok, fail };
    showRequest(pending);
    pending.timer = setTimeout(() => settle(embedError('DENIED', 'no answer in time')), CONSENT_TIMEOUT_MS);
  });
}

function settle(err, grant) {
  const p = pending;
  if (!p) return;
  pending = null;
  clearTimeout(p.timer);
  clearInterval(p.watch);
  $('request').hidden = true;
  if (err) {
    p.popup?.postMessage({ type: 'signet-consent-closed', nonce: p.nonce }, location.origin);
    p.fail(err);
  } else {
    p.ok(grant);
  }
}

function showRequest(p) {
  const box = $('request');
  box.replaceChildren(
    el('p', { className: 'who' }, el('strong', { textContent: origin }), ` ${both(T.asks)}:`),
    el('p', { className: 'what', textContent: both(ASKS[p.op]) }),
    el('p', { className: 'detail', textContent: `${both(T.file)}: ${p.detail.name ?? '—'} (${size(p.detail.size)})` }),
    el('div', { className: 'row' },
      el('button', { id: 'review', type: 'button', className: 'primary', textContent: both(T.review), onclick: () => openConsent(p) }),
      el('button', { id: 'refuse', type: 'button', textContent: both(T.refuse), onclick: () => settle(embedError('DENIED', 'the user refused')) })),
  );
  box.hidden = false;
}

function openConsent(p) {
  if (pending !== p) return;
  if (!visible()) return settle(embedError('NOT_VISIBLE', 'the Signet frame was hidden'));
  if (p.popup && !p.popup.closed) return p.popup.focus();
  p.popup = window.open(new URL(`consent.html#${p.nonce}`, document.baseURI), `signet-consent-${p.nonce}`, 'popup,width=520,height=640');
  if (!p.popup) return settle(embedError('DENIED', 'the consent window could not open (blocked popup)'));
  clearInterval(p.watch);
  p.watch = setInterval(() => {
    if (p.popup?.closed) settle(embedError('DENIED', 'the consent window was closed'));
  }, 500);
}

// Only the consent window this frame opened, of this origin, with the request's nonce.
window.addEventListener('message', async (event) => {
  const p = pending;
  const d = event.data;
  if (!p || event.origin !== location.origin || event.source !== p.popup || d?.nonce !== p.nonce) return;
  if (d.type === 'signet-consent-ready') {
    p.popup.postMessage({ type: 'signet-consent-request', nonce: p.nonce, origin, op: p.op, ...p.detail, rememberMinutes: p.rememberMinutes }, location.origin);
  } else if (d.type === 'signet-consent-answer') {
    if (!d.allow) return settle(embedError('DENIED', 'the user refused'));
    let unlocked;
    try {
      unlocked = await call('unlock', { fingerprint: String(d.key?.fingerprint), publicKey: String(d.key?.publicKey), privateKey: String(d.key?.privateKey), passphrase: String(d.passphrase ?? '') });
    } catch (err) {
      // A wrong passphrase is retried in the window; anything else ends the request.
      p.popup.postMessage({ type: 'signet-consent-result', nonce: p.nonce, ok: false, code: err.code }, location.origin);
      if (err.code !== 'BAD_PASSPHRASE') settle(err);
      return;
    }
    const remembered = d.remember === true && p.rememberMinutes > 0;
    if (remembered) remember(p.op, unlocked.handle, p.rememberMinutes);
    p.popup.postMessage({ type: 'signet-consent-result', nonce: p.nonce, ok: true }, location.origin);
    settle(null, { handle: unlocked.handle, remembered });
  }
});

function remember(op, handle, minutes) {
  const old = grants.get(op);
  if (old) call('free', { handle: old.handle });
  const g = { handle, expires: Date.now() + minutes * 60_000 };
  g.timer = setTimeout(() => {
    if (grants.get(op) === g) grants.delete(op);
    call('free', { handle });
  }, minutes * 60_000);
  grants.set(op, g);
}

// ---------------------------------------------------------------------------
// Display mode: the plaintext is shown here, or saved by the user from here.

/** Shows text inline (valid UTF-8 up to 1 MiB), else offers the file to save. Returns its size. */
async function showReader(name, data, signatures) {
  const bytes = data instanceof Blob ? null : data;
  const n = bytes ? bytes.length : data.size;
  const box = $('reader');
  const kids = [el('h2', { textContent: both(T.reader) })];
  let text = null;
  if (bytes && n <= 1024 * 1024) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // binary: offered as a file below
    }
  }
  if (text !== null) kids.push(el('pre', { id: 'plaintext', textContent: text }));
  const a = el('a', { id: 'save', textContent: `${both(T.save)}: ${name ?? 'signet-decrypted'} (${size(n)})` });
  a.href = URL.createObjectURL(data instanceof Blob ? data : new Blob([data]));
  a.download = name?.replace(/\.(pgp|gpg|asc)$/i, '') || 'signet-decrypted';
  kids.push(el('p', {}, a));
  if (signatures?.length) {
    kids.push(el('p', { className: 'sigs', textContent: `${both(T.signatures)}: ${signatures.map((s) => `${s.fingerprint.slice(0, 16)} ${both(s.valid ? T.valid : T.invalid)}`).join('; ')}` }));
  }
  kids.push(el('button', { id: 'reader-close', type: 'button', textContent: both(T.close), onclick: () => { URL.revokeObjectURL(a.href); box.hidden = true; box.replaceChildren(); } }));
  box.replaceChildren(...kids);
  box.hidden = false;
  return n;
}

// ---------------------------------------------------------------------------
// Encrypted forms (docs/form-format.md)

let formOpen = false;

function showForm({ form, encryptionKeys, allowClassical = false }) {
  if (formOpen) throw embedError('LIMIT_EXCEEDED', 'a form is already shown');
  formOpen = true;
  const box = $('form');
  const f = el('form', { id: 'signet-form' });
  f.append(el('h2', { textContent: form.title }), el('p', { className: 'hint', textContent: both(T.formNote) }));
  for (const field of form.fields) {
    const id = `f-${field.name}`;
    f.append(el('label', { htmlFor: id, textContent: field.label }));
    let input;
    if (field.type === 'choice') {
      input = el('select', { id, name: field.name, required: field.required }, el('option', { value: '', textContent: '—' }),
        ...field.options.map((o) => el('option', { value: o, textContent: o })));
    } else {
      input = el('input', { id, name: field.name, type: field.type, required: field.required });
      if (field.type === 'number') input.step = 'any';
      if (field.type === 'file') input.multiple = Boolean(field.multiple);
      if (field.type === 'text') input.maxLength = LIMITS.answer;
    }
    f.append(input);
  }
  const cancel = el('button', { id: 'form-cancel', type: 'button', textContent: both(T.cancel) });
  f.append(el('div', { className: 'row' }, el('button', { id: 'form-submit', type: 'submit', className: 'primary', textContent: both(T.submit) }), cancel));
  box.replaceChildren(f);
  box.hidden = false;
  const close = () => {
    formOpen = false;
    box.hidden = true;
    box.replaceChildren();
  };
  return new Promise((ok, fail) => {
    cancel.onclick = () => {
      close();
      fail(embedError('DENIED', 'the user cancelled the form'));
    };
    f.onsubmit = async (e) => {
      e.preventDefault();
      try {
        const bytes = await buildContainer(answers(f, form));
        const message = await call('encrypt', { data: bytes, encryptionKeys, armor: false, requirePostQuantum: !allowClassical });
        close();
        ok({ message });
      } catch (err) {
        close();
        fail(err);
      }
    };
  });
}

/** The submission from the filled form (the browser checked `required`). */
function answers(f, form) {
  const fields = [];
  const files = [];
  let total = 0;
  for (const field of form.fields) {
    const input = f.elements.namedItem(field.name);
    let value;
    if (field.type === 'file') {
      value = [];
      for (const file of input.files) {
        total += file.size;
        if (total > LIMITS.formFiles) throw embedError('LIMIT_EXCEEDED', `attachments over ${LIMITS.formFiles} bytes`);
        value.push(files.length);
        files.push({ field: field.name, file });
      }
    } else if (field.type === 'number') {
      value = input.value === '' ? null : Number(input.value);
    } else {
      value = input.value === '' ? null : input.value;
    }
    fields.push({ name: field.name, label: field.label, type: field.type, value });
  }
  return { form, origin, submitted: new Date().toISOString(), fields, files };
}

$('status').textContent = both(T.waiting);
// Hello to the embedding page, if its origin is on the allow-list (the message reaches no
// other origin): it answers with `connect` and the port.
config.then(({ origins }) => {
  if (window.parent === window) return;
  for (const o of origins) window.parent.postMessage({ signet: 'hello', v: 1 }, o);
});
