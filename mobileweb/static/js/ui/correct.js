// Correct a saved journal note (rätta journalanteckning, #/correct/<client>/<note>): for
// the manager of the client's unit (enhetschef) only. The note itself never changes: the
// manager names the part of its text to strike (the field starts with the whole text, to
// be cut down to the struck part), what replaces it and why. The correction goes to the
// outbox (journal.note.correct); the journal shows it as done once the server's record
// has come: the struck text still legible (<del>), the new text, who and when. Opening
// it logs a read of the journal (readlog.js).
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import { byClient, getMeta } from '../db.js';
import { logReads } from '../readlog.js';
import { client as getClient } from '../data.js';
import { enqueue } from '../outbox.js';
import { uuidv7 } from '../uuid.js';
import { fmtDateTime } from '../time.js';
import { show, currentNav, back, markDirty } from './view.js';

export async function render(clientId, noteId) {
  const nav = currentNav(); // first: see show()
  const [c, recs, user] = await Promise.all([getClient(clientId), byClient(clientId, 'journal_note'), getMeta('user')]);
  const rec = recs.find(r => r.id === noteId);
  const note = rec && rec.data;
  const backTo = back(`#/client/${clientId}/journal`, c ? c.name : undefined);
  const manager = c && ((user && user.roles) || []).some(r => r.unit_id === c.unit_id && r.role === 'unit_manager');
  if (!c || !note || note.client_id !== clientId || !manager) {
    return show(nav, 'correct', backTo, h('h1', {}, t('correct.title')), h('p', { class: 'notice warn', testid: 'correct-unavailable' }, t('correct.unavailable')));
  }
  await logReads(nav, 'correct', [['journal', clientId]]); // the note's text is shown
  const struck = h('textarea', { rows: '4', testid: 'correct-struck' });
  struck.value = note.text || '';
  const fresh = h('textarea', { rows: '4', testid: 'correct-new' });
  const reason = h('input', { type: 'text', maxlength: '1000', testid: 'correct-reason', autocomplete: 'off' });
  const err = h('p', { class: 'error', role: 'alert', testid: 'correct-error', hidden: true });
  const save = h('button', { class: 'btn primary big', type: 'submit', testid: 'correct-save' }, t('correct.save'));
  const fail = text => { err.hidden = false; err.textContent = text; announce(text); };
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        const missing = [];
        if (!struck.value.trim()) missing.push(t('correct.struck'));
        if (!reason.value.trim()) missing.push(t('correct.reason'));
        if (missing.length) return fail(t('form.missing', { fields: missing.join(', ') }));
        // What the server would refuse is not sent: the struck part must be in the note,
        // exactly as written, and the new text must differ from it.
        if (!(note.text || '').includes(struck.value)) return fail(t('correct.not_in_note'));
        if (fresh.value === struck.value) return fail(t('correct.same'));
        save.disabled = true;
        await enqueue('journal.note.correct', {
          correction_id: uuidv7(), note_id: noteId, struck_text: struck.value, new_text: fresh.value.trim(), reason: reason.value.trim(),
        });
        announce(t('correct.queued'));
        location.hash = `#/client/${clientId}/journal`;
      },
    },
  },
  field(t('correct.struck'), struck, { required: true, hint: t('correct.struck_hint') }),
  field(t('correct.new'), fresh, { hint: t('correct.new_hint') }),
  field(t('correct.reason'), reason, { required: true }),
  err, save));
  const original = h('p', { class: 'note-text', testid: 'correct-original-text' }, note.text || '');
  show(nav, 'correct', backTo, h('h1', {}, t('correct.title')), h('p', { class: 'meta' }, c.name),
    h('section', { class: 'card', 'aria-labelledby': 'correct-original' },
      h('h2', { id: 'correct-original' }, note.heading || t('correct.original')),
      h('p', { class: 'meta' }, fmtDateTime(note.occurred_at)),
      original,
      selectionButton(original, struck)),
    form);
}

// selectionButton puts the part of the note's text the user has marked into the field
// of the text to strike. The last marking within the note is kept (a tap on the button
// may clear the marking on a phone); the listener goes with the screen.
function selectionButton(original, struck) {
  let marked = '';
  const onChange = () => {
    if (!original.isConnected) { document.removeEventListener('selectionchange', onChange); return; }
    const sel = document.getSelection();
    if (sel && sel.rangeCount && !sel.isCollapsed && original.contains(sel.getRangeAt(0).commonAncestorContainer)) marked = sel.toString();
  };
  document.addEventListener('selectionchange', onChange);
  const hint = h('p', { class: 'hint', id: 'correct-mark-hint' }, t('correct.mark_hint'));
  return [hint, h('button', {
    class: 'btn', type: 'button', testid: 'correct-use-selection', 'aria-describedby': 'correct-mark-hint',
    on: { click: () => {
      onChange();
      if (!marked) { announce(t('correct.nothing_marked')); return; }
      struck.value = marked;
      struck.dispatchEvent(new Event('input', { bubbles: true }));
      announce(t('correct.marked_used'));
      struck.focus();
    } },
  }, t('correct.use_selection'))];
}
