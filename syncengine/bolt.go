package syncengine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the bbolt store. Sequence keys are 8-byte big-endian so byte order is number
// order; the by-scope index uses composite keys scope|0|seq in one bucket.
var (
	bucketMeta    = []byte("sync_meta")
	bucketLog     = []byte("sync_log")     // seq → server time (8) + change JSON
	bucketRecords = []byte("sync_records") // kind|0|id → seq (8) + scope refs
	bucketScope   = []byte("sync_scope")   // scope|0|seq → deleted flag (1) + kind|0|id
	bucketTombs   = []byte("sync_tombs")   // seq (8) + scope → nothing; tombstones by age
	bucketDevices = []byte("sync_devices") // device id → DeviceState JSON
	bucketResults = []byte("sync_results") // device id|0|mutation id (8) → result JSON

	keyHead    = []byte("head")
	keyHorizon = []byte("horizon")
)

// BoltStore is the embedded single-file store.
type BoltStore struct {
	db    *bolt.DB
	cache *valueCache
}

// DB gives the underlying file to internal/boltstore, which keeps the server's other
// durable things in it behind their packages' store interfaces (and to tests that read
// the file). No other package opens it (boltstore.TestOnlyTheStoreUsesBolt).
func (s *BoltStore) DB() *bolt.DB { return s.db }

// Close closes the file.
func (s *BoltStore) Close() error { return s.db.Close() }

// View implements Store.
func (s *BoltStore) View(fn func(ReadTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(s.newTx(tx)) })
}

// Update implements Store. bbolt fsyncs the file before Commit returns.
func (s *BoltStore) Update(fn func(WriteTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		t := s.newTx(tx)
		if err := fn(t); err != nil {
			return err
		}
		if t.head == t.committed {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keyHead, be(t.head)) // once per commit, not per change
	})
}

type boltTx struct {
	tx    *bolt.Tx
	cache *valueCache
	// committed is the head when the transaction began: sequences up to it are on disk.
	committed uint64
	// head is the last sequence, including those appended in this transaction.
	head uint64
	// logCur steps through the log when entries are read in rising order in a read-only
	// transaction (a pull).
	logCur *bolt.Cursor
	logAt  uint64
}

func (s *BoltStore) newTx(tx *bolt.Tx) *boltTx {
	head := u64(tx.Bucket(bucketMeta).Get(keyHead))
	return &boltTx{tx: tx, cache: s.cache, committed: head, head: head}
}

func u64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func be(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func recordKey(kind, id string) []byte { return []byte(kind + "\x00" + id) }

func scopeKey(scope string, seq uint64) []byte {
	k := make([]byte, 0, len(scope)+9)
	k = append(k, scope...)
	k = append(k, 0)
	return append(k, be(seq)...)
}

func (t *boltTx) Head() uint64    { return t.head }
func (t *boltTx) Horizon() uint64 { return u64(t.tx.Bucket(bucketMeta).Get(keyHorizon)) }

func (t *boltTx) Entry(seq uint64) ([]byte, time.Time, error) {
	var k, v []byte
	switch {
	case t.tx.Writable():
		// A write transaction changes the log under any cursor: look each entry up.
		k, v = be(seq), t.tx.Bucket(bucketLog).Get(be(seq))
		if v == nil {
			k = nil
		}
	case t.logCur != nil && t.logAt+1 == seq:
		k, v = t.logCur.Next() // the next sequence: no search from the root
	default:
		if t.logCur == nil {
			t.logCur = t.tx.Bucket(bucketLog).Cursor()
		}
		k, v = t.logCur.Seek(be(seq))
	}
	if k == nil || u64(k) != seq {
		t.logCur = nil
		return nil, time.Time{}, ErrNotFound
	}
	t.logAt = seq
	if len(v) < 8 {
		return nil, time.Time{}, ErrNotFound
	}
	return v[8:], time.Unix(0, int64(u64(v))).UTC(), nil
}

func (t *boltTx) Record(kind, id string) (Record, bool, error) {
	v := t.tx.Bucket(bucketRecords).Get(recordKey(kind, id))
	if v == nil {
		return Record{}, false, nil
	}
	seq := u64(v)
	if rec, ok := t.cache.get(seq); ok {
		return rec.(Record), true, nil
	}
	raw, ts, err := t.Entry(seq)
	if err != nil {
		return Record{}, false, fmt.Errorf("syncengine: record %s/%s points at missing sequence %d: %w", kind, id, seq, err)
	}
	var c Change
	if err := json.Unmarshal(raw, &c); err != nil {
		return Record{}, false, fmt.Errorf("syncengine: unable to decode sequence %d: %w", seq, err)
	}
	if c.Op == OpDelete {
		return Record{}, false, nil
	}
	rec := Record{Kind: c.Kind, ID: c.ID, Version: seq, Scopes: c.Scopes, Data: c.Data, ServerTime: ts, Committed: seq <= t.committed}
	if rec.Committed {
		t.cache.put(seq, rec)
	}
	return rec, true, nil
}

func (t *boltTx) ScopeRefs(scope string, after uint64) RefIterator {
	prefix := []byte(scope + "\x00")
	c := t.tx.Bucket(bucketScope).Cursor()
	return &boltRefs{c: c, prefix: prefix, start: scopeKey(scope, after+1)}
}

type boltRefs struct {
	c       *bolt.Cursor
	prefix  []byte
	start   []byte
	started bool
	err     error
}

func (it *boltRefs) Next() (Ref, bool) {
	var k, v []byte
	if !it.started {
		it.started = true
		k, v = it.c.Seek(it.start)
	} else {
		k, v = it.c.Next()
	}
	if k == nil || !bytes.HasPrefix(k, it.prefix) || len(k) != len(it.prefix)+8 {
		return Ref{}, false
	}
	if len(v) < 1 {
		it.err = fmt.Errorf("syncengine: corrupt scope reference %q", k)
		return Ref{}, false
	}
	kind, id, ok := strings.Cut(string(v[1:]), "\x00")
	if !ok {
		it.err = fmt.Errorf("syncengine: corrupt scope reference %q", k)
		return Ref{}, false
	}
	return Ref{Seq: u64(k[len(it.prefix):]), Kind: kind, ID: id, Deleted: v[0] == 1}, true
}

func (it *boltRefs) Err() error { return it.err }

func (t *boltTx) Device(deviceID string) (DeviceState, error) {
	var st DeviceState
	v := t.tx.Bucket(bucketDevices).Get([]byte(deviceID))
	if v == nil {
		return st, nil
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return st, fmt.Errorf("syncengine: unable to decode device state: %w", err)
	}
	return st, nil
}

func resultKey(deviceID string, mid uint64) []byte {
	return append([]byte(deviceID+"\x00"), be(mid)...)
}

func (t *boltTx) Result(deviceID string, mid uint64) ([]byte, error) {
	v := t.tx.Bucket(bucketResults).Get(resultKey(deviceID, mid))
	if v == nil {
		return nil, ErrNotFound
	}
	return v, nil
}

func (t *boltTx) SetDevice(deviceID string, st DeviceState) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bucketDevices).Put([]byte(deviceID), v)
}

func (t *boltTx) PutResult(deviceID string, mid uint64, result []byte, keep uint64) error {
	b := t.tx.Bucket(bucketResults)
	b.FillPercent = 0.9
	if err := b.Put(resultKey(deviceID, mid), result); err != nil {
		return err
	}
	if keep > 0 && mid > keep {
		return b.Delete(resultKey(deviceID, mid-keep))
	}
	return nil
}

// scopeRef is where a record stands in one scope: live at seq, or a tombstone at seq.
type scopeRef struct {
	scope   string
	seq     uint64
	deleted bool
}

func encodeRefs(seq uint64, refs []scopeRef) []byte {
	out := be(seq)
	for _, r := range refs {
		flag := byte(0)
		if r.deleted {
			flag = 1
		}
		out = append(out, flag)
		out = append(out, be(r.seq)...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(r.scope)))
		out = append(out, r.scope...)
	}
	return out
}

func decodeRefs(v []byte) ([]scopeRef, error) {
	var refs []scopeRef
	p := v[8:]
	for len(p) > 0 {
		if len(p) < 11 {
			return nil, errors.New("syncengine: corrupt record references")
		}
		n := int(binary.BigEndian.Uint16(p[9:11]))
		if len(p) < 11+n {
			return nil, errors.New("syncengine: corrupt record references")
		}
		refs = append(refs, scopeRef{deleted: p[0] == 1, seq: u64(p[1:9]), scope: string(p[11 : 11+n])})
		p = p[11+n:]
	}
	return refs, nil
}

func (t *boltTx) Append(c PendingChange, serverTime time.Time) (uint64, []string, error) {
	logB := t.tx.Bucket(bucketLog)
	logB.FillPercent = 1.0
	recs := t.tx.Bucket(bucketRecords)
	idx := t.tx.Bucket(bucketScope)
	tombs := t.tx.Bucket(bucketTombs)
	tombs.FillPercent = 1.0

	seq := t.head + 1
	// The log entry: server time (8 bytes), then the change as clients receive it.
	entry := make([]byte, 8, 8+changeSize(c))
	binary.BigEndian.PutUint64(entry, uint64(serverTime.UnixNano()))
	entry = appendChange(entry, c, seq)
	rk := recordKey(c.Kind, c.ID)
	var err error
	var old []scopeRef
	if v := recs.Get(rk); v != nil {
		if old, err = decodeRefs(v); err != nil {
			return 0, nil, err
		}
	}
	live := map[string]bool{}
	if c.Op == OpPut {
		for _, s := range c.Scopes {
			live[s] = true
		}
	}
	refs := make([]scopeRef, 0, len(c.Scopes)+len(old))
	ref := append([]byte{0}, rk...)
	tomb := append([]byte{1}, rk...)
	for _, r := range old {
		oldKey := scopeKey(r.scope, r.seq)
		switch {
		case live[r.scope]:
			err = idx.Delete(oldKey) // replaced by the new live reference below
		case !r.deleted:
			// The record leaves this scope: phones holding the scope must delete it.
			if err = idx.Delete(oldKey); err == nil {
				err = idx.Put(scopeKey(r.scope, seq), tomb)
			}
			if err == nil {
				err = tombs.Put(append(be(seq), r.scope...), nil)
			}
			refs = append(refs, scopeRef{scope: r.scope, seq: seq, deleted: true})
		case idx.Get(oldKey) != nil:
			refs = append(refs, r) // an earlier tombstone not yet compacted
		}
		if err != nil {
			return 0, nil, err
		}
	}
	for _, s := range c.Scopes {
		if c.Op != OpPut {
			break
		}
		if err := idx.Put(scopeKey(s, seq), ref); err != nil {
			return 0, nil, err
		}
		refs = append(refs, scopeRef{scope: s, seq: seq})
	}
	if err := logB.Put(be(seq), entry); err != nil {
		return 0, nil, err
	}
	if err := recs.Put(rk, encodeRefs(seq, refs)); err != nil {
		return 0, nil, err
	}
	touched := make([]string, 0, len(refs))
	for _, r := range refs {
		if r.seq == seq {
			touched = append(touched, r.scope)
		}
	}
	t.head = seq
	return seq, touched, nil
}

func (t *boltTx) CompactTombstones(cutoff time.Time, max int) (int, error) {
	meta := t.tx.Bucket(bucketMeta)
	idx := t.tx.Bucket(bucketScope)
	logB := t.tx.Bucket(bucketLog)
	c := t.tx.Bucket(bucketTombs).Cursor()
	horizon := u64(meta.Get(keyHorizon))
	n := 0
	for k, _ := c.First(); k != nil && n < max; k, _ = c.First() {
		seq := u64(k)
		v := logB.Get(k[:8])
		if len(v) >= 8 && !time.Unix(0, int64(u64(v))).Before(cutoff) {
			break
		}
		sk := scopeKey(string(k[8:]), seq)
		if r := idx.Get(sk); len(r) > 0 && r[0] == 1 {
			if err := idx.Delete(sk); err != nil {
				return n, err
			}
		}
		if err := c.Delete(); err != nil {
			return n, err
		}
		if seq > horizon {
			horizon = seq
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, meta.Put(keyHorizon, be(horizon))
}
