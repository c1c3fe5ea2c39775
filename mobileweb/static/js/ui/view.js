// Showing a screen: the main area's content, <body data-screen> for tests, focus on the
// heading for screen readers and keyboards.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';

// Navigations are numbered. route() starts a new one for every address (and a sync's
// re-render), and so do the lock and the login, which replace the screen. A render reads
// IndexedDB before it shows anything, so one that began before a navigation can end
// after it: it takes the number current when it begins (currentNav(), its first
// statement, before any await) and show() drops it when a newer navigation has started
// since, so that the screen always belongs to the address.
let latestNav = 0;

// navigate starts a navigation; the renders of every earlier one are dropped.
export function navigate() { return ++latestNav; }

// currentNav is the number a render takes when it begins.
export function currentNav() { return latestNav; }

// isCurrent tells whether no navigation has started since nav.
export function isCurrent(nav) { return nav === latestNav; }

// show puts a screen in the main area, unless a newer navigation has started since the
// render began (nav); it returns the main area, or null when it dropped the render.
export function show(nav, name, ...children) {
  if (nav !== latestNav) return null;
  document.body.dataset.screen = name;
  const main = document.getElementById('main');
  clear(main, ...children);
  const heading = main.querySelector('h1');
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
  return main;
}

export function back(hash, text) {
  return h('a', { class: 'back', href: hash, testid: 'back' }, '‹ ', text || t('common.back'));
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function badge(text, kind = '') {
  return h('span', { class: `pill ${kind}` }, text);
}

// markDirty flags a form as holding typed text, so a sync does not re-render it.
export function markDirty(form) {
  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  return form;
}
