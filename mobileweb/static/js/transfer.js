// Push and pull (see shared/API.md): the outbox pushed in order with mutation ids given
// at push time, then pages pulled until `more` is false, each applied with its cursor
// in one transaction (fragments.js), decoded off the main thread (decoders.js).
import { db, getMeta } from './db.js';
import { authed, ApiError } from './api.js';
import { broadcast } from './bus.js';
import { groupOffThread } from './decoders.js';
import { AWAITING_PULL, forgetApplied } from './outbox.js';
import { BucketIndex, applyPage, purgeDropped, resetRecords } from './fragments.js';

const PUSH_BATCH = 100;
const PAGE = 5000;

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
export async function pushAll(round = { reads: 0 }) {
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
  const applied = (await tx.objectStore('meta').get(AWAITING_PULL)) || [];
  for (const r of answer.results || []) {
    const e = byId.get(r.id);
    if (!e) continue;
    await tx.objectStore('outbox').delete(e.local_id);
    if (r.status === 'rejected' || r.status === 'conflict') {
      await tx.objectStore('attention').put({ ...e, status: r.status, error: r.error || null, record: r.record || null, failed_at: new Date().toISOString() });
    } else if (e.name === 'access.viewed') reads++;
    else applied.push(e); // shown as waiting until the pull brings its record (outbox.js)
  }
  await tx.objectStore('meta').put(applied, AWAITING_PULL);
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

// pullAll pulls and applies pages until `more` is false. The next page is asked for as
// soon as this one's cursor is known, and decoded while this one is written: the server,
// the network, the worker and IndexedDB work at the same time. A page that fails to
// apply drops the one fetched ahead (the cursor stays at the last page applied).
// round.other tells a change of the records besides the pulled ones (scopes dropped,
// the store reset after cursor_expired).
export async function pullAll(round = {}) {
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
    if (!ahead) {
      await forgetApplied(); // their records are in now
      return pulled;
    }
    next = ahead;
    // Let the page paint and take input between pages.
    await new Promise(r => setTimeout(r, 0));
  }
}
