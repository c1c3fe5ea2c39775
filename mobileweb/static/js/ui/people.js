// A unit's people (#/unit/<unit_id>): each person with their grants here (role, valid
// until, waiting for approval), last login, and whether the account is locked, disabled or
// not yet activated; and what the user may do about each: extend or end a grant, unlock,
// give a new activation code (only where the server says may_administer). A person's name
// opens their account's screen (person.js). From here: a new person, the import, the
// access review.
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import { getMeta } from '../db.js';
import * as admin from '../admin.js';
import { currentNav, back, badge } from './view.js';
import { screen, errorBox, showError, onSubmit, roleName, day, table } from './adminkit.js';
import { confirmDialog } from './confirm.js';
import { codeHandout } from './newuser.js';

export async function render(unitId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const head = [back('#/admin', t('admin.org.title'))];
  await screen(nav, 'unit', head, () => Promise.all([admin.org(), admin.people(unitId)]), ([o, list]) => {
    const unit = findUnit(o, unitId);
    const grantable = admin.grantableRoles(user, unitId);
    const isManager = admin.isAdministrator(user) || user.roles.some(r => r.unit_id === unitId && r.role === 'unit_manager');
    return [
      h('h1', {}, unit ? unit.name : t('admin.unit.title')),
      h('div', { class: 'actions' },
        grantable.length ? h('a', { class: 'btn primary', href: `#/newuser/${unitId}`, testid: 'unit-new-person' }, t('admin.newuser.title')) : null,
        grantable.length ? h('a', { class: 'btn', href: `#/import/${unitId}`, testid: 'unit-import' }, t('admin.import.title')) : null,
        isManager ? h('a', { class: 'btn', href: `#/review/${unitId}`, testid: 'unit-review' }, t('admin.review.title')) : null,
        isManager ? h('a', { class: 'btn', href: `#/audit/${unitId}`, testid: 'unit-audit' }, t('admin.audit.button')) : null,
        // The read log is its managers' to review (behörighetskontroll av loggar).
        user.roles.some(r => r.unit_id === unitId && r.role === 'unit_manager') ? h('a', { class: 'btn', href: `#/readlog/${unitId}`, testid: 'unit-readlog' }, t('readlog.admin_button')) : null),
      h('div', { id: 'unit-code' }),
      list.length ? table('unit-people', t('admin.unit.people'), [t('admin.unit.person'), t('admin.unit.grants'), t('admin.unit.last_login'), t('admin.unit.account'), t('admin.unit.actions')],
        list.map(p => ({ testid: `person-${p.user_id}`, cells: personCells(p, unitId, grantable) }))) : h('p', { class: 'empty' }, t('admin.unit.none')),
    ];
  });
}

function findUnit(o, unitId) {
  for (const p of o.providers || []) {
    for (const u of p.units || []) {
      if (u.unit_id === unitId) return u;
      for (const s of u.subunits || []) if (s.unit_id === unitId) return s;
    }
  }
  return null;
}

function grantsHere(p, unitId) { return (p.grants || []).filter(g => g.unit_id === unitId); }

function personCells(p, unitId, grantable) {
  const grants = grantsHere(p, unitId);
  const state = [];
  if (p.disabled) state.push(badge(t('admin.unit.disabled'), 'warn'));
  if (p.locked) state.push(badge(t('admin.unit.locked'), 'warn'));
  if (p.activated === false) state.push(badge(t('admin.unit.not_activated'), 'new'));
  if (!state.length) state.push(badge(t('admin.unit.active'), 'ok'));
  return [
    [h('strong', {}, h('a', { class: 'person-link', href: `#/person/${encodeURIComponent(unitId)}/${encodeURIComponent(p.user_id)}`, testid: `open-${p.user_id}` }, p.name)), h('br'), h('span', { class: 'meta' }, p.username)],
    grants.length ? h('ul', { class: 'plain' }, grants.map(g => h('li', { testid: `grant-${g.grant_id}` },
      `${roleName(g.role)} · ${t('admin.unit.until', { date: day(g.valid_until) })}`,
      g.status && g.status !== 'active' ? [' ', badge(t(`admin.grant.status.${g.status}`), 'pending')] : null))) : t('admin.unit.no_grant'),
    p.last_login_at ? day(p.last_login_at) : t('admin.unit.never'),
    h('div', {}, state, p.second_factor ? h('p', { class: 'meta' }, t(`admin.factor.${p.second_factor}`)) : null),
    actions(p, unitId, grants.filter(g => !g.status || g.status === 'active'), grantable),
  ];
}

function actions(p, unitId, grants, grantable) {
  const box = errorBox(`person-error-${p.user_id}`);
  const items = [];
  for (const g of grants) {
    if (!grantable.includes(g.role)) continue;
    items.push(h('button', {
      class: 'btn', type: 'button', testid: `extend-${g.grant_id}`,
      on: { click: () => act(box, unitId, async () => {
        const until = admin.oneYearAhead();
        if (!await confirmDialog({ title: t('admin.extend.title'), lines: [t('admin.extend.text', { name: p.name, role: roleName(g.role), date: day(until) })], ok: t('admin.extend.ok'), cancel: t('common.cancel') })) return false;
        await admin.decide(g.grant_id, 'extend', { valid_until: admin.endOfDay(until) });
        return t('admin.extend.done');
      }) },
    }, t('admin.extend.button', { role: roleName(g.role) })));
    items.push(endForm(p, g, box));
  }
  if (p.locked && p.may_administer) {
    items.push(h('button', { class: 'btn', type: 'button', testid: `unlock-${p.user_id}`, on: { click: () => act(box, unitId, async () => { await admin.unlock(p.user_id); return t('admin.unlock.done'); }) } }, t('admin.unlock.button')));
  }
  if (p.activated === false && p.may_administer) {
    items.push(h('button', {
      class: 'btn', type: 'button', testid: `activation-${p.user_id}`,
      on: { click: () => act(box, unitId, async () => {
        if (!await confirmDialog({ title: t('admin.activation.title'), lines: [t('admin.activation.text', { name: p.name })], ok: t('admin.activation.ok'), cancel: t('common.cancel') })) return false;
        const res = await admin.newActivation(p.user_id);
        document.getElementById('unit-code').replaceChildren(codeHandout(p.name, p.username, res));
        return t('admin.activation.done');
      }) },
    }, t('admin.activation.button')));
  }
  return items.length ? h('div', { class: 'row' }, items, box) : '';
}

function endForm(p, g, box) {
  const reason = h('input', { type: 'text', testid: `end-reason-${g.grant_id}`, autocomplete: 'off' });
  return h('details', {}, h('summary', { testid: `end-${g.grant_id}` }, t('admin.end.button', { role: roleName(g.role) })),
    onSubmit(h('form', { class: 'stack' },
      field(t('admin.end.reason'), reason, { required: true }),
      h('button', { class: 'btn danger', type: 'submit', testid: `end-confirm-${g.grant_id}` }, t('admin.end.ok'))), box, async () => {
      await admin.decide(g.grant_id, 'end', { reason: reason.value.trim() });
      announce(t('admin.end.done'));
      await render(g.unit_id);
    }));
}

// act runs one action of a person's row: the screen is drawn again from the server's
// answer (done tells what to announce; false: the user cancelled).
async function act(box, unitId, fn) {
  box.hidden = true;
  try {
    const done = await fn();
    if (done === false) return;
    announce(done);
    const code = document.getElementById('unit-code');
    const kept = code ? [...code.childNodes] : [];
    await render(unitId);
    const again = document.getElementById('unit-code');
    if (again && kept.length) again.replaceChildren(...kept);
  } catch (err) {
    showError(box, err);
  }
}
