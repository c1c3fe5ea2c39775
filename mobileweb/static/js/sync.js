// The sync loop (see shared/API.md): push the outbox in order, then pull pages until
// `more` is false, each page applied with its cursor in one transaction. One round at a
// time across tabs (Web Lock "vardag-sync"); pokes from the live stream start rounds.
import { db, getMeta, setMeta, CLIENT_KINDS, bucketRange, kindRange, versionsOf, groupByBucket, compactBucket } from './db.js';
import { groupPage, zipFrag } from './pagegroup.js';
import { unwrap } from '../vendor/idb/index.js';
import { authed, ApiError, reachable } from './api.js';
import { broadcast, emit, on } from './bus.js';
import { withLock } from './locks.js';

const PUSH_BATCH = 100;
const PAGE = 5000;
const SLICE = 100;

const settled = req => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

export const state = { syncing: false, lastError: null };

function setSyncing(v) {
  state.syncing = v;
  emit('sync-state');
}

// syncRound runs one full round: push, then pull every page.
export function syncRound() {
  return withLock('vardag-sync', async () => {
    setSyncing(true);
    try {
      const round = { reads: 0, other: false };
      const pushed = await pushAll(round);
      const pulled = await pullAll(round);
      await setMeta('last_sync', new Date().toISOString());
      state.lastError = null;
      // A round that only delivered reads (access.viewed: they make no record) changed
      // nothing a screen shows; the screens are not drawn again for it (readsOnly).
      const readsOnly = pushed > 0 && round.reads === pushed && pulled === 0 && !round.other;
      broadcast('synced', { pushed, pulled, readsOnly });
      return { pushed, pulled };
    } catch (err) {
      state.lastError = err;
      throw err;
    } finally {
      setSyncing(false);
    }
  });
}

// assignIds gives mutation ids to the first entries of the outbox that have none, in
// order, and persists them before anything is sent: a push that dies in flight is sent
// again with the same ids, and the server answers duplicates with their stored result.
async function assignIds() {
  const d = await db();
  const tx = d.transaction(['outbox', 'meta'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const meta = tx.objectStore('meta');
  const serverLast = (await meta.get('server_last_mutation_id')) || 0;
  let next = Math.max((await meta.get('next_mutation_id')) || 1, serverLast + 1);
  const batch = [];
  let cursor = await outbox.openCursor();
  while (cursor && batch.length < PUSH_BATCH) {
    const e = cursor.value;
    if (e.mutation_id == null) {
      e.mutation_id = next++;
      await cursor.update(e);
    }
    batch.push(e);
    cursor = await cursor.continue();
  }
  await meta.put(next, 'next_mutation_id');
  await tx.done;
  return batch;
}

// renumber gives every waiting entry a new id from after the server's last one (after a
// mutation_gap: the server does not know ids we thought it had).
async function renumber(serverLast) {
  const d = await db();
  const tx = d.transaction(['outbox', 'meta'], 'readwrite');
  let next = serverLast + 1;
  let cursor = await tx.objectStore('outbox').openCursor();
  while (cursor) {
    await cursor.update({ ...cursor.value, mutation_id: next++ });
    cursor = await cursor.continue();
  }
  await tx.objectStore('meta').put(serverLast, 'server_last_mutation_id');
  await tx.objectStore('meta').put(next, 'next_mutation_id');
  await tx.done;
}

// pushAll pushes the whole outbox; round counts the reads the server applied.
async function pushAll(round = { reads: 0 }) {
  let pushed = 0;
  let gapRetried = false;
  for (;;) {
    const batch = await assignIds();
    if (batch.length === 0) return pushed;
    const deviceId = await getMeta('device_id');
    let answer;
    try {
      answer = await authed('POST', '/api/v1/sync/push', {
        device_id: deviceId,
        mutations: batch.map(e => ({ id: e.mutation_id, name: e.name, args: e.args, client_time: e.client_time })),
      });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mutation_gap' && !gapRetried) {
        gapRetried = true;
        await renumber(err.body.last_mutation_id ?? err.body.error?.last_mutation_id ?? 0);
        continue;
      }
      throw err;
    }
    round.reads += await applyResults(batch, answer);
    pushed += batch.length;
    broadcast('outbox-changed', { sent: true }); // for the status: sending asks no new round
  }
}

// applyResults removes answered entries; rejected and conflicting ones move to the
// "needs attention" list with their text. It answers how many were reads applied.
async function applyResults(batch, answer) {
  const byId = new Map(batch.map(e => [e.mutation_id, e]));
  let reads = 0;
  const d = await db();
  const tx = d.transaction(['outbox', 'attention', 'meta'], 'readwrite');
  for (const r of answer.results || []) {
    const e = byId.get(r.id);
    if (!e) continue;
    await tx.objectStore('outbox').delete(e.local_id);
    if (r.status === 'rejected' || r.status === 'conflict') {
      await tx.objectStore('attention').put({ ...e, status: r.status, error: r.error || null, record: r.record || null, failed_at: new Date().toISOString() });
    } else if (e.name === 'access.viewed') reads++;
  }
  if (typeof answer.last_mutation_id === 'number') await tx.objectStore('meta').put(answer.last_mutation_id, 'server_last_mutation_id');
  await tx.done;
  return reads;
}

// fetchPage asks for the page after cursor (a long cursor goes in a POST body). It
// answers once the bytes are in: {head, page}, head being the page's cursor and `more`
// read from its first bytes (null if not found there), page a promise of the page
// decoded and grouped by bucket off the main thread (see pagegroup.js).
async function fetchPage(cursor) {
  const res = cursor.length > 1500
    ? await authed('POST', '/api/v1/sync/pull', { cursor, limit: PAGE }, { stream: true })
    : await authed('GET', `/api/v1/sync/pull?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, { stream: true });
  const buf = await res.arrayBuffer();
  const head = peekHead(buf);
  const page = groupOffThread(buf);
  page.catch(() => {}); // handled when awaited
  return { head, page };
}

// peekHead reads cursor and more from a page's bytes before "changes" (the server writes
// them first), so that the next page can be asked for before this one is decoded.
function peekHead(buf) {
  const text = new TextDecoder().decode(new Uint8Array(buf, 0, Math.min(buf.byteLength, 65536)));
  const at = text.indexOf(',"changes":[');
  if (at < 0) return null;
  try {
    const head = JSON.parse(`${text.slice(0, at)}}`);
    return typeof head.cursor === 'string' && typeof head.more === 'boolean' ? head : null;
  } catch {
    return null;
  }
}

// ---- Sync workers: decoding, grouping and compressing pages off the main thread ----

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

function groupOffThread(buf) {
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

// pullAll pulls and applies pages until `more` is false. The next page is asked for as
// soon as this one's cursor is known, and decoded while this one is written: the server,
// the network, the worker and IndexedDB work at the same time. A page that fails to
// apply drops the one fetched ahead (the cursor stays at the last page applied).
// round.other tells a change of the records besides the pulled ones (scopes dropped,
// the store reset after cursor_expired).
async function pullAll(round = {}) {
  let pulled = 0;
  let restarted = false;
  const index = new BucketIndex();
  await purgeDropped();
  const ask = cursor => {
    const p = fetchPage(cursor);
    p.catch(() => {}); // handled when awaited; unawaited if a page before fails
    return p;
  };
  let next = ask((await getMeta('cursor')) || '');
  for (;;) {
    let page;
    let ahead = null;
    try {
      const got = await next;
      if (got.head && got.head.more) ahead = ask(got.head.cursor);
      page = await got.page;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'cursor_expired' && !restarted) {
        // Push first, so nothing of ours is lost, then start over from empty.
        restarted = true;
        round.other = true;
        await pushAll();
        await resetRecords();
        index.clear();
        next = ask('');
        continue;
      }
      throw err;
    }
    if (!ahead && page.more) ahead = ask(page.cursor);
    pulled += await applyPage(page, index);
    if (page.drop_scopes.length) { round.other = true; await purgeDropped(); }
    if (!ahead) return pulled;
    next = ahead;
    // Let the page paint and take input between pages.
    await new Promise(r => setTimeout(r, 0));
  }
}

async function resetRecords() {
  const d = await db();
  const tx = d.transaction(['frags', 'meta'], 'readwrite');
  await tx.objectStore('frags').clear();
  await tx.objectStore('meta').delete('cursor');
  await tx.objectStore('meta').put([], 'held_scopes');
  await tx.objectStore('meta').put(0, 'record_count');
  await tx.objectStore('meta').put([], 'purge_buckets');
  await tx.done;
}

// BucketIndex knows, for the buckets a round has touched, each id's newest version and
// whether it is live: enough to keep record_count exact and to find the bucket of a
// deleted record (a delete carries no client_id). It lives for one round only (the
// round holds the "vardag-sync" lock, so no other tab writes records meanwhile) and is
// cleared when a page fails to apply. A version v is kept as v when live, -v-1 when
// deleted.
class BucketIndex {
  constructor() { this.clear(); }
  clear() {
    this.buckets = new Map(); // bucket → Map id → version code
    this.kinds = new Set(); // client-bound kinds whose every bucket is loaded
    this.full = false;
  }
  add(bucket, frags) {
    this.buckets.set(bucket, versionsOf(frags));
  }
}

const newer = (code, version) => (code >= 0 ? code : -code - 1) > version;

// loadBuckets reads into the index the buckets (and whole kinds) it lacks, within tx.
async function loadBuckets(frags, index, buckets, kinds) {
  const waits = [];
  for (const b of buckets) {
    if (index.full || index.buckets.has(b)) continue;
    index.buckets.set(b, new Map()); // filled below
    waits.push(settled(frags.getAll(bucketRange(b))).then(fs => index.add(b, fs)));
  }
  for (const k of kinds) {
    if (index.full || index.kinds.has(k)) continue;
    index.kinds.add(k);
    waits.push(settled(frags.getAll(kindRange(k))).then(fs => {
      for (const [b, l] of groupByBucket(fs)) index.add(b, l);
    }));
  }
  await Promise.all(waits);
}

// dropScopes removes the records none of whose scopes is still held (judged on each
// record's newest version), within the page's transaction: a bucket left with nothing
// held loses its fragments at once; a bucket that keeps some records gets tombstones in
// this page's fragment (hidden at once) and is named in meta "purge_buckets", to be
// rewritten without them as soon as the page is written (purgeDropped), so that nothing
// of a dropped scope stays readable in the store. It reads the whole store (rare) and
// rebuilds the index and the count. It returns the tombstones by bucket and the count.
async function dropScopes(frags, meta, held, index) {
  const all = await settled(frags.getAll());
  index.clear();
  index.full = true;
  const tombs = new Map();
  const purge = new Set((await settled(meta.get('purge_buckets'))) || []);
  let count = 0;
  for (const [b, fs] of groupByBucket(all)) {
    const newest = new Map(); // id → [version, scopes] of the newest put, null when deleted
    for (const f of fs) {
      const ids = f.ids || [];
      for (let i = 0; i < ids.length; i++) {
        const prev = newest.get(ids[i]);
        if (!prev || prev[0] <= f.vs[i]) newest.set(ids[i], [f.vs[i], f.ss[f.si[i]]]);
      }
      for (const r of f.recs || []) {
        const prev = newest.get(r.id);
        if (!prev || prev[0] <= r.version) newest.set(r.id, [r.version, null]);
      }
    }
    const kind = b.split('/')[0];
    const m = new Map();
    const dropped = [];
    let kept = 0;
    for (const [id, [v, scopes]] of newest) {
      if (scopes && scopes.some(s => held.has(s))) {
        m.set(id, v);
        kept++;
        continue;
      }
      m.set(id, -v - 1);
      if (scopes) dropped.push({ kind, id, version: v, del: true });
    }
    if (!dropped.length) {
      index.buckets.set(b, m);
    } else if (!kept) {
      // Nothing of the bucket is held any more: its fragments go, data and all.
      frags.delete(bucketRange(b));
      index.buckets.set(b, new Map());
      purge.delete(b);
    } else {
      tombs.set(b, dropped);
      index.buckets.set(b, m);
      purge.add(b);
    }
    count += kept;
  }
  meta.put([...purge], 'purge_buckets');
  return { tombs, count };
}

// purgeDropped rewrites the buckets named in meta "purge_buckets" (records of a dropped
// scope hidden by tombstones) into one fragment of what is still held: the dropped
// records' data leaves the store. It runs in the round, right after the page that
// dropped them, and at the start of every pull (a round that ended before it).
async function purgeDropped() {
  const list = (await getMeta('purge_buckets')) || [];
  if (!list.length) return;
  const d = await db();
  for (const b of list) {
    // compactBucket gives up when the bucket changed meanwhile (a read compacting it):
    // try again while it holds more than one fragment.
    for (let i = 0; i < 5 && !(await compactBucket(b)); i++) {
      if ((await d.count('frags', bucketRange(b))) < 2) break;
    }
  }
  await setMeta('purge_buckets', []);
}

// canHold tells which scopes can be the phone's own: held_scopes is learnt from the
// records pulled, and a record is often in a scope of the phone's and in others (a
// colleague's profile: their user scope and the unit's). A user scope is only ever its
// own user's (docs/openapi.yaml, Scope), so another user's is never held: when the unit
// goes, the colleague's profile goes with it.
function canHold(user) {
  const own = user && user.id ? `user:${user.id}` : null;
  return s => !s.startsWith('user:') || s === own;
}

// applyPage writes one page and its cursor in ONE transaction: one fragment per bucket
// the page touches. Dropped scopes go first: a record none of whose scopes is still held
// leaves the phone at once.
async function applyPage(page, index) {
  const d = await db();
  const tx = d.transaction(['frags', 'meta'], 'readwrite', { durability: 'relaxed' });
  try {
    return await writePage(tx, page, index);
  } catch (err) {
    index.clear();
    tx.done.catch(() => {});
    try { tx.abort(); } catch { /* already over */ }
    throw err;
  }
}

async function writePage(tx, page, index) {
  const frags = unwrap(tx.objectStore('frags'));
  const meta = unwrap(tx.objectStore('meta'));
  const [heldList, known, seqBefore, countBefore, user] = await Promise.all(
    ['held_scopes', 'server_last_mutation_id', 'frag_seq', 'record_count', 'user'].map(k => settled(meta.get(k))));
  const mine = canHold(user);
  const held = new Set((heldList || []).filter(mine));
  let count = countBefore || 0;
  const values = new Map(); // bucket → this page's fragment
  if (page.drop_scopes.length) {
    for (const s of page.drop_scopes) held.delete(s);
    const dropped = await dropScopes(frags, meta, held, index);
    count = dropped.count;
    for (const [b, recs] of dropped.tombs) values.set(b, { b, recs });
  }
  for (const s of page.scopes) if (mine(s)) held.add(s);
  // The buckets the page touches; a delete of a client-bound kind needs its kind whole.
  const buckets = new Set(page.puts.map(p => p.b));
  const kinds = new Set();
  for (const del of page.deletes) {
    if (CLIENT_KINDS.has(del.kind)) kinds.add(del.kind); else buckets.add(del.kind);
  }
  await loadBuckets(frags, index, buckets, kinds);
  for (const p of page.puts) {
    let m = index.buckets.get(p.b);
    if (!m) index.buckets.set(p.b, (m = new Map())); // a new bucket after a full load
    for (let i = 0; i < p.ids.length; i++) {
      const v = m.get(p.ids[i]);
      if (v !== undefined && newer(v, p.vs[i])) continue; // the merge keeps the newer
      if (v === undefined || v < 0) count++;
      m.set(p.ids[i], p.vs[i]);
    }
    const f = values.get(p.b);
    values.set(p.b, f ? { ...p, recs: f.recs } : p);
  }
  for (const del of page.deletes) {
    const hit = CLIENT_KINDS.has(del.kind)
      ? [...index.buckets].filter(([b, m]) => b.startsWith(`${del.kind}/`) && m.has(del.id)).map(([b]) => b)
      : [del.kind];
    for (const b of hit) {
      const m = index.buckets.get(b);
      const v = m && m.get(del.id);
      if (v === undefined || newer(v, del.version)) continue; // nothing held to hide
      if (v >= 0) count--;
      m.set(del.id, -del.version - 1);
      let f = values.get(b);
      if (!f) values.set(b, (f = { b }));
      (f.recs ||= []).push({ kind: del.kind, id: del.id, version: del.version, del: true });
    }
  }
  // Puts are not awaited one by one: one transaction, many requests, one wait for the
  // commit; every SLICE values it waits for the last one, so the page can paint and
  // take a tap while the transaction stays open.
  const seq = (seqBefore || 0) + 1;
  let n = 0;
  for (const [b, f] of values) {
    const req = frags.put(f, [b, seq]);
    if (++n % SLICE === 0) await settled(req);
  }
  if (typeof page.last_mutation_id === 'number' && page.last_mutation_id > (known || 0)) meta.put(page.last_mutation_id, 'server_last_mutation_id');
  meta.put([...held], 'held_scopes');
  meta.put(seq, 'frag_seq');
  meta.put(count, 'record_count');
  meta.put(page.cursor, 'cursor');
  await tx.done;
  return page.n;
}

// ---- Scheduling: pokes, retries with backoff, the online event ----

let timer = null;
let failures = 0;
let running = false;
let again = false; // a round was asked for while one ran: another follows it
let stopped = true;

// requestSync starts a round soon (debounced); retries back off up to five minutes. Asked
// while a round runs (a change made, a poke), it runs another right after that one.
export function requestSync(delay = 200) {
  if (stopped) return;
  if (running) { again = true; return; }
  clearTimeout(timer);
  timer = setTimeout(runScheduled, delay);
}

async function runScheduled() {
  if (stopped || running) return;
  running = true;
  again = false;
  try {
    await syncRound();
    failures = 0;
    clearTimeout(timer);
    timer = setTimeout(runScheduled, again ? 0 : 5 * 60 * 1000); // a round every five minutes anyway
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the session screen takes over
    failures++;
    const wait = Math.min(300000, 2000 * 2 ** Math.min(failures, 8)) * (0.75 + Math.random() * 0.5);
    clearTimeout(timer);
    timer = setTimeout(runScheduled, wait);
  } finally {
    running = false;
  }
}

export function startSync() {
  stopped = false;
  failures = 0;
  requestSync(0);
  startLive();
}

export function stopSync() {
  stopped = true;
  clearTimeout(timer);
  if (liveAbort) liveAbort.abort();
}

on('outbox-changed', d => { if (!d.remote && !d.sent) requestSync(300); });
addEventListener('online', () => { failures = 0; requestSync(0); });

// ---- Live stream: one tab holds it (Web Lock "vardag-live") and reads pokes ----

let liveAbort = null;

function startLive() {
  if (liveAbort) return;
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  withLock('vardag-live', async () => {
    let delay = 2000;
    while (!signal.aborted) {
      try {
        await readStream(signal);
        delay = 2000;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof ApiError && err.status === 401) break;
      }
      await new Promise(r => setTimeout(r, delay));
      delay = Math.min(delay * 2, 120000);
    }
  }).catch(() => {}).finally(() => { liveAbort = null; });
}

async function readStream(signal) {
  if (!navigator.onLine && !reachable) throw new Error('offline');
  const res = await authed('GET', '/api/v1/sync/events', undefined, { stream: true, signal });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true }).replace(/\r/g, '');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^event: ?poke$/m.test(block)) requestSync(100);
    }
  }
}
