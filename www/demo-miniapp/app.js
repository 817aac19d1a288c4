// The demo mini app: another origin using the SDK. It holds no key and sees no plaintext
// except what it encrypts itself; what it receives from the frame is logged below.
import { connect } from '../embed/index.js';

const $ = (id) => document.getElementById(id);
const log = (label, value) => {
  const text = typeof value === 'string' ? value : value instanceof Uint8Array ? `${value.length} bytes` : JSON.stringify(value, null, 1);
  $('log').textContent = `${label}: ${text}\n${$('log').textContent}`.slice(0, 20_000);
};
const fail = (err) => log('error', `${err.code}: ${err.message}`);

const { frameUrl } = await (await fetch('config.json')).json();
const client = await connect({ frameUrl, container: $('frame-slot') });
$('state').textContent = `Đã kết nối khung Signet / connected to ${new URL(frameUrl).origin}`;
$('state').dataset.state = 'connected';
// For tests and the curious: the page's own handle (nothing secret is reachable through it).
window.demo = { client };

let lastMessage = null;
/** The official's keys the frame knows: none until their first consent on this site links one. */
async function officialKeys() {
  const keys = (await client.listPublicKeys()).map((k) => k.publicKey);
  if (!keys.length) throw Object.assign(new Error('chưa có khoá nào được liên kết: hãy ký một lần để liên kết — no key linked yet: sign once to link one'), { code: 'NOT_FOUND' });
  return keys;
}

$('list').onclick = () => client.listPublicKeys().then((keys) => log('listPublicKeys', keys.map((k) => `${k.fingerprint} ${k.userIds[0] ?? ''}`)), fail);
$('encrypt').onclick = async () => {
  try {
    lastMessage = await client.encrypt({ data: $('note').value, encryptionKeys: await officialKeys(), armor: true });
    log('encrypt', lastMessage);
  } catch (err) { fail(err); }
};
$('show').onclick = () => lastMessage && client.showDecrypted({ message: lastMessage, name: 'loi-nhan.txt' }).then((r) => log('showDecrypted', r), fail);
$('sign').onclick = () => client.sign({ data: $('note').value, name: 'loi-nhan.txt', detached: true }).then((s) => log('sign', s), fail);
$('form').onclick = async () => {
  try {
    const { message } = await client.renderForm({
      form: {
        id: 'bo-sung-ho-so',
        title: 'Bổ sung hồ sơ / Supplementary documents',
        fields: [
          { name: 'hoTen', label: 'Họ và tên / Full name', type: 'text', required: true },
          { name: 'soHoSo', label: 'Số hồ sơ / File number', type: 'number' },
          { name: 'ngay', label: 'Ngày / Date', type: 'date' },
          { name: 'loai', label: 'Loại / Kind', type: 'choice', options: ['Cá nhân / Person', 'Doanh nghiệp / Business'] },
          { name: 'tep', label: 'Tệp đính kèm / Attachments', type: 'file', multiple: true },
        ],
      },
      encryptionKeys: await officialKeys(),
    });
    log('renderForm', message);
  } catch (err) { fail(err); }
};
