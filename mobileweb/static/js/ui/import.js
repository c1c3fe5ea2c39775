// The import of a unit's staff (#/import/<unit_id>): a CSV file (username;name;phone per
// line), a role and how long the grants last. "Kontrollera" sends it as a dry run, which
// creates nothing and lists every line's faults; "Importera" creates the accounts only if
// every line is valid (all or nothing), and shows their activation codes, once, to print.
import { h, field, announce } from '../dom.js';
import { t, tn, tOr } from '../i18n.js';
import { getMeta } from '../db.js';
import * as admin from '../admin.js';
import { currentNav, back, show } from './view.js';
import { errorBox, onSubmit, roleName, table, printHandout } from './adminkit.js';

const MAX_BYTES = 1 << 20; // the server's cap on an import, told before the upload

export async function render(unitId) {
  const nav = currentNav(); // first: see show()
  const user = await getMeta('user');
  const roles = admin.grantableRoles(user, unitId);
  const file = h('input', { type: 'file', accept: '.csv,text/csv,text/plain', testid: 'import-file' });
  const role = h('select', { testid: 'import-role' }, roles.map(r => h('option', { value: r }, roleName(r))));
  const latest = admin.oneYearAhead();
  const until = h('input', { type: 'date', testid: 'import-valid_until', value: latest, max: latest, min: new Date().toISOString().slice(0, 10) });
  const box = errorBox('import-error');
  const result = h('div', { testid: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', testid: 'import-form' },
    field(t('admin.import.file'), file, { required: true, hint: t('admin.import.file_hint') }),
    field(t('admin.newuser.role'), role),
    field(t('admin.newuser.valid_until'), until, { required: true }),
    box,
    h('div', { class: 'actions' },
      h('button', { class: 'btn', type: 'submit', value: 'check', testid: 'import-check' }, t('admin.import.check')),
      h('button', { class: 'btn primary', type: 'submit', value: 'import', testid: 'import-run' }, t('admin.import.run'))));
  onSubmit(form, box, async submitter => {
    const f = file.files && file.files[0];
    if (!f) throw { code: 'invalid_request' };
    if (f.size > MAX_BYTES) throw { code: 'body_too_large' };
    const dryRun = !submitter || submitter.value !== 'import';
    const answer = await admin.importStaff({ unitId, role: role.value, validUntil: admin.endOfDay(until.value), dryRun }, await f.text());
    result.replaceChildren(...outcome(answer, dryRun));
    if (!dryRun && !(answer.errors || []).length) form.hidden = true;
    announce(result.textContent.slice(0, 200));
  });
  show(nav, 'import', back(`#/unit/${unitId}`, t('admin.unit.back')), h('h1', {}, t('admin.import.title')),
    navigator.onLine ? null : h('p', { class: 'notice warn', testid: 'admin-offline' }, t('admin.needs_network')),
    h('p', {}, t('admin.import.intro')), form, result);
}

function outcome(answer, dryRun) {
  const errors = answer.errors || [];
  const created = answer.created || [];
  if (errors.length) {
    return [h('p', { class: 'notice warn', testid: 'import-faults' }, tn('admin.import.faults', errors.length)),
      table('import-errors', t('admin.import.faults_caption'), [t('admin.import.line'), t('admin.import.field'), t('admin.import.fault')],
        errors.map((e, i) => ({ testid: `import-error-${i}`, cells: [String(e.line), tOr(`admin.import.col.${e.field}`, e.field || ''), tOr(`error.${e.message || e.code}`, t('error.generic'))] })))];
  }
  if (dryRun) return [h('p', { class: 'notice', testid: 'import-ok' }, tn('admin.import.would_create', created.length))];
  return [h('p', { class: 'notice', testid: 'import-done' }, tn('admin.import.created', created.length)),
    table('import-codes', t('admin.import.codes'), [t('admin.handout.username'), t('admin.handout.code')],
      created.map(c => ({ testid: `import-code-${c.username}`, cells: [c.username, h('span', { class: 'code' }, c.activation_code)] }))),
    h('p', {}, t('admin.handout.once')),
    h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'button', on: { click: printHandout } }, t('admin.handout.print')))];
}
