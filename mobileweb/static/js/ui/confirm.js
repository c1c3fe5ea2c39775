// An in-page confirmation (a modal <dialog>): a heading, what the user must know, and two
// buttons. Screen readers hear it as a dialog; the focus stays in it until it closes;
// Escape cancels. It answers true when the user confirms.
import { h } from '../dom.js';

let seq = 0;

export function confirmDialog({ title, lines, ok, cancel }) {
  const id = `confirm-${++seq}`;
  return new Promise(resolve => {
    const done = answer => { if (dialog.open) dialog.close(); dialog.remove(); resolve(answer); };
    const dialog = h('dialog', { class: 'confirm', testid: 'confirm-dialog', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text` },
      h('h2', { id: `${id}-title` }, title),
      h('div', { id: `${id}-text` }, lines.map(l => h('p', {}, l))),
      h('div', { class: 'actions' },
        h('button', { class: 'btn primary', type: 'button', testid: 'confirm-ok', on: { click: () => done(true) } }, ok),
        h('button', { class: 'btn', type: 'button', testid: 'confirm-cancel', on: { click: () => done(false) } }, cancel)));
    dialog.addEventListener('cancel', e => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('[data-testid=confirm-cancel]').focus();
  });
}
