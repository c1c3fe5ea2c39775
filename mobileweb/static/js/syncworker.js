// The sync worker: decodes, groups and compresses pulled pages off the main thread, so
// the app keeps answering taps during a big sync. In: {id, buf} (the page's JSON bytes,
// transferred); out: {id, page} (see pagegroup.js) or {id, error}.
import { groupPage, zipFrag } from './pagegroup.js';

const decoder = new TextDecoder();

self.onmessage = async e => {
  const { id, buf } = e.data;
  try {
    const page = groupPage(JSON.parse(decoder.decode(buf)));
    page.puts = await Promise.all(page.puts.map(zipFrag));
    self.postMessage({ id, page }, page.puts.map(p => p.z).filter(Boolean));
  } catch (err) {
    self.postMessage({ id, error: String((err && err.message) || err) });
  }
};
