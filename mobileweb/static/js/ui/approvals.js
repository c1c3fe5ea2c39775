// "Väntar på mitt godkännande" (#/approvals): grants to a further unit wait until the
// manager of every unit involved has approved them (seed 003); one rejection ends them.
// Each waiting grant: who, which unit and role, until when, which units still have to
// answer; approve, or reject with a reason.
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import * as admin from '../admin.js';
import { currentNav, back } from './view.js';
import { screen, errorBox, onSubmit, roleName, day } from './adminkit.js';

export async function render() {
  const nav = currentNav(); // first: see show()
  const head = [back('#/admin', t('admin.org.title')), h('h1', {}, t('admin.approvals.title'))];
  await screen(nav, 'approvals', head, () => Promise.all([admin.pendingGrants(), admin.org()]), ([answer, o]) => {
    const grants = Array.isArray(answer) ? answer : (answer && answer.grants) || [];
    const units = unitNames(o);
    return grants.length
      ? h('ul', { class: 'cards', testid: 'approvals' }, grants.map(g => item(g, units)))
      : h('p', { class: 'empty', testid: 'approvals-none' }, t('admin.approvals.none'));
  });
}

function unitNames(o) {
  const m = new Map();
  for (const p of o.providers || []) {
    for (const u of p.units || []) {
      m.set(u.unit_id, u.name);
      for (const s of u.subunits || []) m.set(s.unit_id, s.name);
    }
  }
  return m;
}

function item(g, units) {
  const box = errorBox(`approval-error-${g.grant_id}`);
  const reason = h('input', { type: 'text', testid: `reject-reason-${g.grant_id}`, autocomplete: 'off' });
  const decided = async (action, body, text) => {
    await admin.decide(g.grant_id, action, body);
    announce(text);
    await render();
  };
  const approve = onSubmit(h('form', {}, h('button', { class: 'btn primary', type: 'submit', testid: `approve-${g.grant_id}` }, t('admin.approvals.approve'))), box,
    () => decided('approve', {}, t('admin.approvals.approved')));
  const reject = h('details', {}, h('summary', { testid: `reject-${g.grant_id}` }, t('admin.approvals.reject')),
    onSubmit(h('form', { class: 'stack' },
      field(t('admin.approvals.reason'), reason, { required: true }),
      h('button', { class: 'btn danger', type: 'submit', testid: `reject-confirm-${g.grant_id}` }, t('admin.approvals.reject_ok'))), box,
    () => decided('reject', { reason: reason.value.trim() }, t('admin.approvals.rejected'))));
  const awaiting = (g.awaiting || []).map(u => units.get(u) || t('admin.approvals.other_unit'));
  return h('li', { class: 'card', testid: `approval-${g.grant_id}` },
    h('h2', {}, g.name || g.username || ''),
    h('p', {}, t('admin.approvals.what', { role: roleName(g.role), unit: units.get(g.unit_id) || t('admin.approvals.other_unit'), date: day(g.valid_until) })),
    awaiting.length ? h('p', { class: 'meta' }, t('admin.approvals.awaiting', { units: awaiting.join(', ') })) : null,
    box,
    h('div', { class: 'actions' }, approve, reject));
}
