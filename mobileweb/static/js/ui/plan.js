// A client's implementation plans (#/plan/<client>): per assignment of the client in the
// user's units, the established version (read-only), the draft, the earlier versions
// (legible as they were established), and what the user's role may do: care staff,
// coordinators and managers draft (plan.save; after an established version, the next
// version); coordinators and managers establish (upprätta), follow up (uppföljning) and
// set the end date. A change waits in the outbox until the server has taken it: until its
// record is back it shows as waiting, never as done.
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { client as getClient, users } from '../data.js';
import { enqueue } from '../outbox.js';
import { uuidv7 } from '../uuid.js';
import { localDay } from '../time.js';
import { logReads } from '../readlog.js';
import { plansOf, newPlansWaiting, rolesIn, DRAFTERS, ESTABLISHERS } from '../plans.js';
import { show, currentNav, back, badge, empty, markDirty } from './view.js';
import { healthFlags } from './health.js';
import { partsView, versionHead, measureName } from './planview.js';

export async function render(clientId) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  if (!c) return show(nav, 'plan', back('#/today'), h('h1', {}, t('client.not_found')));
  await logReads(nav, 'plan', [['client', clientId]]);
  const [user, plans, assignmentRecs, who, waitingNew] = await Promise.all([getMeta('user'), plansOf(clientId), byKind('assignment'), users(),
    newPlansWaiting(a => a.client_id === clientId)]);
  const assignments = assignmentRecs.map(r => r.data).filter(a => a.client_id === clientId && rolesIn(user, a.unit_id).length);
  const again = () => render(clientId);
  show(nav, 'plan',
    back(`#/client/${clientId}`, c.name),
    h('h1', {}, t('plan.title', { name: c.name })),
    healthFlags(c),
    assignments.length ? assignments.map(a => {
      // The plan in force, or the start of a new one; plans with an end date stay legible.
      const mine = plans.filter(x => x.plan.assignment_id === a.assignment_id);
      const args = [waitingNew.filter(e => e.args.assignment_id === a.assignment_id), rolesIn(user, a.unit_id), who, again];
      return [assignmentPlan(a, mine.find(x => !x.plan.ends_on), ...args), mine.filter(x => x.plan.ends_on).map(x => assignmentPlan(a, x, ...args))];
    }) : empty(t('plan.no_assignment')));
}

// assignmentPlan is one assignment's plan, or the start of one.
function assignmentPlan(a, x, waitingNew, roles, who, again) {
  const drafts = roles.some(r => DRAFTERS.includes(r));
  const establishes = roles.some(r => ESTABLISHERS.includes(r));
  const head = h('h2', {}, (a.measures || []).map(m => measureName(a, m.measure_id)).join(', '));
  if (!x) {
    return h('section', { class: 'plan', testid: `plan-for-${a.assignment_id}` }, head,
      waitingNew.length ? waitingLine('plan.save') : h('p', { class: 'empty' }, t('plan.none')),
      drafts && !waitingNew.length ? editForm(a, null, 1, uuidv7(), again) : null);
  }
  const { plan, established, draft, versions, pending } = x;
  const ended = !!plan.ends_on;
  const busy = pending.length > 0;
  const earlier = versions.filter(v => v.status === 'established' && (!established || v.version !== established.version)).reverse();
  return h('section', { class: 'plan', testid: `plan-${plan.plan_id}` }, head,
    ended ? h('p', { class: 'notice', testid: 'plan-ended' }, t('plan.ends_on', { date: plan.ends_on })) : null,
    pending.map(e => waitingLine(e.name)),
    established ? [h('h3', {}, t('plan.established')), versionHead(established, who), partsView(established, a, 'plan-established')] : null,
    plan.next_follow_up_by ? h('p', { class: 'meta', testid: 'plan-next-follow-up' }, t('plan.next_follow_up', { date: plan.next_follow_up_by })) : null,
    draft ? [h('h3', {}, t('plan.draft')), versionHead(draft, who), partsView(draft, a, 'plan-draft')] : null,
    !ended && !busy && drafts ? editForm(a, draft || established, draft ? draft.version : plan.version + 1, plan.plan_id, again) : null,
    !ended && !busy && establishes && draft ? establishForm(plan, draft, again) : null,
    !ended && !busy && establishes && established ? followUpForm(plan, again) : null,
    !ended && !busy && establishes ? endForm(plan, again) : null,
    (plan.follow_ups || []).length ? [h('h3', {}, t('plan.follow_ups')), h('ul', { class: 'list', testid: 'plan-follow-ups' }, plan.follow_ups.map(f =>
      h('li', {}, `${f.followed_up_on}: ${f.outcome}`, f.next_follow_up_by ? ` (${t('plan.next_follow_up', { date: f.next_follow_up_by })})` : '')))] : null,
    earlier.length ? [h('h3', {}, t('plan.earlier_versions')), earlier.map(v => h('details', { testid: `plan-version-${v.version}` },
      h('summary', {}, t('plan.version', { n: v.version }), ` · ${v.established_on}`), versionHead(v, who), partsView(v, a, `plan-version-${v.version}-parts`)))] : null);
}

function waitingLine(name) {
  return h('p', { class: 'meta', testid: 'plan-pending' }, badge(t('common.pending'), 'pending'), ' ', t(`mutation.${name}`));
}

// editForm drafts a version: per measure of the assignment what, how, when and the goal,
// and how the client took part; from the draft or the established version when there is one.
function editForm(a, from, version, planId, again) {
  const parts = (from && from.parts) || [];
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const rows = (a.measures || []).map(m => {
    const p = parts.find(x => x.measure_id === m.measure_id) || {};
    const area = (f, rowsN) => h('textarea', { rows: String(rowsN), maxlength: '4000', testid: `plan-edit-${m.measure_id}-${f}` }, p[f] || '');
    const fields = { what: area('what', 3), how: area('how', 3), when: area('when', 2), goal: area('goal', 2) };
    return { m, id: p.part_id || uuidv7(), fields };
  });
  const participation = h('textarea', { rows: '3', maxlength: '4000', testid: 'plan-edit-participation' }, (from && from.client_participation) || '');
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true, testid: 'plan-edit',
    on: {
      submit: async e => {
        e.preventDefault();
        const chosen = rows.filter(r => Object.values(r.fields).some(x => x.value.trim()));
        const missing = chosen.filter(r => !r.fields.what.value.trim());
        if (!chosen.length || missing.length) {
          err.hidden = false;
          err.textContent = t('plan.what_required');
          announce(err.textContent);
          return;
        }
        await enqueue('plan.save', {
          plan_id: planId, client_id: a.client_id, assignment_id: a.assignment_id, version,
          parts: chosen.map(r => ({ part_id: r.id, measure_id: r.m.measure_id, what: r.fields.what.value.trim(), how: r.fields.how.value.trim(), when: r.fields.when.value.trim(), goal: r.fields.goal.value.trim() })),
          client_participation: participation.value.trim(),
        });
        announce(t('plan.saved'));
        await again();
      },
    },
  },
  h('h3', {}, from && from.status === 'established' ? t('plan.new_version', { n: version }) : t('plan.edit')),
  rows.map(r => h('fieldset', { class: 'stack' }, h('legend', {}, measureName(a, r.m.measure_id)),
    ['what', 'how', 'when', 'goal'].map(f => field(t(`plan.${f}`), r.fields[f], { required: f === 'what' })))),
  field(t('plan.client_participation'), participation),
  err,
  h('button', { class: 'btn primary', type: 'submit', testid: 'plan-save' }, t('plan.save'))));
  return form;
}

// establishForm establishes the draft (upprätta): the date, whether agreed with the client.
function establishForm(plan, draft, again) {
  const on = h('input', { type: 'date', value: localDay(), max: localDay(), testid: 'plan-establish-on' });
  const withClient = h('input', { type: 'checkbox', testid: 'plan-with-client', checked: true });
  const note = h('textarea', { rows: '2', maxlength: '4000', testid: 'plan-establish-note' });
  return small('plan-establish-form', t('plan.establish_title'), [
    field(t('plan.established_on_label'), on, { required: true }),
    h('label', { class: 'check' }, withClient, h('span', {}, t('plan.with_client'))),
    field(t('plan.note'), note),
  ], t('plan.establish'), 'plan-establish', () => okDate(on.value) && ['plan.establish', { plan_id: plan.plan_id, version: draft.version, established_on: on.value, with_client: withClient.checked, ...(note.value.trim() ? { note: note.value.trim() } : {}) }], again);
}

function followUpForm(plan, again) {
  const on = h('input', { type: 'date', value: localDay(), max: localDay(), testid: 'plan-follow-up-on' });
  const outcome = h('textarea', { rows: '2', maxlength: '4000', testid: 'plan-follow-up-outcome' });
  const next = h('input', { type: 'date', testid: 'plan-follow-up-next' });
  return small('plan-follow-up-form', t('plan.follow_up_title'), [
    field(t('plan.followed_up_on'), on, { required: true }), field(t('plan.outcome'), outcome, { required: true }), field(t('plan.next_follow_up_by'), next),
  ], t('plan.follow_up'), 'plan-follow-up', () => okDate(on.value) && outcome.value.trim() && (!next.value || (okDate(next.value) && next.value > on.value)) &&
    ['plan.follow_up', { plan_id: plan.plan_id, followed_up_on: on.value, outcome: outcome.value.trim(), ...(next.value ? { next_follow_up_by: next.value } : {}) }], again);
}

function endForm(plan, again) {
  const on = h('input', { type: 'date', testid: 'plan-end-on' });
  return small('plan-end-form', t('plan.end_title'), [field(t('plan.ends_on_label'), on, { required: true })], t('plan.end'), 'plan-end',
    () => okDate(on.value) && ['plan.end', { plan_id: plan.plan_id, ends_on: on.value }], again);
}

// okDate is a date the server takes (YYYY-MM-DD; a date field can hold a longer year).
const okDate = v => /^\d{4}-\d{2}-\d{2}$/.test(v || '');

// small is a form of a few fields that puts one change in the outbox; change() gives the
// mutation and its arguments, or nothing while a required field is empty or wrong.
function small(testid, title, fields, label, button, change, again) {
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  return markDirty(h('form', {
    class: 'stack', novalidate: true, testid,
    on: {
      submit: async e => {
        e.preventDefault();
        const m = change();
        if (!m) {
          err.hidden = false;
          err.textContent = t('plan.form_incomplete');
          announce(err.textContent);
          return;
        }
        await enqueue(...m);
        announce(t('plan.sent'));
        await again();
      },
    },
  }, h('h3', {}, title), fields, err, h('button', { class: 'btn primary', type: 'submit', testid: button }, label)));
}
