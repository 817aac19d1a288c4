// Runs before the page's modules (a classic script placed after them in index.html):
// if the browser refuses app.js or a module it imports (their `integrity` attributes
// are the pins `make pkg` writes), nothing of the page runs, so this says so, in both
// languages since i18n.js may be the refused file, and names the file whose bytes
// differ from its pin (fetched again only to hash them, never run).
(() => {
  const app = document.querySelector('script[type="module"][integrity]');
  if (!app) return;
  async function changedFile() {
    for (const el of document.querySelectorAll('script[type="module"][integrity], link[rel="modulepreload"][integrity]')) {
      const url = el.src || el.href;
      try {
        const bytes = await (await fetch(url, { cache: 'no-store' })).arrayBuffer();
        const d = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
        if (`sha384-${btoa(String.fromCharCode(...d))}` !== el.integrity) return new URL(url).pathname;
      } catch {
        // unreachable: try the next one
      }
    }
    return null;
  }
  app.addEventListener('error', async () => {
    const status = document.getElementById('status');
    const file = await changedFile();
    status.dataset.state = 'error';
    status.dataset.code = file ? 'INTEGRITY' : 'UNAVAILABLE';
    status.setAttribute('role', 'alert');
    status.textContent = file
      ? `Tệp ${file} không khớp mã băm đã ghim: trang dừng lại để bảo vệ bạn; hãy báo cho quản trị viên. — ` +
        `The file ${file} does not match its pinned hash: the page stopped to protect you; tell your administrator.`
      : 'Không tải được mã của trang; hãy tải lại. — Could not load the page’s code; reload the page.';
  });
})();
