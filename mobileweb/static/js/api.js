// HTTP to the Vardag API: JSON in and out, the Bearer token, one refresh on
// token_expired, and the codes that end a session or wipe the phone.
import { getMeta, setMeta } from './db.js';
import { emit } from './bus.js';
import { withLock } from './locks.js';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.body = body || {};
  }
}

// Reachability as last seen: a request that fails at the network (no connection, no
// answer within REQUEST_TIMEOUT_MS) or that the server answers 5xx makes it false; any
// other answer makes it true.
export let reachable = navigator.onLine;
function setReachable(v) {
  if (reachable !== v) {
    reachable = v;
    emit('reachability', { online: v });
  }
}
addEventListener('online', () => emit('reachability', { online: reachable }));
addEventListener('offline', () => setReachable(false));

// A request whose answer has not begun by then has failed (a server that hangs is one
// that cannot be reached); a body already streaming (the live stream, a page) is not
// cut by it.
export const REQUEST_TIMEOUT_MS = 20000;

// raw sends body as JSON, or as it is with the Content-Type type when given (a CSV); live
// marks the live stream.
async function raw(method, path, body, token, signal, { live = false, type } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const payload = body === undefined ? undefined : type ? body : JSON.stringify(body);
  if (token) headers.Authorization = `Bearer ${token}`;
  // Known offline: fail at once, without a request the browser would log as an error.
  if (!navigator.onLine) throw new ApiError(0, 'network', 'offline');
  const ctl = new AbortController();
  if (signal) {
    if (signal.aborted) ctl.abort();
    else signal.addEventListener('abort', () => ctl.abort(), { once: true });
  }
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, REQUEST_TIMEOUT_MS);
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    if (err.name === 'AbortError' && !timedOut) throw err;
    setReachable(false);
    throw new ApiError(0, 'network', timedOut ? 'timeout' : err.message);
  } finally {
    clearTimeout(timer);
  }
  // A 5xx of the live stream may only say that the server holds as many streams as it
  // may: it changes nothing here (the rounds' requests tell).
  if (res.status < 500) setReachable(true);
  else if (!live) setReachable(false);
  return res;
}

async function errorOf(res) {
  let body = {};
  try { body = await res.json(); } catch { /* not JSON */ }
  const e = body.error || {};
  return new ApiError(res.status, e.code || `http_${res.status}`, e.message, body);
}

// parse reads a JSON body; other bodies (202 "Accepted" as plain text) count as none.
async function parse(res) {
  if (res.status === 204 || !(res.headers.get('Content-Type') || '').includes('json')) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// call sends a request without a token (login routes).
export async function call(method, path, body) {
  const res = await raw(method, path, body);
  if (!res.ok) throw await errorOf(res);
  return parse(res);
}

// authed sends a request with the access token, refreshing it once if it expired.
// It returns the Response when opts.stream is set (the live stream, pulled pages), else
// the parsed body; opts.live marks the live stream; opts.type sends body as it is, with
// that Content-Type.
export async function authed(method, path, body, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    let tokens = await getMeta('tokens');
    if (!tokens || !tokens.access_token) throw new ApiError(401, 'unauthenticated', 'no session');
    // An access token known to have expired (after a night offline) is renewed first.
    if (attempt === 0 && tokens.expires_at && Date.now() > tokens.expires_at) tokens = await refresh(tokens.access_token);
    const res = await raw(method, path, body, tokens.access_token, opts.signal, { live: !!opts.live, type: opts.type });
    if (res.ok) return opts.stream ? res : parse(res);
    const err = await errorOf(res);
    if (res.status === 401) {
      if (err.code === 'device_revoked') {
        emit('device-revoked');
        throw err;
      }
      if (err.code === 'token_expired' && attempt === 0) {
        await refresh(tokens.access_token);
        continue;
      }
      emit('session-ended', { code: err.code });
    }
    throw err;
  }
}

// tokenPair is what is kept of a verify or refresh answer; the expiry is taken a little
// early so that a token does not run out on its way.
export function tokenPair(ans) {
  return { access_token: ans.access_token, refresh_token: ans.refresh_token, expires_at: Date.now() + Math.max(0, (ans.expires_in || 0) - 15) * 1000 };
}

// refresh rotates the token pair. Refresh tokens are single use and a reused one ends the
// whole session, so only one tab refreshes at a time, and a tab that waited uses the
// pair another tab just got.
export async function refresh(staleAccess) {
  return withLock('vardag-refresh', async () => {
    const tokens = await getMeta('tokens');
    if (!tokens) throw new ApiError(401, 'session_expired', 'no session');
    if (tokens.access_token !== staleAccess) return tokens;
    const res = await raw('POST', '/api/v1/auth/refresh', { refresh_token: tokens.refresh_token });
    if (!res.ok) {
      const err = await errorOf(res);
      if (res.status === 401) {
        // session_expired or refresh_token_reused: a new login is needed; the outbox stays.
        await setMeta('tokens', { ...tokens, access_token: '', refresh_token: '' });
        emit(err.code === 'device_revoked' ? 'device-revoked' : 'session-ended', { code: err.code });
      }
      throw err;
    }
    const pair = await res.json();
    const next = tokenPair(pair);
    await setMeta('tokens', next);
    return next;
  });
}
