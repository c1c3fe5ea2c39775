// Needs attention (behöver åtgärdas): changes the server rejected. Their text is kept,
// so nothing typed is lost: edit and send again (a new mutation), or discard.
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { attentionEntries, resend, discard, canResend } from '../outbox.js';
import { fmtDateTime, localInputValue, fromLocalInput } from '../time.js';
import { show, currentNav, empty, markDirty } from './view.js';

// The fields a person typed, by mutation: these are editable; the rest is kept as is.
const EDITABLE = {
  'journal.note.add': ['heading', 'text'],
  'journal.note.correct': ['new_text', 'reason'],
  'signing.sign': ['comment'],
  'deviation.report': ['course_of_events', 'suggested_action'],
  'deviation.analyse': ['consequence', 'analysis', 'actions'],
  'message.send': ['text'],
};
// Times a person chose, editable too (a rejected time is a common cause).
const EDITABLE_TIMES = {
  'journal.note.add': ['occurred_at'],
  'deviation.report': ['occurred_at'],
};

export async function render() {
  const nav = currentNav(); // first: see show()
  const items = await attentionEntries();
  show(nav, 'attention',
    h('h1', {}, t('attention.title')),
    h('p', {}, t('attention.intro')),
    items.length ? h('ul', { class: 'cards' }, items.map(item)) : empty(t('attention.none')));
}

function item(e) {
  const id = e.local_id;
  const fields = (EDITABLE[e.name] || []).map(name => {
    const area = h('textarea', { rows: name === 'heading' ? '1' : '4', testid: `attention-field-${id}-${name}` });
    area.value = e.args[name] || '';
    area.dataset.initial = area.value;
    area.dataset.name = name;
    return field(tOr(`attention.field.${name}`, name), area);
  });
  for (const name of EDITABLE_TIMES[e.name] || []) {
    const input = h('input', { type: 'datetime-local', testid: `attention-field-${id}-${name}` });
    if (e.args[name]) input.value = localInputValue(new Date(e.args[name]));
    input.dataset.initial = input.value;
    input.dataset.name = name;
    input.dataset.time = '1';
    fields.push(field(tOr(`attention.field.${name}`, name), input));
  }
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async ev => {
        ev.preventDefault();
        // Only what was edited changes: an untouched field keeps the original value
        // exactly (a time to the millisecond, a missing text missing).
        const args = { ...e.args };
        for (const a of form.querySelectorAll('textarea, input')) {
          if (a.value === a.dataset.initial) continue;
          if (a.dataset.time) { if (a.value) args[a.dataset.name] = fromLocalInput(a.value); } else args[a.dataset.name] = a.value;
        }
        await resend(id, args);
        announce(t('attention.resent'));
        render();
      },
    },
  },
  fields,
  h('div', { class: 'actions' },
    // "Skicka igen" only where a resend can succeed (outbox.js, canResend).
    canResend(e, [...(EDITABLE[e.name] || []), ...(EDITABLE_TIMES[e.name] || [])])
      ? h('button', { class: 'btn primary', type: 'submit', testid: `attention-resend-${id}` }, t('attention.resend'))
      : h('p', { class: 'hint', testid: `attention-final-${id}` }, t('attention.no_resend')),
    h('button', {
      class: 'btn danger', type: 'button', testid: `attention-discard-${id}`,
      on: { click: async () => { if (confirm(t('attention.discard_confirm'))) { await discard(id); announce(t('attention.discarded')); render(); } } },
    }, t('attention.discard')))));
  const err = e.error || {};
  return h('li', { class: 'card warn', testid: `attention-item-${id}` },
    h('div', { class: 'card-head' }, h('strong', {}, tOr(`mutation.${e.name}`, e.name))),
    h('p', { class: 'meta' }, fmtDateTime(e.client_time)),
    h('p', { class: 'error' }, e.status === 'conflict' ? t('attention.conflict') : tOr(`error.${err.code}`, t('error.generic'))),
    // The server's words on each field are English: the phone names the fields in its own.
    err.fields ? h('p', { class: 'field-errors' }, t('attention.check_fields', { fields: Object.keys(err.fields).map(f => tOr(`attention.field.${f}`, t('attention.field.other'))).join(', ') })) : null,
    summary(e),
    form);
}

// summary shows what the change was about, in words, besides the editable text.
function summary(e) {
  const a = e.args || {};
  const parts = [];
  if (a.outcome) parts.push(tOr(`outcome.${a.outcome}`, a.outcome));
  if (a.due_at) parts.push(fmtDateTime(a.due_at));
  if (a.keywords && a.keywords.length) parts.push(a.keywords.join(', '));
  if (a.area) parts.push(tOr(`deviation.area.${a.area}`, a.area));
  return parts.length ? h('p', {}, parts.join(' · ')) : null;
}
