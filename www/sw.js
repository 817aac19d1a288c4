// Offline support: network first (so updates arrive at once), the cache when the
// network is gone. Only same-origin GETs are cached, and only bytes whose SHA-384
// matches their pin: the pin the request carries (the page fetches its scripts, the
// worker's modules and the Wasm with `integrity`), else the one in the #pins block of
// the cached page (index.html, written by `make pkg`). The page itself is the root of
// those pins and is cached as fetched; anything without a pin (sw.js, pkg/README.md)
// is never cached.
const CACHE = 'signet-www-v2';
const PAGE = new URL('./', self.location).href;

async function sri(buffer) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-384', buffer));
  return `sha384-${btoa(String.fromCharCode(...d))}`;
}

function bare(url) {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href;
}

// Only the page itself: other documents of this origin (the crypto frame, its consent
// window, test pages) are navigations too, and must not replace the cached page.
const isPage = (req) => [PAGE, `${PAGE}index.html`].includes(bare(req.url));

/** url → pin, from the #pins block of a page's HTML. */
function pinsOf(html) {
  const m = /<script type="application\/json" id="pins">([^<]*)<\/script>/.exec(html);
  const pins = new Map();
  if (m) for (const [path, pin] of Object.entries(JSON.parse(m[1]).files)) pins.set(new URL(path, PAGE).href, pin);
  return pins;
}

/** Whether `res` may be cached for `req`: its bytes match the request's pin or the page's. */
async function matchesPin(req, res) {
  let pin = req.integrity;
  if (!pin) {
    const page = await caches.open(CACHE).then((c) => c.match(PAGE));
    pin = page ? pinsOf(await page.text()).get(bare(req.url)) : undefined;
  }
  if (!pin) return false;
  const got = await sri(await res.clone().arrayBuffer());
  return pin.split(/\s+/).includes(got);
}

async function store(req, res) {
  const page = isPage(req);
  if (!page && !(await matchesPin(req, res))) return;
  await (await caches.open(CACHE)).put(page ? PAGE : bare(req.url), res);
}

// Install: the page, then each file it pins, fetched against that pin.
self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch(PAGE, { cache: 'no-cache' });
      if (!page.ok) return;
      const pins = pinsOf(await page.clone().text());
      await cache.put(PAGE, page);
      await Promise.all(
        [...pins].map(([url, integrity]) =>
          fetch(url, { integrity, cache: 'no-cache' })
            .then((res) => res.ok && cache.put(url, res))
            .catch(() => undefined), // refused or unreachable: not cached
        ),
      );
    })()
      .catch(() => undefined) // offline at install: the page still works online
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
        if (res.ok) event.waitUntil(store(req, res.clone()).catch(() => undefined));
        return res;
      })
      .catch(async () => {
        const cache = await caches.open(CACHE);
        const hit = await cache.match(isPage(req) ? PAGE : bare(req.url));
        return hit ?? Response.error();
      }),
  );
});
