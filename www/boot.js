// The page's entry: the one script index.html loads, pinned by its `integrity` attribute.
// It imports nothing itself (a module's imports are fetched unchecked where an engine
// ignores the integrity of module preloads, as WebKit does): it loads pins.js from a
// copy verified against its pin, and through it the page's modules (app.js and its
// imports), each checked against the #pins block `make pkg` writes. If a file is
// refused nothing of the page runs, so the message is here, in both languages (i18n.js
// may be the refused file), naming the file.
const status = document.getElementById('status');
const pins = JSON.parse(document.getElementById('pins').textContent);

function refused(file, changed) {
  status.dataset.state = 'error';
  status.dataset.code = changed ? 'INTEGRITY' : 'UNAVAILABLE';
  status.setAttribute('role', 'alert');
  status.textContent = changed
    ? `Tệp ${file} không khớp mã băm đã ghim: trang dừng lại để bảo vệ bạn; hãy báo cho quản trị viên. — ` +
      `The file ${file} does not match its pinned hash: the page stopped to protect you; tell your administrator.`
    : `Không tải được ${file}; hãy tải lại trang. — Could not load ${file}; reload the page.`;
}

/** pins.js's exports, from a copy checked against its pin (it imports nothing). */
async function loader() {
  const url = new URL('pins.js', document.baseURI);
  let res;
  try {
    res = await fetch(url, { integrity: pins.files['pins.js'] });
  } catch (err) {
    // Fetched again without the pin only to tell a changed file from a network error.
    const plain = await fetch(url, { cache: 'no-store' }).catch(() => null);
    refused(url.pathname, plain?.ok ?? false);
    throw err;
  }
  return import(URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' })));
}

try {
  const { pinnedModule } = await loader();
  await import(await pinnedModule(pins, pins.page, document.baseURI));
} catch (err) {
  if (err?.name === 'PinError') refused(err.file, err.code === 'INTEGRITY');
  throw err;
}
