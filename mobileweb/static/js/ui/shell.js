// The frame around every screen: title, the sync indicator, the menu and the bottom
// navigation (what a user sees depends on their roles).
import { h, clear } from '../dom.js';
import { t, currentLang, setLang, applyStatic, tn } from '../i18n.js';
import { getMeta } from '../db.js';
import { reachable } from '../api.js';
import { state as syncState, syncNowByUser, syncRound } from '../rounds.js';
import { outboxCount, outboxCounts, attentionCount } from '../outbox.js';
import { statusState, statusText } from './syncstatus.js';
import { logout } from '../auth.js';
import { hasRoleHere, unitChoices, currentUnit, setCurrentUnit } from '../data.js';
import { menuItem as pushMenuItem } from '../push.js';
import { ask } from '../bus.js';
import { unreadCount } from '../inbox.js';
import { isAdministrator } from '../admin.js';

// The administration's screens, under the one tab.
const ADMIN_SCREENS = ['admin', 'unit', 'newuser', 'approvals', 'review', 'import', 'audit', 'person', 'readlog', 'bulletins', 'reflists'];

export function renderShell(user) {
  const chrome = document.getElementById('chrome');
  const unit = currentUnit(user);
  const built = `${user.id} ${unit ? unit.id : ''} ${currentLang()}`; // the language last: tests wait for it
  if (chrome.dataset.built === built) return;
  chrome.dataset.built = built;
  const here = role => hasRoleHere(user, role);
  const menuPanel = h('div', { class: 'menu-panel', id: 'menu-panel', hidden: true },
    h('p', { class: 'menu-user' }, user.name),
    unitChooser(user, unit),
    langToggle(),
    ...pushMenuItem(h, t),
    h('button', { class: 'btn danger', type: 'button', testid: 'logout', on: { click: onLogout } }, t('menu.logout')),
  );
  const menuBtn = h('button', { class: 'icon-btn', type: 'button', testid: 'menu', 'aria-expanded': 'false', 'aria-controls': 'menu-panel', on: { click: toggleMenu } }, t('menu.title'));
  const nav = h('nav', { class: 'tabs', 'aria-label': t('nav.label') },
    navLink('today', 'nav-today', t('nav.today')),
    navLink('messages', 'nav-messages', t('nav.messages'), ' ', h('span', { class: 'badge', id: 'messages-badge', hidden: true })),
    navLink('attention', 'nav-attention', t('nav.attention'), h('span', { class: 'badge', id: 'attention-badge', hidden: true })),
    here('licensed') ? navLink('overview', 'nav-overview', t('nav.overview')) : null,
    here('unit_manager') ? navLink('analyse', 'nav-deviations', t('nav.deviations')) : null,
    here('coordinator') || here('unit_manager') ? navLink(unit ? `statistics/${unit.id}` : 'statistics', 'nav-statistics', t('nav.statistics')) : null,
    isAdministrator(user) || here('unit_manager') || here('unit_representative') ? navLink('admin', 'nav-admin', t('nav.admin')) : null,
  );
  clear(chrome,
    h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, 'Vardag'),
      h('div', { class: 'sync-bar' },
        h('p', { class: 'sync-status', testid: 'sync-status', role: 'status', dataset: { state: 'never', online: 'false', pending: '0', reads: '0', attention: '0', lastSync: '', syncing: 'false' } }),
        // On the status, not in the menu: one tap, a target for gloves.
        h('button', { class: 'sync-now', type: 'button', testid: 'sync-now', on: { click: syncNowByUser } }, t('status.sync_now'))),
      menuBtn),
    menuPanel,
    nav);
  followNavHeight(nav);
  updateStatus();
}

// The page keeps room below its end for the fixed navigation, however many rows large
// text wraps it onto (--tabs-h, read by main's bottom padding).
let navObserver = null;
function followNavHeight(nav) {
  if (navObserver) navObserver.disconnect();
  if (!('ResizeObserver' in window)) return;
  navObserver = new ResizeObserver(() => {
    document.documentElement.style.setProperty('--tabs-h', `${nav.offsetHeight}px`);
  });
  navObserver.observe(nav);
}

function navLink(screen, testid, text, ...extra) {
  return h('a', { href: `#/${screen}`, class: 'tab', testid, dataset: { screen: screen.split('/')[0] } }, h('span', {}, text), ...extra);
}

// unitChooser is the choice of the unit to work in, for a person with roles in more than
// one: choosing one draws the tabs of the roles there and opens Today.
function unitChooser(user, unit) {
  const units = unitChoices(user);
  if (units.length < 2) return unit ? h('p', { class: 'meta', testid: 'unit-current' }, unit.name) : null;
  const select = h('select', { id: 'unit-choice', testid: 'unit-choice', on: { change: () => {
    setCurrentUnit(user, select.value);
    closeMenu();
    renderShell(user);
    if (location.hash === '#/today') dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = '#/today';
  } } }, units.map(u => h('option', { value: u.id, selected: u.id === unit.id }, u.name)));
  return h('div', { class: 'field unit-chooser' }, h('label', { for: 'unit-choice' }, t('menu.unit')), select);
}

export function langToggle() {
  const other = currentLang() === 'sv' ? 'en' : 'sv';
  return h('button', {
    class: 'btn', type: 'button', testid: 'lang-toggle', lang: other,
    on: {
      click: async () => {
        await setLang(other);
        applyStatic();
        // Re-render whatever is showing in the new language.
        dispatchEvent(new HashChangeEvent('hashchange'));
        document.dispatchEvent(new CustomEvent('vardag-lang'));
      },
    },
  }, other === 'en' ? 'English' : 'Svenska');
}

function toggleMenu() {
  const panel = document.getElementById('menu-panel');
  const btn = document.querySelector('[data-testid=menu]');
  panel.hidden = !panel.hidden;
  btn.setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) panel.querySelector('button').focus();
}

function closeMenu() {
  const panel = document.getElementById('menu-panel');
  if (panel) panel.hidden = true;
  const btn = document.querySelector('[data-testid=menu]');
  if (btn) btn.setAttribute('aria-expanded', 'false');
}

async function onLogout() {
  // What waits is sent first when the server can be reached (the user's changes, and the
  // reads the read log needs), for at most a few seconds; the warning names what is left.
  if (await outboxCount() > 0 && navigator.onLine && reachable) {
    await Promise.race([syncRound(), new Promise(resolve => setTimeout(resolve, 5000))]).catch(() => {});
  }
  // Changes first (the user's work); else reads the read log would lose.
  const left = await outboxCounts();
  const msg = left.changes > 0 ? tn('menu.logout_confirm_pending', left.changes)
    : left.reads > 0 ? tn('menu.logout_confirm_reads', left.reads) : t('menu.logout_confirm');
  if (!confirm(msg)) return;
  closeMenu();
  await logout();
  ask('to-login', 'logged_out');
}

// updateStatus tells the truth about sync (ui/syncstatus.js): no network, the server
// not reached, syncing, or when the last round succeeded; what waits and what needs
// attention.
export async function updateStatus() {
  const el = document.querySelector('[data-testid=sync-status]');
  if (!el) return;
  let counts, attention, syncedAt, unread;
  try {
    [counts, attention, syncedAt, unread] = await Promise.all([outboxCounts(), attentionCount(), getMeta('synced_at'), getMeta('user').then(u => (u ? unreadCount(u) : 0))]);
  } catch {
    return; // the store was wiped: the login takes over
  }
  // The user's own changes: reads waiting for the read log are no change of theirs, and
  // "4 ändringar väntar" after only opening a screen would mislead (they go with the
  // next sync; data-reads counts them).
  const pending = counts.changes;
  // Read after the awaits: what holds now, not when this call began.
  const state = statusState({ online: navigator.onLine, reachable, syncing: syncState.syncing, manual: syncState.manual, syncedAt });
  el.dataset.state = state;
  el.dataset.online = String(navigator.onLine && reachable);
  el.dataset.pending = String(pending);
  el.dataset.reads = String(counts.reads);
  el.dataset.attention = String(attention);
  el.dataset.lastSync = syncedAt || '';
  el.dataset.syncing = String(syncState.syncing);
  const text = statusText(state, { pending, attention, syncedAt });
  if (el.textContent !== text) el.textContent = text; // the same words are not announced again
  el.classList.toggle('offline', state === 'offline' || state === 'unreachable');
  const badge = document.getElementById('attention-badge');
  if (badge) {
    badge.hidden = attention === 0;
    badge.textContent = String(attention);
  }
  // The unread count is seen on the tab and heard in its name ("Meddelanden 2 olästa":
  // the visible label and count first, WCAG 2.5.3).
  const unreadBadge = document.getElementById('messages-badge');
  if (unreadBadge) {
    unreadBadge.hidden = unread === 0;
    unreadBadge.textContent = String(unread);
    const tab = unreadBadge.parentElement;
    if (unread === 0) tab.removeAttribute('aria-label');
    else tab.setAttribute('aria-label', `${t('nav.messages')} ${tn('nav.unread', unread)}`);
  }
  for (const a of document.querySelectorAll('.tab')) {
    const cur = a.dataset.screen === document.body.dataset.screen || (a.dataset.screen === 'today' && ['client', 'note', 'sign', 'deviation'].includes(document.body.dataset.screen)) || (a.dataset.screen === 'messages' && document.body.dataset.screen === 'reports') || (a.dataset.screen === 'admin' && ADMIN_SCREENS.includes(document.body.dataset.screen));
    if (cur) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}
