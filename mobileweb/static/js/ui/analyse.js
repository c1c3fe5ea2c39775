// For unit managers (enhetschef): deviations to analyse — consequence, causes, actions,
// the lex Sarah / lex Maria assessment, and closing. A deviation's report and analysis
// are its client's data: each opening (the list, a deviation opened) logs a deviation
// read per client shown (readlog.js); a deviation on a unit names no client.
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { clients } from '../data.js';
import { enqueue, pendingFor } from '../outbox.js';
import { logReads } from '../readlog.js';
import { fmtDateTime } from '../time.js';
import { LEX, ANALYSIS_STATUSES } from '../codes.js';
import { show, currentNav, badge, empty, markDirty } from './view.js';

export async function render(openId) {
  const nav = currentNav(); // first: see show()
  const [devs, analyses, clientList, pending, msgs, user] = await Promise.all([byKind('deviation'), byKind('deviation_analysis'), clients(), pendingFor('deviation.analyse'), byKind('message'), getMeta('user')]);
  // The client's name as this phone knows them, else as the deviation's message names
  // them to the unit's managers (a health-care unit may hold no grant for the client's).
  const names = new Map(msgs.map(r => r.data).filter(m => m.client_name).map(m => [m.client_id, m.client_name]));
  for (const c of clientList) names.set(c.client_id, c.name);
  const analysis = new Map(analyses.map(r => [r.data.deviation_id, r.data]));
  // The deviation opened (from its message) first, then the open ones, newest first.
  const list = devs.map(r => r.data)
    .map(d => ({ d, a: analysis.get(d.deviation_id), p: pending.some(e => e.args.deviation_id === d.deviation_id) }))
    .sort((x, y) => Number(y.d.deviation_id === openId) - Number(x.d.deviation_id === openId) || Number(x.a?.status === 'closed') - Number(y.a?.status === 'closed') || (y.d.occurred_at || '').localeCompare(x.d.occurred_at || ''));
  await logReads(nav, 'analyse', list.map(({ d }) => ['deviation', d.client_id]));
  show(nav, 'analyse',
    h('h1', {}, t('analyse.title')),
    list.length ? h('ul', { class: 'cards' }, list.map(({ d, a, p }) => h('li', { class: `card${a ? '' : ' new'}`, testid: `deviation-${d.deviation_id}` },
      h('div', { class: 'card-head' },
        h('strong', {}, d.client_id ? (names.get(d.client_id) || '') : t('analyse.unit_deviation')),
        badge(a ? tOr(`analyse.status.${a.status}`, a.status) : t('analyse.status.new'), a?.status === 'closed' ? 'ok' : 'new'),
        p ? badge(t('common.pending'), 'pending') : null),
      h('p', { class: 'meta' }, `${tOr(`deviation.type.${d.type}`, d.type)} · ${tOr(`activity.${d.activity}`, d.activity)} · ${tOr(`deviation.area.${d.area}`, d.area)} · ${fmtDateTime(d.occurred_at)}`),
      h('p', {}, d.course_of_events),
      d.suggested_action ? h('p', { class: 'meta' }, `${t('deviation.suggested')}: ${d.suggested_action}`) : null,
      a?.status === 'closed' ? h('p', { class: 'meta' }, `${t('analyse.consequence')}: ${a.consequence}`) : !mayAnalyse(user, d) ? null : openId === d.deviation_id ? form(d, a) : h('a', { class: 'btn', href: `#/analyse/${d.deviation_id}`, testid: `analyse-${d.deviation_id}` }, a ? t('analyse.edit') : t('analyse.start'))))) : empty(t('analyse.none')));
}

// mayAnalyse: the unit's manager analyses a deviation, for health care (HSL) its
// licensed staff too; the phone offers the form to no one else (the server refuses them).
function mayAnalyse(user, d) {
  const roles = (user?.roles || []).filter(r => r.unit_id === d.unit_id).map(r => r.role);
  return roles.includes('unit_manager') || (d.activity === 'HSL' && roles.includes('licensed'));
}

function form(d, a = {}) {
  const area = (name, testid) => { const x = h('textarea', { rows: '3', testid }); x.value = a[name] || ''; return x; };
  const consequence = area('consequence', 'ana-consequence');
  const analysis = area('analysis', 'ana-analysis');
  const actions = area('actions', 'ana-actions');
  const lex = h('select', { testid: 'ana-lex' }, LEX.map(x => h('option', { value: x }, tOr(`analyse.lex.${x}`, x))));
  lex.value = a.lex_sarah_or_maria || 'none';
  const status = h('select', { testid: 'ana-status' }, ANALYSIS_STATUSES.map(x => h('option', { value: x }, tOr(`analyse.status.${x}`, x))));
  status.value = a.status || 'investigating';
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  return markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        const missing = [[consequence, 'analyse.consequence'], [analysis, 'analyse.analysis'], [actions, 'analyse.actions']].filter(([x]) => !x.value.trim()).map(([, k]) => t(k));
        if (missing.length) { err.hidden = false; err.textContent = t('form.missing', { fields: missing.join(', ') }); announce(err.textContent); return; }
        await enqueue('deviation.analyse', { deviation_id: d.deviation_id, consequence: consequence.value.trim(), analysis: analysis.value.trim(), actions: actions.value.trim(), lex_sarah_or_maria: lex.value, status: status.value });
        announce(t('analyse.saved'));
        location.hash = '#/analyse';
      },
    },
  },
  field(t('analyse.consequence'), consequence, { required: true }),
  field(t('analyse.analysis'), analysis, { required: true }),
  field(t('analyse.actions'), actions, { required: true }),
  field(t('analyse.lex'), lex),
  field(t('analyse.status'), status),
  err,
  h('button', { class: 'btn primary', type: 'submit', testid: 'ana-submit' }, t('analyse.save'))));
}
