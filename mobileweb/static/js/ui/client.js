// A client (brukare): the health flags first (infection, hypersensitivity: set by licensed
// staff), then the overview (name, address, door code and key note, relatives, whether the journal is open), the
// journal timeline (genomförandejournal) with corrections shown struck through and
// still legible, and today's signing list (signeringslista) with each dose's state. Each opening puts an
// access.viewed in the outbox (readlog.js): client, journal or signing_list.
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byClient } from '../db.js';
import { client as getClient, users, occurrencesToday, measureKinds } from '../data.js';
import { pendingFor, markSeen } from '../outbox.js';
import { withState, badges, signatureLines, refusal } from '../doses.js';
import { logReads } from '../readlog.js';
import { fmtDateTime } from '../time.js';
import { show, currentNav, back, badge, empty } from './view.js';
import { healthFlags } from './health.js';

const READ = { journal: 'journal', signing: 'signing_list' };

export async function render(clientId, what) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  if (!c) return show(nav, 'client', back('#/today'), h('h1', {}, t('client.not_found')));
  const tab = what === 'journal' || what === 'signing' ? what : null;
  await logReads(nav, 'client', [[tab ? READ[tab] : 'client', clientId]]);
  const header = [
    back('#/today', t('nav.today')),
    h('h1', {}, c.name),
    healthFlags(c),
    h('p', { class: 'meta' }, c.address || ''),
    access(c),
    c.journal_open === false ? h('p', { class: 'notice' }, t('client.journal_closed')) : null,
    h('div', { class: 'actions' },
      h('a', { class: `btn${tab === 'journal' ? ' current' : ''}`, href: `#/client/${clientId}/journal`, testid: 'open-journal', 'aria-current': tab === 'journal' ? 'page' : null }, t('client.journal')),
      h('a', { class: `btn${tab === 'signing' ? ' current' : ''}`, href: `#/client/${clientId}/signing`, testid: 'open-signing', 'aria-current': tab === 'signing' ? 'page' : null }, t('client.signing')),
      c.journal_open === false ? null : h('a', { class: 'btn primary', href: `#/note/${clientId}`, testid: 'note-new' }, t('note.new')),
      h('a', { class: 'btn', href: `#/deviation/${clientId}`, testid: 'deviation-new' }, t('deviation.new'))),
  ];
  let body = [h('p', { class: 'hint' }, t('client.choose'))];
  if (tab === 'journal') body = await journal(clientId);
  if (tab === 'signing') body = await signing(clientId);
  if (!show(nav, 'client', ...header, ...body)) return;
  document.body.dataset.clientView = tab || '';
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

async function journal(clientId) {
  const [noteRecs, correctionRecs, who] = await Promise.all([byClient(clientId, 'journal_note'), byClient(clientId, 'note_correction'), users()]);
  const notes = noteRecs.map(r => r.data);
  const corrections = correctionRecs.map(r => r.data);
  const pending = (await pendingFor('journal.note.add', a => a.client_id === clientId)).map(e => ({ ...e.args, pending: true }));
  const all = [...pending, ...notes].sort((a, b) => (b.occurred_at || '').localeCompare(a.occurred_at || ''));
  // A lazy timeline: the newest 30, then more on request.
  const list = h('ol', { class: 'timeline', testid: 'journal' });
  const more = h('button', { class: 'btn', type: 'button', testid: 'journal-more' }, t('client.older_notes'));
  let shown = 0;
  const page = () => {
    for (const n of all.slice(shown, shown + 30)) list.append(noteItem(n, corrections.filter(x => x.note_id === n.note_id), who));
    shown += 30;
    more.hidden = shown >= all.length;
  };
  more.addEventListener('click', page);
  page();
  return [h('h2', {}, t('client.journal')), all.length ? list : empty(t('client.no_notes')), more];
}

// noteItem shows a note's text with each correction: the struck text stays readable
// (<del>), the new text follows (<ins>), with who corrected it, when and why.
function noteItem(n, corrections, who) {
  const text = h('p', { class: 'note-text' });
  let rest = n.text || '';
  const sorted = corrections.sort((a, b) => (a.server_time || '').localeCompare(b.server_time || ''));
  for (const c of sorted) {
    const i = c.struck_text ? rest.indexOf(c.struck_text) : -1;
    if (i < 0) continue;
    text.append(rest.slice(0, i), h('del', { title: t('journal.struck') }, c.struck_text), c.new_text ? h('ins', {}, ` ${c.new_text}`) : '');
    rest = rest.slice(i + c.struck_text.length);
  }
  text.append(rest);
  return h('li', { class: `note${n.pending ? ' pending' : ''}`, testid: `note-${n.note_id}` },
    h('div', { class: 'card-head' },
      h('strong', {}, n.heading || ''),
      n.pending ? badge(t('common.pending'), 'pending') : null,
      corrections.length ? badge(t('journal.corrected'), 'warn') : null),
    h('p', { class: 'meta' }, fmtDateTime(n.occurred_at), n.author_id ? ` · ${who.get(n.author_id) || ''}` : '', n.author_role ? ` (${tOr(`role.${n.author_role}`, n.author_role)})` : ''),
    (n.keywords || []).length ? h('ul', { class: 'keywords' }, n.keywords.map(k => h('li', {}, k))) : null,
    text,
    corrections.map(c => h('p', { class: 'correction' },
      t('journal.correction_by', { who: who.get(c.corrected_by || c.author_id) || '', role: tOr(`role.${c.corrected_role || c.author_role}`, c.corrected_role || c.author_role || ''), time: fmtDateTime(c.server_time) }),
      c.reason ? ` – ${c.reason}` : '')));
}

// signing is today's doses, each with its state in words, its signatures (who, when,
// outcome, reason, comment) and a refusal from the server in red until it is seen.
async function signing(clientId) {
  const occ = await withState(await occurrencesToday(clientId));
  const who = await users();
  const kindName = await measureKinds();
  if (!occ.length) return [h('h2', {}, t('client.signing')), empty(t('client.no_signing'))];
  return [h('h2', {}, t('client.signing_today')), h('ul', { class: 'cards' }, occ.map(o => {
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
