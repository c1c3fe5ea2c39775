// The read log (åtkomstlogg, Patientdatalagen 4 kap. 3 §): every screen that shows an
// identified client's data puts access.viewed {view_id, client_id, what, viewed_at} in
// the outbox, offline too; the server logs each view_id once, at viewed_at (when the
// screen was opened, not when the read reached the server). The screens and what they
// log:
//
//   client screen   client (the overview), journal, signing_list (the open tab)
//   correct         journal (the note to correct, for the unit manager)
//   sign            signing_list (the measure and its instruction)
//   today           assignment per client whose assignment is listed, signing_list per
//                   client whose signings of the day are listed
//   overview        signing_list per client with an alert (double signing, missed)
//   analyse         deviation per client whose deviation report is shown (a deviation
//                   on a unit, with no client, is no client's data and is not logged)
//   reports         deviation per client of the user's own reports the server has
//
// One read per client and what per opening of a screen (ui/view.js opening()): a
// re-render of the screen shown (a sync, an action on it, the language) logs only a
// client it shows for the first time in that opening; leaving and coming back, a reload
// or an unlock after the idle lock opens the screen again and logs again. The read is in
// the outbox before the screen shows it. Today's list of the unit's clients (name and
// address, to find a client by) logs nothing: opening a client logs "client".
import { enqueueAll } from './outbox.js';
import { nowISO } from './time.js';
import { uuidv7 } from './uuid.js';
import { isCurrent, opening } from './ui/view.js';

// logReads logs what the render of screen (nav: its navigation, see ui/view.js) is about
// to show: reads is a list of [what, client_id]. A render dropped for a newer navigation
// logs nothing.
// A render returns only once the reads it shows are in the outbox: its own, and those
// another render of the same opening is still saving (o.saving). A save that fails
// forgets its keys, so the next render logs them again; the failed render throws and
// shows nothing.
export async function logReads(nav, screen, reads) {
  if (!isCurrent(nav)) return;
  const o = opening(screen);
  const seen = o.reads;
  const viewedAt = nowISO();
  const fresh = [];
  const keys = [];
  for (const [what, clientId] of reads) {
    const key = `${what} ${clientId}`;
    if (!clientId || seen.has(key)) continue;
    seen.add(key); // at once: a render that runs alongside (a sync's) sees it
    keys.push(key);
    fresh.push({ view_id: uuidv7(), client_id: clientId, what, viewed_at: viewedAt });
  }
  const save = enqueueAll('access.viewed', fresh).catch(err => {
    for (const k of keys) seen.delete(k);
    throw err;
  });
  const before = o.saving || Promise.resolve();
  o.saving = Promise.allSettled([before, save]);
  await before.catch(() => {});
  await save;
}
