// For licensed staff (legitimerad personal): the signing overview — double signings
// (risk of a double dose) and missed occurrences (utebliven signering). Each opening
// logs a signing_list read per client shown (readlog.js).
import { h } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { byKind } from '../db.js';
import { clients, users, measureKinds } from '../data.js';
import { logReads } from '../readlog.js';
import { fmtDateTime, fmtTime } from '../time.js';
import { show, currentNav, badge, empty } from './view.js';

export async function render() {
  const nav = currentNav(); // first: see show()
  const [alerts, signatures, clientList, who, kindName] = await Promise.all([byKind('signing_alert'), byKind('signature'), clients(), users(), measureKinds()]);
  const names = new Map(clientList.map(c => [c.client_id, c.name]));
  const sigs = new Map(signatures.map(r => [r.id, r.data]));
  const all = alerts.map(r => r.data).sort((a, b) => (b.due_at || '').localeCompare(a.due_at || ''));
  // Double signings also show without an alert record, from the flag on the signature.
  const flagged = signatures.map(r => r.data).filter(s => s.double_signed && !all.some(a => a.type === 'double_signing' && a.signature_ids?.includes(s.signature_id)));
  const section = (type, title) => {
    const items = all.filter(a => a.type === type);
    return h('section', {},
      h('h2', {}, title),
      items.length ? h('ul', { class: 'cards' }, items.map(a => h('li', { class: 'card warn', testid: `alert-${type}-${a.measure_id}-${a.due_at}` },
        h('div', { class: 'card-head' }, h('strong', {}, names.get(a.client_id) || ''), badge(tOr(`alert.${type}`, type), 'warn')),
        h('p', {}, `${kindName(a.measure_kind)} · ${fmtDateTime(a.due_at)}`),
        (a.signature_ids || []).map(id => sigs.get(id)).filter(Boolean).map(s => h('p', { class: 'meta' },
          `${tOr(`outcome.${s.outcome}`, s.outcome)} · ${who.get(s.author_id) || ''} · ${fmtTime(s.signed_at)}`)),
        h('a', { class: 'btn', href: `#/client/${a.client_id}/signing` }, t('overview.open_list'))))) : empty(t('overview.none')));
  };
  await logReads(nav, 'overview', [...all, ...flagged].map(x => ['signing_list', x.client_id]));
  show(nav, 'overview',
    h('h1', {}, t('overview.title')),
    section('double_signing', t('overview.double')),
    flagged.length ? h('ul', { class: 'cards' }, flagged.map(s => h('li', { class: 'card warn' },
      h('strong', {}, names.get(s.client_id) || ''), h('p', {}, `${t('sign.double')} · ${fmtDateTime(s.due_at)} · ${who.get(s.author_id) || ''}`)))) : null,
    section('missed', t('overview.missed')));
}
