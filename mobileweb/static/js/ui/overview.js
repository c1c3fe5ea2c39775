// For licensed staff (legitimerad personal): the signing overview — double signings
// (risk of a double dose) and missed occurrences (utebliven signering). Each open one
// offers "Följ upp" (uppföljning): a comment that goes to the outbox as
// signing.follow_up. The card reads as followed up (who, when, comment) only once the
// server's alert record says so; until then it reads as waiting. Both signatures stay
// shown whatever happens. Each opening logs a signing_list read per client shown
// (readlog.js).
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { clients, users, measureKinds } from '../data.js';
import { enqueue, pendingFor, attentionEntries } from '../outbox.js';
import { logReads } from '../readlog.js';
import { fmtDateTime, fmtTime } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, badge, empty, markDirty } from './view.js';

// The server takes up to this many characters of a follow-up's comment.
const MAX_COMMENT = 2000;

export async function render() {
  const nav = currentNav(); // first: see show()
  const [alertRecs, signatures, clientList, who, kindName, user, pending] = await Promise.all([byKind('signing_alert'), byKind('signature'),
    clients(), users(), measureKinds(), getMeta('user'), pendingFor('signing.follow_up')]);
  // A follow-up the server refused stays in needs attention; the card says so too.
  const refused = (await attentionEntries()).filter(e => e.name === 'signing.follow_up');
  const names = new Map(clientList.map(c => [c.client_id, c.name]));
  const sigs = new Map(signatures.map(r => [r.id, r.data]));
  const all = alertRecs.map(r => ({ id: r.id, ...r.data })).sort((a, b) => (b.due_at || '').localeCompare(a.due_at || ''));
  // The server takes a follow-up from licensed staff of the alert's unit only.
  const licensedIn = new Set((user?.roles || []).filter(r => r.role === 'licensed').map(r => r.unit_id));
  // Double signings also show without an alert record, from the flag on the signature.
  const flagged = signatures.map(r => r.data).filter(s => s.double_signed && !all.some(a => a.type === 'double_signing' && a.signature_ids?.includes(s.signature_id)));

  const followUp = a => {
    if (a.follow_up) {
      return h('div', { class: 'notice', role: 'note', testid: `followed-up-${a.id}` },
        h('p', {}, badge(t('overview.followed_up'), 'ok'), ' ',
          t('overview.followed_up_by', { who: who.get(a.follow_up.by) || '', when: fmtDateTime(a.follow_up.at) })),
        h('p', { class: 'meta comment' }, a.follow_up.comment));
    }
    if (pending.some(e => e.args.alert_id === a.id)) {
      return h('p', { testid: `follow-up-waiting-${a.id}` }, badge(t('overview.follow_up_waiting'), 'pending'));
    }
    if (!licensedIn.has(a.unit_id)) return null;
    const refusal = refused.filter(e => e.args.alert_id === a.id).map(e => h('p', { class: 'error', role: 'alert', testid: `follow-up-refused-${a.id}` },
      tOr(`error.${e.error?.code}`, t('error.generic'))));
    const comment = h('textarea', { rows: '3', maxlength: String(MAX_COMMENT), testid: `follow-up-comment-${a.id}` });
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const open = h('button', { class: 'btn', type: 'button', testid: `follow-up-${a.id}`, 'aria-expanded': 'false' }, t('overview.follow_up'));
    const form = markDirty(h('form', {
      class: 'stack', novalidate: true, hidden: true, testid: `follow-up-form-${a.id}`,
      on: {
        submit: async e => {
          e.preventDefault();
          const text = comment.value.trim();
          if (!text) {
            err.hidden = false;
            err.textContent = t('overview.follow_up_required');
            announce(err.textContent);
            comment.focus();
            return;
          }
          for (const b of form.querySelectorAll('button')) b.disabled = true;
          await enqueue('signing.follow_up', { follow_up_id: uuidv7(), alert_id: a.id, comment: text });
          announce(t('overview.follow_up_saved'));
          delete form.dataset.dirty;
          render();
        },
      },
    },
    field(t('overview.follow_up_comment'), comment, { required: true, hint: t('overview.follow_up_hint') }),
    err,
    h('div', { class: 'actions' },
      h('button', { class: 'btn primary', type: 'submit', testid: `follow-up-save-${a.id}` }, t('overview.follow_up_save')),
      h('button', {
        class: 'btn', type: 'button',
        on: { click: () => { form.hidden = true; delete form.dataset.dirty; open.hidden = false; open.setAttribute('aria-expanded', 'false'); open.focus(); } },
      }, t('common.cancel')))));
    open.addEventListener('click', () => { form.hidden = false; open.hidden = true; open.setAttribute('aria-expanded', 'true'); comment.focus(); });
    return [refusal, open, form];
  };

  const section = (type, title) => {
    const items = all.filter(a => a.type === type);
    return h('section', {},
      h('h2', {}, title),
      items.length ? h('ul', { class: 'cards' }, items.map(a => h('li', { class: `card${a.follow_up ? '' : ' warn'}`, testid: `alert-${type}-${a.measure_id}-${a.due_at}` },
        h('div', { class: 'card-head' }, h('strong', {}, names.get(a.client_id) || ''), badge(tOr(`alert.${type}`, type), a.follow_up ? '' : 'warn')),
        h('p', {}, `${kindName(a.measure_kind)} · ${fmtDateTime(a.due_at)}`),
        (a.signature_ids || []).map(id => sigs.get(id)).filter(Boolean).map(s => h('p', { class: 'meta', testid: `alert-signature-${s.signature_id}` },
          `${tOr(`outcome.${s.outcome}`, s.outcome)} · ${who.get(s.author_id) || ''} · ${fmtTime(s.signed_at)}`)),
        followUp(a),
        h('a', { class: 'btn', href: `#/client/${a.client_id}/signing` }, t('overview.open_list'))))) : empty(t('overview.none')));
  };
  await logReads(nav, 'overview', [...all, ...flagged].map(x => ['signing_list', x.client_id]));
  show(nav, 'overview',
    h('h1', {}, t('overview.title')),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/delegations', testid: 'open-delegations' }, t('delegations.title'))),
    section('double_signing', t('overview.double')),
    flagged.length ? h('ul', { class: 'cards' }, flagged.map(s => h('li', { class: 'card warn' },
      h('strong', {}, names.get(s.client_id) || ''), h('p', {}, `${t('sign.double')} · ${fmtDateTime(s.due_at)} · ${who.get(s.author_id) || ''}`)))) : null,
    section('missed', t('overview.missed')));
}
