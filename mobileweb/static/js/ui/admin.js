// The unit manager's administration screens, online only (they ask the server; nothing of
// them is kept on the phone): "Väntar på mitt godkännande", the grants to a further unit
// that wait for the manager's decision (#/approvals), and the unit's twice-yearly access
// review, behörighetskontroll (#/review/<unit_id>), where each active grant is kept or
// ended. On a desktop screen the review lays its grants out as a table (app.css).
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { getMeta, setMeta } from '../db.js';
import { authed } from '../api.js';
import { hasRole } from '../data.js';
import { fmtDateTime } from '../time.js';
import { show, currentNav, back, empty, badge } from './view.js';

const role = r => tOr(`role.${r}`, r);
const when = at => (at ? fmtDateTime(at) : t('admin.never'));

// unitNames are the names of the units the caller administers, from the org tree.
async function unitNames() {
  const names = new Map();
  const org = await authed('GET', '/api/v1/admin/org');
  for (const p of org.providers) {
    for (const u of p.units) {
      names.set(u.unit_id, u.name);
      for (const s of u.subunits) names.set(s.unit_id, `${u.name} – ${s.name}`);
    }
  }
  return names;
}

// problem is a refusal as the manager reads it: the app's words for the code.
function problem(err) {
  return h('p', { class: 'error', role: 'alert', testid: 'admin-error' }, tOr(`error.${err.code}`, t('error.network')));
}

export async function approvals() {
  const nav = currentNav();
  let list, names, failure;
  try {
    [list, names] = await Promise.all([authed('GET', '/api/v1/admin/grants?status=pending'), unitNames()]);
  } catch (err) {
    failure = err;
  }
  if (failure) return show(nav, 'approvals', h('h1', {}, t('approvals.title')), problem(failure));
  const render = () => approvals();
  show(nav, 'approvals', h('h1', {}, t('approvals.title')), h('p', { class: 'hint' }, t('approvals.intro')),
    list.grants.length ? h('ul', { class: 'cards' }, list.grants.map(g => pendingCard(g, names, render))) : empty(t('approvals.none')));
}

function pendingCard(g, names, again) {
  const reason = h('textarea', { id: `reason-${g.grant_id}`, rows: 2, maxlength: 500, testid: `reject-reason-${g.grant_id}` });
  const status = h('div', { 'aria-live': 'polite' });
  const act = async (what, body) => {
    try {
      await authed('POST', `/api/v1/admin/grants/${g.grant_id}/${what}`, body);
      again();
    } catch (err) {
      status.replaceChildren(problem(err));
    }
  };
  return h('li', { class: 'card', testid: `pending-${g.grant_id}` },
    h('div', { class: 'card-head' }, h('strong', {}, g.name || g.user_id), badge(t('approvals.pending'), 'pending')),
    h('p', {}, t('approvals.asks', { role: role(g.role), unit: names.get(g.unit_id) || g.unit_id, until: fmtDateTime(g.valid_until) })),
    h('p', { class: 'meta' }, t('approvals.awaiting', { units: g.awaiting.map(u => names.get(u) || t('approvals.other_unit')).join(', ') })),
    h('div', { class: 'actions' },
      h('button', { class: 'btn primary', type: 'button', testid: `approve-${g.grant_id}`, on: { click: () => act('approve') } }, t('approvals.approve'))),
    h('div', { class: 'field' }, h('label', { for: reason.id }, t('approvals.reason')), reason),
    h('div', { class: 'actions' },
      h('button', { class: 'btn danger', type: 'button', testid: `reject-${g.grant_id}`,
        on: { click: () => act('reject', { reason: reason.value.trim() || t('approvals.no_reason') }) } }, t('approvals.reject'))),
    status);
}

export async function review(unitId) {
  const nav = currentNav();
  const user = await getMeta('user');
  const unit = unitId || ((user.roles || []).find(r => r.role === 'unit_manager') || {}).unit_id;
  let page, names, failure;
  try {
    if (!unit || !hasRole(user, 'unit_manager')) throw { code: 'forbidden' };
    [page, names] = await Promise.all([authed('GET', `/api/v1/admin/units/${unit}/access-review`), unitNames()]);
  } catch (err) {
    failure = err;
  }
  const title = h('h1', {}, t('review.title'));
  if (failure) return show(nav, 'review', title, problem(failure));
  const status = h('div', { 'aria-live': 'polite', testid: 'review-status' });
  const note = h('textarea', { id: 'review-note', rows: 3, maxlength: 2000, testid: 'review-note' });
  const rows = page.grants.map(g => reviewRow(g, names));
  const form = h('form', {
    class: 'stack', novalidate: true, testid: 'review-form',
    on: {
      submit: async e => {
        e.preventDefault();
        const keep = [], end = [];
        for (const sel of form.querySelectorAll('select[data-grant]')) {
          if (sel.value) (sel.value === 'end' ? end : keep).push(sel.dataset.grant);
        }
        if (keep.length + end.length < page.grants.length) {
          status.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('error.review_incomplete')));
          return;
        }
        try {
          await authed('POST', `/api/v1/admin/units/${unit}/access-review`, { keep, end, note: note.value });
          setMeta('me', await authed('GET', '/api/v1/me')); // Today's notice of overdue reviews follows
          show(currentNav(), 'review', title, h('div', { class: 'notice', role: 'status', testid: 'review-done' },
            h('p', {}, t('review.done', { ended: end.length })), h('a', { class: 'btn', href: '#/today' }, t('nav.today'))));
        } catch (err) {
          status.replaceChildren(problem(err));
        }
      },
    },
  },
  h('table', { class: 'review-table' },
    h('caption', { class: 'sr-only' }, t('review.caption')),
    h('thead', {}, h('tr', {}, ...['review.person', 'review.role', 'review.valid_until', 'review.last_login', 'review.last_read', 'review.decision']
      .map(k => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, rows)),
  h('div', { class: 'field' }, h('label', { for: note.id }, t('review.note')), note),
  status,
  h('button', { class: 'btn primary', type: 'submit', testid: 'review-submit' }, t('review.submit')));
  show(nav, 'review', back('#/today', t('nav.today')), title,
    h('p', { class: 'lead', testid: 'review-unit' }, names.get(unit) || ''),
    h('p', { testid: 'review-due', dataset: { overdue: String(page.overdue) } },
      page.overdue ? badge(t('review.overdue'), 'warn') : null, ' ',
      t('review.due', { at: fmtDateTime(page.due_at) }),
      page.last_review ? ` · ${t('review.last', { at: fmtDateTime(page.last_review.at) })}` : ''),
    page.grants.length ? form : empty(t('review.none')));
}

function reviewRow(g, names) {
  const id = `decision-${g.grant_id}`;
  const decision = h('select', { id, testid: id, dataset: { grant: g.grant_id } },
    h('option', { value: '' }, t('form.choose')),
    h('option', { value: 'keep' }, t('review.keep')),
    h('option', { value: 'end' }, t('review.end')));
  return h('tr', { testid: `review-${g.grant_id}` },
    h('th', { scope: 'row' }, g.name || g.user_id),
    h('td', { dataset: { label: t('review.role') } }, role(g.role), g.unit_id && names.has(g.unit_id) ? h('span', { class: 'meta' }, ` · ${names.get(g.unit_id)}`) : null),
    h('td', { dataset: { label: t('review.valid_until') } }, fmtDateTime(g.valid_until)),
    h('td', { dataset: { label: t('review.last_login') } }, when(g.last_login_at)),
    h('td', { dataset: { label: t('review.last_read') } }, when(g.last_read_at)),
    h('td', {}, h('label', { for: id, class: 'sr-only' }, t('review.decision_for', { name: g.name || g.user_id })), decision));
}
