// The client's journal as a PDF for the archive (skriv ut genomförandejournal), from
// GET /api/v1/clients/{id}/journal.pdf: for the unit's coordinators and managers, online
// only. The token goes in the header, never in a URL, so the file is fetched and handed
// to the browser as a download; the server has logged the export before it answers.
import { h, announce } from '../dom.js';
import { t } from '../i18n.js';
import { saveFile } from '../download.js';
import { errorBox, showError } from './adminkit.js';

// pdfButton is "Journal som PDF" with the place of its refusal.
export function pdfButton(clientId, testid = 'journal-pdf') {
  const box = errorBox(`${testid}-error`);
  const button = h('button', { class: 'btn', type: 'button', testid }, t('journal.pdf.button'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    box.hidden = true;
    try {
      const a = h('a', { hidden: true });
      document.body.append(a);
      try {
        await saveFile(`/api/v1/clients/${encodeURIComponent(clientId)}/journal.pdf`, `genomforandejournal-${clientId}.pdf`, 'application/pdf', a);
      } finally {
        a.remove();
      }
      button.dataset.done = 'true';
      announce(t('journal.pdf.done'));
    } catch (err) {
      showError(box, err);
    } finally {
      button.disabled = false;
    }
  });
  return h('span', { class: 'pdf-action' }, button, box);
}
