// Reading the care data out of the local store for the screens.
import { byKind, byClient, getRecord } from './db.js';
import { localDay, stockholmToUTC, isoSeconds, fmtTime } from './time.js';
import { label, tOr } from './i18n.js';
import { pendingFor } from './outbox.js';

export function hasRole(user, role) {
  return !!(user && (user.roles || []).some(r => r.role === role));
}

// mayEditLists tells whether the user is licensed staff of the unit: the only one the
// server lets save a signing list there (ui/listedit.js).
export function mayEditLists(user, unitId) {
  return (user?.roles || []).some(r => r.role === 'licensed' && r.unit_id === unitId);
}

// The unit the user works in now: a person with roles in several units chooses it (the
// unit chooser in the menu), and the tabs show what the roles there give. The choice is
// kept on the phone (a unit's id, nothing personal); the first unit until one is chosen.
const UNIT_KEY = 'vardag.unit.';

// unitChoices are the user's units with their names, by name (the server's roles come
// in no set order).
export function unitChoices(user) {
  const seen = new Map();
  for (const r of (user && user.roles) || []) if (r.unit_id && !seen.has(r.unit_id)) seen.set(r.unit_id, r.unit_name || r.unit_id);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'sv') || a.id.localeCompare(b.id));
}

export function currentUnit(user) {
  const units = unitChoices(user);
  let saved = null;
  try { saved = localStorage.getItem(UNIT_KEY + (user && user.id)); } catch { /* no storage: the first unit */ }
  return units.find(u => u.id === saved) || units[0] || null;
}

export function setCurrentUnit(user, unitId) {
  try { localStorage.setItem(UNIT_KEY + user.id, unitId); } catch { /* kept for this page only */ }
}

// hasRoleHere tells whether the user has role in the current unit (or, for the
// administrator, a role that names no unit).
export function hasRoleHere(user, role) {
  const unit = currentUnit(user);
  return !!user && (user.roles || []).some(r => r.role === role && (!r.unit_id || (unit && r.unit_id === unit.id)));
}

export function unitsOf(user) {
  return [...new Set((user.roles || []).map(r => r.unit_id))];
}

export async function clients() {
  return (await byKind('client')).map(r => r.data).sort((a, b) => (a.name || '').localeCompare(b.name || '', 'sv'));
}

export async function client(id) {
  const r = await getRecord('client', id);
  return r ? r.data : null;
}

// users is a map user id → display name (the caller and colleagues).
export async function users() {
  return new Map((await byKind('user')).map(r => [r.data.user_id || r.id, r.data.name]));
}

// referenceList finds the items of one reference list kind (keywords, phrase_texts, …).
export async function referenceList(kind) {
  const lists = (await byKind('reference_list')).map(r => r.data).filter(l => l.kind === kind);
  return lists.flatMap(l => l.items || []);
}

// measureKinds names the measures of signing lists (läkemedel, insulin, …): by the
// municipality's reference list in the user's language, a kind not on it by the app's
// own words, and only a kind neither knows by its code.
export async function measureKinds() {
  const items = new Map((await referenceList('measure_kinds')).map(i => [i.code, i]));
  return code => (items.has(code) ? label(items.get(code)) : tOr(`measure_kind.${code}`, code));
}

// occurrencesToday expands a client's signing lists into today's occurrences (Stockholm
// day), with their signatures. allLists: every signing_list record, when the caller has
// read them already (the today screen asks for many clients).
export async function occurrencesToday(clientId, allLists) {
  const [listRecs, sigRecs] = await Promise.all([
    allLists ? allLists.filter(r => r.client_id === clientId) : byClient(clientId, 'signing_list'),
    byClient(clientId, 'signature'),
  ]);
  const now = Date.now();
  const lists = listRecs.map(r => r.data).filter(list => !(list.valid_until && Date.parse(list.valid_until) < now) &&
    !(list.valid_from && Date.parse(list.valid_from) > now + 86400000));
  return expand(lists, sigRecs.map(r => r.data), localDay());
}

// occurrencesOn is a client's occurrences of one Stockholm day (YYYY-MM-DD) for the
// signing history (signeringshistorik): each time of the lists valid that day, with its
// signatures, and each as-needed (vid behov) measure signed that day as its own.
export async function occurrencesOn(clientId, day) {
  const [listRecs, sigRecs] = await Promise.all([byClient(clientId, 'signing_list'), byClient(clientId, 'signature')]);
  const start = stockholmToUTC(day, '00:00');
  const end = stockholmToUTC(nextDay(day), '00:00');
  const lists = listRecs.map(r => r.data).filter(list => !(list.valid_until && Date.parse(list.valid_until) <= start) &&
    !(list.valid_from && Date.parse(list.valid_from) >= end));
  const signatures = sigRecs.map(r => r.data);
  const out = expand(lists, signatures, day);
  for (const list of lists) {
    for (const m of (list.measures || []).filter(x => x.prn)) {
      const dues = new Set(signatures.filter(s => s.measure_id === m.measure_id && Date.parse(s.due_at) >= start && Date.parse(s.due_at) < end).map(s => s.due_at));
      for (const due of dues) {
        out.push({ list, measure: m, time: fmtTime(due), due, prn: true, signatures: signatures.filter(s => s.measure_id === m.measure_id && s.due_at === due) });
      }
    }
  }
  return out.sort((a, b) => a.due.localeCompare(b.due));
}

// nextDay is the calendar day after day (YYYY-MM-DD).
export function nextDay(day, by = 1) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + by)).toISOString().slice(0, 10);
}

// expand gives the timed (not as-needed) occurrences of lists on day, with the signatures
// of each; sorted by due time.
function expand(lists, signatures, day) {
  const out = [];
  for (const list of lists) {
    for (const m of list.measures || []) {
      if (m.prn) continue;
      for (const time of m.times || []) {
        const due = isoSeconds(stockholmToUTC(day, time));
        const sigs = signatures.filter(s => s.measure_id === m.measure_id && Date.parse(s.due_at) === Date.parse(due));
        out.push({ list, measure: m, time, due, signatures: sigs });
      }
    }
  }
  return out.sort((a, b) => a.due.localeCompare(b.due));
}

export function notesOf(recs) {
  return recs.filter(r => r.kind === 'journal_note').map(r => r.data);
}

export function correctionsOf(recs) {
  return recs.filter(r => r.kind === 'note_correction').map(r => r.data);
}

// journalState: closed once the server's journal record says so (or the authority sent
// the client with a closed journal); closing while a journal.close waits in the outbox.
export async function journalState(c) {
  const [recs, pending] = await Promise.all([byKind('journal'), pendingFor('journal.close', a => a.client_id === c.client_id)]);
  const rec = recs.map(r => r.data).find(j => j.client_id === c.client_id);
  return { closed: c.journal_open === false || (rec && rec.status === 'closed'), closing: pending.length > 0 };
}

