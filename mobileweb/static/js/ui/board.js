// The administrator's bulletin board (#/bulletins): the municipality's current and coming
// notices of planned downtime (planerat avbrott), a new one posted, one changed or ended
// (bulletin.post, bulletin.end). They go through the outbox like every other change; the
// list shows a notice as posted, changed or ended only once the server's record has come
// back, and until then says the change waits.
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { enqueue, pendingFor } from '../outbox.js';
import { uuidv7 } from '../uuid.js';
import { localInputValue, fromLocalInput } from '../time.js';
import { isAdministrator } from '../admin.js';
import { show, currentNav, badge, empty, back, markDirty } from './view.js';
import { when } from './bulletins.js';

export async function render() {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const head = [back('#/admin', t('admin.org.title')), h('h1', {}, t('board.title'))];
  if (!isAdministrator(user)) {
    show(nav, 'bulletins', ...head, empty(t('board.not_yours')));
    return;
  }
  const now = Date.now();
  const [recs, posts, ends] = await Promise.all([byKind('bulletin'), pendingFor('bulletin.post'), pendingFor('bulletin.end')]);
  const waiting = new Set([...posts, ...ends].map(e => e.args.bulletin_id));
  const notices = recs.map(r => r.data).filter(b => Date.parse(b.until) > now)
    .sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || Date.parse(a.until) - Date.parse(b.until));
  const known = new Set(recs.map(r => r.data.bulletin_id));
  const sent = posts.filter(e => !known.has(e.args.bulletin_id));
  show(nav, 'bulletins', ...head,
    h('p', { class: 'meta' }, t('board.intro')),
    h('section', { 'aria-labelledby': 'h-board-current' },
      h('h2', { id: 'h-board-current' }, t('board.current')),
      notices.length ? h('ul', { class: 'cards' }, notices.map(b => notice(b, now, waiting.has(b.bulletin_id)))) : empty(t('board.none'))),
    sent.length ? h('section', { 'aria-labelledby': 'h-board-sent' },
      h('h2', { id: 'h-board-sent' }, t('board.sent')),
      h('ul', { class: 'cards' }, sent.map(e => h('li', { class: 'card', testid: `board-sent-${e.args.bulletin_id}` },
        h('div', { class: 'card-head' }, h('strong', {}, e.args.title), badge(t('common.pending'), 'pending')),
        h('p', {}, when(e.args, now)))))) : null,
    h('section', { 'aria-labelledby': 'h-board-new' },
      h('h2', { id: 'h-board-new' }, t('board.new')),
      form(null)));
}

// notice is one of the board's notices with its change and end; a notice whose change
// waits for the server offers neither until the server has answered.
function notice(b, now, pending) {
  const id = b.bulletin_id;
  return h('li', { class: 'card bulletin', testid: `board-${id}` },
    h('div', { class: 'card-head' },
      h('strong', {}, b.title),
      Date.parse(b.from) <= now ? badge(t('bulletin.ongoing'), 'new') : null,
      pending ? badge(t('common.pending'), 'pending') : null),
    h('p', { class: 'bulletin-when' }, when(b, now)),
    h('p', { class: 'message-text' }, b.text),
    pending ? null : h('details', {},
      h('summary', { testid: `board-change-${id}` }, t('board.change')),
      form(b)),
    pending ? null : h('button', {
      class: 'btn', type: 'button', testid: `board-end-${id}`,
      on: { click: async e => {
        e.target.disabled = true;
        await enqueue('bulletin.end', { bulletin_id: id });
        announce(t('board.end_sent'));
        render();
      } },
    }, t('board.end')));
}

// form posts a new notice (b null) or changes b: title, from, until and text, times
// written in Stockholm's time.
function form(b) {
  const key = b ? b.bulletin_id : 'new';
  const title = h('input', { type: 'text', testid: `board-title-${key}`, maxlength: '200', autocomplete: 'off', value: b ? b.title : '' });
  const from = h('input', { type: 'datetime-local', testid: `board-from-${key}`, value: b ? localInputValue(new Date(b.from)) : '' });
  const until = h('input', { type: 'datetime-local', testid: `board-until-${key}`, value: b ? localInputValue(new Date(b.until)) : '' });
  const text = h('textarea', { testid: `board-text-${key}`, rows: '4', maxlength: '5000' });
  text.value = b ? b.text : '';
  const error = h('p', { class: 'error', role: 'alert', testid: `board-error-${key}`, hidden: true });
  const f = markDirty(h('form', { class: 'stack', testid: `board-form-${key}` },
    field(t('board.field_title'), title, { required: true }),
    field(t('board.field_from'), from, { required: true, hint: t('board.time_hint') }),
    field(t('board.field_until'), until, { required: true }),
    field(t('board.field_text'), text, { required: true }),
    error,
    h('button', { class: 'btn primary', type: 'submit', testid: `board-save-${key}` }, t(b ? 'board.save' : 'board.post'))));
  f.addEventListener('submit', async e => {
    e.preventDefault();
    error.hidden = true;
    const args = {
      bulletin_id: b ? b.bulletin_id : uuidv7(), title: title.value.trim(), text: text.value.trim(),
      from: from.value ? fromLocalInput(from.value) : '', until: until.value ? fromLocalInput(until.value) : '',
    };
    // What the server would refuse is said here, before anything is sent.
    const problem = !args.title || !args.text || !args.from || !args.until ? 'board.incomplete'
      : Date.parse(args.until) <= Date.parse(args.from) ? 'board.until_before_from'
        : Date.parse(args.until) <= Date.now() ? 'board.until_past' : null;
    if (problem) {
      error.hidden = false;
      error.textContent = t(problem);
      announce(error.textContent);
      return;
    }
    f.querySelector('button[type=submit]').disabled = true;
    await enqueue('bulletin.post', args);
    announce(t('board.sent_note'));
    delete f.dataset.dirty;
    render();
  });
  return f;
}
