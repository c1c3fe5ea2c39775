// Today (Idag): the bulletin board's notices of planned downtime, then what is due: the
// day's doses by time, each with its state in words (doses.js) and opening that dose's
// sign screen; then new and current assignments (uppdrag) to acknowledge, and the clients
// (brukare). A new assignment is first distributed (fördela) to a sub-unit (grupp) by the
// unit's coordinator or manager, who sees its client, measures and period; only then is
// it acknowledged (kvittera). Only today's items are rendered. The assignments and signings listed are
// clients' data: each opening logs them (readlog.js).
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { clients as allClients, occurrencesToday, measureKinds } from '../data.js';
import { enqueue, pendingFor } from '../outbox.js';
import { logReads } from '../readlog.js';
import { localDay } from '../time.js';
import { withState, badges } from '../doses.js';
import { show, currentNav, badge, empty } from './view.js';
import { bulletinBoard } from './bulletins.js';

const CLIENT_PAGE = 50;

export async function render() {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const [assignments, clientList, pendingAcks, pendingDists] = await Promise.all([
    byKind('assignment'), allClients(), pendingFor('assignment.acknowledge'), pendingFor('assignment.distribute'),
  ]);
  const names = new Map(clientList.map(c => [c.client_id, c.name]));
  const acked = new Set(pendingAcks.map(e => e.args.assignment_id));
  const distributing = new Set(pendingDists.map(e => e.args.assignment_id));
  const distributes = a => (user.roles || []).some(r => r.unit_id === a.unit_id && DISTRIBUTORS.includes(r.role));
  const subunitName = new Map((user.subunits || []).map(s => [s.unit_id, s.name]));

  const current = assignments.map(r => r.data).filter(a => a.status !== 'ended' && a.status !== 'closed');
  const mine = a => (a.acknowledged_by || []).some(x => x.user_id === user.id);
  current.sort((a, b) => Number(mine(a)) - Number(mine(b)) || (b.received_at || '').localeCompare(a.received_at || ''));

  const assignmentList = current.length ? h('ul', { class: 'cards' }, current.map(a => {
    const undistributed = a.status === 'new';
    const isNew = !mine(a) && !acked.has(a.assignment_id);
    const waiting = acked.has(a.assignment_id) || distributing.has(a.assignment_id);
    return h('li', { class: `card${isNew ? ' new' : ''}`, testid: `assignment-${a.assignment_id}` },
      h('div', { class: 'card-head' },
        h('strong', {}, names.get(a.client_id) || t('today.unknown_client')),
        isNew ? badge(t('today.new'), 'new') : null,
        waiting ? badge(t('common.pending'), 'pending') : null),
      undistributed && distributes(a) ? measureList(a) : h('p', {}, (a.measures || []).map(m => tOr(`measure.${m.type}`, m.type)).join(', ')),
      h('p', { class: 'meta' }, t('today.assignment_status', { status: tOr(`assignment.status.${a.status}`, a.status) }),
        a.subunit_id && subunitName.has(a.subunit_id) ? ` · ${subunitName.get(a.subunit_id)}` : ''),
      // The server refuses to acknowledge an undistributed assignment: the coordinator
      // distributes it, the others wait for that.
      undistributed ? (distributes(a) ? (distributing.has(a.assignment_id) ? null : distributeForm(a, user)) : h('p', { class: 'meta', testid: `awaits-distribution-${a.assignment_id}` }, t('today.awaits_distribution')))
        : isNew ? h('button', {
        class: 'btn primary', type: 'button', testid: `ack-${a.assignment_id}`,
        on: { click: async e => { e.target.disabled = true; await enqueue('assignment.acknowledge', { assignment_id: a.assignment_id, move_to_my_persons: false }); render(); } },
      }, t('today.acknowledge')) : null);
  })) : empty(t('today.no_assignments'));

  // Today's doses of every client with a signing list.
  const lists = await byKind('signing_list');
  const clientIds = [...new Set(lists.map(r => r.data.client_id))];
  const kindName = await measureKinds();
  const occ = await withState((await Promise.all(clientIds.map(id => occurrencesToday(id, lists)))).flat().sort((a, b) => a.due.localeCompare(b.due)));
  const signings = occ.length ? h('ul', { class: 'list doses' }, occ.map(o => h('li', {},
    h('a', {
      class: `row-link dose${o.unseen.length ? ' refused' : ''}`, testid: `dose-${o.measure.measure_id}-${o.due}`,
      href: `#/sign/${o.list.list_id}/${o.measure.measure_id}/${encodeURIComponent(o.due)}`,
    },
    h('span', { class: 'time' }, o.time),
    h('span', {}, `${names.get(o.list.client_id) || ''} – ${kindName(o.measure.kind)}`),
    badges(o),
    o.unseen.length ? h('span', { class: 'refusal-line' }, `${tOr(`error.${o.unseen[0].error?.code}`, t('error.generic'))} ${t('dose.open_to_see')}`) : null,
    o.signatures.filter(s => s.comment || s.reason).map(s => h('span', { class: 'meta comment' }, [s.reason, s.comment].filter(Boolean).join(' · '))))))) : empty(t('today.no_signings'));

  const clientsBox = h('ul', { class: 'cards' });
  const more = h('button', { class: 'btn', type: 'button', testid: 'clients-more' }, t('today.more_clients'));
  let shown = 0;
  const showMore = () => {
    for (const c of clientList.slice(shown, shown + CLIENT_PAGE)) {
      clientsBox.append(h('li', {}, h('a', { class: 'card client-card', href: `#/client/${c.client_id}`, testid: `client-${c.client_id}` },
        h('strong', {}, c.name), h('span', { class: 'meta' }, c.address || ''))));
    }
    shown += CLIENT_PAGE;
    more.hidden = shown >= clientList.length;
  };
  more.addEventListener('click', showMore);
  showMore();

  const board = await bulletinBoard();
  await logReads(nav, 'today', [
    ...current.map(a => ['assignment', a.client_id]),
    ...occ.map(o => ['signing_list', o.list.client_id]),
  ]);
  show(nav, 'today',
    h('h1', {}, t('today.title')),
    h('p', { class: 'meta' }, localDay()),
    board,
    h('section', { 'aria-labelledby': 'h-sign' }, h('h2', { id: 'h-sign' }, t('today.signings')), signings),
    h('section', { 'aria-labelledby': 'h-assign' }, h('h2', { id: 'h-assign' }, t('today.assignments')), assignmentList),
    h('section', { 'aria-labelledby': 'h-clients' }, h('h2', { id: 'h-clients' }, t('today.clients')),
      clientList.length ? clientsBox : empty(t('today.no_clients')), more),
    h('div', { class: 'actions' },
      h('a', { class: 'btn', href: '#/deviation', testid: 'deviation-new' }, t('deviation.new')),
      // The coordinator's plans to establish and follow-ups due (genomförandeplaner).
      (user.roles || []).some(r => DISTRIBUTORS.includes(r.role)) ? h('a', { class: 'btn', href: '#/plans', testid: 'today-plans' }, t('plans.title')) : null,
      // The clients with nothing left running (Ej aktuella – att avsluta): a link here, not a
      // tab, so that the phone's tab bar keeps one row.
      (user.roles || []).some(r => DISTRIBUTORS.includes(r.role)) ? h('a', { class: 'btn', href: '#/ending', testid: 'nav-ending' }, t('nav.ending')) : null));
}

// DISTRIBUTORS are the roles that distribute a unit's assignments (assignment.distribute).
const DISTRIBUTORS = ['coordinator', 'unit_manager'];

// measureList is what a new assignment decides: each measure (insats) with its time a
// month and its period.
function measureList(a) {
  return h('ul', { testid: `assignment-measures-${a.assignment_id}` }, (a.measures || []).map(m => h('li', {},
    tOr(`measure.${m.type}`, m.type), ' · ', t('today.minutes_per_month', { n: m.minutes_per_month }), ' · ',
    m.end ? t('today.period', { start: m.start, end: m.end }) : t('today.period_from', { start: m.start }))));
}

// distributeForm is the choice of the unit's sub-unit and "Fördela"; the assignment shows
// as distributed once the server's record is back.
function distributeForm(a, user) {
  const subs = (user.subunits || []).filter(s => s.parent_id === a.unit_id);
  if (!subs.length) return h('p', { class: 'meta' }, t('today.no_subunits'));
  const choice = h('select', { testid: `distribute-to-${a.assignment_id}` }, subs.map(s => h('option', { value: s.unit_id }, s.name)));
  const form = h('form', { class: 'stack', testid: `distribute-form-${a.assignment_id}` },
    field(t('today.distribute_to'), choice),
    h('button', { class: 'btn primary', type: 'submit', testid: `distribute-${a.assignment_id}` }, t('today.distribute')));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    form.querySelector('button').disabled = true;
    await enqueue('assignment.distribute', { assignment_id: a.assignment_id, subunit_id: choice.value });
    announce(t('today.distribute_sent'));
    render();
  });
  return form;
}
