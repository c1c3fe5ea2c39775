// Sync rounds (see shared/API.md): one round pushes the outbox, then pulls every page
// (transfer.js). One round at a time across tabs (Web Lock "vardag-sync"); rounds are
// asked for by changes, pokes from the live stream (livestream.js) and its reconnects,
// the online event, the app coming into view, "Synka nu", and every five minutes;
// failed ones are retried with backoff (1 s doubling to 15 s), and while the server
// cannot be reached a probe of /readyz every few seconds runs a round as soon as it
// answers again.
import { setMeta } from './db.js';
import { ApiError, reachable } from './api.js';
import { broadcast, emit, on } from './bus.js';
import { withLock } from './locks.js';
import { pushAll, pullAll } from './transfer.js';
import { startLive, stopLive, wakeLive } from './livestream.js';

// syncing: a round runs in this tab; manual: it was asked for by "Synka nu" (the status
// then says "syncing" even while the server could not be reached).
export const state = { syncing: false, manual: false, lastError: null };

function setSyncing(v) {
  state.syncing = v;
  emit('sync-state');
}

// syncRound runs one full round: push, then pull every page.
export function syncRound() {
  return withLock('vardag-sync', async () => {
    setSyncing(true);
    try {
      const round = { reads: 0, other: false };
      const pushed = await pushAll(round);
      const pulled = await pullAll(round);
      const now = new Date().toISOString();
      await setMeta('last_sync', now); // the offline wipe's clock (also set at login)
      await setMeta('synced_at', now); // the last round that succeeded: the status shows it
      state.lastError = null;
      // A round that only delivered reads (access.viewed: they make no record) changed
      // nothing a screen shows; the screens are not drawn again for it (readsOnly).
      const readsOnly = pushed > 0 && round.reads === pushed && pulled === 0 && !round.other;
      broadcast('synced', { pushed, pulled, readsOnly });
      return { pushed, pulled };
    } catch (err) {
      state.lastError = err;
      throw err;
    } finally {
      state.manual = false;
      setSyncing(false);
    }
  });
}

// ---- Scheduling: pokes, retries with backoff, the online and visibility events ----

export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 15000;
export const PERIOD_MS = 5 * 60 * 1000;
export const PROBE_MS = 2000;

// retryDelay is the wait before the next try after the failures-th failure in a row:
// 1 s, 2 s, 4 s, 8 s, then 15 s, each up to 15 % shorter at random (phones that lost the
// server together do not come back at one instant).
export function retryDelay(failures, rnd = Math.random) {
  const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 10));
  return Math.round(base * (1 - 0.15 * rnd()));
}

let timer = null;
let failures = 0;
let running = false;
let again = false; // a round was asked for while one ran: another follows it
let restart = false; // "Synka nu" while a round ran: the backoff starts again after it
let stopped = true;

// requestSync starts a round soon (debounced). Asked while a round runs (a change made,
// a poke), it runs another right after that one.
// roundRunning tells whether a scheduled round (or a retry) is under way (for tests: a
// tap on "Synka nu" during one is followed by another try at once).
export function roundRunning() { return running; }

export function requestSync(delay = 200) {
  if (stopped) return;
  if (running) { again = true; return; }
  clearTimeout(timer);
  timer = setTimeout(runScheduled, delay);
}

// syncNowByUser is "Synka nu": a round at once, shown as syncing from the tap.
export function syncNowByUser() {
  if (stopped) return;
  failures = 0;
  if (running) restart = true; // its failure, if it fails, came before the tap
  state.manual = true;
  emit('sync-state');
  requestSync(0);
}

async function runScheduled() {
  if (stopped || running) return;
  running = true;
  again = false;
  const byProbe = probe.answered;
  probe.answered = false;
  try {
    await syncRound();
    failures = 0;
    restart = false;
    probe.trusted = true;
    stopProbe();
    wakeLive(); // a stream waiting to reconnect tries now
    clearTimeout(timer);
    timer = setTimeout(runScheduled, again ? 0 : PERIOD_MS); // a round every five minutes anyway
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the session screen takes over
    if (restart) failures = 0; // the tap's round follows at once and counts from 1
    else failures++;
    restart = false;
    clearTimeout(timer);
    timer = setTimeout(runScheduled, again ? 0 : retryDelay(failures));
    // The probe would only ask again and again of a server that answers it but fails
    // the round: after such a round, the backoff alone decides.
    if (byProbe) probe.trusted = false;
    if (!reachable && probe.trusted) startProbe();
  } finally {
    running = false;
  }
}

// ---- The probe: while the server cannot be reached, /readyz every few seconds ----
//
// A round's backoff grows to 15 s; the probe (a request of a few bytes, never with a
// token) finds the server back within about PROBE_MS of its return, and a round follows
// at once. Only while the page is seen and the browser is online.
const probe = { timer: null, trusted: true, answered: false };

function startProbe() {
  clearTimeout(probe.timer);
  if (stopped || !navigator.onLine || document.visibilityState === 'hidden') return;
  probe.timer = setTimeout(runProbe, Math.round(PROBE_MS * (0.85 + 0.3 * Math.random())));
}

function stopProbe() {
  clearTimeout(probe.timer);
  probe.timer = null;
}

async function runProbe() {
  if (stopped || reachable || running) return;
  try {
    const res = await fetch('/readyz', { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(PROBE_MS) });
    if (res.ok) {
      probe.answered = true;
      requestSync(0);
      return;
    }
  } catch { /* still not there */ }
  startProbe();
}

export function startSync() {
  stopped = false;
  failures = 0;
  probe.trusted = true;
  requestSync(0);
  startLive(() => requestSync(100), () => requestSync(100));
}

export function stopSync() {
  stopped = true;
  clearTimeout(timer);
  stopProbe();
  stopLive();
}

on('outbox-changed', d => { if (!d.remote && !d.sent) requestSync(300); });
addEventListener('online', () => { failures = 0; requestSync(0); });
addEventListener('offline', stopProbe);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return stopProbe();
  failures = 0;
  requestSync(0);
});
