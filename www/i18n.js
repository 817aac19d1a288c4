// Vietnamese (default) and English strings. Static markup names its string with
// data-i18n (text), data-i18n-placeholder, data-i18n-label (aria-label) or
// data-i18n-title; dynamic text calls t(). The choice is kept in localStorage.

const LANG_KEY = 'signet.lang';

const vi = {
  'app.title': 'Signet — mã hoá an toàn',
  'app.tagline': 'Mã hoá tệp, khoá và ghi chú ngay trong trình duyệt. Không gì bí mật rời khỏi máy của bạn.',
  'lang.label': 'Ngôn ngữ',
  'status.loading': 'Đang tải mô-đun mã hoá…',
  'status.ready': 'Sẵn sàng — signet-crypto {version}',
  'status.error': 'Không tải được mô-đun mã hoá: {message}',
  'tabs.label': 'Chức năng',
  'tab.keys': 'Khoá',
  'tab.files': 'Tệp',
  'tab.notes': 'Ghi chú',

  // Keys
  'keys.generate': 'Tạo khoá mới',
  'keys.userId': 'Tên và email',
  'keys.userIdHint': 'Ví dụ: Nguyễn Văn An <an@tinh.gov.vn>',
  'keys.profile': 'Loại khoá',
  'keys.profile.pqc': 'Hậu lượng tử (ML-KEM + ML-DSA, khuyên dùng)',
  'keys.profile.rfc9580': 'RFC 9580 (Ed25519/X25519)',
  'keys.profile.compat': 'Tương thích (GnuPG cũ)',
  'keys.passphrase': 'Mật khẩu bảo vệ khoá',
  'keys.passphrase2': 'Nhập lại mật khẩu',
  'keys.expiry': 'Thời hạn',
  'keys.expiry.none': 'Không hết hạn',
  'keys.expiry.1y': '1 năm',
  'keys.expiry.2y': '2 năm',
  'keys.expiry.5y': '5 năm',
  'keys.generateBtn': 'Tạo khoá',
  'keys.generating': 'Đang tạo khoá…',
  'keys.generated': 'Đã tạo khoá {fingerprint}.',
  'keys.import': 'Nhập khoá',
  'keys.importText': 'Dán khoá dạng ASCII armor',
  'keys.importFile': 'Hoặc chọn tệp khoá (.asc, .gpg)',
  'keys.importPass': 'Mật khẩu để bảo vệ (chỉ khi khoá bí mật chưa có mật khẩu)',
  'keys.importBtn': 'Nhập',
  'keys.imported': 'Đã nhập khoá {fingerprint}.',
  'keys.needProtect': 'Khoá bí mật này chưa có mật khẩu. Hãy nhập mật khẩu để bảo vệ trước khi lưu.',
  'keys.list': 'Khoá đã lưu',
  'keys.empty': 'Chưa có khoá nào.',
  'keys.fingerprint': 'Dấu vân tay',
  'keys.created': 'Tạo ngày',
  'keys.expires': 'Hết hạn',
  'keys.never': 'không bao giờ',
  'keys.badge.pq': 'Hậu lượng tử',
  'keys.badge.private': 'Khoá bí mật',
  'keys.badge.public': 'Khoá công khai',
  'keys.badge.unlocked': 'Đã mở khoá',
  'keys.badge.expired': 'Đã hết hạn',
  'keys.badge.revoked': 'Đã thu hồi',
  'keys.unlock': 'Mở khoá',
  'keys.lock': 'Khoá lại',
  'keys.exportPublic': 'Xuất khoá công khai',
  'keys.exportPrivate': 'Xuất khoá bí mật (có mật khẩu)',
  'keys.delete': 'Xoá',
  'keys.confirmDelete': 'Xoá khoá {name}? Không thể hoàn tác.',
  'keys.unlockTitle': 'Nhập mật khẩu của khoá {name}',
  'keys.unlocked': 'Đã mở khoá {name}.',
  'keys.passMismatch': 'Hai mật khẩu không khớp.',
  'keys.passShort': 'Mật khẩu cần ít nhất 8 ký tự.',
  'keys.userIdMissing': 'Hãy nhập tên và email.',
  'keys.wrap': 'Khoá chia sẻ ghi chú (X-Wing)',
  'keys.wrapHint': 'Đồng nghiệp dùng khoá công khai này để gửi ghi chú cho bạn.',
  'keys.wrapNone': 'Chưa có khoá chia sẻ.',
  'keys.wrapGenerate': 'Tạo khoá chia sẻ',
  'keys.wrapPublic': 'Khoá công khai chia sẻ của bạn',
  'keys.wrapCreated': 'Đã tạo khoá chia sẻ.',
  'keys.wrapPassTitle': 'Đặt mật khẩu cho khoá chia sẻ',
  'keys.copy': 'Sao chép',
  'keys.copied': 'Đã sao chép.',

  // Files
  'files.input': 'Tệp đầu vào',
  'files.drop': 'Kéo thả tệp vào đây, hoặc',
  'files.pick': 'chọn tệp',
  'files.none': 'Chưa chọn tệp.',
  'files.selected': '{name} — {size}',
  'files.recipients': 'Người nhận (khoá công khai)',
  'files.noRecipients': 'Chưa có khoá nào. Tạo hoặc nhập khoá ở thẻ Khoá.',
  'files.password': 'Mật khẩu (tuỳ chọn)',
  'files.sign': 'Ký bằng khoá',
  'files.signNone': 'Không ký',
  'files.armor': 'Xuất dạng văn bản (.asc)',
  'files.savePicker': 'Chọn nơi lưu trên máy',
  'files.encrypt': 'Mã hoá',
  'files.decrypt': 'Giải mã',
  'files.cancel': 'Huỷ',
  'files.progress': 'Tiến độ',
  'files.phase.read': 'Đang đọc tệp…',
  'files.phase.encrypt': 'Đang mã hoá…',
  'files.phase.decrypt': 'Đang giải mã…',
  'files.phase.write': 'Đang ghi kết quả…',
  'files.phase.encrypt-stream': 'Đang mã hoá (theo luồng)…',
  'files.phase.decrypt-stream': 'Đang giải mã (theo luồng)…',
  'files.sig.streamed': 'Tệp lớn được giải mã theo luồng; chữ ký bên trong (nếu có) không được kiểm tra.',
  'files.done': 'Xong: {name} ({size}, {rate}/giây).',
  'files.savedDisk': 'Đã lưu vào tệp bạn chọn.',
  'files.download': 'Tải về {name}',
  'files.cancelled': 'Đã huỷ.',
  'files.needFile': 'Hãy chọn một tệp trước.',
  'files.needTarget': 'Hãy chọn ít nhất một người nhận hoặc nhập mật khẩu.',
  'files.needUnlockSign': 'Hãy mở khoá khoá ký ở thẻ Khoá trước.',
  'files.stats': '{done} / {total} · {rate}/giây',
  'files.sig.none': 'Tệp không có chữ ký.',
  'files.sig.valid': 'Chữ ký hợp lệ của {name}.',
  'files.sig.invalid': 'Chữ ký KHÔNG hợp lệ ({fingerprint}).',
  'files.sig.unknown': 'Có chữ ký nhưng không có khoá công khai của người ký ({fingerprint}).',
  'files.memoryNote': 'Tệp lớn được xử lý theo luồng. Ký và kiểm tra chữ ký dùng chế độ bộ nhớ: tối đa {limit} mỗi tệp.',
  'files.noKeyOrPassword': 'Sai mật khẩu, hoặc bạn không phải người nhận của tệp này.',

  // Notes
  'notes.create': 'Tạo sổ ghi chú',
  'notes.createHint': 'Ghi chú được mã hoá bằng mật khẩu này và lưu trong trình duyệt.',
  'notes.unlockTitle': 'Mở sổ ghi chú',
  'notes.passphrase': 'Mật khẩu sổ ghi chú',
  'notes.passphrase2': 'Nhập lại mật khẩu',
  'notes.createBtn': 'Tạo sổ',
  'notes.unlockBtn': 'Mở sổ',
  'notes.lockBtn': 'Khoá sổ',
  'notes.search': 'Tìm ghi chú',
  'notes.new': 'Ghi chú mới',
  'notes.title': 'Tiêu đề',
  'notes.body': 'Nội dung',
  'notes.tags': 'Nhãn (cách nhau bởi dấu phẩy)',
  'notes.save': 'Lưu',
  'notes.delete': 'Xoá',
  'notes.saved': 'Đã lưu ghi chú.',
  'notes.deleted': 'Đã xoá ghi chú.',
  'notes.confirmDelete': 'Xoá ghi chú “{title}”?',
  'notes.empty': 'Không có ghi chú nào.',
  'notes.untitled': '(không tiêu đề)',
  'notes.list': 'Danh sách ghi chú',
  'notes.editor': 'Soạn ghi chú',
  'notes.changePass': 'Đổi mật khẩu',
  'notes.oldPass': 'Mật khẩu hiện tại',
  'notes.newPass': 'Mật khẩu mới',
  'notes.passChanged': 'Đã đổi mật khẩu.',
  'notes.backup': 'Sao lưu',
  'notes.backupDone': 'Đã tạo bản sao lưu.',
  'slots.title': 'Cách mở sổ',
  'slots.hint': 'Ngoài mật khẩu, sổ có thể mở bằng mã khôi phục, passkey hoặc khoá khôi phục của cơ quan. Gỡ một cách mở sẽ đổi khoá sổ.',
  'slots.usePasskey': 'Dùng passkey',
  'slots.useCode': 'Dùng mã khôi phục',
  'slots.code': 'Mã khôi phục',
  'slots.recover': 'Mở sổ và đặt mật khẩu mới',
  'slots.recovered': 'Đã mở sổ bằng mã khôi phục và đặt mật khẩu mới.',
  'slots.codeShown': 'Mã khôi phục của bạn (chỉ hiện một lần). In hoặc lưu lại, cất ở nơi an toàn: ai có mã này sẽ mở được sổ.',
  'slots.print': 'In',
  'slots.save': 'Lưu thành tệp',
  'slots.kept': 'Tôi đã cất giữ mã này',
  'slots.done': 'Xong',
  'slots.addCode': 'Tạo mã khôi phục',
  'slots.replaceCode': 'Tạo mã khôi phục mới (mã cũ hết hiệu lực)',
  'slots.addPasskey': 'Thêm passkey',
  'slots.passkeyAdded': 'Đã thêm passkey.',
  'slots.escrowKey': 'Khoá khôi phục của cơ quan',
  'slots.addEscrow': 'Cho cơ quan khôi phục',
  'slots.escrowAdded': 'Cơ quan giữ khoá này có thể khôi phục sổ.',
  'slots.remove': 'Gỡ',
  'slots.removed': 'Đã gỡ và đổi khoá sổ.',
  'slots.kind.passphrase': 'Mật khẩu',
  'slots.kind.recoveryCode': 'Mã khôi phục',
  'slots.kind.passkey': 'Passkey',
  'slots.kind.escrow': 'Khôi phục bởi cơ quan (khoá {id})',
  'slots.offer': 'Sổ đã được tạo. Hãy tạo mã khôi phục để không mất ghi chú nếu quên mật khẩu, và thêm passkey nếu thiết bị hỗ trợ.',
  'notes.restore': 'Khôi phục từ bản sao lưu',
  'notes.restorePass': 'Mật khẩu của bản sao lưu',
  'notes.restored': 'Đã khôi phục {count} ghi chú.',
  'notes.confirmRestore': 'Thay sổ ghi chú hiện tại bằng bản sao lưu này?',
  'notes.share': 'Chia sẻ',
  'notes.shareTo': 'Khoá công khai chia sẻ của đồng nghiệp (dạng văn bản)',
  'notes.shareBtn': 'Tạo tệp chia sẻ',
  'notes.shared': 'Đã tạo tệp chia sẻ.',
  'notes.accept': 'Nhận ghi chú được chia sẻ',
  'notes.acceptFile': 'Tệp ghi chú được chia sẻ',
  'notes.accepted': 'Đã nhận ghi chú.',
  'notes.wrapPassTitle': 'Mật khẩu của khoá chia sẻ',
  'notes.needWrap': 'Hãy tạo khoá chia sẻ ở thẻ Khoá trước.',
  'notes.locked': 'Sổ ghi chú đã khoá.',
  'notes.count': '{count} ghi chú',
  'notes.storage.persistent': 'Trình duyệt lưu giữ sổ ghi chú lâu dài.',
  'notes.storage.bestEffort': 'Trình duyệt có thể xoá sổ ghi chú khi thiếu dung lượng: hãy sao lưu thường xuyên.',
  'notes.storage.unknown': 'Không rõ trình duyệt có lưu giữ sổ ghi chú lâu dài không: hãy sao lưu thường xuyên.',
  'notes.noTitle': 'Hãy nhập tiêu đề.',

  // Dialog
  'dialog.ok': 'Đồng ý',
  'dialog.cancel': 'Huỷ',
  'dialog.passphrase': 'Mật khẩu',

  // Errors, one per code from errorCodes().
  'error.BAD_PASSPHRASE': 'Sai mật khẩu.',
  'error.DECRYPTION_FAILED': 'Tệp bị hỏng hoặc đã bị sửa đổi; không giải mã được.',
  'error.MALFORMED_INPUT': 'Dữ liệu không đúng định dạng (không phải tệp hoặc khoá OpenPGP hợp lệ).',
  'error.NO_MATCHING_KEY': 'Bạn không phải người nhận của tệp này (hoặc chưa mở khoá đúng khoá).',
  'error.UNSUPPORTED': 'Thuật toán hoặc định dạng này không được hỗ trợ.',
  'error.LIMIT_EXCEEDED': 'Tệp quá lớn cho chế độ bộ nhớ.',
  'error.INVALID_ARGUMENT': 'Thông tin nhập chưa hợp lệ.',
  'error.KEY_UNUSABLE': 'Khoá không dùng được (hết hạn, bị thu hồi hoặc không có khả năng cần thiết).',
  'error.TAMPERED': 'Dữ liệu đã bị sửa đổi trái phép.',
  'error.INTEGRITY': 'Tệp {file} không khớp mã băm đã ghim: có thể đã bị sửa đổi. Trang dừng lại để bảo vệ bạn; hãy báo cho quản trị viên.',
  'error.NOT_FOUND': 'Không tìm thấy.',
  'error.STORAGE': 'Lỗi lưu trữ của trình duyệt.',
  'error.LOCKED': 'Đang khoá. Hãy mở khoá trước.',
  'error.INTERNAL': 'Lỗi nội bộ. Hãy tải lại trang.',
  'error.detail': 'Chi tiết',
};

const en = {
  'app.title': 'Signet — secure encryption',
  'app.tagline': 'Encrypt files, keys and notes right in the browser. Nothing secret leaves your device.',
  'lang.label': 'Language',
  'status.loading': 'Loading the crypto module…',
  'status.ready': 'Ready — signet-crypto {version}',
  'status.error': 'Could not load the crypto module: {message}',
  'tabs.label': 'Sections',
  'tab.keys': 'Keys',
  'tab.files': 'Files',
  'tab.notes': 'Notes',

  'keys.generate': 'Generate a key',
  'keys.userId': 'Name and email',
  'keys.userIdHint': 'E.g. Nguyen Van An <an@province.gov.vn>',
  'keys.profile': 'Key type',
  'keys.profile.pqc': 'Post-quantum (ML-KEM + ML-DSA, recommended)',
  'keys.profile.rfc9580': 'RFC 9580 (Ed25519/X25519)',
  'keys.profile.compat': 'Compatible (older GnuPG)',
  'keys.passphrase': 'Passphrase protecting the key',
  'keys.passphrase2': 'Repeat passphrase',
  'keys.expiry': 'Expiry',
  'keys.expiry.none': 'Never expires',
  'keys.expiry.1y': '1 year',
  'keys.expiry.2y': '2 years',
  'keys.expiry.5y': '5 years',
  'keys.generateBtn': 'Generate',
  'keys.generating': 'Generating the key…',
  'keys.generated': 'Generated key {fingerprint}.',
  'keys.import': 'Import a key',
  'keys.importText': 'Paste an ASCII-armored key',
  'keys.importFile': 'Or pick a key file (.asc, .gpg)',
  'keys.importPass': 'Passphrase to protect it (only for an unprotected private key)',
  'keys.importBtn': 'Import',
  'keys.imported': 'Imported key {fingerprint}.',
  'keys.needProtect': 'This private key has no passphrase. Enter one to protect it before it is stored.',
  'keys.list': 'Stored keys',
  'keys.empty': 'No keys yet.',
  'keys.fingerprint': 'Fingerprint',
  'keys.created': 'Created',
  'keys.expires': 'Expires',
  'keys.never': 'never',
  'keys.badge.pq': 'Post-quantum',
  'keys.badge.private': 'Private key',
  'keys.badge.public': 'Public key',
  'keys.badge.unlocked': 'Unlocked',
  'keys.badge.expired': 'Expired',
  'keys.badge.revoked': 'Revoked',
  'keys.unlock': 'Unlock',
  'keys.lock': 'Lock',
  'keys.exportPublic': 'Export public key',
  'keys.exportPrivate': 'Export private key (protected)',
  'keys.delete': 'Delete',
  'keys.confirmDelete': 'Delete key {name}? This cannot be undone.',
  'keys.unlockTitle': 'Passphrase for key {name}',
  'keys.unlocked': 'Unlocked {name}.',
  'keys.passMismatch': 'The passphrases do not match.',
  'keys.passShort': 'The passphrase needs at least 8 characters.',
  'keys.userIdMissing': 'Enter a name and email.',
  'keys.wrap': 'Note-sharing key (X-Wing)',
  'keys.wrapHint': 'Colleagues use this public key to send you notes.',
  'keys.wrapNone': 'No sharing key yet.',
  'keys.wrapGenerate': 'Generate sharing key',
  'keys.wrapPublic': 'Your public sharing key',
  'keys.wrapCreated': 'Sharing key generated.',
  'keys.wrapPassTitle': 'Choose a passphrase for the sharing key',
  'keys.copy': 'Copy',
  'keys.copied': 'Copied.',

  'files.input': 'Input file',
  'files.drop': 'Drop a file here, or',
  'files.pick': 'pick a file',
  'files.none': 'No file selected.',
  'files.selected': '{name} — {size}',
  'files.recipients': 'Recipients (public keys)',
  'files.noRecipients': 'No keys yet. Generate or import one on the Keys tab.',
  'files.password': 'Password (optional)',
  'files.sign': 'Sign with key',
  'files.signNone': 'Do not sign',
  'files.armor': 'Text output (.asc)',
  'files.savePicker': 'Choose where to save',
  'files.encrypt': 'Encrypt',
  'files.decrypt': 'Decrypt',
  'files.cancel': 'Cancel',
  'files.progress': 'Progress',
  'files.phase.read': 'Reading the file…',
  'files.phase.encrypt': 'Encrypting…',
  'files.phase.decrypt': 'Decrypting…',
  'files.phase.write': 'Writing the result…',
  'files.phase.encrypt-stream': 'Encrypting (streaming)…',
  'files.phase.decrypt-stream': 'Decrypting (streaming)…',
  'files.sig.streamed': 'Large file decrypted as a stream; signatures inside (if any) were not checked.',
  'files.done': 'Done: {name} ({size}, {rate}/s).',
  'files.savedDisk': 'Saved to the file you chose.',
  'files.download': 'Download {name}',
  'files.cancelled': 'Cancelled.',
  'files.needFile': 'Pick a file first.',
  'files.needTarget': 'Choose at least one recipient or enter a password.',
  'files.needUnlockSign': 'Unlock the signing key on the Keys tab first.',
  'files.stats': '{done} / {total} · {rate}/s',
  'files.sig.none': 'The file is not signed.',
  'files.sig.valid': 'Valid signature by {name}.',
  'files.sig.invalid': 'INVALID signature ({fingerprint}).',
  'files.sig.unknown': 'Signed, but the signer’s public key is not stored ({fingerprint}).',
  'files.memoryNote': 'Large files stream. Signing and signature checks use memory mode: up to {limit} per file.',
  'files.noKeyOrPassword': 'Wrong password, or you are not a recipient of this file.',

  'notes.create': 'Create a notebook',
  'notes.createHint': 'Notes are encrypted with this passphrase and stored in the browser.',
  'notes.unlockTitle': 'Unlock the notebook',
  'notes.passphrase': 'Notebook passphrase',
  'notes.passphrase2': 'Repeat passphrase',
  'notes.createBtn': 'Create',
  'notes.unlockBtn': 'Unlock',
  'notes.lockBtn': 'Lock',
  'notes.search': 'Search notes',
  'notes.new': 'New note',
  'notes.title': 'Title',
  'notes.body': 'Text',
  'notes.tags': 'Tags (comma separated)',
  'notes.save': 'Save',
  'notes.delete': 'Delete',
  'notes.saved': 'Note saved.',
  'notes.deleted': 'Note deleted.',
  'notes.confirmDelete': 'Delete note “{title}”?',
  'notes.empty': 'No notes.',
  'notes.untitled': '(untitled)',
  'notes.list': 'Notes',
  'notes.editor': 'Edit note',
  'notes.changePass': 'Change passphrase',
  'notes.oldPass': 'Current passphrase',
  'notes.newPass': 'New passphrase',
  'notes.passChanged': 'Passphrase changed.',
  'notes.backup': 'Back up',
  'notes.backupDone': 'Backup created.',
  'slots.title': 'Unlock methods',
  'slots.hint': 'Besides the passphrase, the notebook can open with a recovery code, a passkey or an office recovery key. Removing a method changes the notebook key.',
  'slots.usePasskey': 'Use passkey',
  'slots.useCode': 'Use recovery code',
  'slots.code': 'Recovery code',
  'slots.recover': 'Open and set a new passphrase',
  'slots.recovered': 'Opened with the recovery code; the new passphrase is set.',
  'slots.codeShown': 'Your recovery code (shown only once). Print or save it and keep it somewhere safe: whoever has it can open the notebook.',
  'slots.print': 'Print',
  'slots.save': 'Save as file',
  'slots.kept': 'I have kept this code',
  'slots.done': 'Done',
  'slots.addCode': 'Create a recovery code',
  'slots.replaceCode': 'Create a new recovery code (the old one stops working)',
  'slots.addPasskey': 'Add a passkey',
  'slots.passkeyAdded': 'Passkey added.',
  'slots.escrowKey': 'Office recovery key',
  'slots.addEscrow': 'Let the office recover',
  'slots.escrowAdded': 'The office holding this key can recover the notebook.',
  'slots.remove': 'Remove',
  'slots.removed': 'Removed; the notebook key was changed.',
  'slots.kind.passphrase': 'Passphrase',
  'slots.kind.recoveryCode': 'Recovery code',
  'slots.kind.passkey': 'Passkey',
  'slots.kind.escrow': 'Office recovery (key {id})',
  'slots.offer': 'Notebook created. Create a recovery code so you do not lose your notes if you forget the passphrase, and add a passkey if this device supports it.',
  'notes.restore': 'Restore from a backup',
  'notes.restorePass': 'Passphrase of the backup',
  'notes.restored': 'Restored {count} notes.',
  'notes.confirmRestore': 'Replace the current notebook with this backup?',
  'notes.share': 'Share',
  'notes.shareTo': 'Colleague’s public sharing key (text form)',
  'notes.shareBtn': 'Create share file',
  'notes.shared': 'Share file created.',
  'notes.accept': 'Accept a shared note',
  'notes.acceptFile': 'Shared note file',
  'notes.accepted': 'Note accepted.',
  'notes.wrapPassTitle': 'Passphrase of your sharing key',
  'notes.needWrap': 'Generate a sharing key on the Keys tab first.',
  'notes.locked': 'The notebook is locked.',
  'notes.count': '{count} notes',
  'notes.storage.persistent': 'The browser keeps this notebook persistently.',
  'notes.storage.bestEffort': 'The browser may clear this notebook when storage runs low: back it up regularly.',
  'notes.storage.unknown': 'This browser does not say whether it keeps the notebook: back it up regularly.',
  'notes.noTitle': 'Enter a title.',

  'dialog.ok': 'OK',
  'dialog.cancel': 'Cancel',
  'dialog.passphrase': 'Passphrase',

  'error.BAD_PASSPHRASE': 'Wrong passphrase.',
  'error.DECRYPTION_FAILED': 'The file is damaged or has been tampered with; it cannot be decrypted.',
  'error.MALFORMED_INPUT': 'The data is malformed (not a valid OpenPGP file or key).',
  'error.NO_MATCHING_KEY': 'You are not a recipient of this file (or the right key is not unlocked).',
  'error.UNSUPPORTED': 'This algorithm or format is not supported.',
  'error.LIMIT_EXCEEDED': 'The file is too large for memory mode.',
  'error.INVALID_ARGUMENT': 'Some input is not valid.',
  'error.KEY_UNUSABLE': 'The key cannot be used (expired, revoked or lacking the needed capability).',
  'error.TAMPERED': 'The data has been tampered with.',
  'error.INTEGRITY': 'The file {file} does not match its pinned hash: it may have been tampered with. The page stopped to protect you; tell your administrator.',
  'error.NOT_FOUND': 'Not found.',
  'error.STORAGE': 'Browser storage error.',
  'error.LOCKED': 'Locked. Unlock first.',
  'error.INTERNAL': 'Internal error. Reload the page.',
  'error.detail': 'Details',
};

export const dictionaries = { vi, en };

let lang = (() => {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    return saved === 'en' || saved === 'vi' ? saved : 'vi';
  } catch {
    return 'vi';
  }
})();

const listeners = new Set();

/** The current language code. */
export function currentLang() {
  return lang;
}

/** Looks up `key` and fills `{name}` placeholders from `vars`. */
export function t(key, vars = {}) {
  const s = dictionaries[lang][key] ?? dictionaries.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** The user-facing message for an error: its code's text, else the raw message. */
export function errorText(err) {
  const code = err?.code;
  if (code && dictionaries.vi[`error.${code}`]) return t(`error.${code}`);
  return String(err?.message ?? err);
}

/** Fills every marked element under `root` with the current language. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

/** Switches language, remembers it, re-renders static text and notifies listeners. */
export function setLang(next) {
  if (next !== 'vi' && next !== 'en') return;
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Private mode without storage: the switch still works for this visit.
  }
  applyI18n();
  for (const f of listeners) f(next);
}

/** Calls `f` after every language switch (for dynamic content). */
export function onLangChange(f) {
  listeners.add(f);
}

/** Human-readable byte size. */
export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}

/** A date in the current language. */
export function formatDate(d) {
  if (!d) return t('keys.never');
  return new Date(d).toLocaleDateString(lang === 'vi' ? 'vi-VN' : 'en-GB', { year: 'numeric', month: '2-digit', day: '2-digit' });
}
