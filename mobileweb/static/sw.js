// Vardag's service worker: the app shell, cache-first, in a cache named by the app's
// version. The server fills in VERSION and PRECACHE (mobileweb.FS). The API is never
// cached: it answers no-store and holds personal data.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `vardag-shell-${VERSION}`;

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(PRECACHE.map(u => new Request(u, { cache: 'reload' })))));
});

self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('vardag-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The page asks a waiting worker to take over when the user taps "reload".
self.addEventListener('message', event => {
  if (event.data && event.data.type === 'skipWaiting') self.skipWaiting();
});

const SHELL = new Set(PRECACHE);

self.addEventListener('fetch', event => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // never cached, never touched
  // The screens live in the hash, so the app is the one page "/".
  const key = url.pathname === '/index.html' ? '/' : url.pathname;
  if (!SHELL.has(key)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (hit) return hit;
    return fetch(req);
  })());
});
