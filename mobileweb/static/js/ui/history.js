// A client's signing history by day (signeringshistorik): the user chooses a day, today
// or back in time, and sees every occurrence of that day with its signatures (who, when,
// outcome, reason, comment), double signings and the nurse's follow-ups (uppföljning).
// It reads what the phone holds of the client's signing list and signatures (the unit's
// staff who may read the signing list have them); opening it logs a read of the list.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { client as getClient, users, measureKinds, occurrencesOn, nextDay } from '../data.js';
import { withState, badges, signatureLines } from '../doses.js';
import { logReads } from '../readlog.js';
import { localDay } from '../time.js';
import { show, currentNav, back, empty } from './view.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function render(clientId, day) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  if (!c) return show(nav, 'history', back('#/today'), h('h1', {}, t('client.not_found')));
  const today = localDay();
  // Yesterday unless a day is asked; never a day after today.
  const chosen = DAY.test(day || '') && day <= today ? day : nextDay(today, -1);
  await logReads(nav, 'history', [['signing_list', clientId]]);
  const [who, kindName] = await Promise.all([users(), measureKinds()]);
  const occ = await withState(await occurrencesOn(clientId, chosen));
  const go = d => { if (DAY.test(d)) location.hash = `#/history/${clientId}/${d}`; };
  const input = h('input', { type: 'date', id: 'history-day', value: chosen, max: today, testid: 'history-day', on: { change: e => go(e.target.value) } });
  const picker = h('form', { class: 'stack history-day', on: { submit: e => { e.preventDefault(); go(input.value); } } },
    h('label', { for: 'history-day' }, t('history.day')), input,
    h('div', { class: 'actions' },
      h('a', { class: 'btn', href: `#/history/${clientId}/${nextDay(chosen, -1)}`, testid: 'history-prev' }, t('history.prev')),
      chosen < today ? h('a', { class: 'btn', href: `#/history/${clientId}/${nextDay(chosen)}`, testid: 'history-next' }, t('history.next')) : null));
  const list = occ.length ? h('ul', { class: 'cards', testid: 'history' }, occ.map(o => h('li', { class: 'card', testid: `history-${o.measure.measure_id}-${o.due}` },
    h('div', { class: 'card-head' },
      h('strong', {}, `${o.time} ${kindName(o.measure.kind)}`),
      o.prn ? h('span', { class: 'pill' }, t('history.prn')) : null,
      o.signatures.length || o.pending.length || chosen === today ? badges(o) : h('span', { class: 'pill warn' }, t('history.unsigned'))),
    h('p', {}, o.measure.instruction || ''),
    signatureLines(o, who)))) : empty(t('history.none'));
  show(nav, 'history',
    back(`#/client/${clientId}/signing`, c.name),
    h('h1', {}, t('history.title')),
    h('p', { class: 'meta' }, c.name),
    picker,
    h('h2', { testid: 'history-heading' }, t('history.of_day', { day: chosen })),
    list);
}
