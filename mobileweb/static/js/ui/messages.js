// Messages (meddelanden): the bulletin board's notices of planned downtime first, then
// the messages to the user or their unit, newest first; write a new one.
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { users, unitsOf } from '../data.js';
import { enqueue, pendingFor } from '../outbox.js';
import { fmtDateTime } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, badge, empty, markDirty } from './view.js';
import { bulletinBoard } from './bulletins.js';

const PAGE = 50;

export async function render() {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const who = await users();
  const [msgs, receipts, pendingSent, pendingRead] = await Promise.all([
    byKind('message'), byKind('message_receipt'), pendingFor('message.send'), pendingFor('message.read'),
  ]);
  const read = new Set([...receipts.map(r => r.data).filter(r => r.reader_id === user.id).map(r => r.message_id), ...pendingRead.map(e => e.args.message_id)]);
  const all = [
    ...pendingSent.map(e => ({ ...e.args, from_user_id: user.id, sent_at: e.client_time, pending: true })),
    ...msgs.map(r => r.data),
  ].sort((a, b) => (b.sent_at || '').localeCompare(a.sent_at || ''));

  const list = h('ul', { class: 'cards' });
  const more = h('button', { class: 'btn', type: 'button', testid: 'messages-more' }, t('messages.older'));
  let shown = 0;
  const page = () => {
    for (const m of all.slice(shown, shown + PAGE)) {
      const mine = m.from_user_id === user.id;
      const unread = !mine && !m.pending && !read.has(m.message_id);
      list.append(h('li', { class: `card${unread ? ' new' : ''}`, testid: `message-${m.message_id}` },
        h('div', { class: 'card-head' },
          h('strong', {}, m.from_user_id ? (who.get(m.from_user_id) || t('messages.colleague')) : t('messages.system')),
          unread ? badge(t('messages.unread'), 'new') : null,
          m.pending ? badge(t('common.pending'), 'pending') : null),
        h('p', { class: 'meta' }, fmtDateTime(m.sent_at), m.subject ? ` · ${tOr(`messages.subject.${m.subject}`, m.subject)}` : ''),
        h('p', { class: 'message-text' }, m.text),
        unread ? h('button', {
          class: 'btn', type: 'button', testid: `message-read-${m.message_id}`,
          on: { click: async () => { await enqueue('message.read', { message_id: m.message_id }); render(); } },
        }, t('messages.mark_read')) : null));
    }
    shown += PAGE;
    more.hidden = shown >= all.length;
  };
  more.addEventListener('click', page);
  page();

  const compose = h('div', { hidden: true });
  const toggle = h('button', {
    class: 'btn primary', type: 'button', testid: 'message-new', 'aria-expanded': 'false',
    on: { click: () => { compose.hidden = !compose.hidden; toggle.setAttribute('aria-expanded', String(!compose.hidden)); if (!compose.hidden) compose.querySelector('select').focus(); } },
  }, t('messages.new'));
  const to = h('select', { testid: 'message-to' },
    unitsOf(user).map(u => h('option', { value: `unit:${u}` }, t('messages.to_unit'))),
    [...who].filter(([id]) => id !== user.id).map(([id, name]) => h('option', { value: `user:${id}` }, name)));
  const text = h('textarea', { rows: '4', testid: 'message-text' });
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  compose.append(markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        if (!text.value.trim()) { err.hidden = false; err.textContent = t('form.missing', { fields: t('messages.text') }); announce(err.textContent); return; }
        const [kind, id] = to.value.split(':');
        const args = { message_id: uuidv7(), text: text.value.trim() };
        if (kind === 'unit') args.to_unit_id = id; else args.to_user_id = id;
        await enqueue('message.send', args);
        announce(t('messages.sent'));
        render();
      },
    },
  }, field(t('messages.to'), to, { required: true }), field(t('messages.text'), text, { required: true }), err,
  h('button', { class: 'btn primary', type: 'submit', testid: 'message-send' }, t('messages.send')))));

  const board = await bulletinBoard();
  show(nav, 'messages', h('h1', {}, t('messages.title')), board, toggle, compose, all.length ? list : empty(t('messages.none')), more);
}
