// The outbox: changes made on the phone, waiting to be pushed, in the order they were
// made. Entries get their mutation id only at push time (see transfer.js).
import { db } from './db.js';
import { broadcast } from './bus.js';
import { nowISO } from './time.js';
import { uuidv7 } from './uuid.js';

// The id of the record each mutation creates. A re-sent change is a new mutation and
// gets a fresh one (the old id may be taken: a conflict); every other argument stays as
// the person made it. access.viewed creates no record: its view_id names the read, which
// the server logs once, so a re-sent read keeps its view_id and its viewed_at (the read
// happened then, not when it was sent again).
const CREATED_ID = {
  'journal.note.add': 'note_id',
  'journal.note.correct': 'correction_id',
  'journal.close': null, // the journal's id is the client's (uuid.js named)
  'signing.sign': 'signature_id',
  'signing.follow_up': 'follow_up_id',
  'deviation.report': 'deviation_id',
  'deviation.analyse': null,
  'message.send': 'message_id',
  'access.viewed': null,
};

export async function enqueue(name, args) {
  const entry = { name, args, client_time: nowISO(), mutation_id: null };
  const localId = await (await db()).add('outbox', entry);
  broadcast('outbox-changed');
  return localId;
}

// enqueueAll puts changes of one name in the outbox, in order, in one transaction.
export async function enqueueAll(name, argsList) {
  if (!argsList.length) return;
  const tx = (await db()).transaction('outbox', 'readwrite');
  const clientTime = nowISO();
  for (const args of argsList) tx.store.add({ name, args, client_time: clientTime, mutation_id: null });
  await tx.done;
  broadcast('outbox-changed');
}

export async function outboxEntries() { return (await db()).getAll('outbox'); }
export async function outboxCount() { return (await db()).count('outbox'); }

// outboxCounts splits the outbox into the user's changes and the reads the read log
// waits for (access.viewed): the sync status counts only what the user changed.
export async function outboxCounts() {
  let changes = 0, reads = 0;
  for (const e of await outboxEntries()) {
    if (e.name === 'access.viewed') reads++; else changes++;
  }
  return { changes, reads };
}
export async function attentionEntries() { return (await db()).getAll('attention'); }
export async function attentionCount() { return (await db()).count('attention'); }

// pendingFor lists the waiting changes of one mutation name, for screens to show them
// before the server has them ("väntar på synk"). A change the server has applied stays
// among them until the pull has brought its record (AWAITING_PULL): in between, a dose
// signed and sent would otherwise read as due again.
export async function pendingFor(name, pred = () => true) {
  const d = await db();
  const [waiting, applied] = await Promise.all([d.getAll('outbox'), d.get('meta', AWAITING_PULL)]);
  return [...waiting, ...(applied || [])].filter(e => e.name === name && pred(e.args));
}

// AWAITING_PULL is the meta key of the changes the server has applied in this sync round,
// kept (transfer.js) until the round's pull, which brings their records, has finished.
export const AWAITING_PULL = 'awaiting_pull';

// forgetApplied forgets the applied changes once a pull has reached the server's head.
export async function forgetApplied() { await (await db()).delete('meta', AWAITING_PULL); }

// resend puts a copy of a rejected change back in the outbox as a new mutation: args are
// the entry's arguments with what the person edited (the attention screen passes them
// whole); only the id of the record it creates is new (see CREATED_ID). The mutation id
// is given at push time, as for every entry; client_time is the phone's time of sending
// again (the server checks it against its clock).
export async function resend(localId, args) {
  const d = await db();
  const tx = d.transaction(['attention', 'outbox'], 'readwrite');
  const item = await tx.objectStore('attention').get(localId);
  if (!item) { await tx.done; return; }
  const idField = CREATED_ID[item.name];
  const next = { ...item.args, ...args };
  if (idField) next[idField] = uuidv7();
  await tx.objectStore('outbox').add({ name: item.name, args: next, client_time: nowISO(), mutation_id: null });
  await tx.objectStore('attention').delete(localId);
  await tx.done;
  broadcast('outbox-changed');
}

// A resend can succeed only after these: the network or the server failed, a clock was
// wrong (a resend has a new client_time), a journal closed that may open again. A
// conflict (someone else changed the same thing first) can be sent again too, except a
// signature already saved (signature_exists: sending it again would sign twice) and a
// signing already followed up (already_followed_up: the nurse reads the follow-up on the
// overview, and follows up anew there if the alert opens again). Never
// a refusal of the change itself: no_delegation, delegation_revoked, forbidden,
// list_not_found and the like. invalid_args (and invalid_text) only when the person can
// correct every field it names (editable: the fields the attention screen lets them
// edit). The one list: screens ask canResend().
export const RETRYABLE_CODES = ['network', 'internal_error', 'unavailable', 'busy', 'request_timeout', 'too_many_requests', 'invalid_client_time', 'journal_closed'];
const FIXABLE_CODES = ['invalid_args', 'invalid_text'];

export function canResend(entry, editable = []) {
  const code = (entry.error && entry.error.code) || '';
  if (entry.status === 'conflict') return !['signature_exists', 'already_followed_up'].includes(code);
  if (RETRYABLE_CODES.includes(code)) return true;
  if (!FIXABLE_CODES.includes(code)) return false;
  const fields = Object.keys((entry.error && entry.error.fields) || {});
  return fields.length > 0 && fields.every(f => editable.includes(f));
}

// markSeen records that the user has seen a refusal where it happened (on the dose): it
// stays in needs attention, but no longer shows in red on the dose.
export async function markSeen(localId) {
  const d = await db();
  const tx = d.transaction('attention', 'readwrite');
  const item = await tx.store.get(localId);
  if (item && !item.seen_at) await tx.store.put({ ...item, seen_at: nowISO() });
  await tx.done;
}

export async function discard(localId) {
  await (await db()).delete('attention', localId);
  broadcast('outbox-changed');
}
