// The consent window (www/consent.html), opened by the crypto frame when the user clicks
// "Review" in it. A top-level window of the key-holding origin: the embedding site can
// neither overlay nor script it. It names the requesting origin and what is asked, lets
// the user pick one of their keys (from the Signet page's key ring) and type its
// passphrase, and answers only the frame that opened it.
import { listKeys } from '../keystore.js';
import { ASKS, T, both, size } from './text.js';

const $ = (id) => document.getElementById(id);
const nonce = location.hash.slice(1);
const frame = window.opener;

function post(msg) {
  frame.postMessage({ ...msg, nonce }, location.origin);
}

function fail(text) {
  $('status').textContent = text;
  $('status').className = 'error';
  $('consent').hidden = true;
}

let keys = [];

async function show(req) {
  keys = (await listKeys()).filter((r) => r.privateKey);
  $('c-origin').textContent = req.origin;
  $('c-asks').textContent = `${both(T.asks)}:`;
  $('c-what').textContent = both(ASKS[req.op] ?? ['?', '?']);
  $('c-detail').textContent = `${both(T.file)}: ${req.name ?? '—'} (${size(req.size)})`;
  $('c-key-label').textContent = both(T.key);
  $('c-pass-label').textContent = both(T.passphrase);
  $('c-remember-label').textContent = `${both(T.remember)} ${req.rememberMinutes} ${T.minutes[0]} / ${T.minutes[1]}`;
  $('c-remember').disabled = !(req.rememberMinutes > 0);
  $('c-allow').textContent = both(T.allow);
  $('c-refuse').textContent = both(T.refuse);
  $('c-key').replaceChildren(...keys.map((r) => Object.assign(document.createElement('option'), {
    value: r.fingerprint,
    textContent: r.fingerprint.replace(/(.{4})/g, '$1 ').trim(),
  })));
  if (!keys.length) return fail(both(T.noKeys));
  $('status').textContent = 'Signet';
  $('consent').hidden = false;
  $('c-pass').focus();
}

window.addEventListener('message', (event) => {
  const d = event.data;
  if (event.source !== frame || event.origin !== location.origin || d?.nonce !== nonce) return;
  if (d.type === 'signet-consent-request') show(d);
  else if (d.type === 'signet-consent-closed') window.close();
  else if (d.type === 'signet-consent-result') {
    if (d.ok) return window.close();
    $('c-allow').disabled = false;
    $('c-error').textContent = d.code === 'BAD_PASSPHRASE' ? both(T.badPass) : `${both(T.expired)} (${d.code})`;
  }
});

$('consent').addEventListener('submit', (e) => {
  e.preventDefault();
  const r = keys.find((k) => k.fingerprint === $('c-key').value);
  if (!r) return;
  $('c-allow').disabled = true;
  $('c-error').textContent = '';
  post({
    type: 'signet-consent-answer',
    allow: true,
    remember: $('c-remember').checked,
    key: { fingerprint: r.fingerprint, publicKey: r.publicKey, privateKey: r.privateKey },
    passphrase: $('c-pass').value,
  });
  $('c-pass').value = '';
});
$('c-refuse').addEventListener('click', () => {
  post({ type: 'signet-consent-answer', allow: false });
  window.close();
});

if (!frame || !/^[0-9a-f-]{36}$/.test(nonce)) fail(both(T.expired));
else post({ type: 'signet-consent-ready' });
