// For licensed staff (legitimerad personal): the unit's delegations (delegeringar) — who
// may carry out which kind of measure, until when. Those ending within 30 days come
// first. The nurse grants a delegation to staff of the unit (delegation.grant), renews
// one (a new grant from now with a later end: a saved delegation is never changed) and
// revokes one with a reason (delegation.revoke). Each goes to the outbox and reads as
// waiting until the server's delegation record comes back (the unit's managers' scope
// brings the unit's delegations to its licensed staff). Route: #/delegations, opened from the
// signing overview.
import { h, field, announce } from '../dom.js';
import { t, label } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { referenceList, measureKinds } from '../data.js';
import { enqueue, pendingFor } from '../outbox.js';
import { localDay, stockholmToUTC, nowISO } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, back, badge, empty, markDirty } from './view.js';

const SOON_MS = 30 * 86400000; // "ending soon": within 30 days
const MAX_REASON = 500;

// endOf is the end of a Stockholm day (the next day's 00:00) as RFC 3339.
function endOf(day) {
  const x = new Date(`${day}T12:00:00Z`);
  x.setUTCDate(x.getUTCDate() + 1);
  return new Date(stockholmToUTC(x.toISOString().slice(0, 10), '00:00')).toISOString();
}
// lastDay is the Stockholm day a delegation's end belongs to (its end is exclusive).
const lastDay = iso => localDay(new Date(Date.parse(iso) - 1));
const inDays = (n, from = new Date()) => localDay(new Date(from.getTime() + n * 86400000));

// renews tells whether a grant waiting in the outbox renews delegation d: the same person
// and kind, a later end (the server has no link between the two; none is needed).
const renews = (g, d) => g.delegation_id !== d.delegation_id && g.user_id === d.user_id && g.measure_kind === d.measure_kind && g.valid_until > d.valid_until;

export async function render() {
  const nav = currentNav(); // first: see show()
  const [user, delRecs, userRecs, kinds, kindName, grants, revokes] = await Promise.all([getMeta('user'), byKind('delegation'), byKind('user'),
    referenceList('measure_kinds'), measureKinds(), pendingFor('delegation.grant'), pendingFor('delegation.revoke')]);
  const units = [...new Set((user?.roles || []).filter(r => r.role === 'licensed').map(r => r.unit_id))];
  if (!units.length) return show(nav, 'delegations', h('h1', {}, t('delegations.title')), h('p', { class: 'notice warn' }, t('delegations.not_licensed')));
  const unitOfUser = new Map();
  for (const r of userRecs) {
    const u = units.find(x => (r.scopes || []).includes(`unit:${x}`));
    if (u && (r.data.user_id || r.id) !== user.id) unitOfUser.set(r.data.user_id || r.id, u);
  }
  const names = new Map(userRecs.map(r => [r.data.user_id || r.id, r.data.name]));
  const staff = [...unitOfUser.keys()].sort((a, b) => (names.get(a) || '').localeCompare(names.get(b) || '', 'sv'));
  const now = Date.now();
  const active = delRecs.map(r => r.data).filter(d => units.includes(d.unit_id) && !d.revoked_at && Date.parse(d.valid_until) > now)
    .sort((a, b) => a.valid_until.localeCompare(b.valid_until));

  // The grant form: person, kind, from, until (at most a year: the server's limit).
  const err = h('p', { class: 'error', role: 'alert', hidden: true, testid: 'grant-error' });
  const who = h('select', { testid: 'grant-user' }, h('option', { value: '' }, t('delegations.choose_user')), staff.map(id => h('option', { value: id }, names.get(id) || id)));
  const kind = h('select', { testid: 'grant-kind' }, h('option', { value: '' }, t('listedit.choose_kind')), kinds.map(k => h('option', { value: k.code }, label(k))));
  const from = h('input', { type: 'date', value: localDay(), min: inDays(-6), testid: 'grant-from' });
  const until = h('input', { type: 'date', value: inDays(180), testid: 'grant-until' });
  const form = markDirty(h('form', {
    class: 'stack card', novalidate: true, testid: 'grant-form',
    on: {
      submit: async e => {
        e.preventDefault();
        const why = !who.value ? t('delegations.need_user') : !kind.value ? t('delegations.need_kind') : !from.value || from.value < inDays(-6) ? t('delegations.need_from')
          : !until.value || until.value < from.value || until.value < localDay() || until.value >= inDays(365, new Date(stockholmToUTC(from.value, '12:00'))) ? t('delegations.need_until') : '';
        if (why) {
          err.hidden = false;
          err.textContent = why;
          announce(why);
          return;
        }
        for (const b of form.querySelectorAll('button')) b.disabled = true;
        const start = from.value === localDay() ? nowISO() : new Date(stockholmToUTC(from.value, '00:00')).toISOString();
        await enqueue('delegation.grant', { delegation_id: uuidv7(), user_id: who.value, measure_kind: kind.value, valid_from: start, valid_until: endOf(until.value), unit_id: unitOfUser.get(who.value) });
        delete form.dataset.dirty;
        announce(t('delegations.sent'));
        render();
      },
    },
  },
  h('h2', {}, t('delegations.grant')),
  field(t('delegations.user'), who, { required: true }),
  field(t('listedit.kind'), kind, { required: true }),
  field(t('delegations.from'), from, { required: true }),
  field(t('delegations.until'), until, { required: true, hint: t('delegations.until_hint') }),
  err,
  h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', testid: 'grant-save' }, t('delegations.grant_save')))));

  // One delegation: renew (a new end) or revoke (a reason), each a small form.
  const item = d => {
    const id = d.delegation_id;
    const soon = Date.parse(d.valid_until) - now <= SOON_MS;
    const waiting = revokes.some(e => e.args.delegation_id === id) || grants.some(e => renews(e.args, d));
    const line = h('p', {}, `${kindName(d.measure_kind)} · ${t('delegations.period', { from: localDay(new Date(d.valid_from)), until: lastDay(d.valid_until) })}`);
    const head = h('div', { class: 'card-head' }, h('strong', {}, names.get(d.user_id) || ''), soon ? badge(t('delegations.ends_soon'), 'warn') : null,
      waiting ? badge(t('delegations.waiting'), 'pending') : null);
    const renewed = active.find(x => renews(x, d));
    if (renewed) head.append(badge(t('delegations.renewed', { until: lastDay(renewed.valid_until) }), 'ok'));
    if (waiting) return h('li', { class: 'card', testid: `delegation-${id}` }, head, line);
    const newEnd = h('input', { type: 'date', value: inDays(180), testid: `renew-until-${id}` });
    const reason = h('textarea', { rows: '2', maxlength: String(MAX_REASON), testid: `revoke-reason-${id}` });
    const ferr = h('p', { class: 'error', role: 'alert', hidden: true });
    const fail = msg => { ferr.hidden = false; ferr.textContent = msg; announce(msg); };
    const renewForm = markDirty(h('form', {
      class: 'stack', novalidate: true, hidden: true,
      on: {
        submit: async e => {
          e.preventDefault();
          if (!newEnd.value || endOf(newEnd.value) <= d.valid_until || newEnd.value >= inDays(365)) return fail(t('delegations.need_renew'));
          for (const b of renewForm.querySelectorAll('button')) b.disabled = true;
          await enqueue('delegation.grant', { delegation_id: uuidv7(), user_id: d.user_id, measure_kind: d.measure_kind, valid_from: nowISO(), valid_until: endOf(newEnd.value), unit_id: d.unit_id });
          announce(t('delegations.sent'));
          render();
        },
      },
    }, field(t('delegations.renew_until'), newEnd, { required: true }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit', testid: `renew-save-${id}` }, t('delegations.renew_save')))));
    const revokeForm = markDirty(h('form', {
      class: 'stack', novalidate: true, hidden: true,
      on: {
        submit: async e => {
          e.preventDefault();
          if (!reason.value.trim()) return fail(t('delegations.need_reason'));
          for (const b of revokeForm.querySelectorAll('button')) b.disabled = true;
          await enqueue('delegation.revoke', { delegation_id: id, reason: reason.value.trim() });
          announce(t('delegations.sent'));
          render();
        },
      },
    }, field(t('delegations.reason'), reason, { required: true }),
    h('div', { class: 'actions' }, h('button', { class: 'btn danger', type: 'submit', testid: `revoke-save-${id}` }, t('delegations.revoke_save')))));
    const toggle = (f, other) => () => { f.hidden = !f.hidden; other.hidden = true; ferr.hidden = true; if (!f.hidden) f.querySelector('input, textarea').focus(); };
    return h('li', { class: 'card', testid: `delegation-${id}` }, head, line,
      h('div', { class: 'actions' },
        renewed ? null : h('button', { class: 'btn', type: 'button', testid: `renew-${id}`, on: { click: toggle(renewForm, revokeForm) } }, t('delegations.renew')),
        h('button', { class: 'btn', type: 'button', testid: `revoke-${id}`, on: { click: toggle(revokeForm, renewForm) } }, t('delegations.revoke'))),
      renewForm, revokeForm, ferr);
  };
  const soonOnes = active.filter(d => Date.parse(d.valid_until) - now <= SOON_MS);
  const others = active.filter(d => Date.parse(d.valid_until) - now > SOON_MS);
  const newOnes = grants.filter(e => !active.some(d => renews(e.args, d)) && !active.some(d => d.delegation_id === e.args.delegation_id));
  show(nav, 'delegations',
    back('#/overview', t('nav.overview')),
    h('h1', {}, t('delegations.title')),
    h('section', {}, h('h2', {}, t('delegations.ending_soon')),
      soonOnes.length ? h('ul', { class: 'cards', testid: 'delegations-soon' }, soonOnes.map(item)) : empty(t('delegations.none_soon'))),
    h('section', {}, h('h2', {}, t('delegations.current')),
      newOnes.length ? h('ul', { class: 'cards' }, newOnes.map(e => h('li', { class: 'card', testid: `delegation-waiting-${e.args.delegation_id}` },
        h('div', { class: 'card-head' }, h('strong', {}, names.get(e.args.user_id) || ''), badge(t('delegations.waiting'), 'pending')),
        h('p', {}, kindName(e.args.measure_kind))))) : null,
      others.length ? h('ul', { class: 'cards', testid: 'delegations-current' }, others.map(item)) : empty(t('delegations.none'))),
    form);
}
