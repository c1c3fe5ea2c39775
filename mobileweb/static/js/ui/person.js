// A person's account (#/person/<unit_id>/<user_id>), opened from the unit's people: its
// state (locked, disabled, not activated, second factor, last login) and the acts the
// caller may do on it — unlock, disable and enable, a new password or activation code
// (shown once), training recorded (utbildning), a hardware token (inloggningsdosa) handed
// out, the logins and phones seen and ended. The acts are offered only when the server's
// people list says may_administer (sessions and phones: may_end_sessions), the rule that
// authorises the routes; each act says what happened once the server has answered.
import { h, field, announce } from '../dom.js';
import { t } from '../i18n.js';
import * as admin from '../admin.js';
import { currentNav, back, badge } from './view.js';
import { screen, errorBox, showError, onSubmit, roleName, day, table } from './adminkit.js';
import { confirmDialog } from './confirm.js';
import { codeHandout } from './newuser.js';

export async function render(unitId, userId) {
  const nav = currentNav(); // first: see show()
  const head = [back(`#/unit/${encodeURIComponent(unitId)}`, t('admin.unit.back'))];
  await screen(nav, 'person', head, async () => {
    const list = await admin.people(unitId);
    const p = list.find(x => x.user_id === userId) || null;
    const sessions = p && p.may_end_sessions ? (await admin.sessions(userId)).sessions : [];
    return { p, sessions };
  }, ({ p, sessions }) => {
    if (!p) return [h('h1', {}, t('admin.person.title')), h('p', { class: 'notice warn', testid: 'person-missing' }, t('admin.person.missing'))];
    const ctx = { unitId, p, outcome: h('div', { id: 'person-outcome' }) };
    return [
      h('h1', {}, p.name),
      h('p', { class: 'meta' }, p.username),
      ctx.outcome,
      facts(p, unitId),
      p.may_administer ? acts(ctx) : h('p', { class: 'notice', testid: 'person-not-yours' }, t('admin.person.not_yours')),
      p.may_end_sessions ? logins(ctx, sessions) : null,
    ];
  });
}

function facts(p, unitId) {
  const state = [];
  if (p.disabled) state.push(badge(t('admin.unit.disabled'), 'warn'));
  if (p.locked) state.push(badge(t('admin.unit.locked'), 'warn'));
  if (p.activated === false) state.push(badge(t('admin.unit.not_activated'), 'new'));
  if (!state.length) state.push(badge(t('admin.unit.active'), 'ok'));
  const grants = (p.grants || []).filter(g => g.unit_id === unitId);
  return h('dl', { class: 'facts person-facts', testid: 'person-facts' },
    h('dt', {}, t('admin.unit.account')), h('dd', { testid: 'person-state' }, state),
    h('dt', {}, t('admin.person.factor')), h('dd', {}, t(`admin.factor.${p.second_factor || 'none'}`)),
    h('dt', {}, t('admin.unit.last_login')), h('dd', {}, p.last_login_at ? day(p.last_login_at) : t('admin.unit.never')),
    h('dt', {}, t('admin.unit.grants')), h('dd', {}, grants.length
      ? grants.map(g => h('p', {}, `${roleName(g.role)} · ${t('admin.unit.until', { date: day(g.valid_until) })}`))
      : t('admin.unit.no_grant')));
}

function acts(ctx) {
  const { p } = ctx;
  const box = errorBox('person-error');
  const button = (testid, text, fn, kind = '') =>
    h('button', { class: `btn ${kind}`.trim(), type: 'button', testid, on: { click: () => act(ctx, box, fn) } }, text);
  const ask = (key, vars) => confirmDialog({ title: t(`admin.person.${key}.title`), lines: [t(`admin.person.${key}.text`, vars)], ok: t(`admin.person.${key}.ok`), cancel: t('common.cancel') });
  const buttons = [];
  if (p.locked) buttons.push(button('person-unlock', t('admin.unlock.button'), async () => { await admin.unlock(p.user_id); return { text: t('admin.unlock.done') }; }));
  if (p.disabled) {
    buttons.push(button('person-enable', t('admin.person.enable.button'), async () => {
      await admin.setDisabled(p.user_id, false);
      return { text: t('admin.person.enable.done', { name: p.name }) };
    }));
  } else {
    buttons.push(button('person-disable', t('admin.person.disable.button'), async () => {
      if (!await ask('disable', { name: p.name })) return false;
      await admin.setDisabled(p.user_id, true);
      return { text: t('admin.person.disable.done', { name: p.name }) };
    }, 'danger'));
  }
  if (p.activated === false) {
    buttons.push(button('person-activation', t('admin.activation.button'), async () => {
      if (!await confirmDialog({ title: t('admin.activation.title'), lines: [t('admin.activation.text', { name: p.name })], ok: t('admin.activation.ok'), cancel: t('common.cancel') })) return false;
      const res = await admin.newActivation(p.user_id);
      return { text: t('admin.activation.done'), extra: codeHandout(p.name, p.username, res) };
    }));
  } else {
    buttons.push(button('person-password', t('admin.person.password.button'), async () => {
      if (!await ask('password', { name: p.name })) return false;
      const password = admin.temporaryPassword();
      await admin.resetPassword(p.user_id, password);
      return {
        text: t('admin.person.password.done', { name: p.name }),
        extra: h('section', { class: 'handout', 'aria-labelledby': 'password-title' },
          h('h2', { id: 'password-title' }, t('admin.person.password.shown')),
          h('p', { class: 'code', testid: 'person-temporary-password' }, password),
          h('p', {}, t('admin.person.password.once'))),
      };
    }));
  }
  return h('section', { 'aria-labelledby': 'person-acts' },
    h('h2', { id: 'person-acts' }, t('admin.person.acts')),
    h('div', { class: 'actions' }, buttons),
    box,
    trainingForm(ctx),
    tokenForm(ctx));
}

function trainingForm(ctx) {
  const { p } = ctx;
  const today = localDay(new Date());
  const date = h('input', { type: 'date', testid: 'person-training-date', value: today, max: today });
  const box = errorBox('person-training-error');
  return onSubmit(h('form', { class: 'stack', testid: 'person-training' },
    h('h3', {}, t('admin.person.training.title')),
    field(t('admin.person.training.date'), date, { required: true, hint: t('admin.person.training.hint') }),
    box,
    h('button', { class: 'btn', type: 'submit', testid: 'person-training-save' }, t('admin.person.training.save'))), box, async () => {
    // Today's training is recorded as now; an earlier day at noon of that day.
    const at = date.value === today ? undefined : new Date(`${date.value}T12:00:00`).toISOString();
    await admin.recordTraining(p.user_id, at);
    await done(ctx, { text: t('admin.person.training.done', { name: p.name, date: day(date.value) }) });
  });
}

function tokenForm(ctx) {
  const { p } = ctx;
  const serial = h('input', { type: 'text', testid: 'person-token-serial', autocomplete: 'off', maxlength: 100, spellcheck: 'false' });
  const box = errorBox('person-token-error');
  return onSubmit(h('form', { class: 'stack', testid: 'person-token' },
    h('h3', {}, t('admin.person.token.title')),
    field(t('admin.person.token.serial'), serial, { required: true, hint: t('admin.person.token.hint') }),
    box,
    h('button', { class: 'btn', type: 'submit', testid: 'person-token-save' }, t('admin.person.token.save'))), box, async () => {
    const s = serial.value.trim();
    if (p.second_factor === 'token' && !await confirmDialog({ title: t('admin.person.token.replace_title'), lines: [t('admin.person.token.replace_text', { name: p.name })], ok: t('admin.person.token.save'), cancel: t('common.cancel') })) return;
    await admin.bindToken(p.user_id, s);
    await done(ctx, { text: t('admin.person.token.done', { name: p.name, serial: s }) });
  });
}

// logins are the account's sessions, by phone: each login can be ended, and each phone
// revoked (it wipes its data at its next contact).
function logins(ctx, sessions) {
  const box = errorBox('person-sessions-error');
  const heads = [t('admin.person.sessions.phone'), t('admin.person.sessions.since'), t('admin.person.sessions.last_used'), t('admin.unit.actions')];
  const seen = new Set();
  const rows = sessions.map(s => {
    const first = !seen.has(s.device_id);
    seen.add(s.device_id);
    const phone = s.device_id.slice(0, 8);
    return {
      testid: `session-${s.id}`,
      cells: [phone, day(s.created_at), day(s.last_used_at), h('div', { class: 'row' },
        h('button', { class: 'btn', type: 'button', testid: `revoke-session-${s.id}`, on: { click: () => act(ctx, box, async () => {
          if (!await confirmDialog({ title: t('admin.person.session_end.title'), lines: [t('admin.person.session_end.text', { name: ctx.p.name, phone })], ok: t('admin.person.session_end.ok'), cancel: t('common.cancel') })) return false;
          await admin.revokeSession(s.id);
          return { text: t('admin.person.session_end.done') };
        }) } }, t('admin.person.session_end.button')),
        first ? h('button', { class: 'btn danger', type: 'button', testid: `revoke-device-${s.device_id}`, on: { click: () => act(ctx, box, async () => {
          if (!await confirmDialog({ title: t('admin.person.device_revoke.title'), lines: [t('admin.person.device_revoke.text', { name: ctx.p.name, phone })], ok: t('admin.person.device_revoke.ok'), cancel: t('common.cancel') })) return false;
          const res = await admin.revokeDevice(s.device_id);
          return { text: t('admin.person.device_revoke.done', { count: res.sessions_ended }) };
        }) } }, t('admin.person.device_revoke.button')) : null)],
    };
  });
  return h('section', { 'aria-labelledby': 'person-sessions' },
    h('h2', { id: 'person-sessions' }, t('admin.person.sessions.title')),
    box,
    rows.length ? table('person-sessions', t('admin.person.sessions.title'), heads, rows) : h('p', { class: 'empty', testid: 'person-no-sessions' }, t('admin.person.sessions.none')));
}

// act runs one act from a button (fn answers what happened, or false: cancelled).
async function act(ctx, box, fn) {
  box.hidden = true;
  try {
    const outcome = await fn();
    if (outcome === false) return;
    await done(ctx, outcome);
  } catch (err) {
    showError(box, err);
  }
}

// done draws the screen again from the server and then says what happened, keeping what
// is shown only once (a temporary password, an activation code) on the new screen.
async function done(ctx, { text, extra }) {
  await render(ctx.unitId, ctx.p.user_id);
  const place = document.getElementById('person-outcome');
  if (place) place.replaceChildren(h('p', { class: 'notice ok', role: 'status', testid: 'person-done' }, text), extra || '');
  announce(text);
}

function localDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
