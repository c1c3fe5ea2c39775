// Vardag's service worker: the app shell, cache-first, in a cache named by the app's
// version. The server fills in VERSION and PRECACHE (mobileweb.FS). The API is never
// cached: it answers no-store and holds personal data. A module worker (registered with
// type "module", ui/update.js): it reads and writes the store through js/store.js, as
// the page names it, never making one.
import { storeListed, readMeta, writeMeta } from './js/store.js';

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `vardag-shell-${VERSION}`;
const VERSIONED = `/v/${VERSION}/`;

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
  // The screens live in the hash, so the app is the one page "/"; the page names the
  // files under this version (mobileweb.Versioned), the same files the shell holds.
  const path = url.pathname.startsWith(VERSIONED) ? url.pathname.slice(VERSIONED.length - 1) : url.pathname;
  const key = path === '/index.html' ? '/' : path;
  if (!SHELL.has(key)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (!hit) return fetch(req);
    // The shell is kept under the plain paths; a module answered from it must carry the
    // address it was asked for (under /v/<version>/), because a module's own address is
    // what its imports are resolved against: answered as /js/x.js, a module imported
    // later under the version would be a second copy (a second i18n.js, without texts).
    if (hit.url === req.url) return hit;
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
  })());
});

// ---- Web push (see mobileweb/README.md, "Notifications") ----
//
// A push carries only {category, count}: the notification is built from those two fields
// and the app's own texts, never from personal data, and nothing is fetched for it.

const PUSH_CATEGORIES = ['assignment', 'message', 'deviation', 'missed_signing'];
// The screen a notification opens, by category.
const PUSH_SCREENS = { assignment: '#/today', message: '#/messages', deviation: '#/analyse', missed_signing: '#/overview' };
// Swedish, for when the app's texts cannot be read.
const PUSH_SV = {
  'push.assignment_one': 'Nytt uppdrag', 'push.assignment_other': '{n} nya uppdrag',
  'push.message_one': 'Nytt meddelande', 'push.message_other': '{n} nya meddelanden',
  'push.deviation_one': 'Ny avvikelse att bedöma', 'push.deviation_other': '{n} nya avvikelser att bedöma',
  'push.missed_signing_one': 'Missad signering', 'push.missed_signing_other': '{n} missade signeringar',
  'push.other': 'Något nytt i Vardag', 'push.body': 'Öppna Vardag för att se mer.',
};

// pushPayload reads a push's data: {category, count} with a known category and a count
// of 1 to 999, else null (an unknown or broken payload gets the generic notification).
function pushPayload(data) {
  let v = null;
  try { v = data ? data.json() : null; } catch { return null; }
  if (!v || typeof v !== 'object' || !PUSH_CATEGORIES.includes(v.category)) return null;
  const n = Number.isInteger(v.count) && v.count > 0 ? Math.min(v.count, 999) : 1;
  return { category: v.category, count: n };
}

// pushNotification is the title and options of the notification for a payload (from
// pushPayload) in the texts msgs (an app message file, or PUSH_SV).
function pushNotification(p, msgs) {
  const text = key => (msgs && typeof msgs[key] === 'string' ? msgs[key] : PUSH_SV[key]);
  const title = p ? text(`push.${p.category}_${p.count === 1 ? 'one' : 'other'}`).replace('{n}', String(p.count)) : text('push.other');
  const category = p ? p.category : 'other';
  return {
    title,
    options: {
      body: text('push.body'), tag: category, renotify: true,
      icon: '/icons/icon-192.png', badge: '/icons/icon-192.png',
      data: { category },
    },
  };
}

// appLang is the language the app shows ('sv' or 'en'), kept by the app in the store's
// meta "lang"; Swedish when there is no store (nothing is created here) or no choice.
async function appLang() {
  try {
    return (await readMeta('lang')) === 'en' ? 'en' : 'sv';
  } catch {
    return 'sv';
  }
}

// appMessages is the app's message file in its language, from the shell's cache.
async function appMessages() {
  try {
    const res = await caches.match(`/i18n/${await appLang()}.json`, { cacheName: CACHE });
    if (res) return await res.json();
  } catch { /* the Swedish below */ }
  return PUSH_SV;
}

async function showPush(data) {
  const n = pushNotification(pushPayload(data), await appMessages());
  await self.registration.showNotification(n.title, n.options);
}

self.addEventListener('push', event => {
  event.waitUntil(showPush(event.data));
});

// pushClick closes the notification, brings the app forward (an open window, else a new
// one) on the category's screen and asks it to sync.
async function pushClick(notification) {
  notification.close();
  const category = (notification.data && notification.data.category) || '';
  const hash = PUSH_SCREENS[category] || '';
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const win = wins.find(c => c.focused) || wins[0];
  if (win) {
    win.postMessage({ type: 'sync', hash });
    if (!win.focused) await win.focus().catch(() => {});
    return win;
  }
  const opened = await self.clients.openWindow(`/${hash}`);
  if (opened) opened.postMessage({ type: 'sync', hash });
  return opened;
}

self.addEventListener('notificationclick', event => {
  event.waitUntil(pushClick(event.notification));
});

// The push service replaced or ended the subscription. The worker has no access token,
// so it subscribes again with the same application server key and leaves the new
// subscription in the store's meta "push_pending" ({subscription, old_endpoint}); the app
// posts it at its next start or sync (js/push.js), and an open window is told at once.
// With no store (logged out) nothing is subscribed.
async function resubscribe(event) {
  if (!(await storeListed())) return;
  const old = event.oldSubscription;
  const key = (event.newSubscription && event.newSubscription.options.applicationServerKey) || (old && old.options.applicationServerKey);
  if (!key) return;
  const sub = event.newSubscription || (await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  const pending = { subscription: sub.toJSON(), old_endpoint: old ? old.endpoint : '' };
  await writeMeta('push_pending', pending);
  for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage({ type: 'push-pending' });
}

self.addEventListener('pushsubscriptionchange', event => {
  event.waitUntil(resubscribe(event));
});
