// The client's health flags (infection, hypersensitivity), set by licensed staff: every
// screen of the client shows them first, right under its heading.
import { h } from '../dom.js';
import { t } from '../i18n.js';

// healthFlags is the banner every screen of the client shows first: what the staff must
// know before they go in. Nothing when no flag is set.
export function healthFlags(c) {
  const flags = [['infection', c.infection], ['hypersensitivity', c.hypersensitivity]].filter(([, v]) => v);
  if (!flags.length) return null;
  return h('section', { class: 'notice warn health-flags', testid: 'health-flags', 'aria-label': t('client.health_flags') },
    h('ul', {}, flags.map(([k, v]) => h('li', { testid: `health-${k}` }, h('strong', {}, t(`client.${k}`)), ': ', v))));
}
