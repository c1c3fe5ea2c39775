// The organisation (#/admin): the providers, their units and sub-units that the user may
// administer, each unit opening its people. The administrator also creates providers and
// units here (seed 002: a provider starts), and ends a provider at a date once its
// deviations and journals are closed (the server lists the open ones); a unit manager sees
// their own units.
import { h, field, announce } from '../dom.js';
import { t, tn } from '../i18n.js';
import { getMeta } from '../db.js';
import * as admin from '../admin.js';
import { currentNav } from './view.js';
import { screen, errorBox, onSubmit, day } from './adminkit.js';
import { confirmDialog } from './confirm.js';

export async function render() {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const isAdmin = admin.isAdministrator(user);
  const head = [h('h1', {}, t('admin.org.title'))];
  await screen(nav, 'admin', head, () => Promise.all([admin.org(), admin.me()]), ([o, me]) => [
    overdue(o, me.access_reviews_overdue || []),
    o.municipality ? h('p', { class: 'meta', testid: 'org-municipality' }, typeof o.municipality === 'string' ? o.municipality : o.municipality.name) : null,
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/approvals', testid: 'org-approvals' }, t('admin.approvals.title')),
      isAdmin ? h('a', { class: 'btn', href: '#/bulletins', testid: 'org-bulletins' }, t('board.title')) : null,
      isAdmin ? h('a', { class: 'btn', href: '#/reflists', testid: 'org-reflists' }, t('reflists.title')) : null),
    (o.providers || []).length ? h('ul', { class: 'cards org' }, o.providers.map(p => provider(p, isAdmin))) : h('p', { class: 'empty' }, t('admin.org.none')),
    isAdmin ? newProvider() : null,
  ]);
}

// overdue names the units whose access review is late, each opening its review: the
// manager sees it first (behörighetskontroll twice a year).
function overdue(o, due) {
  if (!due.length) return null;
  const names = new Map((o.providers || []).flatMap(p => (p.units || []).map(u => [u.unit_id, u.name])));
  return h('div', { class: 'notice warn', role: 'status', testid: 'reviews-overdue' },
    h('p', {}, tn('admin.review.overdue_units', due.length)),
    h('ul', {}, due.map(d => h('li', {}, h('a', { href: `#/review/${d.unit_id}`, testid: `overdue-${d.unit_id}` },
      t('admin.review.overdue_unit', { unit: names.get(d.unit_id) || t('admin.approvals.other_unit'), date: day(d.due_at) }))))));
}

function provider(p, isAdmin) {
  return h('li', { class: 'card', testid: `provider-${p.provider_id}` },
    h('h2', {}, p.name),
    h('p', { class: 'meta' }, t(`admin.kind.${p.kind === 'private' ? 'private' : 'own'}`), p.org_number ? ` · ${t('admin.org.org_number')} ${p.org_number}` : '',
      p.ends_at ? ` · ${t('admin.org.ends', { date: day(p.ends_at) })}` : ''),
    (p.units || []).length ? h('ul', { class: 'tree' }, p.units.map(u => h('li', {},
      h('a', { href: `#/unit/${u.unit_id}`, testid: `unit-${u.unit_id}` }, u.name),
      (u.subunits || []).length ? h('ul', {}, u.subunits.map(s => h('li', {}, h('a', { href: `#/unit/${s.unit_id}`, testid: `unit-${s.unit_id}` }, s.name)))) : null))) : h('p', { class: 'empty' }, t('admin.org.no_units')),
    isAdmin && !p.ends_at ? newUnit(p) : null,
    isAdmin && !p.ends_at ? endProvider(p) : null);
}

function newProvider() {
  const name = h('input', { type: 'text', testid: 'provider-name', autocomplete: 'off' });
  const kind = h('select', { testid: 'provider-kind' }, ['own', 'private'].map(k => h('option', { value: k }, t(`admin.kind.${k}`))));
  const number = h('input', { type: 'text', testid: 'provider-org_number', inputmode: 'numeric', autocomplete: 'off', placeholder: '556677-8899' });
  const box = errorBox('provider-error');
  return h('details', { class: 'card' }, h('summary', { testid: 'provider-new' }, t('admin.org.new_provider')),
    onSubmit(h('form', { class: 'stack', testid: 'provider-form' },
      field(t('admin.org.name'), name, { required: true }),
      field(t('admin.org.kind'), kind),
      field(t('admin.org.org_number'), number, { required: true, hint: t('admin.org.org_number_hint') }),
      box,
      h('button', { class: 'btn primary', type: 'submit', testid: 'provider-create' }, t('admin.org.create_provider'))), box, async () => {
      await admin.createProvider({ name: name.value.trim(), kind: kind.value, org_number: number.value.trim() });
      announce(t('admin.org.provider_created'));
      await render();
    }));
}

function newUnit(p) {
  const name = h('input', { type: 'text', testid: `unit-name-${p.provider_id}`, autocomplete: 'off' });
  const parent = h('select', { testid: `unit-parent-${p.provider_id}` },
    h('option', { value: '' }, t('admin.org.no_parent')),
    (p.units || []).map(u => h('option', { value: u.unit_id }, u.name)));
  const box = errorBox(`unit-error-${p.provider_id}`);
  return h('details', {}, h('summary', { testid: `unit-new-${p.provider_id}` }, t('admin.org.new_unit')),
    onSubmit(h('form', { class: 'stack', testid: `unit-form-${p.provider_id}` },
      field(t('admin.org.unit_name'), name, { required: true }),
      field(t('admin.org.parent'), parent, { hint: t('admin.org.parent_hint') }),
      box,
      h('button', { class: 'btn primary', type: 'submit', testid: `unit-create-${p.provider_id}` }, t('admin.org.create_unit'))), box, async () => {
      const body = { provider_id: p.provider_id, name: name.value.trim() };
      if (parent.value) body.parent_unit_id = parent.value;
      await admin.createUnit(body);
      announce(t('admin.org.unit_created'));
      await render();
    }));
}

// endProvider ends a provider at the end of a day (seed 002: a provider ends): every grant
// of its people ends then. The server refuses while deviations or journals are open, and
// lists them; the screen names each one.
function endProvider(p) {
  const today = new Date();
  const min = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const date = h('input', { type: 'date', testid: `provider-end-date-${p.provider_id}`, min });
  const box = errorBox(`provider-end-error-${p.provider_id}`);
  const open = h('div', { testid: `provider-open-${p.provider_id}`, hidden: true });
  return h('details', {}, h('summary', { testid: `provider-end-${p.provider_id}` }, t('admin.org.end.button')),
    onSubmit(h('form', { class: 'stack', testid: `provider-end-form-${p.provider_id}` },
      field(t('admin.org.end.date'), date, { required: true, hint: t('admin.org.end.hint') }),
      box,
      open,
      h('button', { class: 'btn danger', type: 'submit', testid: `provider-end-save-${p.provider_id}` }, t('admin.org.end.save'))), box, async () => {
      open.hidden = true;
      if (!await confirmDialog({ title: t('admin.org.end.title'), lines: [t('admin.org.end.text', { name: p.name, date: day(date.value) })], ok: t('admin.org.end.ok'), cancel: t('common.cancel') })) return;
      try {
        await admin.endProvider(p.provider_id, admin.endOfDay(date.value));
      } catch (err) {
        if (err && err.code === 'provider_has_open_work') showOpenWork(open, err.body || {});
        throw err;
      }
      announce(t('admin.org.end.done', { name: p.name, date: day(date.value) }));
      await render();
    }));
}

// showOpenWork names the open deviations and journals of a refused end, by their numbers:
// the administrator does not see the clients, the units' managers close them.
function showOpenWork(place, body) {
  const deviations = body.open_deviations || [];
  const journals = body.open_journals || [];
  const short = id => String(id).slice(0, 8);
  place.replaceChildren(
    h('p', {}, t('admin.org.end.open_intro')),
    h('ul', {},
      deviations.map(id => h('li', { testid: `open-deviation-${id}` }, t('admin.org.end.open_deviation', { id: short(id) }))),
      journals.map(id => h('li', { testid: `open-journal-${id}` }, t('admin.org.end.open_journal', { id: short(id) })))),
    h('p', {}, tn('admin.org.end.open_count', deviations.length + journals.length)));
  place.hidden = false;
}
