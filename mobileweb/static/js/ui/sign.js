// Sign one occurrence of a delegated measure: a large button per outcome; "not given" and
// "partly given" need a reason (orsak), kept in Swedish in the record, as it is read there.
// The measure and its instruction are the client's signing list: opening logs a read.
import { h, field, announce } from '../dom.js';
import { t, tOr, label } from '../i18n.js';
import { getRecord, byKind, getMeta } from '../db.js';
import { client as getClient, referenceList } from '../data.js';
import { enqueue } from '../outbox.js';
import { logReads } from '../readlog.js';
import { fmtTime, nowISO } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, back, markDirty } from './view.js';

const OUTCOMES = ['given', 'partly_given', 'not_given', 'self_administered'];
// The server asks a reason (orsak) when the measure was not given or only partly given.
const NEEDS_REASON = new Set(['not_given', 'partly_given']);

export async function render(listId, measureId, due) {
  const nav = currentNav(); // first: see show()
  const rec = await getRecord('signing_list', listId);
  if (!rec) return show(nav, 'sign', back('#/today'), h('h1', {}, t('sign.not_found')));
  const list = rec.data;
  const measure = (list.measures || []).find(m => m.measure_id === measureId);
  if (!measure) return show(nav, 'sign', back('#/today'), h('h1', {}, t('sign.not_found')));
  const c = await getClient(list.client_id);
  const user = await getMeta('user');
  const reasons = await referenceList('not_given_reasons');
  const delegations = (await byKind('delegation')).map(r => r.data)
    .filter(d => d.user_id === user.id && d.measure_kind === measure.kind && !d.revoked_at && Date.parse(d.valid_until) > Date.now() && Date.parse(d.valid_from) <= Date.now());
  let outcome = '';
  const outcomeLabel = {
    given: t('outcome.given'), partly_given: t('outcome.partly_given'), not_given: t('outcome.not_given'), self_administered: t('outcome.self_administered'),
  };
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const reason = h('select', { testid: 'sign-reason' }, h('option', { value: '' }, t('sign.choose_reason')), reasons.map(r => h('option', { value: r.label_sv }, label(r))));
  reason.addEventListener('change', () => { err.hidden = true; });
  const reasonField = field(t('sign.reason'), reason, { required: true });
  reasonField.hidden = true;
  const comment = h('textarea', { rows: '3', testid: 'sign-comment' });
  const buttons = OUTCOMES.map(o => h('button', {
    class: `btn outcome outcome-${o}`, type: 'button', testid: `outcome-${o}`, 'aria-pressed': 'false',
    on: {
      click: () => {
        outcome = o;
        for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.testid === `outcome-${o}`));
        reasonField.hidden = !NEEDS_REASON.has(o);
        if (NEEDS_REASON.has(o)) reason.focus();
      },
    },
  }, outcomeLabel[o]));
  const submit = h('button', { class: 'btn primary big', type: 'submit', testid: 'sign-submit' }, t('sign.submit'));
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        err.hidden = true;
        if (!outcome) return fail(t('sign.choose_outcome'));
        if (NEEDS_REASON.has(outcome) && !reason.value) return fail(t('sign.reason_required'));
        submit.disabled = true;
        const args = { signature_id: uuidv7(), list_id: listId, measure_id: measureId, due_at: due, outcome, signed_at: nowISO() };
        if (NEEDS_REASON.has(outcome)) args.reason = reason.value;
        if (comment.value.trim()) args.comment = comment.value.trim();
        await enqueue('signing.sign', args);
        announce(t('sign.saved'));
        location.hash = `#/client/${list.client_id}/signing`;
      },
    },
  },
  h('fieldset', { class: 'outcomes' }, h('legend', {}, t('sign.outcome')), buttons),
  reasonField,
  field(t('sign.comment'), comment),
  err, submit));
  function fail(msg) {
    err.hidden = false;
    err.textContent = msg;
    announce(msg);
  }
  await logReads(nav, 'sign', [['signing_list', list.client_id]]);
  show(nav, 'sign',
    back(`#/client/${list.client_id}/signing`, c ? c.name : undefined),
    h('h1', {}, t('sign.title')),
    h('p', { class: 'lead' }, `${fmtTime(due)} · ${tOr(`measure_kind.${measure.kind}`, measure.kind)}`),
    h('p', {}, measure.instruction || ''),
    c ? h('p', { class: 'meta' }, c.name) : null,
    delegations.length ? null : h('p', { class: 'notice warn', role: 'note' }, t('sign.no_delegation')),
    form);
}
