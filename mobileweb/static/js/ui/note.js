// Write a journal note (anteckning i genomförandejournalen): heading, keywords
// (nyckelord), text seeded by phrase texts (frastexter), time of the event.
import { h, field, announce } from '../dom.js';
import { t, label } from '../i18n.js';
import { client as getClient, referenceList, journalState } from '../data.js';
import { enqueue } from '../outbox.js';
import { localInputValue, fromLocalInput } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, back, markDirty } from './view.js';
import { healthFlags } from './health.js';

export async function render(clientId) {
  const nav = currentNav(); // first: see show()
  const c = await getClient(clientId);
  // A closed journal (or one closing) takes no note: the server would refuse it.
  if (c) {
    const state = await journalState(c);
    if (state.closed || state.closing) {
      return show(nav, 'note', back(`#/client/${clientId}/journal`, c.name), h('h1', {}, t('note.title')), h('p', { class: 'notice', testid: 'note-journal-closed' }, t('client.journal_closed')));
    }
  }
  const [keywords, phrases] = await Promise.all([referenceList('keywords'), referenceList('phrase_texts')]);
  const heading = h('input', { type: 'text', maxlength: '200', testid: 'note-heading', autocomplete: 'off' });
  const text = h('textarea', { rows: '6', testid: 'note-text' });
  const occurred = h('input', { type: 'datetime-local', value: localInputValue(), testid: 'note-occurred' });
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const boxes = keywords.map((k, i) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: k.label_sv, testid: `note-keyword-${i}` }), h('span', {}, label(k))));
  const phraseButtons = phrases.map((p, i) => h('button', {
    class: 'chip', type: 'button', testid: `note-phrase-${i}`,
    on: { click: () => { text.value = text.value ? `${text.value.trimEnd()} ${p.label_sv}` : p.label_sv; text.dispatchEvent(new Event('input', { bubbles: true })); text.focus(); } },
  }, label(p)));
  const save = h('button', { class: 'btn primary big', type: 'submit', testid: 'note-save' }, t('note.save'));
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        const missing = [];
        if (!heading.value.trim()) missing.push(t('note.heading'));
        if (!text.value.trim()) missing.push(t('note.text'));
        if (!occurred.value) missing.push(t('note.occurred'));
        if (missing.length) {
          err.hidden = false;
          err.textContent = t('form.missing', { fields: missing.join(', ') });
          announce(err.textContent);
          return;
        }
        save.disabled = true;
        await enqueue('journal.note.add', {
          note_id: uuidv7(), client_id: clientId, heading: heading.value.trim(),
          keywords: boxes.map(b => b.querySelector('input')).filter(x => x.checked).map(x => x.value),
          text: text.value.trim(), occurred_at: fromLocalInput(occurred.value),
        });
        announce(t('note.saved'));
        location.hash = `#/client/${clientId}/journal`;
      },
    },
  },
  field(t('note.heading'), heading, { required: true }),
  keywords.length ? h('fieldset', { class: 'checks' }, h('legend', {}, t('note.keywords')), boxes) : null,
  phrases.length ? h('fieldset', { class: 'chips' }, h('legend', {}, t('note.phrases')), phraseButtons) : null,
  field(t('note.text'), text, { required: true }),
  field(t('note.occurred'), occurred, { required: true }),
  h('p', { class: 'hint' }, t('note.readonly_after')),
  err, save));
  show(nav, 'note', back(`#/client/${clientId}/journal`, c ? c.name : undefined), h('h1', {}, t('note.title')), c ? healthFlags(c) : null, c ? h('p', { class: 'meta' }, c.name) : null, form);
}
