// The service worker and the "new version ready" banner.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';

let reloading = false;

// The worker is a module (it imports js/store.js): Chromium 91, Firefox 147, Safari 15.
// It is registered at the first visit, on the login screen too, so that the shell is
// cached before anyone logs in; once per page.
let registering = null;
export function registerWorker() {
  if (!registering) registering = register();
  return registering;
}

async function register() {
  if (!('serviceWorker' in navigator)) return;
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/', type: 'module' }).catch(err => { console.warn('sw', err); return null; });
  if (!reg) return;
  if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const next = reg.installing;
    next.addEventListener('statechange', () => {
      if (next.state === 'installed' && navigator.serviceWorker.controller) offer(next);
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
}

function offer(worker) {
  const bar = document.getElementById('update');
  clear(bar,
    h('p', {}, t('update.ready')),
    h('button', {
      class: 'btn primary', type: 'button', testid: 'update-reload',
      on: { click: () => { reloading = true; worker.postMessage({ type: 'skipWaiting' }); } },
    }, t('update.reload')));
  bar.hidden = false;
}
