// Administration over HTTP (API.md, "Putting Vardag into service"): the organisation,
// accounts, grants and their approvals, the access review (behörighetskontroll) and the
// import of a unit's staff. None of it goes through the outbox: an administrative act is
// done when the server has answered, and the screens say so only then. Nothing of it is
// kept on the phone.
import { authed } from './api.js';
import { hasRole } from './data.js';

const q = params => {
  const s = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  return s ? `?${s}` : '';
};
const at = id => encodeURIComponent(id);

export const org = () => authed('GET', '/api/v1/admin/org');
// me tells, among the rest, the units whose access review is overdue.
export const me = () => authed('GET', '/api/v1/me');
export const createProvider = body => authed('POST', '/api/v1/admin/providers', body);
export const createUnit = body => authed('POST', '/api/v1/admin/units', body);
export const endProvider = (id, endsAt) => authed('POST', `/api/v1/admin/providers/${at(id)}/end`, { ends_at: endsAt });

export const people = unitId => authed('GET', `/api/v1/admin/users${q({ unit_id: unitId })}`);
export const createUser = body => authed('POST', '/api/v1/admin/users', body);
export const newActivation = userId => authed('POST', `/api/v1/admin/users/${at(userId)}/activation`);
export const unlock = userId => authed('POST', `/api/v1/admin/users/${at(userId)}/unlock`);
// The acts on one account (a person's screen): each is offered only when the people list
// said may_administer (or may_end_sessions for sessions and phones).
export const setDisabled = (userId, disabled) => authed('POST', `/api/v1/admin/users/${at(userId)}/${disabled ? 'disable' : 'enable'}`);
export const resetPassword = (userId, newPassword) => authed('POST', `/api/v1/admin/users/${at(userId)}/password`, { new_password: newPassword });
export const recordTraining = (userId, completedAt) => authed('POST', `/api/v1/admin/users/${at(userId)}/training`, completedAt ? { completed_at: completedAt } : {});
export const bindToken = (userId, serial) => authed('POST', `/api/v1/admin/users/${at(userId)}/token`, { serial });
export const sessions = userId => authed('GET', `/api/v1/admin/users/${at(userId)}/sessions`);
export const revokeSession = id => authed('POST', `/api/v1/admin/sessions/${at(id)}/revoke`);
export const revokeDevice = id => authed('POST', `/api/v1/admin/devices/${at(id)}/revoke`);

// temporaryPassword is a password for a reset, made on this computer and shown once: 20
// letters and digits without look-alikes (0/O, 1/l), in groups of five for reading aloud.
export function temporaryPassword() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  const chars = [...bytes].map(b => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map(i => chars.slice(i, i + 5).join('')).join('-');
}

export const grant = body => authed('POST', '/api/v1/admin/grants', body);
export const pendingGrants = () => authed('GET', '/api/v1/admin/grants?status=pending');
// decide is approve, reject {reason}, extend {valid_until} or end {reason}.
export const decide = (grantId, action, body = {}) => authed('POST', `/api/v1/admin/grants/${at(grantId)}/${action}`, body);

export const review = unitId => authed('GET', `/api/v1/admin/units/${at(unitId)}/access-review`);
export const saveReview = (unitId, body) => authed('POST', `/api/v1/admin/units/${at(unitId)}/access-review`, body);

// importStaff sends a CSV (username;name;phone per line); dryRun checks it and creates
// nothing.
export const importStaff = ({ unitId, role, validUntil, dryRun }, csv) =>
  authed('POST', `/api/v1/admin/users/import${q({ unit_id: unitId, role, valid_until: validUntil, dry_run: String(dryRun) })}`, csv, { type: 'text/csv' });

// The roles a user may grant in a unit they hold roles in (DESIGN.md, "Administration"):
// an administrator any, a unit manager every role below their own, a unit representative
// care staff only.
const MANAGER_GRANTS = ['care_staff', 'licensed', 'coordinator', 'unit_representative'];
export const ALL_ROLES = ['care_staff', 'licensed', 'coordinator', 'unit_representative', 'unit_manager'];

export function grantableRoles(user, unitId) {
  if (user.roles.some(r => r.role === 'administrator')) return ALL_ROLES;
  const here = user.roles.filter(r => r.unit_id === unitId).map(r => r.role);
  if (here.includes('unit_manager')) return MANAGER_GRANTS;
  if (here.includes('unit_representative')) return ['care_staff'];
  return [];
}

// administers tells whether the user has any administration to do: the tab is shown.
export function administers(user) {
  return !!user && ['administrator', 'unit_manager', 'unit_representative'].some(r => hasRole(user, r));
}

export function isAdministrator(user) { return hasRole(user, 'administrator'); }

// oneYearAhead is the latest valid_until a grant may have (a date, YYYY-MM-DD).
export function oneYearAhead(from = new Date()) {
  const d = new Date(from);
  d.setFullYear(d.getFullYear() + 1);
  d.setDate(d.getDate() - 1);
  return d.toISOString().slice(0, 10);
}

// endOfDay turns a date field's YYYY-MM-DD into the instant the grant runs to.
export function endOfDay(day) { return new Date(`${day}T23:59:59`).toISOString().replace(/\.\d{3}Z$/, 'Z'); }
