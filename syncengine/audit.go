package syncengine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The audit trail is an append-only side log beside the change log, for records that must
// be kept but never reach a phone: who read which client's data (the read log), for
// instance. It never syncs, compaction never touches it, and nothing in the engine deletes
// from it. Each entry is indexed under keys its writer chooses ("client:<id>",
// "user:<id>", …) and under "" (every entry), so that a reader scans one key in time order.
//
// Entries are written in the transaction of the work they record: a mutation's entries
// commit with its changes and are discarded with them when it is rejected or fails.

// maxAuditKey is the longest index key of an audit entry, in bytes.
const maxAuditKey = 200

// AuditEntry is one entry of the audit trail: when, the index keys it is found under, and
// a value the engine does not read.
type AuditEntry struct {
	At    time.Time
	Keys  []string
	Value []byte
}

// Audit stages an audit entry, at the transaction's time, indexed under keys (and under
// ""). It is written with the mutation's changes, in the same transaction, and discarded
// with them if the mutation is rejected or fails. keys and value are copied.
func (t *Tx) Audit(keys []string, value []byte) error {
	if err := checkAuditKeys(keys); err != nil {
		return err
	}
	t.audits = append(t.audits, AuditEntry{At: t.now, Keys: append([]string(nil), keys...), Value: bytes.Clone(value)})
	return nil
}

// AuditScan reads the audit trail under key as it stands before this mutation: entries
// staged by this Tx are not in it yet. See ReadTx.AuditScan.
func (t *Tx) AuditScan(key string, from, to time.Time, fn func(at time.Time, value []byte) bool) error {
	return t.w.AuditScan(key, from, to, fn)
}

func checkAuditKeys(keys []string) error {
	for _, k := range keys {
		if len(k) > maxAuditKey || strings.IndexByte(k, 0) >= 0 {
			return fmt.Errorf("syncengine: invalid audit key %q", k)
		}
	}
	return nil
}

// Buckets of the audit trail: entries by a sequence of their own, and the index.
var (
	bucketAudit    = []byte("audit")     // seq (8) → at (8, Unix nanoseconds) + value
	bucketAuditIdx = []byte("audit_idx") // key|0|at (8)|seq (8) → nothing
)

// auditIndexKey is key|0|at|seq: byte order is time order within one key.
func auditIndexKey(key string, at, seq uint64) []byte {
	k := make([]byte, 0, len(key)+17)
	k = append(k, key...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, at)
	return binary.BigEndian.AppendUint64(k, seq)
}

// auditNanos is a time as the trail orders it; times before 1970 are refused on writing.
func auditNanos(t time.Time) uint64 { return uint64(t.UnixNano()) }

func (t *boltTx) AppendAudit(e AuditEntry) error {
	if err := checkAuditKeys(e.Keys); err != nil {
		return err
	}
	if e.At.UnixNano() <= 0 {
		return fmt.Errorf("syncengine: audit entry without a time")
	}
	entries, idx := t.tx.Bucket(bucketAudit), t.tx.Bucket(bucketAuditIdx)
	entries.FillPercent = 1.0 // sequence keys only ever grow
	seq, err := entries.NextSequence()
	if err != nil {
		return err
	}
	at := auditNanos(e.At)
	v := make([]byte, 8, 8+len(e.Value))
	binary.BigEndian.PutUint64(v, at)
	if err := entries.Put(be(seq), append(v, e.Value...)); err != nil {
		return err
	}
	if err := idx.Put(auditIndexKey("", at, seq), nil); err != nil {
		return err
	}
	for i, k := range e.Keys {
		if k == "" || containsBefore(e.Keys, i, k) {
			continue
		}
		if err := idx.Put(auditIndexKey(k, at, seq), nil); err != nil {
			return err
		}
	}
	return nil
}

func containsBefore(keys []string, i int, k string) bool {
	for _, o := range keys[:i] {
		if o == k {
			return true
		}
	}
	return false
}

func (t *boltTx) AuditScan(key string, from, to time.Time, fn func(at time.Time, value []byte) bool) error {
	return t.auditScan(key, from, to, false, fn)
}

func (t *boltTx) AuditScanReverse(key string, from, to time.Time, fn func(at time.Time, value []byte) bool) error {
	return t.auditScan(key, from, to, true, fn)
}

// errStopScan ends a scan early; it never leaves auditScan.
var errStopScan = errors.New("stop")

func (t *boltTx) auditScan(key string, from, to time.Time, reverse bool, fn func(at time.Time, value []byte) bool) error {
	if err := checkAuditKeys([]string{key}); err != nil {
		return err
	}
	idx, entries := t.tx.Bucket(bucketAuditIdx), t.tx.Bucket(bucketAudit)
	if idx == nil || entries == nil {
		return nil // a store file from before the audit trail (a backup opened read-only)
	}
	prefix := append([]byte(key), 0)
	lo, hi := uint64(0), uint64(1<<63) // [lo, hi) in Unix nanoseconds
	if !from.IsZero() {
		lo = auditNanos(from)
		if from.UnixNano() < 0 {
			lo = 0
		}
	}
	if !to.IsZero() {
		if to.UnixNano() <= 0 {
			return nil
		}
		hi = auditNanos(to)
	}
	if lo >= hi {
		return nil
	}
	visit := func(k []byte) error {
		if len(k) != len(prefix)+16 || !bytes.HasPrefix(k, prefix) {
			return errStopScan
		}
		at := u64(k[len(prefix):])
		if at < lo || at >= hi {
			return errStopScan
		}
		v := entries.Get(k[len(prefix)+8:])
		if len(v) < 8 {
			return fmt.Errorf("syncengine: audit index %q points at a missing entry", k)
		}
		if !fn(time.Unix(0, int64(at)).UTC(), v[8:]) {
			return errStopScan
		}
		return nil
	}
	c := idx.Cursor()
	var err error
	if !reverse {
		for k, _ := c.Seek(auditIndexKey(key, lo, 0)); err == nil; k, _ = c.Next() {
			err = visit(k)
		}
	} else {
		// The first key at or after hi is one past the end: step back from it.
		k, _ := c.Seek(auditIndexKey(key, hi, 0))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; err == nil; k, _ = c.Prev() {
			err = visit(k)
		}
	}
	if errors.Is(err, errStopScan) {
		return nil
	}
	return err
}
