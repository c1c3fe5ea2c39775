// What the administration screens share: they work only online (nothing of them is kept
// on the phone), say so when offline, show the server's refusal in the user's words, and
// say that something is done only once the server has answered.
import { h, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { show } from './view.js';

// errorText is a refusal in the user's language: the code's text, never the server's.
export function errorText(err) {
  if (err && err.code === 'network') return t('error.network');
  return (err && err.code && tOr(`error.${err.code}`, t('error.generic'))) || t('error.generic');
}

// errorBox is the place of a form's refusal, read out when it appears.
export function errorBox(testid) {
  return h('p', { class: 'error', role: 'alert', testid, hidden: true });
}

export function showError(box, err) {
  box.hidden = false;
  box.textContent = errorText(err);
  announce(box.textContent);
}

// screen loads what a screen shows from the server and shows it, or shows why it cannot:
// no network, or the server's refusal. build gets what load answered.
export async function screen(nav, name, head, load, build) {
  if (!navigator.onLine) {
    show(nav, name, ...head, h('p', { class: 'notice warn', testid: 'admin-offline' }, t('admin.needs_network')));
    return;
  }
  let data;
  try {
    data = await load();
  } catch (err) {
    show(nav, name, ...head, h('p', { class: 'notice warn', role: 'alert', testid: 'admin-error' }, errorText(err)));
    return;
  }
  show(nav, name, ...head, ...[].concat(build(data)));
}

// submit runs act for a form's submit with its button disabled (one act per tap); a
// refusal shows in box and changes nothing on screen.
export function onSubmit(form, box, act) {
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const buttons = form.querySelectorAll('button[type=submit]');
    for (const b of buttons) b.disabled = true;
    box.hidden = true;
    try {
      await act(e.submitter);
    } catch (err) {
      showError(box, err);
    } finally {
      for (const b of buttons) if (b.isConnected) b.disabled = false;
    }
  });
  return form;
}

// printHandout prints the activation codes on screen, and nothing else of the page
// (app.css, body.printing-handout).
export function printHandout() {
  document.body.classList.add('printing-handout');
  addEventListener('afterprint', () => document.body.classList.remove('printing-handout'), { once: true });
  window.print();
}

export function roleName(role) { return tOr(`role.${role}`, role); }

// day is a date as the user's language writes it (an instant or YYYY-MM-DD).
export function day(iso) {
  if (!iso) return '';
  return new Date(iso.length === 10 ? `${iso}T12:00:00` : iso).toLocaleDateString(document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE', { year: 'numeric', month: 'short', day: 'numeric' });
}

// table is a table with a caption, for the office's wide screen; on a phone each row
// stacks into a card (app.css, .admin-table).
export function table(testid, caption, heads, rows) {
  return h('table', { class: 'admin-table', testid },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, heads.map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map(r => h('tr', { testid: r.testid }, r.cells.map((c, i) => h('td', { dataset: { label: heads[i] } }, c))))));
}
