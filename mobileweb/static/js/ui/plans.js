// The coordinator's list of implementation plans (#/plans/<unit>), reached from Today and
// the statistics: drafts to establish (upprätta), follow-ups due within two weeks or
// overdue (uppföljning), and assignments with no plan yet. Each row opens the client's
// plan. For the unit's coordinators and managers.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { clients as allClients } from '../data.js';
import { localDay } from '../time.js';
import { allPlans, rolesIn, ESTABLISHERS, followUpDue } from '../plans.js';
import { show, currentNav, back, badge, empty } from './view.js';

const SOON_DAYS = 14;

// planUnits are the units whose plans the user establishes and follows up.
export function planUnits(user) {
  return [...new Set(((user && user.roles) || []).filter(r => r.unit_id && ESTABLISHERS.includes(r.role)).map(r => r.unit_id))];
}

export async function render(unitId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const units = planUnits(user);
  const unit = units.includes(unitId) ? unitId : units[0];
  if (!unit || !rolesIn(user, unit).some(r => ESTABLISHERS.includes(r))) {
    return show(nav, 'plans', back('#/today', t('nav.today')), h('h1', {}, t('plans.title')), h('p', { class: 'empty' }, t('plans.not_yours')));
  }
  const [plans, assignmentRecs, people] = await Promise.all([allPlans(p => p.unit_id === unit && !p.ends_on), byKind('assignment'), allClients()]);
  const names = new Map(people.map(c => [c.client_id, c.name]));
  const today = localDay();
  const soon = localDay(new Date(Date.now() + SOON_DAYS * 86400000));
  const toEstablish = plans.filter(x => x.draft);
  const dueSoon = plans.filter(x => followUpDue(x.plan, soon)).sort((a, b) => a.plan.next_follow_up_by.localeCompare(b.plan.next_follow_up_by));
  const planned = new Set(plans.map(x => x.plan.assignment_id));
  const without = assignmentRecs.map(r => r.data).filter(a => a.unit_id === unit && !planned.has(a.assignment_id) && a.status !== 'ended');
  const row = (clientId, testid, ...rest) => h('li', {}, h('a', { class: 'row-link', href: `#/plan/${clientId}`, testid },
    h('strong', {}, names.get(clientId) || ''), ...rest));
  show(nav, 'plans',
    back('#/today', t('nav.today')),
    h('h1', {}, t('plans.title')),
    h('section', { 'aria-labelledby': 'h-to-establish' }, h('h2', { id: 'h-to-establish' }, t('plans.to_establish')),
      toEstablish.length ? h('ul', { class: 'list', testid: 'plans-to-establish' }, toEstablish.map(x => row(x.plan.client_id, `plans-draft-${x.plan.plan_id}`,
        h('span', { class: 'meta' }, ` ${t('plan.version', { n: x.draft.version })}`), x.pending.length ? badge(t('common.pending'), 'pending') : null)))
        : empty(t('plans.none_to_establish'))),
    h('section', { 'aria-labelledby': 'h-due' }, h('h2', { id: 'h-due' }, t('plans.follow_ups_due')),
      dueSoon.length ? h('ul', { class: 'list', testid: 'plans-due' }, dueSoon.map(x => row(x.plan.client_id, `plans-due-${x.plan.plan_id}`,
        h('span', { class: 'meta' }, ` ${t('plan.next_follow_up', { date: x.plan.next_follow_up_by })}`),
        x.plan.next_follow_up_by < today ? badge(t('plans.overdue'), 'warn') : null)))
        : empty(t('plans.none_due'))),
    h('section', { 'aria-labelledby': 'h-without' }, h('h2', { id: 'h-without' }, t('plans.without_plan')),
      without.length ? h('ul', { class: 'list', testid: 'plans-without' }, without.map(a => row(a.client_id, `plans-without-${a.assignment_id}`)))
        : empty(t('plans.none_without'))));
}
