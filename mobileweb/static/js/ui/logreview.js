// The read-log review (behörighetskontroll av loggar, Patientdatalagen 4 kap. 3 §) for a
// unit's manager (#/readlog/<unit>[/<client>/<person>/<from>/<to>], "-" for a filter not
// set): who read this client, what this person read, in a period, as a table in words:
// what was read, when, by whom, how (a screen opened on the phone, records the server
// sent) and on which phone. With a client chosen, the client's log extract
// (registerutdrag) downloads as CSV. Online only, like the administration (admin.js).
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { authed } from '../api.js';
import { clients, users } from '../data.js';
import * as admin from '../admin.js';
import { fmtDateTime } from '../time.js';
import { currentNav, back } from './view.js';
import { screen, table, errorBox, showError } from './adminkit.js';

const unset = v => (!v || v === '-' ? '' : v);

export async function render(unitId, clientArg, userArg, fromArg, toArg) {
  const nav = currentNav(); // first: see show()
  const [clientId, userId, from, to] = [clientArg, userArg, fromArg, toArg].map(unset);
  const q = new URLSearchParams({ unit_id: unitId });
  if (clientId) q.set('client_id', clientId);
  if (userId) q.set('user_id', userId);
  if (from) q.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) q.set('to', new Date(`${to}T23:59:59`).toISOString());
  const head = [clientId ? back(`#/client/${clientId}`) : back(`#/unit/${unitId}`, t('admin.unit.back')), h('h1', {}, t('readlog.title'))];
  const [clientList, known] = await Promise.all([clients(), users()]);
  await screen(nav, 'readlog', head, () => Promise.all([authed('GET', `/api/v1/admin/access-log?${q}`), admin.people(unitId)]), ([page, people]) => {
    const names = new Map(known);
    for (const p of people || []) names.set(p.user_id, p.name);
    const clientName = new Map(clientList.map(c => [c.client_id, c.name]));
    const here = clientList.filter(c => c.unit_id === unitId || c.client_id === clientId);
    const clientSel = h('select', { testid: 'readlog-client' }, h('option', { value: '' }, t('readlog.any_client')),
      here.map(c => h('option', { value: c.client_id, selected: c.client_id === clientId }, c.name)));
    const userSel = h('select', { testid: 'readlog-user' }, h('option', { value: '' }, t('readlog.any_person')),
      (people || []).map(p => h('option', { value: p.user_id, selected: p.user_id === userId }, p.name)));
    const fromIn = h('input', { type: 'date', testid: 'readlog-from', value: from });
    const toIn = h('input', { type: 'date', testid: 'readlog-to', value: to });
    const filters = h('form', { class: 'row', testid: 'readlog-filters', dataset: { client: clientId, user: userId, from, to }, on: { submit: e => {
      e.preventDefault();
      location.hash = `#/readlog/${[unitId, clientSel.value, userSel.value, fromIn.value, toIn.value].map(v => encodeURIComponent(v || '-')).join('/')}`;
    } } },
    field(t('readlog.client'), clientSel), field(t('readlog.person'), userSel),
    field(t('readlog.from'), fromIn), field(t('readlog.to'), toIn),
    h('button', { class: 'btn', type: 'submit', testid: 'readlog-show' }, t('readlog.show')));
    const entries = page.entries || [];
    return [
      filters,
      clientId ? extract(clientId, clientName.get(clientId)) : h('p', { class: 'hint' }, t('readlog.extract_hint')),
      entries.length
        ? table('readlog-entries', t('readlog.caption'), [t('readlog.when'), t('readlog.who'), t('readlog.client'), t('readlog.what'), t('readlog.how'), t('readlog.device')],
          entries.map((e, i) => ({ testid: `readlog-entry-${i}`, cells: [
            fmtDateTime(e.viewed_at || e.at),
            names.get(e.user_id) || t('readlog.unknown_person'),
            clientName.get(e.client_id) || t('readlog.unknown_client'),
            tOr(`readlog.what.${e.what}`, e.what) + (e.count > 1 ? ` (${e.count})` : ''),
            tOr(`readlog.source.${e.source}`, e.source),
            e.device_id ? t('readlog.phone', { id: e.device_id.slice(-6) }) : t('readlog.no_device'),
          ] })))
        : h('p', { class: 'empty', testid: 'readlog-none' }, t('readlog.none')),
      page.more ? h('p', { class: 'notice', testid: 'readlog-more' }, t('readlog.more')) : null,
    ];
  });
}

// extract is the client's log extract (registerutdrag): every read of the client's data
// so far, as the CSV the server makes, saved as a file. The link stays, to save it again.
function extract(clientId, name) {
  const box = errorBox('readlog-extract-error');
  const link = h('a', { class: 'btn', hidden: true, testid: 'readlog-extract-file' }, t('readlog.extract_again'));
  const button = h('button', { class: 'btn primary', type: 'button', testid: 'readlog-extract', on: { click: async () => {
    button.disabled = true;
    box.hidden = true;
    try {
      const res = await authed('GET', `/api/v1/admin/access-log/export?client_id=${encodeURIComponent(clientId)}`, undefined, { stream: true });
      const blob = new Blob([await res.arrayBuffer()], { type: 'text/csv' });
      const cd = res.headers.get('Content-Disposition') || '';
      const m = cd.match(/filename="([^"]+)"/);
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(blob);
      link.download = m ? m[1] : `registerutdrag-${clientId}.csv`;
      link.hidden = false;
      link.click();
      announce(t('readlog.extract_done'));
    } catch (err) {
      showError(box, err);
    } finally {
      button.disabled = false;
    }
  } } }, name ? t('readlog.extract_of', { name }) : t('readlog.extract'));
  return h('div', { class: 'actions', testid: 'readlog-extract-area' }, button, link, box);
}
