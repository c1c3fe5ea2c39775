// The live stream (GET /api/v1/sync/events): one tab holds it (Web Lock "vardag-live")
// and reads its pokes; each poke asks for a round (rounds.js passes onPoke).
import { authed, ApiError, reachable } from './api.js';
import { withLock } from './locks.js';

let liveAbort = null;

// startLive opens the stream unless it is open; it reconnects with backoff (2 s doubling
// to 2 min) until stopLive or a 401.
export function startLive(onPoke) {
  if (liveAbort) return;
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  withLock('vardag-live', async () => {
    let delay = 2000;
    while (!signal.aborted) {
      try {
        await readStream(signal, onPoke);
        delay = 2000;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ApiError && err.status === 401) break;
      }
      await new Promise(r => setTimeout(r, delay));
      delay = Math.min(delay * 2, 120000);
    }
  }).catch(() => {}).finally(() => { liveAbort = null; });
}

export function stopLive() {
  if (liveAbort) liveAbort.abort();
}

async function readStream(signal, onPoke) {
  if (!navigator.onLine && !reachable) throw new Error('offline');
  const res = await authed('GET', '/api/v1/sync/events', undefined, { stream: true, signal });
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
