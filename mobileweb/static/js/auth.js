// Login (password, then a TOTP or SMS code), the local password verifier for unlocking,
// and wiping the phone (logout, a revoked device, too long without a sync).
import { call, authed, tokenPair } from './api.js';
import { db, getMeta, setMeta, deleteStore, dbExists, closeDB, reopenStore } from './db.js';
import { broadcast } from './bus.js';
import { stopSync } from './rounds.js';
import { forLogout as pushLogout, dropLocal as pushDropLocal } from './push.js';

const PBKDF2_ITERATIONS = 210000; // OWASP 2023 for PBKDF2-HMAC-SHA256
export const DEFAULT_WIPE_AFTER_S = 72 * 3600;
// The service worker's cache of the app shell is vardag-shell-<version> (sw.js).
const SHELL_CACHE_PREFIX = 'vardag-shell-';

// The first step: username and password give an mfa_token and the code methods.
export async function startLogin(username, password) {
  let deviceId;
  if (await dbExists()) deviceId = await getMeta('device_id');
  return call('POST', '/api/v1/auth/login', { username, password, device_id: deviceId || undefined, device_name: deviceName() });
}

// activateAccount takes the one-time activation code and the first password; the answer
// is the second step (enrol: "totp" when an authenticator is to be enrolled).
export async function activateAccount(username, activationCode, newPassword) {
  let deviceId;
  if (await dbExists()) deviceId = await getMeta('device_id');
  return call('POST', '/api/v1/auth/activate', { username, activation_code: activationCode, new_password: newPassword, device_id: deviceId || undefined, device_name: deviceName() });
}

// enrolAuthenticator asks for the authenticator secret of an activation.
export function enrolAuthenticator(mfaToken) {
  return call('POST', '/api/v1/auth/enrol/totp', { mfa_token: mfaToken });
}

export function sendSms(mfaToken) {
  return call('POST', '/api/v1/auth/sms', { mfa_token: mfaToken });
}

function deviceName() {
  const ua = navigator.userAgent;
  const m = ua.match(/\(([^;)]+)/);
  return `Vardag PWA${m ? ` (${m[1]})` : ''}`.slice(0, 200);
}

// finishLogin verifies the code and sets up the store. Another user's data never stays:
// if someone else was logged in on this phone, everything of theirs is wiped first.
export async function finishLogin(mfaToken, method, code, password) {
  const ans = await call('POST', '/api/v1/auth/verify', { mfa_token: mfaToken, method, code });
  if (await dbExists()) {
    const prev = await getMeta('user');
    if (prev && prev.id !== ans.user.id) await wipe();
  }
  reopenStore(); // the login makes the store (again, after a wipe in this page)
  const prevDevice = await getMeta('device_id');
  const d = await db();
  const tx = d.transaction(['meta', 'outbox'], 'readwrite');
  const meta = tx.objectStore('meta');
  if (prevDevice && prevDevice !== ans.device_id) {
    // A new device id numbers its mutations from 1 again.
    let c = await tx.objectStore('outbox').openCursor();
    while (c) { await c.update({ ...c.value, mutation_id: null }); c = await c.continue(); }
    await meta.put(0, 'server_last_mutation_id');
    await meta.put(1, 'next_mutation_id');
  }
  await meta.put(tokenPair(ans), 'tokens');
  await meta.put(ans.device_id, 'device_id');
  await meta.put(ans.user, 'user');
  await meta.put(new Date().toISOString(), 'session_started');
  await meta.put(false, 'locked');
  await meta.put(Date.now(), 'last_activity');
  if (!(await meta.get('last_sync'))) await meta.put(new Date().toISOString(), 'last_sync');
  await tx.done;
  await setMeta('verifier', await makeVerifier(password));
  return ans;
}

// me reads what the user must still do (terms, new password) and the offline wipe time.
export async function loadMe() {
  const me = await authed('GET', '/api/v1/me');
  await setMeta('me', me);
  return me;
}

export function getTerms() { return authed('GET', '/api/v1/terms'); }
export function acceptTerms(version) { return authed('POST', '/api/v1/me/terms', { version }); }

export async function changePassword(current, next) {
  await authed('POST', '/api/v1/me/password', { current_password: current, new_password: next });
  await setMeta('verifier', await makeVerifier(next));
}

// ---- Password verifier (PBKDF2-SHA256) for unlocking without the network ----

const b64 = buf => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));

async function derive(password, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
}

async function makeVerifier(password) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { alg: 'PBKDF2-SHA256', iterations: PBKDF2_ITERATIONS, salt: b64(salt), hash: b64(hash) };
}

export async function checkPassword(password) {
  const v = await getMeta('verifier');
  if (!v) return false;
  const got = new Uint8Array(await derive(password, unb64(v.salt), v.iterations));
  const want = unb64(v.hash);
  let diff = got.length ^ want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i++) diff |= got[i] ^ want[i];
  return diff === 0;
}

// ---- Wiping ----

// wipe deletes everything of the user's on this phone: the IndexedDB store, the push
// subscription and any cache but the app shell's. The shell (the service worker and its
// cache: the HTML, code, styles, texts and icons, no personal data) stays, so that the
// app opens without the network after a logout too.
export async function wipe() {
  stopSync();
  broadcast('wiped');
  await deleteStore();
  if ('caches' in self) {
    for (const name of await caches.keys()) if (!name.startsWith(SHELL_CACHE_PREFIX)) await caches.delete(name);
  }
  if (navigator.serviceWorker) await pushDropLocal();
}

// logout ends the session on the server when it can, then wipes. The push subscription
// is deleted first: that needs the session.
export async function logout() {
  try {
    await Promise.race([pushLogout().then(() => authed('POST', '/api/v1/auth/logout')), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 4000))]);
  } catch { /* offline: the session ends by itself; the data goes now anyway */ }
  await wipe();
}

// tooLongOffline tells whether the last successful sync is older than the allowed time.
export async function tooLongOffline() {
  const last = await getMeta('last_sync');
  if (!last) return false;
  const me = await getMeta('me');
  const after = (me && me.offline_wipe_after_s) || DEFAULT_WIPE_AFTER_S;
  return Date.now() - Date.parse(last) > after * 1000;
}

export { closeDB };
