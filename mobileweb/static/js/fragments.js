// Fragment-store upkeep for the sync (the store's layout is in db.js): each pulled page
// written with its cursor in one transaction, scopes the phone no longer holds dropped,
// buckets with dropped records rewritten without them, the records reset for a pull
// from empty.
import { db, getMeta, setMeta, CLIENT_KINDS, bucketRange, kindRange, versionsOf, groupByBucket, compactBucket } from './db.js';
import { unwrap } from '../vendor/idb/index.js';

const SLICE = 100;

const settled = req => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

// resetRecords empties the records and the cursor (after cursor_expired).
export async function resetRecords() {
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
export class BucketIndex {
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
export async function purgeDropped() {
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
export async function applyPage(page, index) {
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
