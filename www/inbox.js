// The agency's inbox: open a form submission a mini app collected through the crypto
// frame (docs/form-format.md), decrypt it in the page's crypto worker with an unlocked
// key (the same fileDecrypt path as the Files tab), and show the answers as text and
// the attachments as downloads. Nothing here renders the citizen's input as HTML.
import { parseContainer } from './frame/form.js';

const T = {
  title: 'Hộp thư hồ sơ mã hoá — Encrypted form inbox',
  hint: 'Chọn một hồ sơ (.pgp) do mini app gửi đến; mở khoá khoá của cơ quan ở thẻ Khoá trước. — Pick a submission (.pgp); unlock the agency key on the Keys tab first.',
  open: 'Mở hồ sơ — Open',
  from: 'Từ — From',
  submitted: 'Nộp lúc — Submitted',
  empty: '(trống — empty)',
};

function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

/** Renders the inbox into `root`; `call` is the page's crypto-worker call (app.js). */
export function mountInbox(root, call) {
  const input = el('input', { type: 'file', id: 'inbox-file', accept: '.pgp,.gpg,application/octet-stream' });
  const button = el('button', { type: 'button', id: 'inbox-open', textContent: T.open });
  const msg = el('p', { id: 'inbox-msg', className: 'msg', role: 'status' });
  const view = el('div', { id: 'inbox-view' });
  root.replaceChildren(el('h2', { id: 'inbox-h', textContent: T.title }), el('p', { className: 'hint', textContent: T.hint }),
    el('label', { htmlFor: 'inbox-file', textContent: 'Hồ sơ — Submission' }), input, button, msg, view);
  let urls = [];
  button.addEventListener('click', async () => {
    const file = input.files[0];
    if (!file) return;
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    view.replaceChildren();
    msg.textContent = '…';
    delete msg.dataset.code;
    try {
      const chunks = [];
      await call('fileDecrypt', { file, passwords: [] }, [], { onChunk: (c) => chunks.push(c) });
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      show(parseContainer(bytes));
      msg.textContent = '';
    } catch (err) {
      msg.dataset.code = err.code ?? 'INTERNAL';
      msg.textContent = `${err.code ?? 'INTERNAL'}: ${err.message}`;
    }
  });

  function show({ manifest, files }) {
    const rows = manifest.fields.map((f) => {
      let value;
      if (f.type === 'file') {
        value = el('span');
        for (const i of Array.isArray(f.value) ? f.value : []) {
          const part = files[i];
          if (!part) continue;
          const url = URL.createObjectURL(new Blob([part.bytes], { type: 'application/octet-stream' }));
          urls.push(url);
          value.append(el('a', { href: url, download: part.name, className: 'inbox-attachment', textContent: `${part.name} (${part.bytes.length} B)` }), ' ');
        }
      } else {
        value = f.value === null || f.value === undefined ? T.empty : String(f.value);
      }
      return el('tr', { className: 'inbox-field' }, el('th', { textContent: String(f.label ?? f.name) }), el('td', {}, value));
    });
    view.replaceChildren(
      el('h3', { id: 'inbox-form-title', textContent: String(manifest.form.title) }),
      el('p', { className: 'hint', textContent: `${T.from}: ${manifest.origin} · ${T.submitted}: ${manifest.submitted}` }),
      el('table', { id: 'inbox-fields' }, ...rows),
    );
  }
}
