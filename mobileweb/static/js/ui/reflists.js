// The administrator's reference lists (#/reflists/<kind>): the municipality's keywords
// (nyckelord), phrase texts (frastexter), measure kinds, deviation types and areas
// (avvikelsetyp, område) and reasons a measure was not given (orsak ej given). An entry is
// added, renamed or retired (taken off the list: what staff wrote with it keeps its words),
// with a preview of how staff will see the list, and the whole list is saved with
// reference.list.save through the outbox. The list shows a change as saved only once the
// server's record is back.
import { h, field, announce } from '../dom.js';
import { t, label } from '../i18n.js';
import { byKind, getMeta } from '../db.js';
import { enqueue, pendingFor } from '../outbox.js';
import { isAdministrator } from '../admin.js';
import { show, currentNav, badge, empty, back, markDirty } from './view.js';

const KINDS = ['keywords', 'phrase_texts', 'measure_kinds', 'deviation_types', 'deviation_areas', 'not_given_reasons', 'end_reasons'];
const ACTIVITIES = ['SoL', 'HSL', 'LSS'];
// Deviation types are codes deviation.report knows: they are renamed, never added.
const FIXED = ['deviation_types'];

export async function render(kind = KINDS[0]) {
  const nav = currentNav(); // first: see show()
  if (!KINDS.includes(kind)) kind = KINDS[0];
  const user = await getMeta('user');
  const head = [back('#/admin', t('admin.org.title')), h('h1', {}, t('reflists.title'))];
  if (!isAdministrator(user)) {
    show(nav, 'reflists', ...head, empty(t('reflists.not_yours')));
    return;
  }
  const [recs, pending] = await Promise.all([byKind('reference_list'), pendingFor('reference.list.save', a => a.kind === kind)]);
  const list = recs.map(r => r.data).find(l => l.kind === kind);
  const choose = h('nav', { 'aria-label': t('reflists.choose') },
    h('ul', { class: 'chips reflist-kinds' }, KINDS.map(k => h('li', {},
      h('a', { class: `btn${k === kind ? ' primary' : ''}`, href: `#/reflists/${k}`, testid: `reflist-${k}`, 'aria-current': k === kind ? 'page' : null }, t(`reflists.kind.${k}`))))));
  if (!list) {
    show(nav, 'reflists', ...head, choose, empty(t('reflists.no_list')));
    return;
  }
  const body = pending.length
    ? [h('p', { class: 'notice', role: 'status', testid: 'reflist-pending' }, badge(t('common.pending'), 'pending'), ' ', t('reflists.pending')),
      preview(kind, list.items || [])]
    : editor(kind, list);
  show(nav, 'reflists', ...head, choose, h('h2', {}, t(`reflists.kind.${kind}`)), h('p', { class: 'meta' }, t(`reflists.about.${kind}`)), ...[].concat(body));
}

// editor is the list's entries as fields, a new entry, the preview and the save.
function editor(kind, list) {
  const deviation = kind === 'deviation_types' || kind === 'deviation_areas';
  const rows = h('ul', { class: 'cards reflist-items', testid: 'reflist-items' });
  const view = h('div', { testid: 'reflist-preview-box' });
  const error = h('p', { class: 'error', role: 'alert', testid: 'reflist-error', hidden: true });
  const entries = [];
  const draw = () => view.replaceChildren(preview(kind, current()));
  const current = () => entries.filter(e => !e.retire.checked).map(e => {
    const it = { code: e.code, label_sv: e.sv.value.trim() };
    if (e.en.value.trim()) it.label_en = e.en.value.trim();
    if (e.activity) it.activity = e.activity.value;
    return it;
  });
  const add = (it, fresh) => {
    const n = entries.length;
    const e = {
      code: it.code,
      sv: h('input', { type: 'text', maxlength: '300', testid: `reflist-sv-${n}`, value: it.label_sv || '', autocomplete: 'off' }),
      en: h('input', { type: 'text', maxlength: '300', testid: `reflist-en-${n}`, value: it.label_en || '', autocomplete: 'off', lang: 'en' }),
      activity: deviation ? h('select', { testid: `reflist-activity-${n}`, disabled: !fresh }, ACTIVITIES.map(a => h('option', { value: a, selected: a === it.activity }, a))) : null,
      retire: h('input', { type: 'checkbox', testid: `reflist-retire-${n}` }),
      fresh,
    };
    entries.push(e);
    rows.append(h('li', { class: 'card', testid: `reflist-item-${n}` },
      h('fieldset', { class: 'stack' },
        h('legend', {}, fresh ? t('reflists.new_entry') : (it.label_sv || it.code)),
        field(t('reflists.label_sv'), e.sv, { required: true }),
        field(t('reflists.label_en'), e.en),
        e.activity ? field(t('reflists.activity'), e.activity) : null,
        h('label', { class: 'check' }, e.retire, h('span', {}, t(fresh ? 'reflists.drop' : 'reflists.retire'))))));
    for (const c of [e.sv, e.en, e.activity, e.retire]) if (c) c.addEventListener(c.type === 'checkbox' || c.tagName === 'SELECT' ? 'change' : 'input', draw);
    return e;
  };
  for (const it of list.items || []) add(it, false);
  const addButton = FIXED.includes(kind) ? null : h('button', {
    class: 'btn', type: 'button', testid: 'reflist-add',
    on: { click: () => { const e = add({ label_sv: '', activity: deviation ? ACTIVITIES[0] : undefined }, true); draw(); e.sv.focus(); } },
  }, t('reflists.add'));
  const form = markDirty(h('form', { class: 'stack', testid: 'reflist-form', dataset: { kind }, novalidate: true },
    rows, addButton, error,
    h('button', { class: 'btn primary', type: 'submit', testid: 'reflist-save' }, t('reflists.save'))));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    error.hidden = true;
    const items = current();
    const taken = new Set(items.filter((_, i) => !entriesKept()[i].fresh).map(it => `${it.activity || ''}/${it.code}`));
    entriesKept().forEach((x, i) => { if (x.fresh) items[i].code = newCode(items[i], taken); });
    if (items.some(it => !it.label_sv)) {
      error.hidden = false;
      error.textContent = t('reflists.label_missing');
      announce(error.textContent);
      return;
    }
    form.querySelector('button[type=submit]').disabled = true;
    await enqueue('reference.list.save', { list_id: list.list_id, kind, items });
    announce(t('reflists.sent'));
    delete form.dataset.dirty;
    render(kind);
  });
  const entriesKept = () => entries.filter(x => !x.retire.checked);
  draw();
  return [form, view];
}

// newCode is a new entry's code from its Swedish words (a-z, 0-9, _), unique in its activity.
function newCode(it, taken) {
  const base = (it.label_sv.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'item').slice(0, 56);
  let code = /^[a-z0-9]/.test(base) ? base : `x${base}`;
  for (let n = 2; taken.has(`${it.activity || ''}/${code}`); n++) code = `${base}_${n}`;
  taken.add(`${it.activity || ''}/${code}`);
  return code;
}

// preview is the list as staff see it: the keyword boxes and phrase chips of the note
// screen, the reasons of the sign screen, the others as the names they choose among.
function preview(kind, items) {
  const inner = kind === 'keywords'
    ? h('fieldset', { class: 'checks' }, h('legend', {}, t('note.keywords')), items.map(k => h('label', { class: 'check' }, h('input', { type: 'checkbox', disabled: true }), h('span', {}, label(k)))))
    : kind === 'phrase_texts'
      ? h('fieldset', { class: 'chips' }, h('legend', {}, t('note.phrases')), items.map(p => h('span', { class: 'chip' }, label(p))))
      : kind === 'not_given_reasons'
        ? field(t('reflists.preview_reason'), h('select', {}, h('option', { value: '' }, t('sign.choose_reason')), items.map(r => h('option', {}, label(r)))))
        : h('ul', {}, items.map(i => h('li', {}, i.activity ? `${i.activity}: ` : '', label(i))));
  return h('section', { class: 'card', 'aria-labelledby': 'h-reflist-preview', testid: 'reflist-preview' },
    h('h2', { id: 'h-reflist-preview' }, t('reflists.preview')),
    items.length ? inner : empty(t('reflists.empty')));
}
