// A client (brukare): the health flags first (infection, hypersensitivity: set by licensed
// staff), the established implementation plan of each measure (what to do at this visit),
// then the overview (name, address, door code and key note, relatives, whether the journal is open), the
// journal timeline (genomförandejournal) with corrections shown struck through and
// still legible, and today's signing list (signeringslista) with each dose's state. Each opening puts an
// access.viewed in the outbox (readlog.js): client, journal or signing_list.
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byClient, byKind, getMeta } from '../db.js';
import { client as getClient, users, occurrencesToday, measureKinds, journalState, mayEditLists } from '../data.js';
import { pendingFor, markSeen, enqueue } from '../outbox.js';
import { announce } from '../dom.js';
import { named } from '../uuid.js';
import { confirmDialog } from './confirm.js';
import { withState, badges, signatureLines, refusal } from '../doses.js';
import { logReads } from '../readlog.js';
import { fmtDateTime } from '../time.js';
import { show, currentNav, back, badge, empty } from './view.js';
import { healthFlags } from './health.js';
import { clientPlans } from './planview.js';
import { plansOf } from '../plans.js';
import { pdfButton } from './journalpdf.js';
import { errorBox, showError } from './adminkit.js';
import { saveFile } from '../download.js';

const READ = { journal: 'journal', signing: 'signing_list' };

export async function render(clientId, what) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  if (!c) return show(nav, 'client', back('#/today'), h('h1', {}, t('client.not_found')));
  const tab = what === 'journal' || what === 'signing' ? what : null;
  await logReads(nav, 'client', [[tab ? READ[tab] : 'client', clientId]]);
  const [user, state, plans, assignmentRecs] = await Promise.all([getMeta('user'), journalState(c), plansOf(clientId), byKind('assignment')]);
  const assignments = new Map(assignmentRecs.map(r => [r.data.assignment_id, r.data]));
  const may = roleHere(user, c.unit_id);
  const header = [
    back('#/today', t('nav.today')),
    h('h1', {}, c.name),
    healthFlags(c),
    h('p', { class: 'meta' }, c.address || ''),
    access(c),
    clientPlans(clientId, plans, assignments),
    state.closed ? h('p', { class: 'notice', testid: 'journal-closed' }, t('client.journal_closed')) : null,
    !state.closed && state.closing ? h('p', { class: 'notice', testid: 'journal-closing' }, badge(t('common.pending'), 'pending'), ' ', t('journal.close.pending')) : null,
    h('div', { class: 'actions' },
      h('a', { class: `btn${tab === 'journal' ? ' current' : ''}`, href: `#/client/${clientId}/journal`, testid: 'open-journal', 'aria-current': tab === 'journal' ? 'page' : null }, t('client.journal')),
      h('a', { class: `btn${tab === 'signing' ? ' current' : ''}`, href: `#/client/${clientId}/signing`, testid: 'open-signing', 'aria-current': tab === 'signing' ? 'page' : null }, t('client.signing')),
      state.closed || state.closing ? null : h('a', { class: 'btn primary', href: `#/note/${clientId}`, testid: 'note-new' }, t('note.new')),
      h('a', { class: 'btn', href: `#/deviation/${clientId}`, testid: 'deviation-new' }, t('deviation.new')),
      may.manager ? h('a', { class: 'btn', href: `#/readlog/${c.unit_id}/${clientId}`, testid: 'client-readlog' }, t('readlog.who_read')) : null,
      may.closer ? h('a', { class: 'btn', href: `#/endmeasure/${clientId}`, testid: 'end-measure' }, t('end.open')) : null,
      may.closer ? pdfButton(clientId) : null,
      may.closer && !state.closed && !state.closing ? h('button', { class: 'btn danger', type: 'button', testid: 'journal-close', on: { click: () => closeJournal(c) } }, t('journal.close.button')) : null),
  ];
  let body = [h('p', { class: 'hint' }, t('client.choose'))];
  if (tab === 'journal') body = await journal(clientId, may.manager);
  if (tab === 'signing') body = await signing(clientId);
  if (!show(nav, 'client', ...header, ...body)) return;
  document.body.dataset.clientView = tab || '';
}

// roleHere tells what the user's roles in the client's unit let them do with the
// journal: a unit manager (enhetschef) corrects notes and reviews the read log; a manager
// or coordinator (samordnare) closes the journal. Others are not offered these.
function roleHere(user, unitId) {
  const roles = ((user && user.roles) || []).filter(r => r.unit_id === unitId).map(r => r.role);
  return { manager: roles.includes('unit_manager'), closer: roles.includes('unit_manager') || roles.includes('coordinator') };
}

// closeJournal (avsluta journal) asks first: a closed journal takes no more notes.
async function closeJournal(c) {
  if (!await confirmDialog({ title: t('journal.close.title'), lines: [t('journal.close.text', { name: c.name })], ok: t('journal.close.ok'), cancel: t('common.cancel') })) return;
  await enqueue('journal.close', { journal_id: await named(`journal/${c.client_id}`), client_id: c.client_id });
  announce(t('journal.close.queued'));
  await render(c.client_id, currentTab());
}

function currentTab() {
  const m = location.hash.match(/^#\/client\/[^/]+\/(journal|signing)/);
  return m ? m[1] : undefined;
}

// access is how the staff get in (door code, key) and whom to call: for the unit's staff.
function access(c) {
  const rows = [['door_code', c.door_code], ['key_note', c.key_note]].filter(([, v]) => v);
  const relatives = c.relatives || [];
  if (!rows.length && !relatives.length) return null;
  return h('dl', { class: 'facts client-access', testid: 'client-access' },
    rows.map(([k, v]) => [h('dt', {}, t(`client.${k}`)), h('dd', { testid: `client-${k}` }, v)]),
    relatives.length ? [h('dt', {}, t('client.relatives')), relatives.map(r => h('dd', {},
      `${r.name} (${r.relation}) `, h('a', { class: 'btn', href: `tel:${r.phone}` }, r.phone)))] : null);
}

async function journal(clientId, corrector) {
  const [noteRecs, correctionRecs, who, waiting] = await Promise.all([byClient(clientId, 'journal_note'), byClient(clientId, 'note_correction'), users(), pendingFor('journal.note.correct')]);
  const notes = noteRecs.map(r => r.data);
  const corrections = correctionRecs.map(r => r.data);
  const pending = (await pendingFor('journal.note.add', a => a.client_id === clientId)).map(e => ({ ...e.args, pending: true }));
  const all = [...pending, ...notes].sort((a, b) => (b.occurred_at || '').localeCompare(a.occurred_at || ''));
  // A lazy timeline: the newest 30, then more on request.
  const list = h('ol', { class: 'timeline', testid: 'journal' });
  const more = h('button', { class: 'btn', type: 'button', testid: 'journal-more' }, t('client.older_notes'));
  let shown = 0;
  const page = () => {
    for (const n of all.slice(shown, shown + 30)) list.append(noteItem(n, corrections.filter(x => x.note_id === n.note_id), who,
      { corrector, waiting: waiting.filter(e => e.args.note_id === n.note_id && !corrections.some(x => x.correction_id === e.args.correction_id)) }));
    shown += 30;
    more.hidden = shown >= all.length;
  };
  more.addEventListener('click', page);
  page();
  return [h('h2', {}, t('client.journal')), all.length ? list : empty(t('client.no_notes')), more];
}

// noteItem shows a note's text with each correction: the struck text stays readable
// (<del>), the new text follows (<ins>), with who corrected it, when and why. A
// correction still in the outbox is only said to wait: it is shown as done once the
// server's record has come. A unit manager gets "Rätta" on a saved note.
function noteItem(n, corrections, who, { corrector, waiting }) {
  const text = h('p', { class: 'note-text' });
  const src = n.text || '';
  const sorted = corrections.sort((a, b) => (a.server_time || '').localeCompare(b.server_time || ''));
  // Each correction strikes its part where it first stands in the note's own text (the
  // server checks that it is there), laid out in the order of the text; one whose part
  // overlaps an earlier correction's is told in its own line instead.
  const placed = [];
  const told = new Set();
  for (const c of sorted) {
    const i = c.struck_text ? src.indexOf(c.struck_text) : -1;
    const end = i + (c.struck_text || '').length;
    if (i < 0 || placed.some(p => i < p.end && end > p.i)) told.add(c);
    else placed.push({ i, end, c });
  }
  let at = 0;
  for (const { i, end, c } of placed.sort((a, b) => a.i - b.i)) {
    text.append(src.slice(at, i), h('del', { title: t('journal.struck') }, c.struck_text), c.new_text ? h('ins', {}, ` ${c.new_text}`) : '');
    at = end;
  }
  text.append(src.slice(at));
  return h('li', { class: `note${n.pending ? ' pending' : ''}`, testid: `note-${n.note_id}` },
    h('div', { class: 'card-head' },
      h('strong', {}, n.heading || ''),
      n.pending ? badge(t('common.pending'), 'pending') : null,
      corrections.length ? badge(t('journal.corrected'), 'warn') : null),
    h('p', { class: 'meta' }, fmtDateTime(n.occurred_at), n.author_id ? ` · ${who.get(n.author_id) || ''}` : '', n.author_role ? ` (${tOr(`role.${n.author_role}`, n.author_role)})` : ''),
    (n.keywords || []).length ? h('ul', { class: 'keywords' }, n.keywords.map(k => h('li', {}, k))) : null,
    text,
    corrections.map(c => h('p', { class: 'correction', testid: `correction-${c.correction_id}` },
      t('journal.correction_by', { who: who.get(c.corrected_by || c.author_id) || '', role: tOr(`role.${c.corrected_role || c.author_role}`, c.corrected_role || c.author_role || ''), time: fmtDateTime(c.server_time) }),
      c.reason ? ` – ${c.reason}` : '',
      told.has(c) ? [': ', h('del', { title: t('journal.struck') }, c.struck_text), c.new_text ? [' → ', h('ins', {}, c.new_text)] : ''] : '')),
    waiting.length ? h('p', { class: 'meta', testid: `correction-pending-${n.note_id}` }, badge(t('common.pending'), 'pending'), ' ', t('journal.correction_pending')) : null,
    corrector && !n.pending ? h('a', { class: 'btn', href: `#/correct/${n.client_id}/${n.note_id}`, testid: `correct-${n.note_id}` }, t('correct.button')) : null);
}

// signing is today's doses, each with its state in words, its signatures (who, when,
// outcome, reason, comment) and a refusal from the server in red until it is seen.
async function signing(clientId) {
  const occ = await withState(await occurrencesToday(clientId));
  const [who, kindName, c, user, listRecs, pendingLists] = await Promise.all([users(), measureKinds(), getClient(clientId), getMeta('user'),
    byClient(clientId, 'signing_list'), pendingFor('signing.list.save', a => a.client_id === clientId)]);
  // Licensed staff of the client's unit make and change its signing lists (listedit.js).
  const lists = mayEditLists(user, c?.unit_id) ? h('div', { class: 'actions', testid: 'signing-lists' },
    listRecs.map(r => r.data).filter(l => !l.valid_until || Date.parse(l.valid_until) > Date.now()).map(l => [h('a', {
      class: 'btn', href: `#/listedit/${clientId}/${l.list_id}`, testid: `list-edit-${l.list_id}`,
    }, t('listedit.edit'), ' ', h('span', { class: 'meta' }, (l.measures || []).map(m => kindName(m.kind)).join(', '))), printButton(clientId, l)]),
    h('a', { class: 'btn', href: `#/listedit/${clientId}`, testid: 'list-new' }, t('listedit.new'))) : null;
  // The signing history by day (signeringshistorik), for whoever reads the list.
  const history = h('a', { class: 'btn', href: `#/history/${clientId}`, testid: 'signing-history' }, t('history.open'));
  const waiting = pendingLists.length ? h('p', { class: 'notice', role: 'status', testid: 'list-pending' }, badge(t('listedit.pending'), 'pending')) : null;
  if (!occ.length) return [h('h2', {}, t('client.signing')), waiting, lists, empty(t('client.no_signing')), history];
  return [h('h2', {}, t('client.signing_today')), waiting, lists, history, h('ul', { class: 'cards' }, occ.map(o => {
    const signed = o.signatures.length > 0 || o.pending.length > 0;
    return h('li', { class: `card${o.unseen.length ? ' refused' : ''}` },
      h('div', { class: 'card-head' },
        h('strong', {}, `${o.time} ${kindName(o.measure.kind)}`),
        badges(o)),
      h('p', {}, o.measure.instruction || ''),
      o.unseen.map(e => refusal(e, async () => { await markSeen(e.local_id); render(clientId, 'signing'); })),
      signatureLines(o, who),
      h('a', {
        class: `btn${signed ? '' : ' primary'}`, testid: `sign-${o.measure.measure_id}-${o.due}`,
        href: `#/sign/${o.list.list_id}/${o.measure.measure_id}/${encodeURIComponent(o.due)}`,
      }, signed ? t('sign.open_signed') : t('sign.sign')));
  }))];
}

// printButton downloads a signing list as the server's PDF to print (utskrift): for
// licensed staff of the unit, online; a list still waiting to be sent is not on the
// server yet. The server logs the download as a read.
function printButton(clientId, l) {
  const box = errorBox(`list-pdf-error-${l.list_id}`);
  const link = h('a', { class: 'btn', hidden: true, testid: `list-pdf-file-${l.list_id}` }, t('listpdf.again'));
  const button = h('button', { class: 'btn', type: 'button', testid: `list-pdf-${l.list_id}`, on: { click: async () => {
    button.disabled = true;
    box.hidden = true;
    try {
      await saveFile(`/api/v1/clients/${encodeURIComponent(clientId)}/signing-lists/${encodeURIComponent(l.list_id)}.pdf`, `signeringslista-${l.list_id}.pdf`, 'application/pdf', link);
      link.hidden = false;
      announce(t('listpdf.done'));
    } catch (err) {
      showError(box, err);
    } finally {
      button.disabled = false;
    }
  } } }, t('listpdf.button'));
  return h('span', { class: 'list-pdf' }, button, link, box);
}
