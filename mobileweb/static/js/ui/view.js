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

// Where the user came from to an address that starts with a prefix (#/sign/: Today, the
// address of which may be empty, or the client's list), or null when it was opened
// directly (a reload). Kept here, in a module loaded at boot: a screen's own module is
// loaded once its address is opened, after the hashchange it would have had to see.
const cameFromTo = new Map();
addEventListener('hashchange', e => {
  if (!e.newURL || !e.oldURL) return; // a re-render of the same address (shell.js), not a move
  const to = new URL(e.newURL).hash, from = new URL(e.oldURL).hash;
  for (const prefix of ['#/sign/']) if (to.startsWith(prefix)) cameFromTo.set(prefix, from);
});
export function cameFrom(prefix) { return cameFromTo.has(prefix) ? cameFromTo.get(prefix) : null; }

// The address and screen last shown: a render of the same again (after a sync, or an
// action on the screen) is a re-render, not a new screen.
let shown = '';

// The opening of a screen: from the first render of a screen at an address until a
// different screen is shown (another address, or the lock or the login in between).
// Its renders (the first, a sync's re-render, one after an action) share it; what they
// keep in it (the reads logged, see readlog.js) lasts as long as the opening.
let openingNow = null;

// opening is the opening the render of screen name at this address belongs to: the
// current one when it is still rendering its first time or still shown, else a new one.
export function opening(name) {
  const key = `${name} ${location.hash}`;
  const o = openingNow;
  const stillShown = shown === key && document.body.dataset.screen === name;
  if (!o || o.key !== key || (o.shown && !stillShown)) openingNow = { key, shown: false, reads: new Set(), saving: null };
  return openingNow;
}

// show puts a screen in the main area, unless a newer navigation has started since the
// render began (nav); it returns the main area, or null when it dropped the render.
// A new screen gets the focus on its heading (for screen readers and keyboards) and the
// top of the page. A re-render keeps the scroll position and the focus where they were
// (on the same control, by its data-testid or id): a sync must not throw a keyboard or
// screen reader user back to the top (WCAG 2.4.3).
export function show(nav, name, ...children) {
  if (nav !== latestNav) return null;
  const main = document.getElementById('main');
  const again = shown === `${name} ${location.hash}` && document.body.dataset.screen === name;
  const active = document.activeElement;
  const inMain = !!active && active !== main && main.contains(active);
  const key = again && inMain ? focusKey(active, main) : null;
  const y = window.scrollY;
  document.body.dataset.screen = name;
  clear(main, ...children);
  shown = `${name} ${location.hash}`;
  if (openingNow && openingNow.key === shown) openingNow.shown = true;
  else openingNow = null;
  const heading = main.querySelector('h1');
  if (heading) heading.tabIndex = -1;
  if (again) {
    const same = key && (key.selector ? main.querySelector(key.selector) : main.querySelectorAll(FOCUSABLE)[key.index]);
    if (same && same.getClientRects().length) same.focus({ preventScroll: true });
    else if (inMain && heading) heading.focus({ preventScroll: true });
    window.scrollTo(0, y);
    return main;
  }
  if (heading) heading.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  return main;
}

// The controls a keyboard reaches, in the order Tab visits them (no positive tabindex).
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

// focusKey finds a control again after a re-render: by its data-testid or id, else by its
// place among the main area's controls (a link or button with neither: a sync must not
// move a keyboard user's focus to the heading halfway down a list); null when not one.
function focusKey(el, main) {
  if (el.dataset && el.dataset.testid) return { selector: `[data-testid="${CSS.escape(el.dataset.testid)}"]` };
  if (el.id) return { selector: `#${CSS.escape(el.id)}` };
  const index = [...main.querySelectorAll(FOCUSABLE)].indexOf(el);
  return index >= 0 ? { index } : null;
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
