// The decoding worker pool: pulled pages decoded, grouped by bucket and deflated off the
// main thread (syncworker.js, see pagegroup.js), in the page where no worker can start.
import { groupPage, zipFrag } from './pagegroup.js';

// Two workers take pages in turn: while one compresses a page, the other can start on
// the next one (compressing is the longest step).
const POOL = 2;
let workers = [];
let turn = 0;
let noWorker = typeof Worker === 'undefined';
let jobId = 0;
const jobs = new Map(); // id → {resolve, reject}

async function groupHere(buf) {
  const page = groupPage(JSON.parse(new TextDecoder().decode(buf)));
  page.puts = await Promise.all(page.puts.map(zipFrag));
  return page;
}

function startWorker() {
  const w = new Worker(new URL('./syncworker.js', import.meta.url), { type: 'module' });
  w.onmessage = e => {
    const j = jobs.get(e.data.id);
    if (!j) return;
    jobs.delete(e.data.id);
    if (e.data.error) j.reject(new Error(e.data.error)); else j.resolve(e.data.page);
  };
  // A worker that cannot start (no module workers): this round fails, the next ones
  // group in the page.
  w.onerror = e => {
    e.preventDefault();
    noWorker = true;
    for (const x of workers) x.terminate();
    workers = [];
    for (const j of jobs.values()) j.reject(new Error('sync worker failed'));
    jobs.clear();
  };
  return w;
}

// groupOffThread answers a promise of the page in buf (its bytes, handed over to the
// worker) decoded and grouped by bucket, its fragments deflated.
export function groupOffThread(buf) {
  if (noWorker) return groupHere(buf);
  if (!workers.length) {
    try {
      for (let i = 0; i < POOL; i++) workers.push(startWorker());
    } catch {
      noWorker = true;
      workers = [];
      return groupHere(buf);
    }
  }
  const w = workers[turn++ % workers.length];
  const id = ++jobId;
  return new Promise((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    w.postMessage({ id, buf }, [buf]);
  });
}
