// Vardag PWA: boot, the screen router and the one global (window.vardag) for tests.
import { h, clear } from './dom.js';
import { initialLang, loadLang, applyStatic, t } from './i18n.js';
import { DB_NAME, dbExists, getMeta } from './db.js';
import { on, handle } from './bus.js';
import { syncRound, startSync, stopSync, requestSync, roundRunning } from './rounds.js';
import { outboxCount, attentionCount } from './outbox.js';
import { tooLongOffline, wipe } from './auth.js';
import { startIdle, stopIdle } from './idle.js';
import { renderShell, updateStatus } from './ui/shell.js';
import { registerWorker } from './ui/update.js';
import * as loginUI from './ui/login.js';
import * as lockedUI from './ui/locked.js';
import { screenOf, preloadScreen } from './ui/screens.js';
import { navigate, isCurrent, show } from './ui/view.js';
import { isAdministrator } from './admin.js';
import { afterLogin as pushAfterLogin, postPending as pushPending, listenWorker } from './push.js';

// The session's state decides which screens are open.
export const session = { user: null, ready: false };

// route reads the hash: #/today, #/client/<id>[/journal|/signing], #/note/<client>, …
// Each call is a navigation of its own (numbered, see ui/view.js): a screen whose render
// began before a later navigation is never shown.
export async function route() {
  if (!session.ready) return;
  routing(+1);
  try {
    await routeNow();
  } finally {
    routing(-1);
  }
}

// While a screen renders (it reads IndexedDB first, which changes nothing on the page),
// <body data-routing> says so: a test waits for it to end before it looks.
let inFlight = 0;
function routing(d) {
  inFlight += d;
  if (inFlight > 0) document.body.dataset.routing = '1';
  else delete document.body.dataset.routing;
}

async function routeNow() {
  const nav = navigate();
  const locked = await getMeta('locked');
  if (!isCurrent(nav) || !session.ready) return;
  if (locked) return lockedUI.render();
  renderShell(session.user);
  const [name, ...args] = (location.hash.replace(/^#\/?/, '') || homeOf(session.user)).split('/').map(decodeURIComponent);
  let screen;
  try {
    screen = await screenOf(name);
  } catch {
    // Not in the shell yet (a first visit whose service worker has not finished) and no
    // network: say so, and offer to try again.
    const again = h('button', { type: 'button', 'data-testid': 'screen-retry' }, t('common.try_again'));
    again.addEventListener('click', route);
    show(nav, 'failed', h('h1', { tabindex: '-1' }, t('common.screen_failed')), again);
    return;
  }
  if (!isCurrent(nav)) return;
  await screen(...args); // takes nav as its number: nothing awaited since the check
  if (isCurrent(nav)) updateStatus();
}

// homeOf is the screen an empty address opens: the care work, or for an administrator
// with no role in a unit (municipal IT) the organisation.
function homeOf(user) {
  return user && isAdministrator(user) && !(user.roles || []).some(r => r.unit_id) ? 'admin' : 'today';
}

// enterApp runs once the user is logged in, has accepted the terms and has a good password.
export async function enterApp() {
  session.user = await getMeta('user');
  session.ready = true;
  // Ask the browser not to evict the store under storage pressure: it holds the outbox.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  registerWorker();
  pushAfterLogin(); // never waited for: it needs the worker, and asks nothing of the user
  await startIdle();
  startSync();
  await route();
}

// toLogin shows the login; a session that ended keeps the outbox for after the login.
export async function toLogin(reason) {
  session.ready = false;
  navigate(); // a screen still rendering is not shown over the login
  stopSync();
  stopIdle();
  const chrome = document.getElementById('chrome');
  chrome.dataset.built = '';
  clear(chrome);
  loginUI.render(reason);
}

function afterLoad(fn) {
  const idle = () => (window.requestIdleCallback ? requestIdleCallback(() => fn(), { timeout: 3000 }) : setTimeout(fn, 1000));
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
}

async function boot() {
  // The shell is cached from the first visit on, before any login; its files are fetched
  // once the page has loaded and gone idle, so that they do not hold up the first screen.
  afterLoad(registerWorker);
  await loadLang(initialLang());
  applyStatic();
  if (!(await dbExists())) return toLogin();
  preloadScreen(location.hash.replace(/^#\/?/, '').split('/')[0] || 'today');
  if (!(await getMeta('user'))) return wipeToLogin();
  if (await tooLongOffline()) return wipeToLogin('wiped_offline');
  const tokens = await getMeta('tokens');
  if (!tokens || !tokens.refresh_token) return toLogin('session_ended');
  const me = await getMeta('me');
  if (!me || !me.terms_accepted || me.must_change_password) return loginUI.afterVerify(null);
  await enterApp();
}

addEventListener('hashchange', route);
// The screens reach these through the bus (ui/* never imports main.js).
handle('enter-app', enterApp);
handle('route', route);
handle('to-login', toLogin);
on('locked', () => { if (session.ready) lockedUI.render(); });
on('session-ended', () => { if (session.ready) toLogin('session_ended'); });
on('device-revoked', () => wipeToLogin('device_revoked'));
on('wiped', d => { if (d.remote) { session.ready = false; location.reload(); } });
on('synced', d => { if (session.ready) { if (d.readsOnly) updateStatus(); else refreshLive(); pushPending().catch(() => {}); } });
// A tap on a notification: the service worker asks for a sync and names the screen.
listenWorker(hash => {
  if (!session.ready) return;
  if (hash && location.hash !== hash) location.hash = hash;
  requestSync(0);
});
on('outbox-changed', () => { if (session.ready) { updateStatus(); } });
on('reachability', updateStatus);
on('sync-state', updateStatus);

// Screens that only show data re-render after a sync; forms keep what is typed.
function refreshLive() {
  updateStatus();
  const live = ['today', 'client', 'messages', 'attention', 'overview', 'history', 'delegations', 'analyse', 'reports', 'bulletins', 'reflists', 'plan', 'plans', 'endmeasure'];
  if (live.includes(document.body.dataset.screen) && !document.querySelector('form[data-dirty]')) route();
}

// Too long without a successful sync wipes the phone, checked every minute.
setInterval(async () => {
  if (session.ready && (await tooLongOffline())) wipeToLogin('wiped_offline');
}, 60000);

// wipeToLogin wipes the phone and shows the login, once however many requests met the
// reason (a revoked device answers every request of the sync and the live stream so).
// The session ends first, so that nothing starts reading the store while it goes.
let wiping = null;
function wipeToLogin(reason) {
  if (!wiping) {
    session.ready = false;
    navigate();
    wiping = wipe().then(() => toLogin(reason)).finally(() => { wiping = null; });
  }
  return wiping;
}

window.vardag = Object.freeze({
  db: DB_NAME,
  syncNow: () => syncRound(),
  roundRunning: () => roundRunning(),
  // stats never creates the store: after a logout it answers zeros.
  stats: async () => {
    if (!(await dbExists())) return { records: 0, outbox: 0, attention: 0, cursor: '' };
    return {
      records: (await getMeta('record_count')) || 0,
      outbox: await outboxCount(),
      attention: await attentionCount(),
      cursor: (await getMeta('cursor')) || '',
    };
  },
});

boot().catch(err => {
  console.error(err);
  toLogin();
});
