// Messages (meddelanden): the bulletin board's notices of planned downtime first, then
// the messages to the user or their unit, newest first; write a new one. A message the
// user sent says who has read it ("Läst av Anna 2 dec 08:14"); the system's message of a
// new deviation names its client and opens the deviation. "Mina avvikelser" lists the
// deviations the user reported ("under skickat finns de avvikelser som man själv har
// registrerat").
import { h, field, announce } from '../dom.js';
import { t, tOr, currentLang } from '../i18n.js';
import { getMeta } from '../db.js';
import { users, unitsOf, clients } from '../data.js';
import { enqueue } from '../outbox.js';
import { inbox } from '../inbox.js';
import { fmtDateTime, TZ } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, badge, empty, markDirty } from './view.js';
import { bulletinBoard } from './bulletins.js';

const PAGE = 50;

export async function render() {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const who = await users();
  const [{ all, readers, isUnread }, clientList] = await Promise.all([inbox(user), clients()]);
  const names = new Map(clientList.map(c => [c.client_id, c.name]));

  const list = h('ul', { class: 'cards' });
  const more = h('button', { class: 'btn', type: 'button', testid: 'messages-more' }, t('messages.older'));
  let shown = 0;
  const page = () => {
    for (const m of all.slice(shown, shown + PAGE)) {
      const mine = m.from_user_id === user.id;
      const unread = isUnread(m);
      const markRead = () => enqueue('message.read', { message_id: m.message_id });
      list.append(h('li', { class: `card${unread ? ' new' : ''}`, testid: `message-${m.message_id}` },
        h('div', { class: 'card-head' },
          h('strong', {}, m.from_user_id ? (who.get(m.from_user_id) || t('messages.colleague')) : t('messages.system')),
          unread ? badge(t('messages.unread'), 'new') : null,
          m.pending ? badge(t('common.pending'), 'pending') : null),
        h('p', { class: 'meta' }, fmtDateTime(m.sent_at), m.subject ? ` · ${tOr(`messages.subject.${m.subject}`, m.subject)}` : ''),
        ...body(m, names, unread ? markRead : null),
        mine && !m.pending ? receipts(m, readers.get(m.message_id) || [], who) : null,
        unread ? h('button', {
          class: 'btn', type: 'button', testid: `message-read-${m.message_id}`,
          on: { click: async () => { await markRead(); render(); } },
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
  const reports = h('a', { class: 'btn', href: '#/reports', testid: 'my-reports' }, t('reports.title'));
  show(nav, 'messages', h('h1', {}, t('messages.title')), board, h('div', { class: 'actions' }, toggle, reports), compose, all.length ? list : empty(t('messages.none')), more);
}

// body is what a message says. The system's message of a new deviation is told in the
// user's language, names the client (as the phone knows them, else as the server named
// them to the unit's managers) and opens the deviation.
function body(m, names, markRead) {
  if (m.subject !== 'deviation_reported' || !m.deviation_id) return [h('p', { class: 'message-text' }, m.text)];
  const name = m.client_id ? (names.get(m.client_id) || m.client_name || '') : '';
  return [
    h('p', { class: 'message-text' }, name ? t('messages.deviation_text', { client: name }) : t('messages.deviation_text_unit')),
    h('a', {
      class: 'btn', href: `#/analyse/${m.deviation_id}`, testid: `message-open-${m.message_id}`,
      on: { click: () => { if (markRead) markRead(); } }, // opening it is reading it
    }, t('messages.open_deviation')),
  ];
}

// receipts says who has read a message the user sent, and when ("Läst av Bo Ek 2 dec.
// 08:14", in Stockholm time).
function receipts(m, list, who) {
  const when = new Intl.DateTimeFormat(currentLang() === 'en' ? 'en-GB' : 'sv-SE', { timeZone: TZ, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return h('p', { class: 'meta', testid: `receipts-${m.message_id}` }, list.length
    ? list.map(r => t('messages.read_by', { name: who.get(r.reader_id) || t('messages.colleague'), time: when.format(new Date(r.read_at)) })).join(' · ')
    : t('messages.not_read_yet'));
}
