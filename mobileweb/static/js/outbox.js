// The outbox: changes made on the phone, waiting to be pushed, in the order they were
// made. Entries get their mutation id only at push time (see sync.js).
import { db } from './db.js';
import { broadcast } from './bus.js';
import { nowISO } from './time.js';
import { uuidv7 } from './uuid.js';

// The id each mutation creates; a re-sent change gets a fresh one.
const CREATED_ID = {
  'journal.note.add': 'note_id',
  'journal.note.correct': 'correction_id',
  'signing.sign': 'signature_id',
  'deviation.report': 'deviation_id',
  'deviation.analyse': null,
  'message.send': 'message_id',
  'access.viewed': 'view_id',
};

export async function enqueue(name, args) {
  const entry = { name, args, client_time: nowISO(), mutation_id: null };
  const localId = await (await db()).add('outbox', entry);
  broadcast('outbox-changed');
  return localId;
}

export async function outboxEntries() { return (await db()).getAll('outbox'); }
export async function outboxCount() { return (await db()).count('outbox'); }
export async function attentionEntries() { return (await db()).getAll('attention'); }
export async function attentionCount() { return (await db()).count('attention'); }

// pendingFor lists the waiting changes of one mutation name, for screens to show them
// before the server has them ("väntar på synk").
export async function pendingFor(name, pred = () => true) {
  return (await outboxEntries()).filter(e => e.name === name && pred(e.args));
}

// resend puts an edited copy of a rejected change back in the outbox as a new mutation.
export async function resend(localId, args) {
  const d = await db();
  const tx = d.transaction(['attention', 'outbox'], 'readwrite');
  const item = await tx.objectStore('attention').get(localId);
  if (!item) { await tx.done; return; }
  const idField = CREATED_ID[item.name];
  const next = { ...args };
  if (idField) next[idField] = uuidv7();
  if (item.name === 'access.viewed') next.viewed_at = nowISO();
  await tx.objectStore('outbox').add({ name: item.name, args: next, client_time: nowISO(), mutation_id: null });
  await tx.objectStore('attention').delete(localId);
  await tx.done;
  broadcast('outbox-changed');
}

export async function discard(localId) {
  await (await db()).delete('attention', localId);
  broadcast('outbox-changed');
}
