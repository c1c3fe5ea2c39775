// The local store (IndexedDB through idb): the user's records, the outbox, the
// "needs attention" list and small settings (meta). Its name and version are in
// store.js, which the service worker shares.
import { openDB, deleteDB } from '../vendor/idb/index.js';
import { CLIENT_KINDS, bucketOf, recordOf, kindOf } from './buckets.js';
import { fragOf, zipFrag } from './pagegroup.js';
import { inflate } from './zip.js';
import { DB_NAME, DB_VERSION, storeListed } from './store.js';

export { CLIENT_KINDS, bucketOf, DB_NAME };

let dbPromise = null;
// Set by deleteStore: after a wipe nothing may open the store again (opening would make
// a new, empty one) until a login starts a new store (reopenStore).
let wiped = false;

// db opens the store, creating it on first use (only after a login).
export function db() {
  if (wiped) return Promise.reject(new Error('vardag: the store was wiped'));
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade(d, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          // outbox: local auto-increment key; mutation_id is set only at push time.
          d.createObjectStore('outbox', { keyPath: 'local_id', autoIncrement: true });
          // attention: rejected changes, keyed by their outbox local_id, text kept.
          d.createObjectStore('attention', { keyPath: 'local_id' });
          d.createObjectStore('meta');
        }
        // Version 1 kept one value per record ("records"); version 2 keeps fragments
        // (see below). The old records are not converted: the next round pulls again
        // from the beginning. The outbox and the attention list stay.
        if (d.objectStoreNames.contains('records')) d.deleteObjectStore('records');
        if (!d.objectStoreNames.contains('frags')) d.createObjectStore('frags');
        if (oldVersion >= 1) {
          const meta = tx.objectStore('meta');
          for (const k of ['cursor', 'held_scopes', 'frag_seq', 'record_count']) meta.delete(k);
        }
      },
      // Another tab wants to delete or upgrade the store (a logout): let it.
      blocking() { closeDB(); },
      terminated() { dbPromise = null; },
    });
  }
  return dbPromise;
}

export async function closeDB() {
  const p = dbPromise;
  dbPromise = null;
  if (p) (await p).close();
}

// dbExists tells without creating the store whether there is one (so the login screen
// leaves no database behind).
export async function dbExists() {
  if (wiped) return false;
  if (!indexedDB.databases) return true;
  return storeListed();
}

export async function deleteStore() {
  wiped = true;
  await closeDB();
  await deleteDB(DB_NAME, { blocked() { /* other tabs close on "blocking" */ } });
}

// reopenStore lets a login make the store again after a wipe.
export function reopenStore() { wiped = false; }

export async function getMeta(key) { return (await db()).get('meta', key); }
export async function setMeta(key, value) { return (await db()).put('meta', value, key); }
export async function delMeta(key) { return (await db()).delete('meta', key); }

// ---- Records, kept as fragments ----
//
// One IndexedDB value per record made the big initial sync (150,000 records) take far
// longer than a phone may: every put and every byte written has its cost. So records are
// kept in fragments: each pulled page stores its changes grouped by bucket, as ONE value
// per (bucket, page) in the store "frags" under the key [bucket, seq] (seq rises by one
// per page). A bucket is "kind/client_id" for the client-bound kinds that grow large
// (notes, corrections, signatures), else the kind (buckets.js).
//
// A fragment is {b: bucket, z | json, ids, vs, ss, si, recs?}: z the deflated JSON text
// of its records' data (json the plain text where there is no CompressionStream), ids
// and vs their ids and versions and ss/si their scopes, kept plain (see pagegroup.js),
// and recs tombstones. The screens get records {kind, id, version, scopes, client_id?,
// data}; a tombstone is {kind, id, version, del: true}.
//
// Reading a bucket merges its fragments in seq order, records before tombstones within
// one: the highest version of an id wins (the later on a tie), and a tombstone hides
// older versions. A bucket read with more than COMPACT_AT fragments is compacted later,
// in idle time, into one fragment. The number of live records is kept in meta
// "record_count" by the sync, in the same transaction as each page.

const COMPACT_AT = 8;

// bucketRange: every fragment of one bucket; kindRange: every bucket of a kind.
export const bucketRange = b => IDBKeyRange.bound([b, -Infinity], [b, Infinity]);
export const kindRange = kind => (CLIENT_KINDS.has(kind) ? IDBKeyRange.bound([`${kind}/`], [`${kind}/\uffff`]) : bucketRange(kind));

async function recordsOf(f) {
  const datas = f.z ? JSON.parse(await inflate(f.z)) : f.json ? JSON.parse(f.json) : [];
  const kind = kindOf(f.b);
  return datas.map((data, i) => recordOf(kind, f.ids[i], f.vs[i], f.ss[f.si[i]], data));
}

// mergeFrags folds fragments (oldest first) into a map id → newest record or tombstone.
export async function mergeFrags(frags) {
  const lists = await Promise.all(frags.map(recordsOf));
  const into = new Map();
  const fold = recs => {
    for (const r of recs) {
      const prev = into.get(r.id);
      if (!prev || prev.version <= r.version) into.set(r.id, r);
    }
  };
  frags.forEach((f, i) => {
    fold(lists[i]);
    if (f.recs) fold(f.recs);
  });
  return into;
}

// versionsOf is mergeFrags without reading the records: id → version code, v for a live
// record and -v-1 for a tombstone (the sync's bookkeeping).
export function versionsOf(frags, into = new Map()) {
  const code = v => (v >= 0 ? v : -v - 1);
  for (const f of frags) {
    const ids = f.ids || [];
    for (let i = 0; i < ids.length; i++) {
      const prev = into.get(ids[i]);
      if (prev === undefined || code(prev) <= f.vs[i]) into.set(ids[i], f.vs[i]);
    }
    for (const r of f.recs || []) {
      const prev = into.get(r.id);
      if (prev === undefined || code(prev) <= r.version) into.set(r.id, -r.version - 1);
    }
  }
  return into;
}

export function liveOf(merged, out = []) {
  for (const r of merged.values()) if (!r.del) out.push(r);
  return out;
}

// groupByBucket splits fragments (in key order) by their bucket.
export function groupByBucket(frags) {
  const per = new Map();
  for (const f of frags) {
    const l = per.get(f.b);
    if (l) l.push(f); else per.set(f.b, [f]);
  }
  return per;
}

// readBucket reads the live records of one bucket.
export async function readBucket(bucket) {
  const frags = await (await db()).getAll('frags', bucketRange(bucket));
  if (frags.length > COMPACT_AT) scheduleCompaction(bucket);
  return liveOf(await mergeFrags(frags));
}

export async function getRecord(kind, id) {
  return (await byKind(kind)).find(r => r.id === id);
}

// byKind reads every live record of a kind.
export async function byKind(kind) {
  if (!CLIENT_KINDS.has(kind)) return readBucket(kind);
  const out = [];
  for (const [b, frags] of groupByBucket(await (await db()).getAll('frags', kindRange(kind)))) {
    if (frags.length > COMPACT_AT) scheduleCompaction(b);
    liveOf(await mergeFrags(frags), out);
  }
  return out;
}

export async function countKind(kind) {
  return (await byKind(kind)).length;
}

// byClient reads a client's records of one kind (a single bucket for the client-bound
// kinds); without a kind, every record of the client (reads the whole store).
export async function byClient(clientId, kind) {
  if (kind && CLIENT_KINDS.has(kind)) return readBucket(bucketOf(kind, clientId));
  if (kind) return (await byKind(kind)).filter(r => r.client_id === clientId);
  const out = [];
  for (const frags of groupByBucket(await (await db()).getAll('frags')).values()) {
    for (const r of liveOf(await mergeFrags(frags))) if (r.client_id === clientId) out.push(r);
  }
  return out;
}

const sameKeys = (a, b) => a.length === b.length && a.every((k, i) => indexedDB.cmp(k, b[i]) === 0);

// compactBucket merges a bucket's fragments into one under the key of the newest
// (tombstones dropped: nothing older is left for them to hide). The merge is done
// outside any transaction (decompressing is asynchronous); the swap is one transaction
// that first checks the fragments are still those merged (they never change, only come
// and go), else leaves the bucket for another time.
export async function compactBucket(bucket) {
  const d = await db();
  const range = bucketRange(bucket);
  const rtx = d.transaction('frags');
  const [keys, frags] = await Promise.all([rtx.store.getAllKeys(range), rtx.store.getAll(range)]);
  await rtx.done;
  if (frags.length < 2) return false;
  const recs = liveOf(await mergeFrags(frags));
  const frag = recs.length ? await zipFrag(fragOf(bucket, recs)) : null;
  const tx = d.transaction('frags', 'readwrite');
  if (!sameKeys(await tx.store.getAllKeys(range), keys)) { await tx.done; return false; }
  tx.store.delete(range);
  if (frag) tx.store.put(frag, keys[keys.length - 1]);
  await tx.done;
  return true;
}

const compacting = new Set();
function scheduleCompaction(bucket) {
  if (compacting.has(bucket)) return;
  compacting.add(bucket);
  const run = () => compactBucket(bucket).catch(() => {}).finally(() => compacting.delete(bucket));
  if (self.requestIdleCallback) requestIdleCallback(run, { timeout: 5000 });
  else setTimeout(run, 500);
}
