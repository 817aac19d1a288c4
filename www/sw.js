// Offline support: network first (so updates arrive at once), the cache when the
// network is gone. Only same-origin GETs of the page and the package are cached.
const CACHE = 'signet-www-v1';
const SHELL = [
  './',
  './index.html',
  './app.js',
  './worker.js',
  './i18n.js',
  './keystore.js',
  './style.css',
  './icon.svg',
  '../pkg/index.js',
  '../pkg/stream.js',
  '../pkg/stream-worker.js',
  '../pkg/wasm/signet_crypto.js',
  '../pkg/wasm/signet_crypto_bg.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((c) => c.addAll(SHELL))
      .catch(() => undefined) // a missing file must not block installation
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(req, copy)).catch(() => undefined);
        }
        return res;
      })
      .catch(() => caches.match(req, { ignoreSearch: true }).then((hit) => hit ?? Response.error())),
  );
});
