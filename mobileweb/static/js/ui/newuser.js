// A new person in a unit (#/newuser/<unit_id>): the account (username, name, work phone)
// and its grant here (role, valid until: at most a year ahead). The server answers with
// the one-time activation code, shown once, with a hand-out to print and give the person
// (seed 000: the code is handed over on paper or in person; it is never sent).
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import { getMeta } from '../db.js';
import * as admin from '../admin.js';
import { currentNav, back } from './view.js';
import { screen, errorBox, showError, onSubmit, roleName, day, printHandout } from './adminkit.js';

export async function render(unitId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const head = [back(`#/unit/${unitId}`, t('admin.unit.back')), h('h1', {}, t('admin.newuser.title'))];
  await screen(nav, 'newuser', head, admin.org, o => {
    const provider = (o.providers || []).find(p => (p.units || []).some(u => u.unit_id === unitId || (u.subunits || []).some(s => s.unit_id === unitId)));
    const roles = admin.grantableRoles(user, unitId);
    if (!provider || !roles.length) return h('p', { class: 'notice warn', testid: 'newuser-forbidden' }, t('error.forbidden'));
    return form(unitId, provider, roles);
  });
}

function form(unitId, provider, roles) {
  const username = h('input', { type: 'text', testid: 'newuser-username', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const name = h('input', { type: 'text', testid: 'newuser-name', autocomplete: 'off' });
  const phone = h('input', { type: 'tel', testid: 'newuser-phone', autocomplete: 'off', placeholder: '+46701234567' });
  const role = h('select', { testid: 'newuser-role' }, roles.map(r => h('option', { value: r }, roleName(r))));
  const latest = admin.oneYearAhead();
  const until = h('input', { type: 'date', testid: 'newuser-valid_until', value: latest, max: latest, min: new Date().toISOString().slice(0, 10) });
  const box = errorBox('newuser-error');
  const result = h('div', { testid: 'newuser-result' });
  const f = h('form', { class: 'stack', testid: 'newuser-form' },
    field(t('admin.newuser.username'), username, { required: true, hint: t('admin.newuser.username_hint') }),
    field(t('admin.newuser.name'), name, { required: true }),
    field(t('admin.newuser.phone'), phone, { hint: t('admin.newuser.phone_hint') }),
    field(t('admin.newuser.role'), role),
    field(t('admin.newuser.valid_until'), until, { required: true, hint: t('admin.newuser.valid_until_hint') }),
    box,
    h('button', { class: 'btn primary', type: 'submit', testid: 'newuser-create' }, t('admin.newuser.create')));
  onSubmit(f, box, async () => {
    const body = { username: username.value.trim(), name: name.value.trim(), provider_id: provider.provider_id };
    if (phone.value.trim()) body.phone = phone.value.trim();
    const created = await admin.createUser(body);
    // The account exists now: whatever the grant's answer, its code is shown.
    f.hidden = true;
    result.replaceChildren(codeHandout(body.name, body.username, created));
    try {
      const g = await admin.grant({ user_id: created.user_id, unit_id: unitId, role: role.value, valid_until: admin.endOfDay(until.value) });
      result.append(h('p', { class: 'notice', testid: 'newuser-grant', dataset: { status: g.status } },
        g.status === 'pending' ? t('admin.newuser.grant_pending', { role: roleName(role.value) }) : t('admin.newuser.grant_active', { role: roleName(role.value), date: day(until.value) })));
    } catch (err) {
      const gbox = errorBox('newuser-grant-error');
      result.append(gbox);
      showError(gbox, err);
      gbox.textContent = `${t('admin.newuser.grant_failed')} ${gbox.textContent}`;
    }
    result.append(h('div', { class: 'actions' },
      h('a', { class: 'btn', href: `#/unit/${unitId}`, testid: 'newuser-done' }, t('admin.newuser.done'))));
    announce(t('admin.newuser.created'));
  });
  return [f, result];
}

// codeHandout shows an activation code once, with a hand-out to print: what to do with it,
// and until when it works. answer is the server's {activation_code, activation_expires_at}.
export function codeHandout(name, username, answer) {
  return h('section', { class: 'handout', testid: 'activation-handout', 'aria-labelledby': 'handout-title' },
    h('h2', { id: 'handout-title' }, t('admin.handout.title')),
    h('p', { class: 'screen-only notice' }, t('admin.handout.once')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('admin.handout.name')), h('dd', {}, name),
      h('dt', {}, t('admin.handout.username')), h('dd', { testid: 'handout-username' }, username),
      h('dt', {}, t('admin.handout.code')), h('dd', { class: 'code', testid: 'activation-code' }, answer.activation_code),
      h('dt', {}, t('admin.handout.valid_until')), h('dd', {}, answer.activation_expires_at ? new Date(answer.activation_expires_at).toLocaleString(document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE', { dateStyle: 'medium', timeStyle: 'short' }) : '')),
    h('ol', {},
      h('li', {}, t('admin.handout.step_open', { address: location.origin })),
      h('li', {}, t('admin.handout.step_activate')),
      h('li', {}, t('admin.handout.step_password')),
      h('li', {}, t('admin.handout.step_factor'))),
    h('p', {}, t('admin.handout.keep')),
    h('div', { class: 'actions screen-only' },
      h('button', { class: 'btn', type: 'button', testid: 'handout-print', on: { click: printHandout } }, t('admin.handout.print'))));
}
