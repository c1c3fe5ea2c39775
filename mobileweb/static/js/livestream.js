// The live stream (GET /api/v1/sync/events): one tab holds it (Web Lock "vardag-live")
// and reads its pokes; each poke asks for a round (rounds.js passes onPoke), and so does
// each reconnect after the stream was lost (onReconnect: what was missed meanwhile).
import { authed, ApiError, reachable } from './api.js';
import { withLock } from './locks.js';

let liveAbort = null;
let wake = null; // ends the wait before the next reconnect

// startLive opens the stream unless it is open; it reconnects with backoff (2 s doubling
// to 2 min; at once on wakeLive, and from 2 s again) until stopLive or a 401.
export function startLive(onPoke, onReconnect = () => {}) {
  if (liveAbort) return;
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  withLock('vardag-live', async () => {
    let delay = 2000;
    let lost = false; // the stream was open, or tried, before: the next success reconnects
    while (!signal.aborted) {
      try {
        await readStream(signal, onPoke, () => {
          if (lost) onReconnect();
          delay = 2000;
        });
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ApiError && err.status === 401) break;
      }
      lost = true;
      const woken = await new Promise(r => { wake = () => r(true); setTimeout(() => r(false), delay); });
      wake = null;
      // Woken, the server has just answered: the backoff starts again.
      delay = woken ? 2000 : Math.min(delay * 2, 120000);
    }
  }).catch(() => {}).finally(() => { liveAbort = null; });
}

export function stopLive() {
  if (liveAbort) liveAbort.abort();
  if (wake) wake();
}

// wakeLive has a stream that waits to reconnect try now (the server answered a round).
export function wakeLive() {
  if (wake) wake();
}

async function readStream(signal, onPoke, onOpen) {
  if (!navigator.onLine && !reachable) throw new Error('offline');
  const res = await authed('GET', '/api/v1/sync/events', undefined, { stream: true, live: true, signal });
  onOpen();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true }).replace(/\r/g, '');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^event: ?poke$/m.test(block)) onPoke();
    }
  }
}
