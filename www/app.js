// The page's main thread: UI only. Every crypto request goes to the worker, which
// holds the Wasm module, unlocked keys and the open notebook.
import { t, errorText, reasonText, applyI18n, setLang, currentLang, onLangChange, formatBytes, formatDate } from './i18n.js';
import { readPins, startPinnedWorker, wasmPin } from './pins.js';
import { mountInbox } from './inbox.js';
import { initNotesUnlock, offerRecovery, answerPasskeyAsk } from './notes-unlock.js';

// ---------------------------------------------------------------------------
// Worker RPC

// The worker runs from verified copies of its modules and is told the Wasm's pin first
// (pins.js); a refused file rejects every call with its PinError (code INTEGRITY).
const pins = readPins();
const started = startPinnedWorker(pins, document.baseURI, { name: 'signet-crypto' }).then((w) => {
  w.onmessage = onWorkerMessage;
  w.postMessage({ boot: wasmPin(pins, document.baseURI) });
  return w;
});
const worker = {
  postMessage(message, transfer) {
    started.then((w) => w.postMessage(message, transfer), (err) => onWorkerMessage({ data: { id: message.id, ok: false, error: err } }));
  },
};
let nextId = 1;
const pending = new Map();
function onWorkerMessage({ data }) {
  if (data.event) return onWorkerEvent(data.event);
  if (data.ask || data.askCancel) return answerPasskeyAsk(data, worker);
  const p = pending.get(data.id);
  if (!p) return;
  if (data.progress) return p.onProgress?.(data.progress);
  if (data.chunk) return p.onChunk?.(data.chunk);
  pending.delete(data.id);
  if (data.ok) p.resolve(data.result);
  else p.reject(Object.assign(new Error(data.error.message), { code: data.error.code, reason: data.error.reason, file: data.error.file }));
}

/**
 * Sends one request to the crypto worker. `hooks.onProgress` / `hooks.onChunk`
 * receive streamed progress and output; `hooks.onId` learns the request id (to cancel).
 */
export function call(op, args = {}, transfer = [], hooks = {}) {
  const id = nextId++;
  hooks.onId?.(id);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, ...hooks });
    worker.postMessage({ id, op, args }, transfer);
  });
}

// ---------------------------------------------------------------------------
// Small helpers

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// Messages appear next to the control that caused them, not at the top of the panel
// (on a phone that was off-screen). The last control the user acted on (outside a
// dialog, which only asks for a passphrase on behalf of its opener) is the anchor.
let actionAnchor = null;
for (const type of ['click', 'submit', 'change']) {
  document.addEventListener(type, (e) => {
    const target = e.target instanceof Element ? e.target : null;
    if (!target || target.closest('dialog')) return;
    if (type === 'click' && !target.closest('button, a, summary')) return;
    actionAnchor = target;
  }, true);
}

/** Where message `m` goes: after the anchor's row, or at the end of its form, list item
 *  or card, inside the message's own panel; else at the panel's top. */
function placeMessage(m) {
  const panel = m.closest('[role="tabpanel"]');
  const a = actionAnchor?.isConnected && panel?.contains(actionAnchor) ? actionAnchor : null;
  const host = a?.closest('.row, .toolbar, li, form, .card');
  if (!host) {
    if (m.parentElement !== panel) panel?.prepend(m);
  } else if (host.matches('.row, .toolbar')) {
    if (host.nextElementSibling !== m) host.after(m);
  } else if (host.lastElementChild !== m) host.append(m);
}

/** Keeps messages that sat inside a list item across a re-render of `list`. */
function keepMessages(list, render) {
  const kept = [...list.querySelectorAll('.msg')].map((m) => [m, m.closest('li')?.dataset.id]);
  render();
  for (const [m, id] of kept) {
    const li = id ? [...list.children].find((x) => x.dataset.id === id) : null;
    if (li) li.append(m);
    else list.before(m);
  }
}

/** Shows a notice (or an error, with its code) next to the action that caused it, in
 *  view; errors are alerts, notices a polite status. */
function say(target, text, kind = 'ok', code = null) {
  const m = $(target);
  if (text) placeMessage(m);
  m.textContent = text;
  m.dataset.kind = kind;
  m.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  if (code) m.dataset.code = code;
  else delete m.dataset.code;
  if (text && !m.closest('[hidden]')) m.scrollIntoView({ block: 'nearest' });
}

function sayError(target, err) {
  say(target, err?.text ?? errorText(err), 'error', err?.code ?? 'INTERNAL');
}

/** Runs `f` with `button` disabled, reporting errors to `target`. */
async function busy(button, target, f) {
  if (button) button.disabled = true;
  try {
    return await f();
  } catch (err) {
    sayError(target, err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Asks for a passphrase in a modal dialog; resolves to the string or null. */
function askPassphrase(title, { confirm = false, label2 = null, label = null } = {}) {
  const dlg = $('pass-dialog');
  const input = $('pass-dialog-input');
  const input2 = $('pass-dialog-input2');
  $('pass-dialog-title').textContent = title;
  $('pass-dialog-label').textContent = label ?? t('dialog.passphrase');
  $('pass-dialog-label2').textContent = label2 ?? t('keys.passphrase2');
  $('pass-dialog-label2').hidden = !confirm && !label2;
  input2.hidden = !confirm && !label2;
  input.value = '';
  input2.value = '';
  return new Promise((resolve) => {
    dlg.addEventListener(
      'close',
      () => {
        const ok = dlg.returnValue === 'ok';
        const a = input.value;
        const b = input2.value;
        input.value = '';
        input2.value = '';
        if (!ok) return resolve(null);
        if (label2) return resolve([a, b]);
        if (confirm && a !== b) return resolve({ mismatch: true });
        resolve(a);
      },
      { once: true },
    );
    dlg.returnValue = '';
    dlg.showModal();
    input.focus();
  });
}

let lastUrl = null;
/** Offers bytes as a download through a Blob URL (the fallback sink). */
function downloadBlob(blob, name, container = null) {
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(blob);
  const a = el('a', { href: lastUrl, download: name, text: t('files.download', { name }) });
  if (container) container.replaceChildren(a);
  else {
    a.hidden = true;
    document.body.append(a);
    setTimeout(() => a.remove(), 0);
  }
  a.click();
  return a;
}

function groupFingerprint(fp) {
  return fp.replace(/(.{4})/g, '$1 ').trim();
}

// ---------------------------------------------------------------------------
// Tabs: an ARIA tablist with roving tabindex, arrow keys, Home and End.

const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = true) {
  for (const t2 of tabs) {
    const on = t2 === tab;
    t2.setAttribute('aria-selected', String(on));
    t2.tabIndex = on ? 0 : -1;
    $(t2.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  try {
    sessionStorage.setItem('signet.tab', tab.id);
  } catch {
    // no storage: fine
  }
  if (tab.id === 'tab-files') refreshFileChoices();
  if (tab.id === 'tab-notes') refreshVaultView();
}
for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    let next = null;
    if (e.key === 'ArrowRight') next = tabs[(i + 1) % tabs.length];
    else if (e.key === 'ArrowLeft') next = tabs[(i - 1 + tabs.length) % tabs.length];
    else if (e.key === 'Home') next = tabs[0];
    else if (e.key === 'End') next = tabs[tabs.length - 1];
    if (next) {
      e.preventDefault();
      selectTab(next);
    }
  });
}

// ---------------------------------------------------------------------------
// Language

const langSelect = $('lang');
langSelect.value = currentLang();
langSelect.addEventListener('change', () => setLang(langSelect.value));
onLangChange(() => {
  document.title = t('app.title');
  renderStatus();
  renderKeys();
  renderFileChoices();
  renderFileName();
  renderFileFor();
  renderNoteList();
});

// ---------------------------------------------------------------------------
// Status

const status = $('status');
let version = null;
let loadError = null;
/** The status line says only whether the page is ready; what runs (package version,
 *  the Wasm's SHA-384) stays one click away, under "details". */
function renderStatus() {
  if (version) {
    status.replaceChildren(
      el('span', { text: t('status.ready') }), ' ',
      el('details', { class: 'status-details' },
        el('summary', { text: t('status.details') }),
        el('span', { text: t('status.version', { version }) })),
    );
  } else if (loadError) status.textContent = t('status.error', { message: loadError });
  else status.textContent = t('status.loading');
}

// ---------------------------------------------------------------------------
// Keys

let keys = [];
let wrapText = null;

async function refreshKeys() {
  keys = await call('keysList');
  renderKeys();
  renderFileChoices();
  renderFileFor();
}

/** A key's name as people know it: the user ID's name part, else its short fingerprint. */
function keyName(k) {
  const uid = k.info.userIds[0];
  const name = uid?.replace(/\s*<[^>]*>\s*$/, '').trim();
  return name || uid || groupFingerprint(k.fingerprint).slice(0, 19);
}

/** A file name from a key's name: letters (Vietnamese ones too), digits, dashes. */
function fileSlug(text) {
  return text.normalize('NFC').replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'signet';
}

const AUTO_LOCK_KEY = 'signet.autoLockMinutes';
/** `?autoLockSec=N` shortens the auto-lock (diagnostics and tests). */
const autoLockOverride = (() => {
  const v = Number(new URLSearchParams(location.search).get('autoLockSec'));
  return Number.isFinite(v) && v > 0 ? v * 1000 : null;
})();
function autoLockMinutes() {
  return Number($('autolock').value) || 15;
}
{
  const sel = $('autolock');
  try {
    const saved = localStorage.getItem(AUTO_LOCK_KEY);
    if ([...sel.options].some((o) => o.value === saved)) sel.value = saved;
    else sel.value = '15';
  } catch {
    sel.value = '15';
  }
  sel.addEventListener('change', () => {
    try {
      localStorage.setItem(AUTO_LOCK_KEY, sel.value);
    } catch {
      // the choice holds for this visit
    }
  });
}

function renderAutoLock() {
  for (const o of $('autolock').options) o.textContent = t('keys.autoLock.minutes', { minutes: o.value });
}

function renderKeys() {
  const list = $('key-list');
  keepMessages(list, () => {
    if (!keys.length) list.replaceChildren(el('li', { class: 'empty', text: t('keys.empty') }));
    else list.replaceChildren(...keys.map(renderKey));
  });
  // First visit: what to do first, until the user has a private key of their own.
  $('welcome').hidden = keys.some((k) => k.hasPrivate);
  $('wrap-none').hidden = Boolean(wrapText);
  $('wrap-have').hidden = !wrapText;
  $('wrap-text').value = wrapText ?? '';
  renderAutoLock();
}

function renderKey(k) {
  const info = k.info;
  const name = keyName(k);
  const expired = info.expires && new Date(info.expires) < new Date();
  const badges = el('p', { class: 'badges' },
    info.isPostQuantum ? el('span', { class: 'badge pq', text: t('keys.badge.pq') }) : null,
    el('span', { class: 'badge', text: k.hasPrivate ? t('keys.badge.private') : t('keys.badge.public') }),
    k.unlocked ? el('span', { class: 'badge ok', text: t('keys.badge.unlocked') }) : null,
    k.hasPrivate && k.backedUp ? el('span', { class: 'badge ok', text: t('keys.backedUp') }) : null,
    expired ? el('span', { class: 'badge warn', text: t('keys.badge.expired') }) : null,
    info.revoked ? el('span', { class: 'badge warn', text: t('keys.badge.revoked') }) : null,
  );
  // Each button names its key: a list of "Unlock"/"Delete" buttons is otherwise ambiguous.
  const button = (cls, label, onclick) => el('button', { type: 'button', class: cls, text: label, 'aria-label': `${label}: ${name}`, onclick });
  const actions = el('div', { class: 'row' });
  if (k.hasPrivate) {
    actions.append(k.unlocked
      ? button('key-lock', t('keys.lock'), () => lockKey(k))
      : button('key-unlock primary', t('keys.unlock'), () => unlockKeyUi(k)));
  }
  actions.append(button('key-copy', t('keys.copyPublic'), () => copyPublicKey(k)));
  actions.append(button('key-export-public', t('keys.exportPublic'), () => exportKey(k, 'public')));
  if (k.hasPrivate) actions.append(button(`key-export-private${k.backedUp ? '' : ' primary'}`, t('keys.exportPrivate'), () => exportKey(k, 'private')));
  actions.append(button('key-delete danger', t('keys.delete'), () => deleteKeyUi(k)));
  return el('li', { class: 'key', 'data-fingerprint': k.fingerprint, 'data-id': k.fingerprint },
    el('h3', {}, ...info.userIds.flatMap((u, i) => (i ? [el('br'), u] : [u]))),
    badges,
    k.hasPrivate && !k.backedUp ? el('p', { class: 'nudge', text: t('keys.onlyHere') }) : null,
    el('dl', {},
      el('dt', { text: t('keys.fingerprint') }), el('dd', { class: 'fp', text: groupFingerprint(k.fingerprint) }),
      el('dt', { text: t('keys.created') }), el('dd', { text: `${formatDate(info.created)} · ${info.algorithm}` }),
      el('dt', { text: t('keys.expires') }), el('dd', { text: formatDate(info.expires) }),
    ),
    actions,
  );
}

/** Unlocks key `k` with `passphrase` for the chosen auto-lock time; errors go to `target`. */
async function unlockWith(k, passphrase, target) {
  const minutes = autoLockMinutes();
  await call('keyUnlock', { fingerprint: k.fingerprint, passphrase, lockAfterMs: autoLockOverride ?? minutes * 60_000 });
  say(target, t('keys.unlocked', { name: keyName(k), minutes }));
  await refreshKeys();
}

async function unlockKeyUi(k) {
  const pass = await askPassphrase(t('keys.unlockTitle', { name: keyName(k) }));
  if (pass === null) return;
  await busy(null, 'keys-msg', () => unlockWith(k, pass, 'keys-msg'));
}

async function lockKey(k) {
  await busy(null, 'keys-msg', async () => {
    await call('keyLock', { fingerprint: k.fingerprint });
    await refreshKeys();
  });
}

function onWorkerEvent(ev) {
  if (ev.type !== 'keyLocked') return;
  const k = keys.find((x) => x.fingerprint === ev.fingerprint);
  refreshKeys().then(() => {
    if (k) say('keys-msg', t('keys.autoLocked', { name: keyName(k) }));
  });
}

function copyPublicKey(k) {
  return copyText(k.publicKey, 'keys-msg');
}

/** Copies `text` and says so in `target`. The copy command runs first, inside the
 *  click (every engine allows it there); the async clipboard only where it is refused
 *  (WebKitGTK's may never settle: it gets 3 s). */
async function copyText(text, target) {
  const back = document.activeElement;
  const area = el('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    // refused: try the async clipboard below
  }
  area.remove();
  back?.focus?.({ preventScroll: true });
  if (!ok) {
    const timeout = new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), 3000));
    ok = await Promise.race([navigator.clipboard.writeText(text), timeout]).then(() => true, () => false);
  }
  if (!ok) return say(target, t('keys.copyFailed'), 'error', 'UNSUPPORTED');
  say(target, t('keys.copied'));
}

async function exportKey(k, which) {
  await busy(null, 'keys-msg', async () => {
    const armored = await call('keyExport', { fingerprint: k.fingerprint, which });
    const suffix = t(`keys.fileSuffix.${which}`);
    downloadBlob(new Blob([armored], { type: 'application/pgp-keys' }), `${fileSlug(keyName(k))}-${suffix}.asc`);
    say('keys-msg', t(which === 'private' ? 'keys.exportedPrivate' : 'keys.exportedPublic', { name: keyName(k) }));
    if (which === 'private') await refreshKeys();
  });
}

async function deleteKeyUi(k) {
  if (!window.confirm(t('keys.confirmDelete', { name: keyName(k) }))) return;
  await busy(null, 'keys-msg', async () => {
    await call('keyDelete', { fingerprint: k.fingerprint });
    actionAnchor = $('key-list');
    say('keys-msg', t('keys.deleted', { name: keyName(k) }));
    await refreshKeys();
  });
}

$('gen-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const uid = $('gen-uid').value.trim();
  const pass = $('gen-pass').value;
  if (!uid) return say('keys-msg', t('keys.userIdMissing'), 'error', 'INVALID_ARGUMENT');
  if (pass.length < 8) return say('keys-msg', t('keys.passShort'), 'error', 'INVALID_ARGUMENT');
  if (pass !== $('gen-pass2').value) return say('keys-msg', t('keys.passMismatch'), 'error', 'INVALID_ARGUMENT');
  await busy($('gen-btn'), 'keys-msg', async () => {
    say('keys-msg', t('keys.generating'), 'busy');
    const r = await call('keyGenerate', {
      userId: uid,
      profile: $('gen-profile').value,
      passphrase: pass,
      expiresInDays: Number($('gen-expiry').value),
    });
    $('gen-pass').value = '';
    $('gen-pass2').value = '';
    await refreshKeys();
    const k = keys.find((x) => x.fingerprint === r.fingerprint);
    say('keys-msg', t('keys.generated', { name: k ? keyName(k) : groupFingerprint(r.fingerprint) }));
  });
});

$('import-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  await busy($('import-btn'), 'keys-msg', async () => {
    let key = $('import-text').value.trim();
    const file = $('import-file').files[0];
    if (!key && file) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
      key = text.includes('-----BEGIN PGP') ? new TextDecoder().decode(bytes) : bytes;
    }
    if (!key || (typeof key === 'string' && !key.length)) {
      throw Object.assign(new Error('no key'), { code: 'INVALID_ARGUMENT' });
    }
    const passphrase = $('import-pass').value || undefined;
    let r;
    try {
      r = await call('keyImport', { key, passphrase });
    } catch (err) {
      // An empty passphrase field is not a wrong passphrase: say which one is needed.
      if (err.reason === 'needsProtection') return say('keys-msg', t('keys.needProtect'), 'error', err.code);
      if (err.reason === 'needsPassphrase') {
        $('import-pass').focus();
        return say('keys-msg', t('keys.needKeyPass'), 'error', err.code);
      }
      throw err;
    }
    $('import-text').value = '';
    $('import-file').value = '';
    $('import-pass').value = '';
    await refreshKeys();
    const k = keys.find((x) => x.fingerprint === r.fingerprint);
    say('keys-msg', t('keys.imported', { name: k ? keyName(k) : groupFingerprint(r.fingerprint) }));
  });
});

$('wrap-gen').addEventListener('click', async () => {
  const pass = await askPassphrase(t('keys.wrapPassTitle'), { confirm: true });
  if (pass === null) return;
  if (pass.mismatch) return say('keys-msg', t('keys.passMismatch'), 'error', 'INVALID_ARGUMENT');
  if (pass.length < 8) return say('keys-msg', t('keys.passShort'), 'error', 'INVALID_ARGUMENT');
  await busy($('wrap-gen'), 'keys-msg', async () => {
    const r = await call('wrapGenerate', { passphrase: pass });
    wrapText = r.text;
    say('keys-msg', t('keys.wrapCreated'));
    renderKeys();
  });
});

$('wrap-copy').addEventListener('click', () => copyText($('wrap-text').value, 'keys-msg'));

// ---------------------------------------------------------------------------
// Files

let currentFile = null;
let verifyLimit = 64 * 1024 * 1024;
/** `?memoryMiB=N` lowers the memory-mode thresholds (diagnostics and tests). */
const memoryOverride = (() => {
  const v = Number(new URLSearchParams(location.search).get('memoryMiB'));
  return Number.isFinite(v) && v > 0 ? v * 1024 * 1024 : null;
})();
let activeOp = null; // { id, cancelling }
/** What the chosen file is for: { keys, password, anonymous } from the worker, or null. */
let fileFor = null;
/** The locked key the inline passphrase field unlocks. */
let inlineKey = null;

function renderFileName() {
  $('file-name').textContent = currentFile
    ? t('files.selected', { name: currentFile.name, size: formatBytes(currentFile.size) })
    : t('files.none');
  $('file-limit').textContent = t('files.memoryNote', { verify: formatBytes(verifyLimit) });
}

/** Says whom the chosen file is for and, when that key is locked, asks for its
 *  passphrase right there (no trip to the Keys tab). */
function renderFileFor() {
  const box = $('file-for');
  const parts = [];
  let locked = null;
  if (fileFor) {
    const mine = fileFor.keys.map((fp) => keys.find((k) => k.fingerprint === fp)).filter(Boolean);
    if (mine.length) parts.push(t('files.for', { names: mine.map(keyName).join(', ') }));
    if (fileFor.password) parts.push(t('files.forPassword'));
    if (fileFor.anonymous) parts.push(t('files.forAnonymous'));
    if (!mine.length && !fileFor.password && !fileFor.anonymous) parts.push(t('files.forNone'));
    const usable = mine.filter((k) => k.hasPrivate);
    if (!usable.some((k) => k.unlocked)) locked = usable[0] ?? null;
  }
  box.textContent = parts.join(' ');
  showInlineUnlock(locked);
}

/** Shows the passphrase field for locked key `k` under the file (null hides it). */
function showInlineUnlock(k) {
  inlineKey = k;
  $('unlock-inline').hidden = !k;
  if (!k) return;
  $('unlock-inline-label').textContent = t('files.unlockFor', { name: keyName(k) });
  $('unlock-inline-btn').textContent = t('files.unlockBtn', { name: keyName(k) });
}

$('unlock-inline').addEventListener('submit', async (e) => {
  e.preventDefault();
  const k = inlineKey;
  if (!k) return;
  const pass = $('unlock-inline-pass').value;
  await busy($('unlock-inline-btn'), 'files-msg', async () => {
    await unlockWith(k, pass, 'files-msg');
    $('unlock-inline-pass').value = '';
    if (signerPending === k.fingerprint) signerPending = null;
  });
});

async function setFile(file) {
  currentFile = file ?? null;
  fileFor = null;
  $('sig-status').textContent = '';
  $('conflict').hidden = true;
  renderFileName();
  renderFileFor();
  // "pending" while the file is looked at: what it says about the file (and the layout
  // under it) settles at "done".
  $('file-for').dataset.state = 'pending';
  const chosen = currentFile;
  const found = chosen ? await call('fileRecipients', { file: chosen }).catch(() => null) : null;
  if (currentFile !== chosen) return;
  fileFor = found;
  renderFileFor();
  $('file-for').dataset.state = 'done';
}

$('file-input').addEventListener('change', () => setFile($('file-input').files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) setFile(f);
});

function refreshFileChoices() {
  renderFileChoices();
}

function renderFileChoices() {
  const box = $('recipients');
  const chosen = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  if (!keys.length) {
    box.replaceChildren(el('p', { class: 'hint', text: t('files.noRecipients') }));
  } else {
    box.replaceChildren(...keys.map((k, i) => el('div', { class: 'check' },
      el('input', { type: 'checkbox', id: `rcpt-${i}`, value: k.fingerprint, checked: chosen.has(k.fingerprint) }),
      el('label', { for: `rcpt-${i}` }, keyName(k), el('span', { class: 'fp small', text: ` ${k.fingerprint.slice(-16)}` }),
        k.info.isPostQuantum ? el('span', { class: 'badge pq', text: t('keys.badge.pq') }) : null),
    )));
  }
  const sel = $('file-signer');
  const prev = sel.value;
  sel.replaceChildren(
    el('option', { value: '', text: t('files.signNone') }),
    ...keys.filter((k) => k.hasPrivate).map((k) => el('option', { value: k.fingerprint, text: keyName(k) })),
  );
  if ([...sel.options].some((o) => o.value === prev)) sel.value = prev;
}

const hasPicker = typeof window.showSaveFilePicker === 'function';
$('save-picker-row').hidden = !hasPicker;

let downloadUrls = [];
/** Where output goes: a file the user picked (streamed to disk), else a Blob download
 *  offered under the actions (`many`: beside the earlier ones of the same run). */
async function openSink(name, { many = false } = {}) {
  if (hasPicker && $('file-picker').checked) {
    const handle = await window.showSaveFilePicker({ suggestedName: name });
    const w = await handle.createWritable();
    let chain = Promise.resolve();
    return {
      write: (c) => { chain = chain.then(() => w.write(c)); },
      close: async () => { await chain; await w.close(); say('files-msg', t('files.savedDisk')); return name; },
      abort: async () => { await chain.catch(() => {}); await w.abort(); },
    };
  }
  let parts = [];
  let head = null;
  return {
    // Wrap each piece in its own Blob as it arrives: one `new Blob` over 50 MiB of
    // buffers at the end copies it all in one main-thread task (half a second).
    write: (c) => {
      head ??= c.subarray(0, 4096).slice();
      parts.push(new Blob([c]));
    },
    close: async () => {
      const blob = new Blob(parts, { type: 'application/octet-stream' });
      parts = [];
      const final = withTextExtension(name, head);
      if (!many) {
        for (const u of downloadUrls) URL.revokeObjectURL(u);
        downloadUrls = [];
        $('download').replaceChildren();
      }
      const url = URL.createObjectURL(blob);
      downloadUrls.push(url);
      const a = el('a', { href: url, download: final, text: t('files.download', { name: final }) });
      $('download').append(el('span', {}, a, ' '));
      a.click();
      return final;
    },
    abort: async () => { parts = []; },
  };
}

function encryptedName(name, armor) {
  return `${name}${armor ? '.asc' : '.gpg'}`;
}

/** `x.pdf.gpg` → `x.pdf`; a name without its own extension gets one at close. */
function decryptedName(name) {
  const m = /^(.+)\.(gpg|pgp|asc)$/i.exec(name);
  return m ? m[1] : name;
}

/** Decrypted output whose name has no extension gets `.txt` when it reads as UTF-8
 *  text, else `.bin`, so the system opens it with something sensible. */
function withTextExtension(name, head) {
  if (!head || /\.[A-Za-z0-9]{1,8}$/.test(name) || !decrypting) return name;
  let text = !head.includes(0);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
  } catch {
    text = false;
  }
  return `${name}${text ? '.txt' : '.bin'}`;
}
let decrypting = false;

function setRunning(on) {
  $('encrypt-btn').disabled = on;
  $('decrypt-btn').disabled = on;
  $('cancel-btn').disabled = !on;
}

/** Shows progress of one phase: the bar and the banner say the same thing. A phase the
 *  package cannot measure (a one-shot call) shows an indeterminate bar, not a plateau. */
function showProgress(phase, fraction, stats) {
  const progress = $('progress');
  const label = t(`files.phase.${phase}`);
  if (fraction === null) progress.removeAttribute('value');
  else progress.value = fraction;
  $('progress-label').textContent = label;
  $('file-stats').textContent = stats;
  const pct = fraction === null ? '' : ` ${Math.floor(fraction * 100)} %`;
  const m = $('files-msg');
  if (activeOp?.cancelling) return; // "Cancelling…" stays until the run ends
  if (m.dataset.kind === 'busy') m.textContent = `${label}${pct}`;
  progress.setAttribute('aria-valuetext', `${label}${pct}`);
}

/** Runs one file operation in the worker with progress, throughput and cancel. */
async function runFileOp(op, args, outName, { many = false } = {}) {
  if (!many) $('download').replaceChildren();
  $('sig-status').textContent = '';
  const progress = $('progress');
  progress.value = 0;
  let sink;
  try {
    sink = await openSink(outName, { many }); // must run inside the click (picker needs the gesture)
  } catch (err) {
    if (err?.name === 'AbortError') return null;
    throw err;
  }
  setRunning(true);
  decrypting = op === 'fileDecrypt';
  const start = performance.now();
  const total = args.file.size;
  const rate = () => {
    const s = (performance.now() - start) / 1000;
    return s > 0 ? formatBytes(total / s) : '—';
  };
  const onProgress = ({ phase, done, total: phaseTotal, wasmMemory }) => {
    // Memory mode: read (bytes), the one-shot step (no measure), write (bytes).
    // Streams: one phase over the input consumed.
    const measured = phase !== 'encrypt' && phase !== 'decrypt';
    showProgress(phase, measured && phaseTotal ? done / phaseTotal : null, t('files.stats', {
      done: formatBytes(phase === 'write' ? done : measured ? done : total),
      total: formatBytes(phase === 'write' ? phaseTotal : total),
      rate: rate(),
    }));
    if (wasmMemory) {
      const stats = $('file-stats');
      stats.dataset.wasmPeak = String(Math.max(Number(stats.dataset.wasmPeak ?? 0), wasmMemory));
    }
  };
  delete $('file-stats').dataset.wasmPeak;
  try {
    const result = await call(op, args, [], {
      onProgress,
      onChunk: (c) => sink.write(c),
      onId: (id) => { activeOp = { id }; },
    });
    const savedAs = await sink.close();
    progress.value = 1;
    const seconds = (performance.now() - start) / 1000;
    const mibps = total / 1048576 / seconds;
    $('file-stats').textContent = t('files.stats', { done: formatBytes(total), total: formatBytes(total), rate: rate() });
    $('file-stats').dataset.mibps = mibps.toFixed(2);
    $('file-stats').dataset.ms = String(Math.round(seconds * 1000));
    $('progress-label').textContent = t('files.progress');
    progress.removeAttribute('aria-valuetext');
    say('files-msg', t('files.done', { name: savedAs, size: formatBytes(result.bytesOut), rate: formatBytes(total / seconds) }));
    return { ...result, savedAs };
  } catch (err) {
    await sink.abort();
    progress.value = 0;
    progress.removeAttribute('aria-valuetext');
    $('progress-label').textContent = t('files.progress');
    if (err.code === 'CANCELLED') say('files-msg', t('files.cancelled'), 'ok');
    else if (err.code === 'NO_MATCHING_KEY' && args.passwords?.length) {
      // No session key opened and a password was tried: it may simply be wrong.
      say('files-msg', t('files.noKeyOrPassword'), 'error', err.code);
    } else if (err.code === 'INVALID_ARGUMENT' && op === 'fileEncrypt' && args.recipients.length > 1 && await offerSplit(args)) {
      // said by offerSplit
    } else sayError('files-msg', err);
    return null;
  } finally {
    activeOp = null;
    setRunning(false);
  }
}

/** Recipients that cannot share one file (a post-quantum key beside an older GnuPG
 *  key): says who conflicts and why, and offers one file per group. */
async function offerSplit(args) {
  const plan = await call('recipientGroups', { recipients: args.recipients }).catch(() => null);
  if (!plan) return false;
  const names = (fps) => fps.map((fp) => keyName(keys.find((k) => k.fingerprint === fp))).join(', ');
  const old = plan.groups[1];
  $('conflict-text').textContent = t('files.conflict', { pq: names(plan.pq), old: names(old) });
  $('conflict-split').textContent = t('files.conflictSplit', { count: plan.groups.length });
  $('conflict').hidden = false;
  pendingSplit = { ...args, groups: plan.groups };
  say('files-msg', t('files.conflict', { pq: names(plan.pq), old: names(old) }), 'error', 'INVALID_ARGUMENT');
  $('conflict-split').focus();
  return true;
}
let pendingSplit = null;

/** `baocao.pdf` for Nguyễn Văn An → `baocao (cho Nguyễn Văn An).pdf` (+ .gpg/.asc). */
function groupFileName(name, fps, armor) {
  const m = /^(.+?)(\.[^.]{1,8})?$/.exec(name);
  const people = fps.map((fp) => keyName(keys.find((k) => k.fingerprint === fp)));
  const who = people.length > 2 ? t('files.groupMore', { first: people[0], count: people.length - 1 }) : people.join(', ');
  return encryptedName(t('files.groupName', { base: m[1], names: who, ext: m[2] ?? '' }), armor);
}

$('conflict-split').addEventListener('click', async () => {
  const job = pendingSplit;
  if (!job || job.file !== currentFile) return ($('conflict').hidden = true);
  $('conflict').hidden = true;
  pendingSplit = null;
  const made = [];
  for (const [i, group] of job.groups.entries()) {
    const { groups, ...args } = job;
    const r = await runFileOp('fileEncrypt', { ...args, recipients: group }, groupFileName(job.file.name, group, job.armor), { many: i > 0 });
    if (!r) return;
    made.push(r.savedAs);
  }
  say('files-msg', t('files.conflictDone', { count: made.length, names: made.join(', ') }));
});

/** The signing key the user chose while it was locked (unlocked in place). */
let signerPending = null;

$('encrypt-btn').addEventListener('click', async () => {
  if (!currentFile) return say('files-msg', t('files.needFile'), 'error', 'INVALID_ARGUMENT');
  $('conflict').hidden = true;
  const recipients = [...$('recipients').querySelectorAll('input:checked')].map((i) => i.value);
  const password = $('file-pass').value;
  if (!recipients.length && !password) return say('files-msg', t('files.needTarget'), 'error', 'INVALID_ARGUMENT');
  const signer = $('file-signer').value || null;
  const signKey = signer ? keys.find((k) => k.fingerprint === signer) : null;
  if (signKey && !signKey.unlocked) {
    signerPending = signer;
    showInlineUnlock(signKey);
    $('unlock-inline-pass').focus();
    return say('files-msg', t('files.needUnlockSign'), 'error', 'LOCKED');
  }
  const armor = $('file-armor').checked;
  say('files-msg', t('files.phase.read'), 'busy');
  await runFileOp('fileEncrypt', {
    file: currentFile,
    recipients,
    passwords: password ? [password] : [],
    signer,
    armor,
  }, encryptedName(currentFile.name, armor));
});

$('decrypt-btn').addEventListener('click', async () => {
  if (!currentFile) return say('files-msg', t('files.needFile'), 'error', 'INVALID_ARGUMENT');
  const password = $('file-pass').value;
  if (inlineKey && !password && !$('unlock-inline').hidden) {
    // The file is for a key that is still locked: its passphrase field is right here.
    $('unlock-inline-pass').focus();
    return say('files-msg', t('files.needUnlockFor', { name: keyName(inlineKey) }), 'error', 'LOCKED');
  }
  say('files-msg', t('files.phase.read'), 'busy');
  const r = await runFileOp('fileDecrypt', { file: currentFile, passwords: password ? [password] : [], memoryLimit: Math.min(verifyLimit, memoryOverride ?? Infinity) }, decryptedName(currentFile.name));
  if (r) renderSignatures(r.signatures);
});

function renderSignatures(sigs) {
  const box = $('sig-status');
  if (!sigs.length) {
    box.textContent = t('files.sig.none');
    box.dataset.state = 'none';
    return;
  }
  const lines = sigs.map((s) => {
    if (!s.known) return t('files.sig.unknown', { fingerprint: s.fingerprint });
    if (s.valid) return t('files.sig.valid', { name: s.name ?? s.fingerprint });
    return `${t('files.sig.invalid', { fingerprint: s.fingerprint })} ${reasonText(s.reason)}`.trim();
  });
  box.textContent = lines.join(' ');
  box.dataset.state = sigs.every((s) => s.valid && s.known) ? 'valid' : 'invalid';
}

$('cancel-btn').addEventListener('click', () => {
  if (!activeOp) return;
  // Feedback at once: a one-shot step in memory mode ends before the cancel lands.
  $('cancel-btn').disabled = true;
  activeOp.cancelling = true;
  say('files-msg', t('files.cancelling'), 'busy');
  $('progress-label').textContent = t('files.cancelling');
  call('cancel', { target: activeOp.id });
});

// ---------------------------------------------------------------------------
// Notes

const VAULT_KEY = 'signet.vault';
let notes = [];
let editingId = null;

function vaultMeta() {
  try {
    return JSON.parse(localStorage.getItem(VAULT_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** Remembers the vault's name, id and last manifest counter (rollback and swap detection
 *  on open). localStorage rolls back with IndexedDB when the whole profile does: see
 *  docs/web-page.md. */
function saveVaultMeta(meta) {
  try {
    localStorage.setItem(VAULT_KEY, JSON.stringify(meta));
  } catch {
    // without storage the counter check is simply skipped next time
  }
}

function noteCounter(counter) {
  const m = vaultMeta();
  if (m && typeof counter === 'number') saveVaultMeta({ ...m, counter });
}

let vaultUnlocked = false;

async function refreshVaultView() {
  const panel = $('panel-notes');
  panel.setAttribute('aria-busy', 'true');
  try {
    await showVault();
  } finally {
    panel.removeAttribute('aria-busy');
  }
}

async function showVault() {
  const state = await call('vaultState').catch(() => ({ unlocked: false }));
  vaultUnlocked = state.unlocked;
  const meta = vaultMeta();
  $('vault-closed').hidden = vaultUnlocked;
  $('vault-open').hidden = !vaultUnlocked;
  $('vault-create').hidden = Boolean(meta);
  $('vault-unlock').hidden = !meta;
  if (vaultUnlocked) {
    await refreshNotes();
    checkStorage(true);
  }
  // A message shown in a form that is now hidden moves to the panel's top, in view.
  const m = $('notes-msg');
  if (m.closest('[hidden]')) {
    $('panel-notes').prepend(m);
    if (m.textContent) m.scrollIntoView({ block: 'nearest' });
  }
}

async function refreshNotes() {
  const q = $('note-search').value.trim();
  try {
    notes = await call('vaultSearch', { query: q });
  } catch (err) {
    if (err.code === 'LOCKED') {
      say('notes-msg', t('notes.locked'), 'error', 'LOCKED');
      return refreshVaultView();
    }
    throw err;
  }
  renderNoteList();
}

/** Whether the browser keeps the notebook under storage pressure: true, false, or
 *  null where the engine has no Storage API (WebKitGTK). The vault lives in the
 *  worker, where persist() is not exposed, so the page asks, and never waits: Firefox
 *  settles persist() only when the user answers its prompt. */
let storagePersisted = null;
async function checkStorage(ask) {
  const sm = navigator.storage;
  if (ask && sm?.persist) sm.persist().then(() => checkStorage(false), () => {});
  storagePersisted = sm?.persisted ? await sm.persisted().catch(() => null) : null;
  renderNoteList();
}

function renderNoteList() {
  const list = $('note-list');
  if (!list) return;
  $('notes-count').textContent = t('notes.count', { count: notes.length });
  const storage = $('vault-storage');
  storage.dataset.persisted = String(storagePersisted);
  storage.textContent = t(`notes.storage.${storagePersisted === true ? 'persistent' : storagePersisted === false ? 'bestEffort' : 'unknown'}`);
  keepMessages(list, () => {
    if (!notes.length) {
      list.replaceChildren(el('li', { class: 'empty', text: t('notes.empty') }));
      return;
    }
    list.replaceChildren(...notes.map((n) => el('li', { 'data-id': n.id },
      el('button', {
        type: 'button',
        class: 'note-item',
        'aria-current': n.id === editingId ? 'true' : null,
        'data-id': n.id,
        onclick: () => openNote(n.id),
      },
      el('span', { class: 'note-title', text: n.title || t('notes.untitled') }),
      el('span', { class: 'note-meta', text: `${formatDate(n.updated)}${n.tags.length ? ' · ' + n.tags.join(', ') : ''}` })),
    )));
  });
}

// Unsaved edits: the editor's fields as last opened or saved. Switching notes, a new
// note, closing the notebook and leaving the page ask before dropping changes.
let savedFields = '';
const editorFields = () => JSON.stringify([$('note-title').value, $('note-body').value, $('note-tags').value]);
const markSaved = () => { savedFields = editorFields(); };
const noteDirty = () => vaultUnlocked && editorFields() !== savedFields;
markSaved();

/** True when there is nothing unsaved, or the user agrees to drop it. */
function confirmDiscard() {
  if (!noteDirty()) return true;
  const ok = window.confirm(t('notes.unsaved', { title: $('note-title').value.trim() || t('notes.untitled') }));
  if (ok) markSaved();
  return ok;
}

window.addEventListener('beforeunload', (e) => {
  if (!noteDirty()) return;
  e.preventDefault();
  e.returnValue = '';
});

async function openNote(id) {
  if (id !== editingId && !confirmDiscard()) return;
  await busy(null, 'notes-msg', async () => {
    const n = await call('vaultGet', { id });
    editingId = n.id;
    $('note-title').value = n.title;
    $('note-body').value = n.body;
    $('note-tags').value = n.tags.join(', ');
    markSaved();
    renderNoteList();
    $('note-title').focus();
  });
}

function newNote() {
  editingId = null;
  $('note-title').value = '';
  $('note-body').value = '';
  $('note-tags').value = '';
  markSaved();
  renderNoteList();
  $('note-title').focus();
}

$('vault-create').addEventListener('submit', async (e) => {
  e.preventDefault();
  const pass = $('vc-pass').value;
  if (pass.length < 8) return say('notes-msg', t('keys.passShort'), 'error', 'INVALID_ARGUMENT');
  if (pass !== $('vc-pass2').value) return say('notes-msg', t('keys.passMismatch'), 'error', 'INVALID_ARGUMENT');
  await busy(e.submitter, 'notes-msg', async () => {
    const name = `notes-${Date.now().toString(36)}`;
    const st = await call('vaultCreate', { name, passphrase: pass });
    saveVaultMeta({ name, counter: st.counter, vaultId: st.vaultId });
    $('vc-pass').value = '';
    $('vc-pass2').value = '';
    say('notes-msg', '');
    await refreshVaultView();
    await offerRecovery();
  });
});

$('vault-unlock').addEventListener('submit', async (e) => {
  e.preventDefault();
  const meta = vaultMeta();
  if (!meta) return refreshVaultView();
  await busy(e.submitter, 'notes-msg', async () => {
    const st = await call('vaultOpen', { name: meta.name, passphrase: $('vu-pass').value, minManifestCounter: meta.counter ?? 0, expectedVaultId: meta.vaultId });
    $('vu-pass').value = '';
    noteCounter(st.counter);
    // Vaults remembered before the id was: pin it from now on.
    if (!meta.vaultId && st.vaultId) saveVaultMeta({ ...vaultMeta(), vaultId: st.vaultId });
    say('notes-msg', '');
    newNote();
    await refreshVaultView();
  });
});

initNotesUnlock({ call, busy, say, t, el, downloadBlob, vaultMeta, noteCounter, newNote, refreshVaultView, keepMessages });

$('vault-lock').addEventListener('click', async () => {
  if (!confirmDiscard()) return;
  await call('vaultLock');
  notes = [];
  editingId = null;
  newNote();
  await refreshVaultView();
  $('vu-pass').focus();
});

let searchTimer = null;
$('note-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => busy(null, 'notes-msg', refreshNotes), 150);
});

$('note-new').addEventListener('click', () => {
  if (confirmDiscard()) newNote();
});

$('note-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const title = $('note-title').value.trim();
  if (!title) return say('notes-msg', t('notes.noTitle'), 'error', 'INVALID_ARGUMENT');
  const tags = $('note-tags').value.split(',').map((s) => s.trim()).filter(Boolean);
  await busy($('note-save'), 'notes-msg', async () => {
    const note = { title, body: $('note-body').value, tags, ...(editingId ? { id: editingId } : {}) };
    const r = await call('vaultPut', { note });
    editingId = r.id;
    markSaved();
    noteCounter(r.counter);
    say('notes-msg', t('notes.saved'));
    await refreshNotes();
  });
});

$('note-delete').addEventListener('click', async () => {
  if (!editingId) return;
  if (!window.confirm(t('notes.confirmDelete', { title: $('note-title').value }))) return;
  await busy($('note-delete'), 'notes-msg', async () => {
    const r = await call('vaultDelete', { id: editingId });
    noteCounter(r.counter);
    newNote();
    say('notes-msg', t('notes.deleted'));
    await refreshNotes();
  });
});

$('vault-pass').addEventListener('click', async () => {
  const r = await askPassphrase(t('notes.changePass'), { label: t('notes.oldPass'), label2: t('notes.newPass') });
  if (!r) return;
  const [oldPassphrase, newPassphrase] = r;
  if (newPassphrase.length < 8) return say('notes-msg', t('keys.passShort'), 'error', 'INVALID_ARGUMENT');
  await busy($('vault-pass'), 'notes-msg', async () => {
    const res = await call('vaultChangePassphrase', { oldPassphrase, newPassphrase });
    noteCounter(res.counter);
    say('notes-msg', t('notes.passChanged'));
  });
});

$('vault-backup').addEventListener('click', async () => {
  await busy($('vault-backup'), 'notes-msg', async () => {
    const bytes = await call('vaultExport');
    const day = new Date().toISOString().slice(0, 10);
    downloadBlob(new Blob([bytes]), `signet-notes-${day}.backup`);
    say('notes-msg', t('notes.backupDone'));
  });
});

/** Restores into a fresh store, then switches to it and drops the old one. */
async function restoreBackup(file, passphrase) {
  const backup = new Uint8Array(await file.arrayBuffer());
  const old = vaultMeta();
  const name = `notes-${Date.now().toString(36)}`;
  const r = await call('vaultImport', { name, passphrase, backup }, [backup.buffer]).catch((err) => {
    // Not a notebook backup at all: say that, not the generic OpenPGP words.
    if (err.code === 'MALFORMED_INPUT' || err.code === 'UNSUPPORTED') {
      throw Object.assign(new Error(err.message), { code: err.code, text: t('notes.notBackup') });
    }
    throw err;
  });
  saveVaultMeta({ name, counter: r.counter, vaultId: r.vaultId });
  if (old?.name && old.name !== name) {
    // The restored vault verified and is committed; the old store can go.
    indexedDB.deleteDatabase(`signet-notes:${old.name}`);
  }
  say('notes-msg', t('notes.restored', { count: r.count }));
  newNote();
  await refreshVaultView();
}

$('vault-restore').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('vr-file').files[0];
  if (!file) return say('notes-msg', t('files.needFile'), 'error', 'INVALID_ARGUMENT');
  if (vaultMeta() && !window.confirm(t('notes.confirmRestore'))) return;
  await busy(e.submitter, 'notes-msg', async () => {
    await restoreBackup(file, $('vr-pass').value);
    $('vr-pass').value = '';
    $('vr-file').value = '';
  });
});

$('vault-restore-open').addEventListener('click', () => $('restore-file').click());
$('restore-file').addEventListener('change', async () => {
  const file = $('restore-file').files[0];
  $('restore-file').value = '';
  if (!file) return;
  if (!window.confirm(t('notes.confirmRestore'))) return;
  const pass = await askPassphrase(t('notes.restorePass'));
  if (pass === null) return;
  await busy($('vault-restore-open'), 'notes-msg', () => restoreBackup(file, pass));
});

$('share-btn').addEventListener('click', async () => {
  if (!editingId) return say('notes-msg', t('notes.noTitle'), 'error', 'INVALID_ARGUMENT');
  await busy($('share-btn'), 'notes-msg', async () => {
    const bytes = await call('vaultShare', { id: editingId, recipientText: $('share-to').value });
    const safe = ($('note-title').value.trim() || 'note').replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 40);
    downloadBlob(new Blob([bytes]), `${safe}.signet-note`);
    say('notes-msg', t('notes.shared'));
  });
});

$('vault-accept').addEventListener('click', () => $('accept-file').click());
$('accept-file').addEventListener('change', async () => {
  const file = $('accept-file').files[0];
  $('accept-file').value = '';
  if (!file) return;
  if (!wrapText) return say('notes-msg', t('notes.needWrap'), 'error', 'NOT_FOUND');
  const pass = await askPassphrase(t('notes.wrapPassTitle'));
  if (pass === null) return;
  await busy($('vault-accept'), 'notes-msg', async () => {
    const envelope = new Uint8Array(await file.arrayBuffer());
    const r = await call('vaultAcceptShared', { envelope, passphrase: pass });
    noteCounter(r.counter);
    say('notes-msg', t('notes.accepted'));
    await refreshNotes();
    await openNote(r.id);
  });
});

// ---------------------------------------------------------------------------
// Start-up

applyI18n();
document.title = t('app.title');
renderStatus();
renderFileName();
{
  let saved = null;
  try {
    saved = sessionStorage.getItem('signet.tab');
  } catch {
    // ignore
  }
  const tab = tabs.find((x) => x.id === saved) ?? tabs[0];
  selectTab(tab, false);
}

call('version')
  .then(async (v) => {
    // What runs: the package version and the SHA-384 of the Wasm as loaded (getVersion).
    version = v.wasmSha384 ? `${v.package} · Wasm ${v.wasmSha384.slice(0, 19)}…` : v.package;
    status.title = v.wasmSha384 ?? '';
    status.dataset.wasm = v.wasmSha384 ?? '';
    verifyLimit = Math.min(await call('verifyLimit'), memoryOverride ?? Infinity);
    const w = await call('wrapInfo');
    wrapText = w?.text ?? null;
    await refreshKeys();
    renderFileName();
    renderStatus();
    status.dataset.state = 'ready';
  })
  .catch((err) => {
    loadError = err.code === 'INTEGRITY' ? t('error.INTEGRITY', { file: err.file }) : errorText(err);
    renderStatus();
    status.dataset.state = 'error';
    status.dataset.code = err.code ?? 'INTERNAL';
  });

// The agency's inbox of encrypted form submissions (www/inbox.js).
mountInbox($('inbox'), call);

// Offline use: a small service worker caches the page and the package.
if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  navigator.serviceWorker.register('./sw.js').catch(() => {
    // No service worker (e.g. private mode): the page still works online.
  });
}
