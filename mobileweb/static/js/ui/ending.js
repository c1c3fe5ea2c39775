// "Ej aktuella – att avsluta" (#/ending/<unit>): the unit's clients with no ongoing or
// planned measure left, from GET /api/v1/units/{id}/ending, for its coordinators and
// managers. For each: the journal as a PDF for the archive, then closing the client at the
// unit (journal.close, which takes them off the list once the server has it). Online only,
// like the administration.
import { h, announce } from '../dom.js';
import { t } from '../i18n.js';
import { authed } from '../api.js';
import { enqueue, pendingFor } from '../outbox.js';
import { getMeta } from '../db.js';
import { named } from '../uuid.js';
import { currentNav, badge } from './view.js';
import { screen, table, day } from './adminkit.js';
import { statisticsUnits } from './statistics.js';
import { pdfButton } from './journalpdf.js';
import { confirmDialog } from './confirm.js';

export async function render(unitId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const units = statisticsUnits(user); // the units where the user is coordinator or manager
  const unit = units.find(u => u.id === unitId) || units[0];
  const head = [h('h1', {}, t('ending.title')), unit ? chooser(units, unit) : null];
  if (!unit) {
    await screen(nav, 'ending', head, async () => null, () => h('p', { class: 'empty' }, t('ending.not_yours')));
    return;
  }
  const closing = new Set((await pendingFor('journal.close')).map(e => e.args.client_id));
  await screen(nav, 'ending', head,
    () => authed('GET', `/api/v1/units/${encodeURIComponent(unit.id)}/ending`),
    list => body(list, unit, closing));
}

// chooser is the unit, when the user has several.
function chooser(units, unit) {
  if (units.length < 2) return h('p', { class: 'meta', testid: 'ending-unit-name' }, unit.name);
  const which = h('select', { testid: 'ending-unit', 'aria-label': t('stats.unit') }, units.map(u => h('option', { value: u.id, selected: u.id === unit.id }, u.name)));
  which.addEventListener('change', () => { location.hash = `#/ending/${encodeURIComponent(which.value)}`; });
  return which;
}

function body(list, unit, closing) {
  const rows = list.clients || [];
  return [
    h('p', { class: 'lead' }, t('ending.intro')),
    rows.length ? table('ending-list', t('ending.title'), [t('ending.client'), t('ending.ended_on'), t('ending.actions')],
      rows.map(c => ({
        testid: `ending-${c.client_id}`,
        cells: [
          h('a', { href: `#/client/${c.client_id}`, testid: `ending-client-${c.client_id}` }, c.name),
          day(c.ended_on),
          h('div', { class: 'actions' },
            pdfButton(c.client_id, `ending-pdf-${c.client_id}`),
            closing.has(c.client_id)
              ? h('span', { testid: `ending-closing-${c.client_id}` }, badge(t('common.pending'), 'pending'), ' ', t('journal.close.pending'))
              : h('button', { class: 'btn danger', type: 'button', testid: `ending-close-${c.client_id}`, on: { click: () => closeAtUnit(c, unit) } }, t('ending.close'))),
        ],
      }))) : h('p', { class: 'empty', testid: 'ending-none' }, t('ending.none')),
  ];
}

// closeAtUnit closes the client's journal (avsluta journal) after asking: the list shows
// it waiting until the server has it, and no longer once it has.
async function closeAtUnit(c, unit) {
  if (!await confirmDialog({ title: t('journal.close.title'), lines: [t('journal.close.text', { name: c.name })], ok: t('journal.close.ok'), cancel: t('common.cancel') })) return;
  await enqueue('journal.close', { journal_id: await named(`journal/${c.client_id}`), client_id: c.client_id });
  announce(t('journal.close.queued'));
  await render(unit.id);
}
