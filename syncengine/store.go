package syncengine

import (
	"errors"
	"time"
)

// ErrNotFound is returned by stores for a missing device result or log entry.
var ErrNotFound = errors.New("syncengine: not found")

// Store is the durable home of the change log. It is deliberately narrow so that a second
// backend (PostgreSQL, for a region running several servers) can implement it.
type Store interface {
	// View runs fn in a consistent read-only snapshot.
	View(fn func(ReadTx) error) error
	// Update runs fn in one read-write transaction that is on disk when Update returns nil.
	Update(fn func(WriteTx) error) error
	Close() error
}

// ReadTx reads one consistent snapshot of the store. Byte slices it returns are valid only
// until the transaction ends.
type ReadTx interface {
	// Head is the last sequence written (0 for an empty log).
	Head() uint64
	// Horizon is the highest sequence of a compacted tombstone: cursors below it have
	// missed deletions.
	Horizon() uint64
	// Record returns the current state of a record; ok is false when it never existed or
	// was deleted.
	Record(kind, id string) (rec Record, ok bool, err error)
	// Entry returns the change stored at a sequence, as the JSON a client receives.
	Entry(seq uint64) (change []byte, serverTime time.Time, err error)
	// ScopeRefs iterates, in rising sequence, the latest reference of each record in scope
	// with a sequence above after.
	ScopeRefs(scope string, after uint64) RefIterator
	// Device returns what the store knows of a device (zero value when unknown).
	Device(deviceID string) (DeviceState, error)
	// Result returns the stored result of a device's mutation (ErrNotFound once pruned).
	Result(deviceID string, mutationID uint64) ([]byte, error)
	// AuditScan calls fn, oldest first, for each audit entry indexed under key (every entry
	// is under "") with from <= At < to (a zero time leaves that end open), until fn
	// returns false. value is valid only during the call.
	AuditScan(key string, from, to time.Time, fn func(at time.Time, value []byte) bool) error
	// AuditScanReverse is AuditScan newest first.
	AuditScanReverse(key string, from, to time.Time, fn func(at time.Time, value []byte) bool) error
}

// WriteTx is a ReadTx that can also append to the log.
type WriteTx interface {
	ReadTx
	// Append writes one change as the next sequence, moves the record's scope references
	// and returns the sequence and every scope whose holders must hear of it.
	Append(c PendingChange, serverTime time.Time) (seq uint64, touched []string, err error)
	// SetDevice records a device's owner and last mutation id.
	SetDevice(deviceID string, st DeviceState) error
	// PutResult stores a mutation's result and forgets results older than keep.
	PutResult(deviceID string, mutationID uint64, result []byte, keep uint64) error
	// AppendAudit adds an entry to the audit trail, which is append-only: nothing removes
	// or compacts it. Keys hold no 0 byte and are at most 200 bytes.
	AppendAudit(e AuditEntry) error
	// CompactTombstones removes at most max tombstone references with a sequence whose
	// server time is before cutoff, raising the horizon. It returns how many it removed.
	CompactTombstones(cutoff time.Time, max int) (int, error)
}

// Ref is one entry of the by-scope index: the latest sequence of a record in a scope.
type Ref struct {
	Seq     uint64
	Kind    string
	ID      string
	Deleted bool // a tombstone: the record was deleted or left the scope at Seq
}

// RefIterator walks scope references in rising sequence.
type RefIterator interface {
	Next() (Ref, bool)
	Err() error
}

// DeviceState is the per-device push state.
type DeviceState struct {
	OwnerID        string `json:"owner_id"`
	LastMutationID uint64 `json:"last_mutation_id"`
}
