// Sync rounds (see shared/API.md): one round pushes the outbox, then pulls every page
// (transfer.js). One round at a time across tabs (Web Lock "vardag-sync"); rounds are
// asked for by changes, pokes from the live stream (livestream.js), the online event,
// and every five minutes; failed ones are retried with backoff.
import { setMeta } from './db.js';
import { ApiError } from './api.js';
import { broadcast, emit, on } from './bus.js';
import { withLock } from './locks.js';
import { pushAll, pullAll } from './transfer.js';
import { startLive, stopLive } from './livestream.js';

export const state = { syncing: false, lastError: null };

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
      await setMeta('last_sync', new Date().toISOString());
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
      setSyncing(false);
    }
  });
}

// ---- Scheduling: pokes, retries with backoff, the online event ----

let timer = null;
let failures = 0;
let running = false;
let again = false; // a round was asked for while one ran: another follows it
let stopped = true;

// requestSync starts a round soon (debounced); retries back off up to five minutes. Asked
// while a round runs (a change made, a poke), it runs another right after that one.
export function requestSync(delay = 200) {
  if (stopped) return;
  if (running) { again = true; return; }
  clearTimeout(timer);
  timer = setTimeout(runScheduled, delay);
}

async function runScheduled() {
  if (stopped || running) return;
  running = true;
  again = false;
  try {
    await syncRound();
    failures = 0;
    clearTimeout(timer);
    timer = setTimeout(runScheduled, again ? 0 : 5 * 60 * 1000); // a round every five minutes anyway
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the session screen takes over
    failures++;
    const wait = Math.min(300000, 2000 * 2 ** Math.min(failures, 8)) * (0.75 + Math.random() * 0.5);
    clearTimeout(timer);
    timer = setTimeout(runScheduled, wait);
  } finally {
    running = false;
  }
}

export function startSync() {
  stopped = false;
  failures = 0;
  requestSync(0);
  startLive(() => requestSync(100));
}

export function stopSync() {
  stopped = true;
  clearTimeout(timer);
  stopLive();
}

on('outbox-changed', d => { if (!d.remote && !d.sent) requestSync(300); });
addEventListener('online', () => { failures = 0; requestSync(0); });
