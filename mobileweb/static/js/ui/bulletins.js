// The bulletin board (anslagstavla): the municipality's notices of planned downtime
// (planerat avbrott), posted by its administrators and synced to everyone. Today and
// Messages show them at the top from when they arrive until they end, the soonest
// first; an ended notice is not shown. Times are Stockholm's.
import { h } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { byKind } from '../db.js';
import { TZ, fmtTime, localDay } from '../time.js';
import { badge } from './view.js';

// bulletinBoard is the section of current and coming notices, or null when there is none.
export async function bulletinBoard() {
  const now = Date.now();
  const notices = (await byKind('bulletin')).map(r => r.data)
    .filter(b => Date.parse(b.until) > now)
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || Date.parse(a.until) - Date.parse(b.until));
  if (!notices.length) return null;
  return h('section', { class: 'bulletins', 'aria-label': t('bulletin.board') },
    h('ul', { class: 'cards' }, notices.map(b => notice(b, now))));
}

function notice(b, now) {
  return h('li', { class: 'card bulletin', testid: `bulletin-${b.bulletin_id}` },
    h('div', { class: 'card-head' },
      h('strong', { class: 'bulletin-kind' }, t('bulletin.planned_downtime')),
      Date.parse(b.from) <= now ? badge(t('bulletin.ongoing'), 'new') : null),
    h('h2', { class: 'bulletin-title' }, b.title),
    h('p', { class: 'bulletin-when' }, when(b, now)),
    h('p', { class: 'message-text' }, b.text));
}

// when is the notice's window: "I dag kl. 14:00–16:00", or over two days
// "Fredag 5 december kl. 22:00 – lördag 6 december kl. 04:00".
export function when(b, now = Date.now()) {
  const fromDay = dayName(b.from, now);
  const untilDay = dayName(b.until, now);
  const s = fromDay === untilDay
    ? t('bulletin.when_day', { day: fromDay, from: fmtTime(b.from), until: fmtTime(b.until) })
    : t('bulletin.when_days', { from_day: fromDay, from: fmtTime(b.from), until_day: untilDay, until: fmtTime(b.until) });
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// dayName is "i dag", "i morgon" or the weekday and date, in Stockholm.
function dayName(iso, now) {
  const day = localDay(new Date(iso));
  const today = localDay(new Date(now));
  const [y, m, d] = today.split('-').map(Number);
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  if (day === today) return t('bulletin.today');
  if (day === tomorrow) return t('bulletin.tomorrow');
  const fmt = new Intl.DateTimeFormat(currentLang() === 'en' ? 'en-GB' : 'sv-SE', { timeZone: TZ, weekday: 'long', day: 'numeric', month: 'long' });
  return fmt.format(new Date(iso));
}
