// "Mina avvikelser": the deviations the user reported, newest first, each with where it
// stands — waiting to be sent (in the outbox), not sent (refused: in needs attention),
// new (the server has it; nobody has analysed it yet), under investigation, closed (the
// server's deviation_status, written for the reporter with each analysis; the analysis
// itself stays with the unit's managers). Sending a report opens this screen on it
// (#/reports/<deviation_id>): its confirmation says "sent" only once the server's record
// is in the store. Each opening logs a deviation read per client shown (readlog.js).
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { clients } from '../data.js';
import { pendingFor, attentionEntries } from '../outbox.js';
import { logReads } from '../readlog.js';
import { fmtDateTime } from '../time.js';
import { show, currentNav, back, badge, empty } from './view.js';

const BADGE = { waiting: 'pending', refused: 'warn', new: 'new', investigating: 'new', closed: 'ok' };

export async function render(sentId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const [devs, statuses, analyses, pending, attention, clientList] = await Promise.all([
    byKind('deviation'), byKind('deviation_status'), byKind('deviation_analysis'),
    pendingFor('deviation.report'), attentionEntries(), clients(),
  ]);
  const names = new Map(clientList.map(c => [c.client_id, c.name]));
  const stand = new Map([...analyses, ...statuses].map(r => [r.data.deviation_id, r.data.status]));
  const list = [
    ...pending.map(e => ({ d: e.args, status: 'waiting' })),
    ...attention.filter(e => e.name === 'deviation.report').map(e => ({ d: e.args, status: 'refused' })),
    ...devs.map(r => r.data).filter(d => d.reporter_id === user.id).map(d => ({ d, status: stand.get(d.deviation_id) || 'new', saved: true })),
  ].sort((x, y) => (y.d.occurred_at || '').localeCompare(x.d.occurred_at || ''));
  await logReads(nav, 'reports', list.filter(x => x.saved).map(({ d }) => ['deviation', d.client_id]));
  const sent = sentId ? list.find(x => x.d.deviation_id === sentId) : null;
  show(nav, 'reports', back('#/messages', t('nav.messages')), h('h1', {}, t('reports.title')),
    sentId ? confirmation(sent) : null,
    list.length ? h('ul', { class: 'cards' }, list.map(({ d, status }) => h('li', { class: 'card', testid: `report-${d.deviation_id}` },
      h('div', { class: 'card-head' },
        h('strong', {}, d.client_id ? (names.get(d.client_id) || '') : t('analyse.unit_deviation')),
        h('span', { testid: `report-status-${d.deviation_id}`, dataset: { status } }, badge(t(`reports.status.${status}`), BADGE[status]))),
      h('p', { class: 'meta' }, `${tOr(`deviation.type.${d.type}`, d.type)} · ${tOr(`activity.${d.activity}`, d.activity)} · ${tOr(`deviation.area.${d.area}`, d.area)} · ${fmtDateTime(d.occurred_at)}`),
      h('p', {}, d.course_of_events)))) : empty(t('reports.none')));
}

// confirmation tells what became of the report just sent: saved on the phone and on its
// way, sent (the server's record is here), or refused (see needs attention). A report
// the phone no longer holds in any of them is between the push and the pull: on its way.
function confirmation(x) {
  const state = x ? ({ waiting: 'waiting', refused: 'refused' }[x.status] || 'sent') : 'waiting';
  return h('div', { class: `notice${state === 'refused' ? ' warn' : ''}`, role: 'status', testid: 'report-confirmation', dataset: { state } },
    h('p', {}, t(`reports.confirm_${state}`)),
    state === 'refused' ? h('a', { class: 'btn', href: '#/attention' }, t('nav.attention')) : null);
}
