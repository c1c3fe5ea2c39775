// The implementation plans (genomförandeplaner) in the local store, for the screens: each
// plan with its versions (plan_version records), the latest established version (what the
// care worker does at a visit), the current draft, and the plan changes still waiting in
// the outbox. A change is shown as done only once the server's record has come back.
import { byKind } from './db.js';
import { pendingFor } from './outbox.js';

export const PLAN_MUTATIONS = ['plan.save', 'plan.establish', 'plan.follow_up', 'plan.end'];
export const DRAFTERS = ['care_staff', 'coordinator', 'unit_manager'];
export const ESTABLISHERS = ['coordinator', 'unit_manager'];

// rolesIn are the user's roles in a unit.
export function rolesIn(user, unitId) {
  return ((user && user.roles) || []).filter(r => r.unit_id === unitId).map(r => r.role);
}

// allPlans reads every plan with its versions, the waiting changes of each, and (for
// pred) only those plans that pass.
export async function allPlans(pred = () => true) {
  const [planRecs, versionRecs, ...waiting] = await Promise.all([byKind('plan'), byKind('plan_version'), ...PLAN_MUTATIONS.map(n => pendingFor(n))]);
  const versions = new Map();
  for (const r of versionRecs) {
    const v = r.data;
    if (!versions.has(v.plan_id)) versions.set(v.plan_id, []);
    versions.get(v.plan_id).push(v);
  }
  const pending = waiting.flat();
  return planRecs.map(r => r.data).filter(pred).map(p => {
    const vs = (versions.get(p.plan_id) || []).sort((a, b) => a.version - b.version);
    return {
      plan: p,
      versions: vs,
      established: vs.filter(v => v.status === 'established' && v.version === p.established_version)[0] || null,
      draft: p.status === 'draft' ? vs.find(v => v.version === p.version) || null : null,
      pending: pending.filter(e => e.args.plan_id === p.plan_id),
    };
  });
}

// plansOf are a client's plans.
export function plansOf(clientId) { return allPlans(p => p.client_id === clientId); }

// newPlansWaiting are plan.save changes of plans the phone has no record of yet.
export async function newPlansWaiting(pred = () => true) {
  const known = new Set((await byKind('plan')).map(r => r.id));
  return (await pendingFor('plan.save', a => !known.has(a.plan_id))).filter(e => pred(e.args));
}

// followUpDue tells whether an established plan's next follow-up is due by day (YYYY-MM-DD).
export function followUpDue(p, day) {
  return !p.ends_on && !!p.established_version && !!p.next_follow_up_by && p.next_follow_up_by <= day;
}
