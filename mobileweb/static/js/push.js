// Web push on the phone: the menu item "Aviseringar" (permission is asked only when the
// user taps it), the subscription posted after every login (a subscription ends with its
// session on the server), a subscription the service worker renewed, and the removal at
// logout. The notifications themselves are the service worker's (sw.js).
import { authed, ApiError } from './api.js';
import { getMeta, setMeta, delMeta, dbExists } from './db.js';
import { currentLang, tOr } from './i18n.js';

const KEY_PATH = '/api/v1/push/vapid-public-key';
const SUBS_PATH = '/api/v1/push/subscriptions';
const SUBSCRIBE_TIMEOUT_MS = 20000;

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

// The server's VAPID key (base64url), false when the server has push off (404
// push_unavailable); asked once per page.
let keyPromise = null;
export function vapidKey() {
  if (!keyPromise) {
    keyPromise = authed('GET', KEY_PATH).then(ans => (ans && ans.key) || false, err => {
      keyPromise = null;
      if (err instanceof ApiError && err.code === 'push_unavailable') return false;
      throw err;
    });
  }
  return keyPromise;
}

function fromB64url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), c => c.charCodeAt(0));
}

function sameKey(a, b) {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

// registration is the app's service worker registration once it is active (the app
// registers it at login), or null.
async function registration() {
  if (!('serviceWorker' in navigator)) return null;
  if (!(await navigator.serviceWorker.getRegistration('/'))) return null;
  return navigator.serviceWorker.ready;
}

export async function currentSubscription() {
  const reg = await registration();
  return reg ? reg.pushManager.getSubscription() : null;
}

// subscribe makes (or keeps) the subscription for the server's key and posts it.
async function subscribe(key) {
  const reg = await registration();
  if (!reg) throw new Error('no service worker');
  const appKey = fromB64url(key);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, appKey)) {
    await sub.unsubscribe();
    sub = null;
  }
  if (!sub) {
    // The browser's push service (Chromium: Google's FCM) may never answer (no network
    // to it): give up rather than leave the menu item waiting.
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new DOMException(`pushManager.subscribe gave no answer in ${SUBSCRIBE_TIMEOUT_MS / 1000} s`, 'TimeoutError')), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      sub = await Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: appKey }), late]);
    } finally {
      clearTimeout(timer);
    }
  }
  await authed('POST', SUBS_PATH, sub.toJSON());
  return sub;
}

// enable runs on the user's tap: it asks for permission, then subscribes. It answers
// 'on', 'denied', 'unavailable', or throws what failed.
export async function enable() {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return 'denied';
  const key = await vapidKey();
  if (!key) return 'unavailable';
  await subscribe(key);
  return 'on';
}

// disable deletes the subscription on the server first (it needs the session), then here.
export async function disable() {
  const sub = await currentSubscription();
  if (!sub) return;
  try {
    await authed('DELETE', SUBS_PATH, { endpoint: sub.endpoint });
  } finally {
    await sub.unsubscribe();
  }
}

// forLogout is disable for a logout: it never throws (the logout goes on offline).
export async function forLogout() {
  try { await disable(); } catch (err) { console.warn('push: logout', err); }
}

// dropLocal ends the subscription here only (a wipe, a revoked device).
export async function dropLocal() {
  try {
    const sub = await currentSubscription();
    if (sub) await sub.unsubscribe();
  } catch { /* the registration goes too */ }
}

// postPending posts a subscription the service worker made after a
// pushsubscriptionchange (meta "push_pending"), and deletes the old one.
export async function postPending() {
  const p = await getMeta('push_pending');
  if (!p || !p.subscription) return;
  if (p.old_endpoint && p.old_endpoint !== p.subscription.endpoint) {
    await authed('DELETE', SUBS_PATH, { endpoint: p.old_endpoint }).catch(() => {});
  }
  await authed('POST', SUBS_PATH, p.subscription);
  await delMeta('push_pending');
}

// afterLogin runs at every start of the app with a session: it tells the service worker
// the language (meta "lang"), posts a renewed subscription, and when the user has allowed
// notifications, posts the subscription again for this session (making one when a wipe
// took the last). It never asks for permission.
export async function afterLogin() {
  try {
    await setMeta('lang', currentLang());
    if (!pushSupported()) return;
    await postPending();
    if (Notification.permission !== 'granted') return;
    const key = await vapidKey();
    if (key) await subscribe(key);
  } catch (err) {
    console.warn('push: after login', err);
  }
}

// The service worker's messages: "sync" after a tap on a notification (with the screen
// to show), "push-pending" after it renewed the subscription.
export function listenWorker(onSync) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', e => {
    const d = e.data || {};
    if (d.type === 'sync') onSync(typeof d.hash === 'string' && d.hash.startsWith('#/') ? d.hash : '');
    if (d.type === 'push-pending') postPending().catch(err => console.warn('push: pending', err));
  });
  navigator.serviceWorker.startMessages();
}

// The language choice goes to the store for the service worker (it cannot read
// localStorage); only while there is a store.
document.addEventListener('vardag-lang', () => {
  dbExists().then(yes => yes && setMeta('lang', currentLang())).catch(() => {});
});

// menuItem is the "Aviseringar" button for the menu, hidden until the server says it has
// push on and the browser can do it; aria-pressed tells whether notifications are on.
export function menuItem(h, t) {
  const status = h('p', { class: 'hint', testid: 'push-status', hidden: true, role: 'status' });
  const btn = h('button', {
    class: 'btn', type: 'button', testid: 'push-toggle', hidden: true, 'aria-pressed': 'false',
    on: { click: () => toggle(btn, status, t) },
  }, t('menu.push'));
  if (pushSupported()) {
    vapidKey().then(async key => {
      if (!key) return;
      btn.hidden = false;
      const on = Notification.permission === 'granted' && !!(await currentSubscription());
      btn.setAttribute('aria-pressed', String(on));
    }).catch(err => console.warn('push: key', err));
  }
  return [btn, status];
}

async function toggle(btn, status, t) {
  status.hidden = true;
  delete status.dataset.error;
  btn.disabled = true;
  try {
    if (btn.getAttribute('aria-pressed') === 'true') {
      await disable();
      btn.setAttribute('aria-pressed', 'false');
      return;
    }
    const got = await enable();
    if (got === 'on') btn.setAttribute('aria-pressed', 'true');
    else if (got === 'unavailable') btn.hidden = true;
    else { status.textContent = t('menu.push_denied'); status.hidden = false; }
  } catch (err) {
    console.warn('push: subscribe', err);
    // The server's reason when it gave one (push_endpoint_taken: this browser's
    // subscription is another device's), else the general failure.
    status.textContent = err instanceof ApiError ? tOr(`error.${err.code}`, t('menu.push_failed')) : t('menu.push_failed');
    status.dataset.error = `${err.name}: ${err.message}`;
    status.hidden = false;
  } finally {
    btn.disabled = false;
  }
}
