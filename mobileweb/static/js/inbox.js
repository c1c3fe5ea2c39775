// The user's messages as the Messages screen and the tab's unread count see them: the
// messages pulled and those waiting to be sent, newest first; which the user has read
// (her receipts, and reads still in the outbox); and, for what she sent, who has read it
// (the receipts the server sends the sender: läskvitton).
import { byKind } from './db.js';
import { pendingFor } from './outbox.js';

export async function inbox(user) {
  const [msgs, receipts, pendingSent, pendingRead] = await Promise.all([
    byKind('message'), byKind('message_receipt'), pendingFor('message.send'), pendingFor('message.read'),
  ]);
  const read = new Set(pendingRead.map(e => e.args.message_id));
  const readers = new Map(); // message id → the others' receipts, first read first
  for (const r of receipts.map(x => x.data)) {
    if (r.reader_id === user.id) { read.add(r.message_id); continue; }
    if (!readers.has(r.message_id)) readers.set(r.message_id, []);
    readers.get(r.message_id).push(r);
  }
  for (const list of readers.values()) list.sort((a, b) => (a.read_at || '').localeCompare(b.read_at || ''));
  const all = [
    ...pendingSent.map(e => ({ ...e.args, from_user_id: user.id, sent_at: e.client_time, pending: true })),
    ...msgs.map(r => r.data),
  ].sort((a, b) => (b.sent_at || '').localeCompare(a.sent_at || ''));
  const isUnread = m => m.from_user_id !== user.id && !m.pending && !read.has(m.message_id);
  return { all, readers, isUnread };
}

// unreadCount is the number of messages to the user she has not read.
export async function unreadCount(user) {
  const { all, isUnread } = await inbox(user);
  return all.filter(isUnread).length;
}
