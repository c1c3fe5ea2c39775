// Login: username and password, then a code (TOTP or SMS), then the terms of use and a
// new password when the server asks for them.
import { h, clear, field, announce } from '../dom.js';
import { t, tOr, currentLang, tn } from '../i18n.js';
import { startLogin, sendSms, finishLogin, loadMe, getTerms, acceptTerms, changePassword, activateAccount, enrolAuthenticator } from '../auth.js';
import { getMeta, setMeta, dbExists } from '../db.js';
import { outboxCount } from '../outbox.js';
import { ask } from '../bus.js';
import { langToggle } from './shell.js';

// The password lives only in this closure during the login, for the verifier and for a
// required password change; it is never stored.
let flow = { password: '', mfa: '', methods: [] };

// authForm is a form of the login's screens: on submit, check answers an error code
// (or '') and shows it; else act runs with the button disabled, and what it throws is
// shown in err.
function authForm(err, submit, check, act, ...children) {
  return h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        err.hidden = true;
        const code = check();
        if (code) return showError(err, { code });
        submit.disabled = true;
        try {
          await act();
        } catch (e2) {
          showError(err, e2);
        } finally {
          submit.disabled = false;
          reflectNetwork();
        }
      },
    },
  }, ...children);
}

function screen(name, ...children) {
  document.body.dataset.screen = name;
  const main = document.getElementById('main');
  clear(main, h('div', { class: 'auth' }, h('div', { class: 'brand-big', 'aria-hidden': 'true' }, 'Vardag'), ...children));
  const first = main.querySelector('h1');
  if (first) { first.tabIndex = -1; first.focus({ preventScroll: true }); }
}

function errorBox() {
  return h('p', { class: 'error', role: 'alert', testid: 'form-error', hidden: true });
}

function showError(box, err) {
  box.hidden = false;
  box.textContent = err && err.code ? tOr(`error.${err.code}`, t('error.generic')) : t('error.generic');
  announce(box.textContent);
}

export async function render(reason) {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', testid: 'login-username' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', testid: 'login-password' });
  const err = errorBox();
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'login-submit' }, t('login.submit'));
  // Logging in needs the server: offline the screen says so, and the button waits for
  // the network rather than trying and failing.
  const offline = h('p', { class: 'notice', role: 'status', testid: 'login-offline', hidden: true }, t('login.needs_network'));
  const notes = [offline];
  if (reason) notes.push(h('p', { class: 'notice', role: 'status' }, t(`login.reason.${reason}`)));
  if (await dbExists()) {
    const pending = await outboxCount();
    if (pending > 0) notes.push(h('p', { class: 'notice' }, tn('login.pending_kept', pending)));
    username.value = (await getMeta('username')) || '';
  }
  const form = authForm(err, submit,
    () => (!username.value.trim() || !password.value ? 'missing_credentials' : ''),
    async () => {
      const ans = await startLogin(username.value.trim(), password.value);
      flow = { password: password.value, mfa: ans.mfa_token, methods: ans.methods || ['totp'], username: username.value.trim() };
      renderCode();
    },
    field(t('login.username'), username, { required: true }),
    field(t('login.password'), password, { required: true }),
    err, submit);
  const activate = h('button', { class: 'btn', type: 'button', testid: 'login-activate', on: { click: () => renderActivate() } }, t('activate.link'));
  screen('login', h('h1', {}, t('login.title')), ...notes, form, h('div', { class: 'lang-row' }, activate), h('div', { class: 'lang-row' }, langToggle()));
  reflectNetwork();
  document.addEventListener('vardag-lang', () => { if (document.body.dataset.screen === 'login') render(reason); }, { once: true });
}

// reflectNetwork shows the login screen's "needs network" and holds its button while the
// browser is offline.
function reflectNetwork() {
  const note = document.querySelector('[data-testid=login-offline]');
  const submit = document.querySelector('[data-testid=login-submit]');
  if (!note || !submit) return;
  note.hidden = navigator.onLine;
  submit.disabled = !navigator.onLine;
}
addEventListener('online', reflectNetwork);
addEventListener('offline', reflectNetwork);

// renderActivate: a new account's first step, with the one-time activation code from the
// manager or IT support: username, the code, a new password twice.
export function renderActivate() {
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', testid: 'activate-username' });
  const code = h('input', { type: 'text', name: 'activation-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '40', testid: 'activate-code' });
  const pass = h('input', { type: 'password', autocomplete: 'new-password', minlength: '8', testid: 'activate-password' });
  const again = h('input', { type: 'password', autocomplete: 'new-password', minlength: '8', testid: 'activate-password-again' });
  const err = errorBox();
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'activate-submit' }, t('activate.submit'));
  const form = authForm(err, submit,
    () => {
      if (!username.value.trim() || !code.value.trim() || !pass.value) return 'missing_activation';
      if (pass.value.length < 8) return 'password_too_short';
      return pass.value === again.value ? '' : 'password_mismatch';
    },
    async () => {
      const ans = await activateAccount(username.value.trim(), code.value.trim(), pass.value);
      flow = { password: pass.value, mfa: ans.mfa_token, methods: ans.methods || ['totp'], username: username.value.trim() };
      if (ans.enrol === 'totp') return renderEnrol();
      return renderCode();
    },
    h('p', {}, t('activate.intro')),
    field(t('login.username'), username, { required: true }),
    field(t('activate.code'), code, { required: true, hint: t('activate.code_hint') }),
    field(t('activate.password'), pass, { required: true, hint: t('newpass.hint') }),
    field(t('activate.password_again'), again, { required: true }),
    err, submit);
  const back = h('button', { class: 'btn', type: 'button', testid: 'activate-back', on: { click: () => render() } }, t('activate.back'));
  screen('activate', h('h1', {}, t('activate.title')), form, h('div', { class: 'lang-row' }, back), h('div', { class: 'lang-row' }, langToggle()));
  document.addEventListener('vardag-lang', () => { if (document.body.dataset.screen === 'activate') renderActivate(); }, { once: true });
}

// renderEnrol: the authenticator app of a new account, its QR code and its key for typing
// in by hand; the app's first code confirms it and logs in.
async function renderEnrol() {
  const err = errorBox();
  const qr = h('div', { class: 'enrol-qr', testid: 'enrol-qr' }, t('common.loading'));
  const secret = h('p', { class: 'enrol-secret', testid: 'enrol-secret', translate: 'no' });
  const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: '8', testid: 'enrol-code' });
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'enrol-submit', disabled: true }, t('enrol.submit'));
  const value = () => code.value.replace(/\s+/g, '');
  const form = authForm(err, submit,
    () => (value() ? '' : 'missing_code'),
    async () => {
      await finishLogin(flow.mfa, 'totp', value(), flow.password);
      await setMeta('username', flow.username);
      await afterVerify();
    },
    field(t('enrol.code'), code, { required: true, hint: t('code.hint_totp') }), err, submit);
  screen('enrol', h('h1', {}, t('enrol.title')), h('p', {}, t('enrol.intro')), qr, h('p', {}, t('enrol.manual')), secret, form);
  try {
    const e = await enrolAuthenticator(flow.mfa);
    clear(qr, h('img', { src: e.qr_png, alt: t('enrol.qr_alt'), width: '200', height: '200' }));
    secret.textContent = e.secret.match(/.{1,4}/g).join(' ');
    secret.dataset.secret = e.secret;
    submit.disabled = false;
  } catch (e2) {
    clear(qr);
    showError(err, e2);
  }
}

function renderCode() {
  let method = flow.methods.includes('totp') ? 'totp' : flow.methods[0];
  const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: '8', testid: 'code-input' });
  const err = errorBox();
  const info = h('p', { class: 'hint', role: 'status' });
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'code-submit' }, t('code.submit'));
  const choose = async m => {
    method = m;
    for (const b of document.querySelectorAll('.method')) b.setAttribute('aria-pressed', String(b.dataset.method === m));
    info.textContent = t(`code.hint_${m}`);
    if (m === 'sms') {
      try { await sendSms(flow.mfa); info.textContent = t('code.sms_sent'); } catch (e) { showError(err, e); }
    }
    code.focus();
  };
  const methods = h('div', { class: 'row', role: 'group', 'aria-label': t('code.method') },
    flow.methods.includes('totp') ? h('button', { class: 'btn method', type: 'button', testid: 'method-totp', dataset: { method: 'totp' }, 'aria-pressed': String(method === 'totp'), on: { click: () => choose('totp') } }, t('code.method_totp')) : null,
    flow.methods.includes('sms') ? h('button', { class: 'btn method', type: 'button', testid: 'method-sms', dataset: { method: 'sms' }, 'aria-pressed': String(method === 'sms'), on: { click: () => choose('sms') } }, t('code.method_sms')) : null,
  );
  info.textContent = t(`code.hint_${method}`);
  const value = () => code.value.replace(/\s+/g, '');
  const form = authForm(err, submit,
    () => (value() ? '' : 'missing_code'),
    async () => {
      await finishLogin(flow.mfa, method, value(), flow.password);
      await setMeta('username', flow.username);
      await afterVerify();
    },
    methods, info, field(t('code.label'), code, { required: true }), err, submit);
  screen('code', h('h1', {}, t('code.title')), form);
}

// afterVerify checks what the server still needs (terms, a new password) and then opens
// the app. After a reload mid-way it is called without the password.
export async function afterVerify() {
  let me;
  try {
    me = await loadMe();
  } catch {
    me = await getMeta('me');
  }
  if (me && !me.terms_accepted) return renderTerms();
  if (me && me.must_change_password) return renderNewPass();
  flow = { password: '', mfa: '', methods: [] };
  return ask('enter-app');
}

async function renderTerms() {
  const err = errorBox();
  const text = h('div', { class: 'terms-text', tabindex: '0', testid: 'terms-text' }, t('common.loading'));
  const accept = h('button', { class: 'btn primary', type: 'button', testid: 'terms-accept', disabled: true }, t('terms.accept'));
  screen('terms', h('h1', {}, t('terms.title')), text, err, accept);
  try {
    const terms = await getTerms();
    const body = (terms.text && (terms.text[currentLang()] || terms.text.sv)) || '';
    clear(text, ...body.split(/\n\n+/).map(p => h('p', {}, p)));
    accept.disabled = false;
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      try {
        await acceptTerms(terms.version);
        await afterVerify();
      } catch (e) {
        showError(err, e);
        accept.disabled = false;
      }
    });
  } catch (e) {
    showError(err, e);
  }
}

function renderNewPass() {
  const current = h('input', { type: 'password', autocomplete: 'current-password', testid: 'newpass-current' });
  const pass = h('input', { type: 'password', autocomplete: 'new-password', minlength: '8', testid: 'newpass-input' });
  const err = errorBox();
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'newpass-submit' }, t('newpass.submit'));
  const form = authForm(err, submit,
    () => (pass.value.length < 8 ? 'password_too_short' : ''),
    async () => {
      await changePassword(flow.password || current.value, pass.value);
      flow.password = '';
      await afterVerify();
    },
    h('p', {}, t('newpass.intro')),
    flow.password ? null : field(t('newpass.current'), current, { required: true }),
    field(t('newpass.label'), pass, { required: true, hint: t('newpass.hint') }),
    err, submit);
  screen('newpass', h('h1', {}, t('newpass.title')), form);
}
