// The idle lock screen: the password, checked on the phone, opens the app again.
import { h, clear, field, announce } from '../dom.js';
import { t, tn } from '../i18n.js';
import { checkPassword } from '../auth.js';
import { unlocked } from '../idle.js';
import { getMeta } from '../db.js';
import { ask } from '../bus.js';
import { navigate } from './view.js';

const MAX_TRIES = 5;
let tries = 0;

export async function render() {
  navigate(); // a screen still rendering is not shown over the lock
  document.body.dataset.screen = 'locked';
  const chrome = document.getElementById('chrome');
  chrome.dataset.built = '';
  clear(chrome);
  const user = await getMeta('user');
  const pass = h('input', { type: 'password', autocomplete: 'current-password', testid: 'unlock-password' });
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn primary', type: 'submit', testid: 'unlock-submit' }, t('locked.submit'));
  const form = h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        submit.disabled = true;
        const ok = await checkPassword(pass.value);
        pass.value = '';
        submit.disabled = false;
        if (ok) {
          tries = 0;
          await unlocked();
          return ask('route');
        }
        tries++;
        if (tries >= MAX_TRIES) {
          // Too many wrong passwords: a full login is needed (the outbox stays).
          tries = 0;
          return ask('to-login', 'too_many_unlocks');
        }
        err.hidden = false;
        err.textContent = tn('locked.wrong', MAX_TRIES - tries);
        announce(err.textContent);
      },
    },
  }, field(t('locked.password'), pass, { required: true }), err, submit);
  const main = document.getElementById('main');
  clear(main, h('div', { class: 'auth' },
    h('h1', { tabindex: '-1' }, t('locked.title')),
    h('p', {}, t('locked.intro', { name: user ? user.name : '' })),
    form));
  pass.focus();
}
