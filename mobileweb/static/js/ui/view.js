// Showing a screen: the main area's content, <body data-screen> for tests, focus on the
// heading for screen readers and keyboards.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';

export function show(name, ...children) {
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
