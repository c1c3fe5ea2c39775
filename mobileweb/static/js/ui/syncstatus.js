// The sync status's words: one state, always true, and what waits.
//
//   offline      the browser has no network (navigator.onLine is false)
//   unreachable  the network is up, but the server did not answer (no connection, no
//                answer in time, or a 5xx)
//   syncing      a round runs (one asked for by "Synka nu" shows so even while the
//                server could not be reached; a retry in the background does not)
//   synced       the last round succeeded: "Synkad i dag 06:14"
//   never        no round has succeeded on this phone since the login
//
// and then "N ändringar väntar" and "N behöver åtgärdas" when not zero.
import { t, currentLang, tn } from '../i18n.js';
import { fmtTime, localDay, TZ } from '../time.js';

const DAY_MS = 24 * 3600 * 1000;

// statusState picks the state from what is known now.
export function statusState({ online, reachable, syncing, manual, syncedAt }) {
  if (!online) return 'offline';
  if (syncing && (reachable || manual)) return 'syncing';
  if (!reachable) return 'unreachable';
  return syncedAt ? 'synced' : 'never';
}

// whenText is an instant for the status: "i dag 06:14", "i går 22:10", "2 dec 06:14",
// and with the year when it is not this year's (Stockholm time).
export function whenText(iso, now = new Date()) {
  const at = new Date(iso);
  const time = fmtTime(iso);
  const day = localDay(at);
  if (day === localDay(now)) return t('status.today', { time });
  if (day === localDay(new Date(now.getTime() - DAY_MS))) return t('status.yesterday', { time });
  const opts = { timeZone: TZ, day: 'numeric', month: 'short' };
  if (day.slice(0, 4) !== localDay(now).slice(0, 4)) opts.year = 'numeric';
  const date = new Intl.DateTimeFormat(currentLang() === 'en' ? 'en-GB' : 'sv-SE', opts).format(at).replace(/\./g, '');
  return t('status.date', { date, time });
}

// statusText is the status's words for a state and the counts.
export function statusText(state, { pending, attention, syncedAt }) {
  const parts = [];
  if (state === 'synced') parts.push(t('status.synced', { when: whenText(syncedAt) }));
  else {
    parts.push(t(`status.${state}`));
    if (state !== 'never' && syncedAt) parts.push(t('status.last_sync', { when: whenText(syncedAt) }));
  }
  if (pending > 0) parts.push(tn('status.pending', pending));
  if (attention > 0) parts.push(tn('status.attention', attention));
  return parts.join(' · ');
}
