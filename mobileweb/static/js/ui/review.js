// The access review (behörighetskontroll, #/review/<unit_id>), twice a year per unit: every
// active grant with its last login and last read of client data, each kept or ended by the
// manager; the review is recorded with a note. Every grant must be decided: the form says
// which are left before it is sent, and the server refuses an incomplete one as well.
import { h, field, announce } from '../dom.js';
import { t, tn } from '../i18n.js';
import * as admin from '../admin.js';
import { currentNav, back, badge } from './view.js';
import { screen, errorBox, onSubmit, roleName, day, table } from './adminkit.js';

export async function render(unitId, done) {
  const nav = currentNav(); // first: see show()
  const head = [back(`#/unit/${unitId}`, t('admin.unit.back')), h('h1', {}, t('admin.review.title'))];
  await screen(nav, 'review', head, () => admin.review(unitId), r => {
    const overdue = r.overdue ?? (r.due_at && Date.parse(r.due_at) < Date.now()); // the server's clock first
    const grants = r.grants || [];
    const box = errorBox('review-error');
    const note = h('textarea', { testid: 'review-note', rows: 3 });
    const choice = g => h('fieldset', { class: 'row choice', testid: `review-${g.grant_id}` },
      h('legend', { class: 'sr-only' }, t('admin.review.decide', { name: g.name, role: roleName(g.role) })),
      ['keep', 'end'].map(v => h('label', { class: 'check' },
        h('input', { type: 'radio', name: `review-${g.grant_id}`, value: v, testid: `review-${v}-${g.grant_id}`, dataset: { grant: g.grant_id } }),
        h('span', {}, t(`admin.review.${v}`)))));
    const form = h('form', { class: 'stack', testid: 'review-form' },
      grants.length ? table('review-grants', t('admin.review.grants'), [t('admin.unit.person'), t('admin.review.role'), t('admin.review.valid_until'), t('admin.unit.last_login'), t('admin.review.last_read'), t('admin.review.decision')],
        grants.map(g => ({ testid: `review-row-${g.grant_id}`, cells: [g.name, roleName(g.role), day(g.valid_until), g.last_login_at ? day(g.last_login_at) : t('admin.unit.never'), g.last_read_at ? day(g.last_read_at) : t('admin.unit.never'), choice(g)] }))) : h('p', { class: 'empty' }, t('admin.review.no_grants')),
      field(t('admin.review.note'), note),
      box,
      h('button', { class: 'btn primary', type: 'submit', testid: 'review-save' }, t('admin.review.save')));
    onSubmit(form, box, async () => {
      const keep = [], end = [];
      for (const g of grants) {
        const picked = form.querySelector(`input[name="review-${CSS.escape(g.grant_id)}"]:checked`);
        if (picked) (picked.value === 'keep' ? keep : end).push(g.grant_id);
      }
      const left = grants.length - keep.length - end.length;
      if (left > 0) {
        box.hidden = false;
        box.textContent = tn('admin.review.left', left);
        announce(box.textContent);
        return;
      }
      await admin.saveReview(unitId, { keep, end, note: note.value.trim() });
      announce(t('admin.review.saved'));
      location.hash = `#/review/${encodeURIComponent(unitId)}/saved`;
    });
    return [
      done === 'saved' ? h('p', { class: 'notice', role: 'status', testid: 'review-saved' }, t('admin.review.saved')) : null,
      h('p', { testid: 'review-last' }, r.last_review ? t('admin.review.last', { date: day(r.last_review.at), by: r.last_review.by_name || r.last_review.by || '' }) : t('admin.review.never')),
      r.due_at ? h('p', { testid: 'review-due', dataset: { overdue: String(!!overdue) } }, overdue ? badge(t('admin.review.overdue', { date: day(r.due_at) }), 'warn') : t('admin.review.due', { date: day(r.due_at) })) : null,
      form,
    ];
  });
}
