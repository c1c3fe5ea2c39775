// The idle lock: after 30 minutes without a touch the app locks, and the password
// (checked on the phone against its PBKDF2 verifier) opens it again.
import { getMeta, setMeta } from './db.js';
import { emit } from './bus.js';

export const IDLE_LOCK_MS = 30 * 60 * 1000;
let last = Date.now();
let saved = 0;
let timer = null;

function touch() {
  last = Date.now();
  // Saved at most once a minute, so that a reload after a long pause still locks.
  if (last - saved > 60000) {
    saved = last;
    setMeta('last_activity', last).catch(() => {});
  }
}

export async function startIdle() {
  const stored = await getMeta('last_activity');
  if (stored) last = Math.max(stored, 0);
  for (const ev of ['pointerdown', 'keydown', 'touchstart', 'wheel']) addEventListener(ev, touch, { passive: true });
  clearInterval(timer);
  timer = setInterval(check, 15000);
  return check();
}

export function stopIdle() { clearInterval(timer); }

async function check() {
  if (Date.now() - last > IDLE_LOCK_MS) {
    if (!(await getMeta('locked'))) {
      await setMeta('locked', true);
      emit('locked');
    }
    return true;
  }
  return false;
}

export async function unlocked() {
  last = Date.now();
  saved = last;
  await setMeta('last_activity', last);
  await setMeta('locked', false);
}
