// Doses (tillfällen) as the phone knows them: what the server has signed, what waits in
// the outbox, what the server refused, whether the user may sign now, and how each reads
// on Today, the client's signing list and the sign screen. The phone never offers what the
// server will refuse; the server stays the final word.
import { h } from './dom.js';
import { t, tOr } from './i18n.js';
import { byKind, getMeta } from './db.js';
import { pendingFor, attentionEntries, canResend } from './outbox.js';
import { fmtTime, fmtDateTime } from './time.js';

// Due states, by the phone's clock (see mobileweb/README.md, Signing):
//   due now     from 30 minutes before the due time to 60 minutes after it;
//   overdue     more than 60 minutes after it, still unsigned;
//   later today more than 30 minutes before it.
export const DUE_NOW_BEFORE_MS = 30 * 60000;
export const DUE_NOW_AFTER_MS = 60 * 60000;

export function dueState(due, now = Date.now()) {
  const at = Date.parse(due);
  if (now < at - DUE_NOW_BEFORE_MS) return 'later';
  if (now <= at + DUE_NOW_AFTER_MS) return 'due_now';
  return 'overdue';
}

// The server's signing window and the early-sign warning, as GET /api/v1/me told them
// (the server's own values when an older answer lacks them).
export async function signWindow() {
  const me = (await getMeta('me')) || {};
  const s = (v, d) => (typeof v === 'number' && v >= 0 ? v : d) * 1000;
  return { earliest: s(me.sign_earliest_s, 12 * 3600), latest: s(me.sign_latest_s, 48 * 3600), warning: s(me.sign_early_warning_s, 3600) };
}

const same = (a, o) => a.list_id === o.list.list_id && a.measure_id === o.measure.measure_id && Date.parse(a.due_at) === Date.parse(o.due);

// withState adds to each occurrence its signings waiting in the outbox (pending), those
// the server refused (refused: the attention entries; unseen until the user has seen the
// refusal on the dose) and the nurse's follow-ups (uppföljning) the server has saved.
export async function withState(occ) {
  const [pending, att, followUps] = await Promise.all([pendingFor('signing.sign'), attentionEntries(), byKind('signing_follow_up')]);
  for (const o of occ) {
    o.pending = pending.filter(e => same(e.args, o));
    o.followUps = followUps.map(r => r.data).filter(f => same(f, o)).sort((a, b) => (a.at || '').localeCompare(b.at || ''));
    o.refused = att.filter(e => e.name === 'signing.sign' && same(e.args, o));
    o.unseen = o.refused.filter(e => !e.seen_at);
  }
  return occ;
}

export function isDouble(o) { return o.signatures.length > 1 || o.signatures.some(s => s.double_signed); }

// mayDelegate tells whether a delegation lets user sign measure of list now.
function validDelegation(d, user, list, measure, now) {
  return d.user_id === user.id && d.measure_kind === measure.kind && !d.revoked_at &&
    Date.parse(d.valid_from) <= now && now < Date.parse(d.valid_until) && (!d.unit_id || d.unit_id === list.unit_id);
}

// maySign tells whether the user may sign the occurrence now, as the server would judge
// it: a signer of the list's unit (licensed staff without a delegation, care staff with
// a valid one of the measure's kind) within the signing window. It answers
// {ok} or {ok: false, why} (the text to show).
export async function maySign(user, o, now = Date.now()) {
  const roles = (user.roles || []).filter(r => !o.list.unit_id || r.unit_id === o.list.unit_id).map(r => r.role);
  if (!roles.includes('licensed')) {
    if (!roles.includes('care_staff')) return { ok: false, why: t('sign.not_signer') };
    const delegations = (await byKind('delegation')).map(r => r.data);
    if (!delegations.some(d => validDelegation(d, user, o.list, o.measure, now))) return { ok: false, why: t('sign.no_delegation') };
  }
  const win = await signWindow();
  const due = Date.parse(o.due);
  if (now < due - win.earliest) return { ok: false, why: t('sign.too_early', { time: fmtTime(new Date(due - win.earliest).toISOString()) }) };
  if (now > due + win.latest) return { ok: false, why: t('sign.too_late') };
  return { ok: true };
}

// warnings are what the user must confirm before signing: another signing of the same
// dose (a double signing, flagged to the nurse) and a signing more than the server's
// warning window before the due time.
export async function warnings(o, who, now = Date.now()) {
  const out = [];
  const earlier = [...o.signatures.map(s => ({ ...s, name: who.get(s.author_id) || '' })), ...o.pending.map(e => ({ ...e.args, name: t('dose.you') }))];
  if (earlier.length) {
    const s = earlier[0];
    out.push(t('sign.confirm_double', { who: s.name, time: fmtTime(s.signed_at), outcome: tOr(`outcome.${s.outcome}`, s.outcome) }));
  }
  const win = await signWindow();
  const ahead = Date.parse(o.due) - now;
  if (ahead > win.warning) {
    out.push(t('sign.confirm_early', { time: fmtTime(o.due), left: duration(ahead), window: duration(win.warning) }));
  }
  return out;
}

// duration says a span in hours and minutes ("3 tim", "1 tim 20 min", "45 min").
function duration(ms) {
  const m = Math.round(ms / 60000);
  const hh = Math.floor(m / 60), mm = m % 60;
  if (!hh) return t('time.minutes', { n: mm });
  return mm ? `${t('time.hours', { n: hh })} ${t('time.minutes', { n: mm })}` : t('time.hours', { n: hh });
}

const pill = (text, kind) => h('span', { class: `pill ${kind}` }, text);

// outcomePill is an outcome's word in its colour (the word, not the colour alone, tells it).
export function outcomePill(outcome) { return pill(tOr(`outcome.${outcome}`, outcome), `outcome-${outcome}`); }

// badges are a dose's state in words: refused (until seen), each outcome signed, double
// signed, waiting to be sent, else its due state.
export function badges(o, now = Date.now()) {
  const out = [];
  if (o.unseen.length) out.push(pill(t('dose.refused'), 'refused'));
  for (const outcome of new Set(o.signatures.map(s => s.outcome))) out.push(outcomePill(outcome));
  if (isDouble(o)) out.push(pill(t('dose.double'), 'double'));
  if (o.pending.length) out.push(pill(t('dose.waiting'), 'pending'));
  if (!o.signatures.length && !o.pending.length) {
    const state = dueState(o.due, now);
    out.push(pill(t(`dose.${state}`), `due-${state}`));
  }
  return out;
}

// signatureLines are the signatures of a dose: who, when (Stockholm time), the outcome,
// the reason and the comment; then those waiting to be sent.
export function signatureLines(o, who) {
  const line = (s, name, waiting) => h('li', { class: 'signature' },
    h('span', {}, outcomePill(s.outcome), ' ', t('dose.signed_by', { who: name, time: fmtTime(s.signed_at) })),
    s.double_signed ? h('span', {}, ' ', pill(t('dose.double'), 'double')) : null,
    waiting ? h('span', {}, ' ', pill(t('dose.waiting'), 'pending')) : null,
    s.reason ? h('p', { class: 'meta' }, t('dose.reason', { reason: s.reason })) : null,
    s.comment ? h('p', { class: 'meta comment' }, t('dose.comment', { comment: s.comment })) : null);
  const items = [...o.signatures.map(s => line(s, who.get(s.author_id) || '', false)), ...o.pending.map(e => line(e.args, t('dose.you'), true)),
    ...(o.followUps || []).map(f => h('li', { class: 'follow-up', testid: `dose-follow-up-${f.follow_up_id}` },
      t('dose.followed_up', { who: who.get(f.by) || '', when: fmtDateTime(f.at), comment: f.comment })))];
  return items.length ? h('ul', { class: 'signatures' }, items) : null;
}

// refusal is the server's refusal of a signing of this dose, in red, with the reason and
// what to do; onSeen (when given) offers the button that marks it seen.
export function refusal(e, onSeen) {
  const code = (e.error && e.error.code) || '';
  return h('div', { class: 'refusal', role: 'alert', testid: `refusal-${e.local_id}` },
    h('strong', {}, t('dose.refused_title', { outcome: tOr(`outcome.${e.args.outcome}`, e.args.outcome) })),
    h('p', {}, e.status === 'conflict' && code !== 'signature_exists' ? t('attention.conflict') : tOr(`error.${code}`, t('error.generic'))),
    h('p', {}, canResend(e) ? t('dose.refused_resend') : t('dose.refused_todo')),
    onSeen ? h('button', { class: 'btn', type: 'button', testid: `refusal-seen-${e.local_id}`, on: { click: onSeen } }, t('dose.refused_seen')) : null);
}
