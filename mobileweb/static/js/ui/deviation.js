// Report a deviation (avvikelse) on a client or on a unit. Required fields are marked
// with a star and named in the error if missing.
import { h, field, announce } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { getMeta } from '../db.js';
import { client as getClient, unitsOf } from '../data.js';
import { enqueue } from '../outbox.js';
import { localInputValue, fromLocalInput } from '../time.js';
import { uuidv7 } from '../uuid.js';
import { DEVIATION_TYPES, ACTIVITIES, AREAS, PROFESSIONS } from '../codes.js';
import { show, currentNav, back, markDirty } from './view.js';
import { healthFlags } from './health.js';

function select(testid, options, placeholder) {
  return h('select', { testid }, h('option', { value: '' }, placeholder), options.map(([v, l]) => h('option', { value: v }, l)));
}

export async function render(clientId) {
  const nav = currentNav(); // first: see show()
  const c = clientId ? await getClient(clientId) : null;
  const user = await getMeta('user');
  const choose = t('form.choose');
  const type = select('dev-type', DEVIATION_TYPES.map(x => [x, tOr(`deviation.type.${x}`, x)]), choose);
  const alone = select('dev-person_alone', [['yes', t('common.yes')], ['no', t('common.no')]], choose);
  const activity = select('dev-activity', ACTIVITIES.map(x => [x, tOr(`activity.${x}`, x)]), choose);
  const area = select('dev-area', [], t('deviation.choose_activity_first'));
  const units = unitsOf(user);
  const unit = select('dev-unit_id', units.map(u => [u, tOr(`unit.${u}`, t('deviation.my_unit'))]), choose);
  if (c) unit.value = c.unit_id;
  else if (units.length === 1) unit.value = units[0];
  const profs = PROFESSIONS.map(p => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: p, testid: `dev-involved_professions-${p}` }), h('span', {}, tOr(`profession.${p}`, p))));
  const occurred = h('input', { type: 'datetime-local', value: localInputValue(), testid: 'dev-occurred_at' });
  const course = h('textarea', { rows: '6', testid: 'dev-course_of_events' });
  const suggested = h('textarea', { rows: '3', testid: 'dev-suggested_action' });
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  activity.addEventListener('change', () => {
    area.replaceChildren(h('option', { value: '' }, choose), ...(AREAS[activity.value] || []).map(a => h('option', { value: a }, tOr(`deviation.area.${a}`, a))));
  });
  const submit = h('button', { class: 'btn primary big', type: 'submit', testid: 'dev-submit' }, t('deviation.submit'));
  const form = markDirty(h('form', {
    class: 'stack', novalidate: true,
    on: {
      submit: async e => {
        e.preventDefault();
        const checked = profs.map(l => l.querySelector('input')).filter(x => x.checked).map(x => x.value);
        const missing = [];
        if (!type.value) missing.push(t('deviation.type'));
        if (c && !alone.value) missing.push(t('deviation.person_alone'));
        if (!activity.value) missing.push(t('deviation.activity'));
        if (!area.value) missing.push(t('deviation.area'));
        if (!c && !unit.value) missing.push(t('deviation.unit'));
        if (!checked.length) missing.push(t('deviation.professions'));
        if (!occurred.value) missing.push(t('deviation.occurred_at'));
        if (!course.value.trim()) missing.push(t('deviation.course'));
        if (missing.length) {
          err.hidden = false;
          err.textContent = t('form.missing', { fields: missing.join(', ') });
          announce(err.textContent);
          err.scrollIntoView({ block: 'center' });
          return;
        }
        submit.disabled = true;
        const args = {
          deviation_id: uuidv7(), type: type.value, activity: activity.value, area: area.value,
          involved_professions: checked, occurred_at: fromLocalInput(occurred.value), course_of_events: course.value.trim(),
        };
        if (c) { args.client_id = c.client_id; args.person_alone = alone.value === 'yes'; }
        if (unit.value) args.unit_id = unit.value;
        if (suggested.value.trim()) args.suggested_action = suggested.value.trim();
        await enqueue('deviation.report', args);
        announce(t('deviation.saved'));
        // "My reports" on this one: saved, and "sent" once the server has it.
        location.hash = `#/reports/${args.deviation_id}`;
      },
    },
  },
  h('p', { class: 'hint' }, t('form.required_note')),
  field(t('deviation.type'), type, { required: true }),
  c ? field(t('deviation.person_alone'), alone, { required: true }) : null,
  field(t('deviation.activity'), activity, { required: true }),
  field(t('deviation.area'), area, { required: true }),
  field(t('deviation.unit'), unit, { required: !c }),
  h('fieldset', { class: 'checks', testid: 'dev-involved_professions' }, h('legend', {}, t('deviation.professions'), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), profs),
  field(t('deviation.occurred_at'), occurred, { required: true }),
  field(t('deviation.course'), course, { required: true }),
  field(t('deviation.suggested'), suggested),
  err, submit));
  show(nav, 'deviation', back(c ? `#/client/${c.client_id}` : '#/today'), h('h1', {}, t('deviation.title')), c ? healthFlags(c) : null, c ? h('p', { class: 'meta' }, c.name) : null, form);
}
