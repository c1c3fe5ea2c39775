// How an implementation plan's version reads (genomförandeplan): per measure of the
// assignment what, how, when and the goal, and how the client took part. Shared by the
// client's screen (the established plan first: what to do at this visit), the plan screen
// and the coordinator's list.
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { badge } from './view.js';

const PART_FIELDS = ['what', 'how', 'when', 'goal'];

// measureName is a measure of the assignment by its kind, in the user's language.
export function measureName(assignment, measureId) {
  const m = ((assignment && assignment.measures) || []).find(x => x.measure_id === measureId);
  return m ? tOr(`measure.${m.type}`, m.type) : t('plan.measure_unknown');
}

// partsView is a version's parts, one card per measure, and the client's participation.
export function partsView(v, assignment, testid) {
  return h('div', { class: 'plan-parts', testid },
    h('ul', { class: 'cards' }, (v.parts || []).map(p => h('li', { class: 'card', testid: `${testid}-part-${p.measure_id}` },
      h('h4', {}, measureName(assignment, p.measure_id)),
      h('dl', { class: 'facts' }, PART_FIELDS.filter(f => p[f]).map(f => [h('dt', {}, t(`plan.${f}`)), h('dd', { testid: `${testid}-${f}` }, p[f])]))))),
    v.client_participation ? h('p', {}, h('strong', {}, t('plan.client_participation')), ': ', v.client_participation) : null);
}

// versionHead says which version it is, its state, and who established it when.
export function versionHead(v, who) {
  const est = v.status === 'established';
  return h('p', { class: 'meta' },
    badge(est ? t('plan.status.established') : t('plan.status.draft'), est ? 'ok' : ''), ' ',
    t('plan.version', { n: v.version }),
    est ? ` · ${who.get(v.established_by) ? t('plan.established_on', { date: v.established_on, who: who.get(v.established_by) }) : t('plan.established_on_date', { date: v.established_on })}` : '',
    est && v.with_client ? ` · ${t('plan.with_client')}` : '');
}

// clientPlans is the client screen's section: each plan's established version first, what
// to do at this visit; a link to the plans for drafting and following up.
export function clientPlans(clientId, plans, assignments) {
  const est = plans.filter(x => x.established && !x.plan.ends_on);
  return h('section', { class: 'client-plan', 'aria-labelledby': 'h-plan', testid: 'client-plan' },
    h('h2', { id: 'h-plan' }, t('plan.at_this_visit')),
    est.length ? est.map(x => partsView(x.established, assignments.get(x.plan.assignment_id), `plan-established-${x.plan.plan_id}`))
      : h('p', { class: 'empty', testid: 'client-no-plan' }, t('plan.none_established')),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/plan/${clientId}`, testid: 'open-plan' }, t('plan.open'))));
}
