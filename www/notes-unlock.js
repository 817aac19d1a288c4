// Unlock methods of the notebook (vault key slots): the recovery code (shown once,
// printed or saved, confirmed kept), a passkey, an office recovery key, and the
// unlock screen's "use passkey" / "use recovery code". app.js hands in its helpers.

let ui;
const ceremonies = new Map(); // ask id -> AbortController of a running WebAuthn ceremony

const $ = (id) => document.getElementById(id);

/** Renders the slot list of the open notebook. */
async function renderSlots() {
  const { call, el, t } = ui;
  const slots = await call('vaultSlots');
  const hasCode = slots.some((s) => s.kind === 'recoveryCode');
  $('slot-add-code').textContent = t(hasCode ? 'slots.replaceCode' : 'slots.addCode');
  // A message shown next to a slot's button must survive the list's re-render.
  ui.keepMessages($('slot-list'), () => $('slot-list').replaceChildren(...slots.map((s) => el('li', { 'data-kind': s.kind, 'data-id': s.id },
    el('span', { text: t(`slots.kind.${s.kind}`, { id: s.wrapPublicKeyId ?? '' }) + (s.label ? ` — ${s.label}` : '') }),
    s.kind === 'passphrase' ? null : el('button', {
      type: 'button',
      text: t('slots.remove'),
      onclick: () => slotChange(null, 'vaultRemoveSlot', { id: s.id }, t('slots.removed')),
    })))));
}

/** One slot change through the worker, then the new counter and the list. */
async function slotChange(button, op, args, done) {
  const { busy, say, noteCounter } = ui;
  return busy(button, 'notes-msg', async () => {
    const r = await ui.call(op, args).catch(op === 'vaultAddPasskey' ? passkeyError : (e) => { throw e; });
    noteCounter(r.counter);
    if (done) say('notes-msg', done);
    await renderSlots();
    return r;
  });
}

/** Shows a new recovery code until the user confirms it was kept. */
function showCode(code) {
  $('rc-code').textContent = code;
  $('rc-kept').checked = false;
  $('rc-done').disabled = true;
  $('rc-show').hidden = false;
  $('rc-code').focus?.();
}

function hideCode() {
  $('rc-code').textContent = '';
  $('rc-show').hidden = true;
}

/**
 * The worker's vault asks for a passkey ({ ask: { id, kind, publicKey } }, options the
 * package built): WebAuthn exists only here, on the main thread. The answer carries the
 * credential id and the PRF output, transferred (no copy stays on this side), or the
 * error's name (NotSupportedError: this browser has no WebAuthn here). { askCancel }
 * aborts at the package's timeout.
 */
export async function answerPasskeyAsk({ ask, askCancel }, worker) {
  if (askCancel) return ceremonies.get(askCancel)?.abort();
  const { id, kind, publicKey } = ask;
  const abort = new AbortController();
  ceremonies.set(id, abort);
  try {
    if (typeof PublicKeyCredential === 'undefined' || !navigator.credentials) {
      throw Object.assign(new Error('WebAuthn is not available in this browser'), { name: 'NotSupportedError' });
    }
    const cred = await navigator.credentials[kind === 'create' ? 'create' : 'get']({ publicKey, signal: abort.signal });
    const prf = cred.getClientExtensionResults().prf ?? {};
    const first = prf.results?.first;
    const rawId = cred.rawId;
    const result = { rawId, clientExtensionResults: { prf: { enabled: prf.enabled, results: first ? { first } : undefined } } };
    worker.postMessage({ answer: { id, ok: true, result } }, first ? [rawId, first] : [rawId]);
  } catch (err) {
    worker.postMessage({ answer: { id, ok: false, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } } });
  } finally {
    ceremonies.delete(id);
  }
}

/** A passkey error in the page's words (the generic ones speak of files and keys). */
function passkeyError(err) {
  const key = {
    UNSUPPORTED: 'slots.passkeyUnsupported',
    NO_MATCHING_KEY: 'slots.passkeyNoSlot',
    KEY_UNUSABLE: err?.reason === 'passkey-refused' ? 'reason.passkey-refused' : null,
  }[err?.code];
  if (key) err.text = ui.t(key);
  throw err;
}

/** Opens the unlock-methods panel; after creating a notebook, with the offer. */
export async function offerRecovery() {
  $('slots-panel').hidden = false;
  ui.say('notes-msg', ui.t('slots.offer'));
  await renderSlots();
}

export function initNotesUnlock(helpers) {
  ui = helpers;
  const { call, busy, say, t, vaultMeta, noteCounter } = ui;

  $('vault-slots').addEventListener('click', async () => {
    $('slots-panel').hidden = !$('slots-panel').hidden;
    if (!$('slots-panel').hidden) await busy(null, 'notes-msg', renderSlots);
  });
  $('slot-add-code').addEventListener('click', async (e) => {
    const r = await slotChange(e.target, 'vaultAddRecoveryCode', {});
    if (r) showCode(r.code);
  });
  $('rc-kept').addEventListener('change', () => { $('rc-done').disabled = !$('rc-kept').checked; });
  $('rc-done').addEventListener('click', hideCode);
  $('vault-lock').addEventListener('click', hideCode);
  $('rc-print').addEventListener('click', () => window.print());
  $('rc-save').addEventListener('click', () => {
    const text = `${t('slots.code')}: ${$('rc-code').textContent}\n`;
    ui.downloadBlob(new Blob([text], { type: 'text/plain' }), 'signet-recovery-code.txt');
  });
  $('slot-add-passkey').addEventListener('click', (e) => slotChange(e.target, 'vaultAddPasskey', {}, t('slots.passkeyAdded')));
  $('slot-add-escrow').addEventListener('click', async (e) => {
    const publicKeyText = $('slot-escrow-key').value;
    const r = await slotChange(e.target, 'vaultAddEscrow', { publicKeyText, label: '' }, t('slots.escrowAdded'));
    if (r) $('slot-escrow-key').value = '';
  });

  // Unlock screen.
  const openWith = (button, unlock, newPassphrase, done) => busy(button, 'notes-msg', async () => {
    const meta = vaultMeta();
    const st = await call('vaultOpenWith', { name: meta.name, unlock, newPassphrase, minManifestCounter: meta.counter ?? 0, expectedVaultId: meta.vaultId })
      .catch(unlock.passkey ? passkeyError : (e) => { throw e; });
    noteCounter(st.counter);
    say('notes-msg', done ?? '');
    ui.newNote();
    await ui.refreshVaultView();
  });
  $('vu-passkey').addEventListener('click', (e) => openWith(e.target, { passkey: true }));
  $('vu-recovery').addEventListener('click', () => {
    $('vu-recovery-form').hidden = !$('vu-recovery-form').hidden;
    if (!$('vu-recovery-form').hidden) $('vu-code').focus();
  });
  $('vu-recovery-go').addEventListener('click', async (e) => {
    const pass = $('vu-newpass').value;
    if (pass.length < 8) return say('notes-msg', t('keys.passShort'), 'error', 'INVALID_ARGUMENT');
    if (pass !== $('vu-newpass2').value) return say('notes-msg', t('keys.passMismatch'), 'error', 'INVALID_ARGUMENT');
    await openWith(e.target, { recoveryCode: $('vu-code').value }, pass, t('slots.recovered'));
    if (!$('vault-open').hidden) {
      for (const id of ['vu-code', 'vu-newpass', 'vu-newpass2']) $(id).value = '';
      $('vu-recovery-form').hidden = true;
    }
  });
}
