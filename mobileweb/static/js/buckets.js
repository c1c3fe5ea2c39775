// Buckets of the record fragments (see db.js): "kind/client_id" for the client-bound
// kinds that grow large (notes, corrections, signatures), else the kind. No imports, so
// that the sync worker can load it.
export const CLIENT_KINDS = new Set(['journal_note', 'note_correction', 'signature']);

export function bucketOf(kind, clientId) {
  return CLIENT_KINDS.has(kind) ? `${kind}/${clientId || ''}` : kind;
}

// recordOf is a record as the screens read it; client_id is copied to the top level (a
// client's own record carries its id there).
export function recordOf(kind, id, version, scopes, data) {
  const rec = { kind, id, version, scopes, data };
  if (typeof data.client_id === 'string' && data.client_id) rec.client_id = data.client_id;
  else if (kind === 'client') rec.client_id = id;
  return rec;
}

// kindOf is the kind of a bucket's records.
export const kindOf = bucket => bucket.split('/')[0];
