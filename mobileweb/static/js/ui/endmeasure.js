// "Avsluta insats" (#/endmeasure/<client>): the coordinator or manager ends carrying out a
// client's measure (avsluta verkställighet) with the last day and the end reason
// (GF-avslutsorsak) from the municipality's list; assignment.end goes through the outbox.
// A measure shows as ended only once the server's record says so; until then it waits.
import { h, field, announce } from '../dom.js';
import { t, tOr, label } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { client as getClient, referenceList } from '../data.js';
import { enqueue, pendingFor } from '../outbox.js';
import { logReads } from '../readlog.js';
import { localDay } from '../time.js';
import { show, currentNav, back, badge, empty, markDirty } from './view.js';
import { errorBox, showError, day } from './adminkit.js';

// ENDERS are the roles that end a unit's measures (assignment.end).
const ENDERS = ['coordinator', 'unit_manager'];

export async function render(clientId) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  const head = [back(`#/client/${clientId}`, t('end.back')), h('h1', {}, t('end.title'))];
  if (!c) return show(nav, 'endmeasure', ...head, h('p', {}, t('client.not_found')));
  const [user, records, pending, reasons] = await Promise.all([getMeta('user'), byKind('assignment'), pendingFor('assignment.end'), referenceList('end_reasons')]);
  const ends = u => ((user && user.roles) || []).some(r => r.unit_id === u && ENDERS.includes(r.role));
  const mine = records.map(r => r.data).filter(a => a.client_id === clientId && ends(a.unit_id));
  await logReads(nav, 'endmeasure', mine.length ? [['assignment', clientId]] : []);
  const waiting = (a, m) => pending.some(e => e.args.assignment_id === a.assignment_id && (!e.args.measure_id || e.args.measure_id === m.measure_id));
  const reasonName = code => { const it = reasons.find(r => r.code === code); return it ? label(it) : tOr(`stats.end_reason.${code}`, code); };
  const list = mine.length ? h('ul', { class: 'cards', testid: 'end-measures' }, mine.flatMap(a => (a.measures || []).map(m => h('li', { class: 'card', testid: `end-measure-${m.measure_id}` },
    h('div', { class: 'card-head' }, h('strong', {}, tOr(`measure.${m.type}`, m.type))),
    h('p', { class: 'meta' }, m.end ? t('today.period', { start: m.start, end: m.end }) : t('today.period_from', { start: m.start })),
    m.end_reason
      ? h('p', { testid: `end-done-${m.measure_id}` }, t('end.ended', { date: day(m.end), reason: reasonName(m.end_reason) }))
      : waiting(a, m)
        ? h('p', { testid: `end-pending-${m.measure_id}` }, badge(t('common.pending'), 'pending'), ' ', t('end.pending'))
        : endForm(a, m, reasons, clientId))))) : empty(t('end.none'));
  show(nav, 'endmeasure', ...head, h('p', { class: 'lead' }, c.name), list);
}

// endForm is the last day (not before the start) and the reason, and "Avsluta insats".
function endForm(a, m, reasons, clientId) {
  const id = m.measure_id.replace(/[^A-Za-z0-9_-]/g, '_');
  const date = h('input', { type: 'date', required: true, min: m.start, value: localDay() < m.start ? m.start : localDay(), testid: `end-date-${m.measure_id}`, id: `end-date-${id}` });
  const reason = h('select', { required: true, testid: `end-reason-${m.measure_id}`, id: `end-reason-${id}` },
    h('option', { value: '' }, t('end.choose_reason')), reasons.map(r => h('option', { value: r.code }, label(r))));
  const box = errorBox(`end-error-${m.measure_id}`);
  const form = h('form', { class: 'stack', testid: `end-form-${m.measure_id}` },
    field(t('end.ends_on'), date), field(t('end.reason'), reason), box,
    h('button', { class: 'btn danger', type: 'submit', testid: `end-submit-${m.measure_id}` }, t('end.button')));
  markDirty(form);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    if (!date.value || date.value < m.start) return showError(box, { code: 'end_before_start' });
    if (!reason.value) return showError(box, { code: 'invalid_args' });
    form.querySelector('button').disabled = true;
    await enqueue('assignment.end', { assignment_id: a.assignment_id, measure_id: m.measure_id, ends_on: date.value, end_reason: reason.value });
    announce(t('end.queued'));
    await render(clientId);
  });
  return form;
}
