// Sign one occurrence of a delegated measure (a dose). The screen shows the dose's state
// first: its signatures (who, when, outcome, reason, comment), what waits to be sent, and a
// refusal from the server in red until the user has seen it. The outcome buttons are
// offered only when the server would take the signing (doses.js: a signer with a valid
// delegation, within the signing window). "Given" and "Self-administered" sign at once;
// "not given" and "partly given" need a reason (orsak), kept in Swedish in the record, as
// it is read there. Signing a dose that is signed already, or more than the server's
// warning window before its due time, asks first (an in-page dialog).
// The measure and its instruction are the client's signing list: opening logs a read.
import { h, field, announce } from '../dom.js';
import { t, tOr, label } from '../i18n.js';
import { getRecord, byClient, getMeta } from '../db.js';
import { client as getClient, referenceList, users, measureKinds } from '../data.js';
import { enqueue, markSeen } from '../outbox.js';
import { logReads } from '../readlog.js';
import { withState, maySign, warnings, badges, signatureLines, refusal } from '../doses.js';
import { fmtTime, nowISO } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, back, markDirty, cameFrom } from './view.js';
import { healthFlags } from './health.js';
import { confirmDialog } from './confirm.js';

const OUTCOMES = ['given', 'self_administered', 'partly_given', 'not_given'];
// The server asks a reason (orsak) when the measure was not given or only partly given.
const NEEDS_REASON = new Set(['not_given', 'partly_given']);


export async function render(listId, measureId, due) {
  const nav = currentNav(); // first: see show()
  const rec = await getRecord('signing_list', listId);
  const kindName = await measureKinds();
  if (!rec) return show(nav, 'sign', back('#/today'), h('h1', {}, t('sign.not_found')));
  const list = rec.data;
  const measure = (list.measures || []).find(m => m.measure_id === measureId);
  if (!measure) return show(nav, 'sign', back('#/today'), h('h1', {}, t('sign.not_found')));
  const [c, user, reasons, who, sigRecs] = await Promise.all([
    getClient(list.client_id), getMeta('user'), referenceList('not_given_reasons'), users(), byClient(list.client_id, 'signature')]);
  const signatures = sigRecs.map(r => r.data).filter(s => s.measure_id === measureId && Date.parse(s.due_at) === Date.parse(due))
    .sort((a, b) => (a.server_time || '').localeCompare(b.server_time || ''));
  const [o] = await withState([{ list, measure, due, time: fmtTime(due), signatures }]);
  const may = await maySign(user, o);
  const listHash = `#/client/${list.client_id}/signing`;
  // Signing goes back to where the user came from: Today or the client's list; opened
  // directly (a reload), the client's list.
  const from = cameFrom('#/sign/');
  const backTo = from !== null && ['', '#', '#/', '#/today'].includes(from) ? '#/today' : listHash;

  let outcome = '';
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const reason = h('select', { testid: 'sign-reason' }, h('option', { value: '' }, t('sign.choose_reason')), reasons.map(r => h('option', { value: r.label_sv }, label(r))));
  reason.addEventListener('change', () => { err.hidden = true; });
  const reasonField = field(t('sign.reason'), reason, { required: true });
  reasonField.hidden = true;
  const comment = h('textarea', { rows: '2', testid: 'sign-comment' });
  const submit = h('button', { class: 'btn primary big', type: 'submit', testid: 'sign-submit', hidden: true }, t('sign.submit'));
  const buttons = OUTCOMES.map(x => h('button', {
    class: `btn outcome outcome-${x}`, type: 'button', testid: `outcome-${x}`, 'aria-pressed': 'false', disabled: !may.ok,
    on: {
      click: () => {
        outcome = x;
        for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.testid === `outcome-${x}`));
        reasonField.hidden = !NEEDS_REASON.has(x);
        submit.hidden = !NEEDS_REASON.has(x);
        if (NEEDS_REASON.has(x)) reason.focus(); else sign();
      },
    },
  }, tOr(`outcome.${x}`, x)));
  async function sign() {
    err.hidden = true;
    if (!outcome) return fail(t('sign.choose_outcome'));
    if (NEEDS_REASON.has(outcome) && !reason.value) return fail(t('sign.reason_required'));
    const asks = await warnings(o, who);
    if (asks.length && !(await confirmDialog({ title: t('sign.confirm_title'), lines: asks, ok: t('sign.confirm_ok'), cancel: t('common.cancel') }))) return;
    for (const b of [...buttons, submit]) b.disabled = true;
    const args = { signature_id: uuidv7(), list_id: listId, measure_id: measureId, due_at: due, outcome, signed_at: nowISO() };
    if (NEEDS_REASON.has(outcome)) args.reason = reason.value;
    if (comment.value.trim()) args.comment = comment.value.trim();
    await enqueue('signing.sign', args);
    announce(t('sign.saved'));
    location.hash = backTo;
  }
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: { submit: e => { e.preventDefault(); sign(); } },
  },
  may.ok ? field(t('sign.comment'), comment, { hint: t('sign.comment_hint') }) : null,
  h('fieldset', { class: 'outcomes' }, h('legend', {}, t('sign.outcome')), buttons),
  reasonField,
  err, submit));
  function fail(msg) {
    err.hidden = false;
    err.textContent = msg;
    announce(msg);
  }
  const seen = e => async () => { await markSeen(e.local_id); render(listId, measureId, due); };
  await logReads(nav, 'sign', [['signing_list', list.client_id]]);
  show(nav, 'sign',
    back(backTo, backTo === '#/today' ? t('nav.today') : (c ? c.name : undefined)),
    h('h1', {}, t('sign.title')),
    c ? healthFlags(c) : null,
    h('p', { class: 'lead' }, `${fmtTime(due)} · ${kindName(measure.kind)}`),
    c ? h('p', { class: 'meta' }, c.name) : null,
    h('p', {}, measure.instruction || ''),
    h('div', { class: 'card-head', testid: 'dose-state' }, badges(o)),
    o.unseen.map(e => refusal(e, seen(e))),
    signatureLines(o, who),
    may.ok ? null : h('p', { class: 'notice warn', role: 'note', testid: 'sign-blocked' }, may.why),
    form);
}
