// The crypto frame's and consent window's words, in Vietnamese and English. Consent
// text shows both languages at once: the user may not have chosen one on this origin.

const MiB = 1024 * 1024;
/** A size for people: "1,5 MiB / 1.5 MiB". */
export function size(n) {
  if (n == null) return '';
  const [v, unit] = n >= MiB ? [n / MiB, 'MiB'] : n >= 1024 ? [n / 1024, 'KiB'] : [n, 'B'];
  const s = unit === 'B' ? String(v) : v.toFixed(1);
  return `${s.replace('.', ',')} ${unit} / ${s} ${unit}`;
}

/** What an operation asks, in both languages. */
export const ASKS = {
  showDecrypted: ['giải mã và hiển thị trong khung Signet (trang này không nhận được nội dung)', 'decrypt and show it inside the Signet frame (this site does not receive the content)'],
  decrypt: ['giải mã và TRAO NỘI DUNG cho trang này', 'decrypt and HAND THE CONTENT to this site'],
  sign: ['ký bằng khoá của bạn', 'sign with your key'],
};

export const T = {
  connected: ['Khung mã hoá Signet, kết nối với', 'Signet crypto frame, connected to'],
  waiting: ['Khung mã hoá Signet: đang chờ trang nhúng', 'Signet crypto frame: waiting for the embedding site'],
  asks: ['yêu cầu', 'asks to'],
  file: ['Tệp', 'File'],
  review: ['Xem xét trong cửa sổ Signet', 'Review in a Signet window'],
  refuse: ['Từ chối', 'Refuse'],
  allow: ['Đồng ý', 'Allow'],
  key: ['Khoá', 'Key'],
  passphrase: ['Mật khẩu của khoá', 'Key passphrase'],
  remember: ['Ghi nhớ cho trang này trong', 'Remember for this site for'],
  minutes: ['phút', 'minutes'],
  noKeys: ['Chưa có khoá riêng nào trên Signet: hãy tạo hoặc nhập khoá trên trang Signet.', 'No private key in Signet yet: generate or import one on the Signet page.'],
  badPass: ['Mật khẩu không đúng.', 'Wrong passphrase.'],
  expired: ['Yêu cầu này không còn hiệu lực.', 'This request is no longer valid.'],
  reader: ['Nội dung đã giải mã (chỉ hiển thị trong khung Signet)', 'Decrypted content (shown only inside the Signet frame)'],
  save: ['Lưu tệp', 'Save the file'],
  close: ['Đóng', 'Close'],
  submit: ['Mã hoá và gửi', 'Encrypt and send'],
  cancel: ['Huỷ', 'Cancel'],
  formNote: ['Câu trả lời được mã hoá ngay trong khung Signet; trang này chỉ nhận bản mã.', 'Your answers are encrypted inside the Signet frame; this site receives only ciphertext.'],
  signatures: ['Chữ ký', 'Signatures'],
  valid: ['hợp lệ', 'valid'],
  invalid: ['KHÔNG hợp lệ', 'NOT valid'],
};

/** "vi — en". */
export const both = ([vi, en]) => `${vi} — ${en}`;
