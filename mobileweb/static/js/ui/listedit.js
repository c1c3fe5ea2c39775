// For licensed staff (legitimerad personal) of the client's unit: make or change a
// signing list (signeringslista) — its measures (insatser: the kind from the
// municipality's measure kinds, the instruction, the times or "vid behov"/PRN) and when
// it is valid. Saving puts signing.list.save in the outbox; the client's signing list
// shows the change as waiting until the server's list comes back. Route:
// #/listedit/<client_id>[/<list_id>]. Opening an existing list logs a signing_list read.
import { h, field, announce } from '../dom.js';
import { t, label } from '../i18n.js';
import { getRecord, getMeta } from '../db.js';
import { client as getClient, referenceList, measureKinds, mayEditLists } from '../data.js';
import { enqueue } from '../outbox.js';
import { logReads } from '../readlog.js';
import { localDay, stockholmToUTC } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { show, currentNav, back, markDirty } from './view.js';

// The server's limits (internal/signing): instruction length, measures, times.
const MAX_INSTRUCTION = 2000;
const MAX_MEASURES = 50;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

// dayOf is the Stockholm day (YYYY-MM-DD) of an instant.
const dayOf = iso => localDay(new Date(iso));

export async function render(clientId, listId) {
  const nav = currentNav(); // first: see show()
  const [c, user, kinds, kindName, rec] = await Promise.all([getClient(clientId), getMeta('user'), referenceList('measure_kinds'), measureKinds(),
    listId ? getRecord('signing_list', listId) : null]);
  const listHash = `#/client/${clientId}/signing`;
  if (!c || (listId && (!rec || rec.data.client_id !== clientId))) return show(nav, 'listedit', back(listHash), h('h1', {}, t('listedit.not_found')));
  if (!mayEditLists(user, c.unit_id)) return show(nav, 'listedit', back(listHash, c.name), h('h1', {}, t('listedit.title_new')), h('p', { class: 'notice warn' }, t('listedit.not_licensed')));
  const old = rec ? rec.data : null;
  const today = localDay();
  const from = h('input', { type: 'date', value: old ? dayOf(old.valid_from) : today, testid: 'list-from' });
  const until = h('input', { type: 'date', value: old ? dayOf(old.valid_until) : '', testid: 'list-until' });
  const measuresBox = h('div', { class: 'stack' });
  const add = h('button', { class: 'btn', type: 'button', testid: 'list-add-measure' }, t('listedit.add_measure'));
  const err = h('p', { class: 'error', role: 'alert', hidden: true, testid: 'list-error' });
  let seq = 0;

  function measureRow(m) {
    const n = ++seq;
    const kind = h('select', { testid: `measure-kind-${n}` },
      h('option', { value: '' }, t('listedit.choose_kind')),
      kinds.map(k => h('option', { value: k.code }, label(k))),
      m.kind && !kinds.some(k => k.code === m.kind) ? h('option', { value: m.kind }, kindName(m.kind)) : null);
    kind.value = m.kind || '';
    const instruction = h('textarea', { rows: '2', maxlength: String(MAX_INSTRUCTION), testid: `measure-instruction-${n}` });
    instruction.value = m.instruction || '';
    const times = h('input', { type: 'text', inputmode: 'numeric', value: (m.times || []).join(', '), testid: `measure-times-${n}`, autocomplete: 'off' });
    const prn = h('input', { type: 'checkbox', testid: `measure-prn-${n}` });
    prn.checked = !!m.prn;
    const row = h('fieldset', { class: 'card measure', testid: `measure-${n}` },
      h('legend', {}, t('listedit.measure', { n: measuresBox.children.length + 1 })),
      field(t('listedit.kind'), kind, { required: true }),
      field(t('listedit.instruction'), instruction, { required: true }),
      field(t('listedit.times'), times, { hint: t('listedit.times_hint') }),
      h('label', { class: 'check' }, prn, t('listedit.prn')),
      h('button', { class: 'btn', type: 'button', testid: `measure-remove-${n}`, on: { click: () => { row.remove(); renumber(); } } }, t('listedit.remove_measure')));
    row.read = () => ({
      measure_id: m.measure_id || uuidv7(), kind: kind.value, instruction: instruction.value.trim(), prn: prn.checked,
      times: times.value.split(/[\s,;]+/).filter(Boolean).map(x => (/^\d:\d\d$/.test(x) ? `0${x}` : x)),
    });
    return row;
  }
  function renumber() {
    [...measuresBox.children].forEach((row, i) => { row.querySelector('legend').textContent = t('listedit.measure', { n: i + 1 }); });
    add.disabled = measuresBox.children.length >= MAX_MEASURES;
  }
  add.addEventListener('click', () => { const row = measureRow({}); measuresBox.append(row); renumber(); row.querySelector('select').focus(); });
  for (const m of old ? old.measures || [] : [{}]) measuresBox.append(measureRow(m));

  function problem(measures) {
    if (!measures.length) return t('listedit.need_measure');
    for (const [i, m] of measures.entries()) {
      const n = i + 1;
      if (!m.kind) return t('listedit.need_kind', { n });
      if (!m.instruction) return t('listedit.need_instruction', { n });
      if (!m.times.length && !m.prn) return t('listedit.need_times', { n });
      if (m.times.some(x => !TIME.test(x)) || new Set(m.times).size !== m.times.length) return t('listedit.bad_times', { n });
    }
    if (!from.value) return t('listedit.need_from');
    if (!until.value || until.value <= from.value) return t('listedit.need_until');
    return '';
  }
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true, testid: 'list-form',
    on: {
      submit: async e => {
        e.preventDefault();
        const measures = [...measuresBox.children].map(row => row.read());
        const why = problem(measures);
        if (why) {
          err.hidden = false;
          err.textContent = why;
          announce(why);
          return;
        }
        err.hidden = true;
        for (const b of form.querySelectorAll('button')) b.disabled = true;
        // valid_from from the day's start, valid_until to the end of its last day (Stockholm).
        const nextDay = d => { const x = new Date(`${d}T12:00:00Z`); x.setUTCDate(x.getUTCDate() + 1); return x.toISOString().slice(0, 10); };
        await enqueue('signing.list.save', {
          list_id: old ? old.list_id : uuidv7(), client_id: clientId, measures,
          valid_from: new Date(stockholmToUTC(from.value, '00:00')).toISOString(),
          valid_until: new Date(stockholmToUTC(nextDay(until.value), '00:00')).toISOString(),
        });
        delete form.dataset.dirty;
        announce(t('listedit.saved'));
        location.hash = listHash;
      },
    },
  },
  field(t('listedit.valid_from'), from, { required: true }),
  field(t('listedit.valid_until'), until, { required: true, hint: t('listedit.valid_until_hint') }),
  h('h2', {}, t('listedit.measures')),
  measuresBox,
  h('div', { class: 'actions' }, add),
  err,
  h('div', { class: 'actions' },
    h('button', { class: 'btn primary', type: 'submit', testid: 'list-save' }, t('listedit.save')),
    h('a', { class: 'btn', href: listHash }, t('common.cancel')))));
  if (old) await logReads(nav, 'listedit', [['signing_list', clientId]]);
  show(nav, 'listedit',
    back(listHash, c.name),
    h('h1', {}, old ? t('listedit.title_edit') : t('listedit.title_new')),
    h('p', { class: 'meta' }, c.name),
    form);
}
