// The review of a unit's administration (#/audit/<unit_id>[/<from>/<to>]): who created
// which account, gave, approved, extended or ended which grant, and made the access
// reviews, from the append-only audit trail, for the unit's manager and the
// administrator — as the read log is reviewed. A period narrows it.
import { h, field } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { authed } from '../api.js';
import { currentNav, back } from './view.js';
import { screen, table } from './adminkit.js';
import { fmtDateTime } from '../time.js';

export async function render(unitId, from = '', to = '') {
  const nav = currentNav(); // first: see show()
  const q = new URLSearchParams();
  if (from) q.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) q.set('to', new Date(`${to}T23:59:59`).toISOString());
  const head = [back(`#/unit/${unitId}`, t('admin.unit.back')), h('h1', {}, t('admin.audit.title'))];
  await screen(nav, 'audit', head, () => authed('GET', `/api/v1/admin/units/${encodeURIComponent(unitId)}/audit${q.size ? `?${q}` : ''}`), r => {
    const fromIn = h('input', { type: 'date', testid: 'audit-from', value: from });
    const toIn = h('input', { type: 'date', testid: 'audit-to', value: to });
    const period = h('form', { class: 'row', testid: 'audit-period', on: { submit: e => { e.preventDefault(); location.hash = `#/audit/${encodeURIComponent(unitId)}/${fromIn.value}/${toIn.value}`; } } },
      field(t('admin.audit.from'), fromIn), field(t('admin.audit.to'), toIn),
      h('button', { class: 'btn', type: 'submit', testid: 'audit-show' }, t('admin.audit.show')));
    const acts = (r.acts || []).slice().reverse(); // newest first
    return [period, acts.length
      ? table('audit-acts', t('admin.audit.caption'), [t('admin.audit.when'), t('admin.audit.what'), t('admin.audit.by'), t('admin.audit.on')],
        acts.map((a, i) => ({ testid: `audit-act-${i}`, cells: [fmtDateTime(a.at), tOr(`admin.act.${a.act}`, t('admin.act.other')), a.by_name || '', a.user_name || ''] })))
      : h('p', { class: 'empty', testid: 'audit-none' }, t('admin.audit.none'))];
  });
}

