// The month's statistics of a unit (#/statistics/<unit>/<YYYY-MM>), for its coordinators
// and managers (uppföljning): the persons with a measure, the measures new, ongoing and
// ended by type, sex and age band, the end reasons (avslutsorsak) and the implementation
// plans established and followed up (genomförandeplaner), from
// GET /api/v1/units/{id}/statistics. Tables, simple bars with the numbers as text, and a
// CSV file built from the same rows. Online only, like the administration.
import { h, field } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { getMeta } from '../db.js';
import { authed } from '../api.js';
import { localDay } from '../time.js';
import { currentNav } from './view.js';
import { screen, table } from './adminkit.js';

const ROLES = ['coordinator', 'unit_manager'];
const SEXES = ['female', 'male', 'unknown'];
const BANDS = ['0-64', '65-79', '80-89', '90+', 'unknown'];
const COUNTS = ['new', 'ongoing', 'ended'];
const PLAN_COUNTS = ['established', 'followed_up']; // genomförandeplaner upprättade, uppföljda

// statisticsUnits are the units whose statistics the user reads, with their names.
export function statisticsUnits(user) {
  const seen = new Map();
  for (const r of (user && user.roles) || []) if (r.unit_id && ROLES.includes(r.role)) seen.set(r.unit_id, r.unit_name || r.unit_id);
  return [...seen].map(([id, name]) => ({ id, name }));
}

export async function render(unitId, month) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const units = statisticsUnits(user);
  const unit = units.find(u => u.id === unitId) || units[0];
  if (!/^\d{4}-\d{2}$/.test(month || '')) month = localDay().slice(0, 7);
  const head = [h('h1', {}, t('stats.title')), unit ? chooser(units, unit, month) : null];
  if (!unit) {
    await screen(nav, 'statistics', head, async () => null, () => h('p', { class: 'empty' }, t('stats.not_yours')));
    return;
  }
  await screen(nav, 'statistics', head,
    () => authed('GET', `/api/v1/units/${encodeURIComponent(unit.id)}/statistics?month=${month}`),
    s => body(s, unit));
}

// chooser is the unit (when there are several) and the month.
function chooser(units, unit, month) {
  const which = h('select', { testid: 'stats-unit' }, units.map(u => h('option', { value: u.id, selected: u.id === unit.id }, u.name)));
  const when = h('input', { type: 'month', testid: 'stats-month', value: month, max: localDay().slice(0, 7) });
  const form = h('form', { class: 'stack', testid: 'stats-form' },
    units.length > 1 ? field(t('stats.unit'), which) : h('p', { class: 'meta', testid: 'stats-unit-name' }, unit.name),
    field(t('stats.month'), when),
    h('button', { class: 'btn', type: 'submit', testid: 'stats-show' }, t('stats.show')));
  form.addEventListener('submit', e => {
    e.preventDefault();
    location.hash = `#/statistics/${encodeURIComponent(which.value)}/${when.value || month}`;
  });
  return form;
}

const typeName = type => tOr(`measure.${type}`, type);
const reasonName = code => tOr(`stats.end_reason.${code}`, code);
const sexName = sex => t(`stats.sex.${sex}`);
const bandName = band => (band === 'unknown' ? t('stats.band.unknown') : t('stats.band', { band }));

// rows are the statistics as one row per measure type, sex and age band with a number,
// the persons first, then the end reasons: the tables and the CSV both read them.
export function rows(s) {
  const out = [];
  const split = (what, type, c) => {
    for (const sex of SEXES) for (const band of BANDS) {
      const n = ((c.by_sex_and_age || {})[sex] || {})[band];
      if (n) out.push({ what, type, sex, band, n });
    }
  };
  split('persons', '', s.persons || {});
  for (const type of Object.keys(s.by_type || {}).sort()) {
    for (const what of COUNTS) split(what, type, s.by_type[type][what] || {});
  }
  return out;
}

function body(s, unit) {
  const types = Object.keys(s.by_type || {}).sort();
  const max = Math.max(1, ...types.flatMap(ty => COUNTS.map(c => (s.by_type[ty][c] || {}).total || 0)));
  const reasons = types.flatMap(ty => Object.entries(s.by_type[ty].end_reasons || {}).sort().map(([reason, n]) => ({ ty, reason, n })));
  const split = rows(s);
  const csvLink = h('a', { class: 'btn', testid: 'stats-csv', download: `statistik-${unit.name.replace(/[^\p{L}\p{N}]+/gu, '-')}-${s.month}.csv`, href: csvURL(s, split, reasons) }, t('stats.csv'));
  return [
    h('p', { class: 'lead', testid: 'stats-persons' }, t('stats.persons', { n: (s.persons || {}).total || 0, month: s.month })),
    types.length ? [
      h('h2', {}, t('stats.by_type')),
      table('stats-by-type', t('stats.by_type'), [t('stats.measure'), ...COUNTS.map(c => t(`stats.count.${c}`))],
        types.map(ty => ({ testid: `stats-type-${ty}`, cells: [typeName(ty), ...COUNTS.map(c => h('span', { testid: `stats-${ty}-${c}` }, String((s.by_type[ty][c] || {}).total || 0)))] }))),
      COUNTS.map(c => h('section', { 'aria-labelledby': `h-bars-${c}` },
        h('h3', { id: `h-bars-${c}` }, t(`stats.bars.${c}`)),
        h('ul', { class: 'stat-bars', testid: `stats-bars-${c}` }, types.map(ty => bar(typeName(ty), (s.by_type[ty][c] || {}).total || 0, max))))),
      h('h2', {}, t('stats.by_sex_age')),
      split.length ? table('stats-split', t('stats.by_sex_age'), [t('stats.what'), t('stats.measure'), t('stats.sex'), t('stats.age'), t('stats.number')],
        split.map((r, i) => ({ testid: `stats-split-${i}`, cells: [t(`stats.what.${r.what}`), r.type ? typeName(r.type) : '–', sexName(r.sex), bandName(r.band), String(r.n)] })))
        : h('p', { class: 'empty' }, t('stats.none')),
      h('h2', {}, t('stats.end_reasons')),
      reasons.length ? table('stats-reasons', t('stats.end_reasons'), [t('stats.measure'), t('stats.reason'), t('stats.number')],
        reasons.map((r, i) => ({ testid: `stats-reason-${i}`, cells: [typeName(r.ty), reasonName(r.reason), String(r.n)] })))
        : h('p', { class: 'empty', testid: 'stats-no-reasons' }, t('stats.no_end_reasons')),
    ] : h('p', { class: 'empty' }, t('stats.none')),
    h('h2', {}, t('stats.plans')),
    table('stats-plans', t('stats.plans'), [t('stats.what'), t('stats.number')],
      PLAN_COUNTS.map(c => ({ testid: `stats-plans-row-${c}`, cells: [t(`stats.plans.${c}`), h('span', { testid: `stats-plans-${c}` }, String((s.plans || {})[c] || 0))] }))),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/plans/${encodeURIComponent(unit.id)}`, testid: 'stats-plans-link' }, t('plans.list_link')),
      h('a', { class: 'btn', href: `#/ending/${encodeURIComponent(unit.id)}`, testid: 'stats-ending-link' }, t('nav.ending')), csvLink),
  ];
}

// bar is a number as a bar and as text; the bar is decoration, the text is read.
function bar(name, n, max) {
  const fill = h('span', { class: 'fill' });
  fill.style.width = `${Math.round((n / max) * 100)}%`;
  fill.style.display = 'block';
  return h('li', { class: 'stat-bar' }, h('span', {}, name), h('span', { class: 'track', 'aria-hidden': 'true' }, fill), h('span', { class: 'num' }, String(n)));
}

// csvURL is the statistics as a CSV file (semicolons, as Swedish spreadsheets read them):
// the totals by type, the split by sex and age band, and the end reasons.
export function csvURL(s, split, reasons) {
  const cell = v => (/[";\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [[t('stats.csv_section'), t('stats.what'), t('stats.measure'), t('stats.sex'), t('stats.age'), t('stats.reason'), t('stats.number')]];
  lines.push([t('stats.csv_total'), t('stats.what.persons'), '', '', '', '', (s.persons || {}).total || 0]);
  for (const ty of Object.keys(s.by_type || {}).sort()) {
    for (const c of COUNTS) lines.push([t('stats.csv_total'), t(`stats.what.${c}`), typeName(ty), '', '', '', (s.by_type[ty][c] || {}).total || 0]);
  }
  for (const r of split) lines.push([t('stats.csv_split'), t(`stats.what.${r.what}`), r.type ? typeName(r.type) : '', sexName(r.sex), bandName(r.band), '', r.n]);
  for (const r of reasons) lines.push([t('stats.end_reasons'), t('stats.what.ended'), typeName(r.ty), '', '', reasonName(r.reason), r.n]);
  for (const c of PLAN_COUNTS) lines.push([t('stats.plans'), t(`stats.plans.${c}`), '', '', '', '', (s.plans || {})[c] || 0]);
  const text = `\ufeff${lines.map(l => l.map(cell).join(';')).join('\r\n')}\r\n`;
  return `data:text/csv;charset=utf-8,${encodeURIComponent(text)}`;
}
