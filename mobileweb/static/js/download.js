// Files the server makes for the user (a signing list or a journal as PDF): fetched with the user's
// login, then saved by the browser under the name the server gives. Online only.
import { authed } from './api.js';

// saveFile fetches path and saves it (fallback: the name when the server gives none);
// it throws as authed does (offline, the server's refusal). link is the <a> that saves it,
// left behind to save it again.
export async function saveFile(path, fallback, type, link) {
  const res = await authed('GET', path, undefined, { stream: true });
  const blob = new Blob([await res.arrayBuffer()], { type });
  const m = (res.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/);
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = m ? m[1] : fallback;
  link.click();
}
