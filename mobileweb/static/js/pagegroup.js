// What the store keeps of records (see db.js): fragments. groupPage turns a pulled page
// into one fragment per bucket, fragOf makes one of a list of records. It runs in the
// sync worker (js/syncworker.js), or in the page without one.
import { bucketOf } from './buckets.js';
import { canZip, deflate } from './zip.js';

// fragOf makes a fragment's value of records: the JSON text of their data (compressed
// by zipFrag) and, kept plain for the sync's bookkeeping and to rebuild the records,
// their ids, versions and scopes (ss: the distinct scope lists, si: each record's index
// in ss). Their kind is the bucket's.
export function fragOf(b, recs) {
  const ids = [];
  const vs = [];
  const ss = [];
  const si = [];
  const datas = [];
  const seen = new Map();
  for (const r of recs) {
    ids.push(r.id);
    vs.push(r.version);
    datas.push(r.data);
    const key = (r.scopes || []).join('\n');
    let i = seen.get(key);
    if (i === undefined) { seen.set(key, (i = ss.length)); ss.push(r.scopes || []); }
    si.push(i);
  }
  return { b, json: JSON.stringify(datas), ids, vs, ss, si };
}

// zipFrag replaces a fragment's text by its deflated bytes (z), where it can.
export async function zipFrag(f) {
  if (!canZip || f.json === undefined) return f;
  const { json, ...rest } = f;
  return { ...rest, z: await deflate(json) };
}

export function groupPage(page) {
  const groups = new Map();
  const deletes = [];
  const scopes = new Set();
  const changes = page.changes || [];
  for (const ch of changes) {
    const version = ch.version || 0;
    if (ch.op === 'delete') {
      deletes.push({ kind: ch.kind, id: ch.id, version });
      continue;
    }
    for (const s of ch.scopes || []) scopes.add(s);
    const data = ch.data || {};
    const rec = { id: ch.id, version, scopes: ch.scopes || [], data };
    const b = bucketOf(ch.kind, data.client_id);
    const g = groups.get(b);
    if (g) g.push(rec); else groups.set(b, [rec]);
  }
  const puts = [];
  for (const [b, recs] of groups) puts.push(fragOf(b, recs));
  return {
    cursor: page.cursor,
    more: !!page.more,
    last_mutation_id: page.last_mutation_id,
    drop_scopes: page.drop_scopes || [],
    n: changes.length,
    scopes: [...scopes],
    puts,
    deletes,
  };
}
