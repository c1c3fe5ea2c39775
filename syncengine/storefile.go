package syncengine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Errors of opening the store file at start. Their messages name the file and say what to
// do, since an operator reads them in the log of a server that did not start.
var (
	// ErrEmptyStoreFile: the file is there but holds nothing (0 bytes): a lost store, or a
	// first start that failed before it wrote anything. It is never taken for a new store.
	ErrEmptyStoreFile = errors.New("syncengine: the data file is empty")
	// ErrDamagedStoreFile: the file cannot be read whole, or bbolt's check finds faults.
	ErrDamagedStoreFile = errors.New("syncengine: the data file is damaged")
)

// boltOptions are the options of the server's read-write handle on the store file.
func boltOptions() *bolt.Options {
	return &bolt.Options{
		Timeout:        2 * time.Second,
		NoSync:         unsafeNoSync, // false except in the crash harness's unsafe_nofsync build
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	}
}

// OpenBolt opens the store file at path for the server. When there is no file at all (the
// first start) it creates a new store, and removes what it made if that fails, so that a
// failed first start (a full disk) never leaves an empty file behind. An existing file is
// checked whole before it is opened: an empty one (ErrEmptyStoreFile) or a damaged one
// (ErrDamagedStoreFile) is refused, with what to do in the error's message.
func OpenBolt(path string) (*BoltStore, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createBolt(path)
	case err != nil:
		return nil, fmt.Errorf("syncengine: unable to open the data file %s: %w", path, err)
	case info.Size() == 0:
		return nil, fmt.Errorf("%w: %s has 0 bytes, so it holds no store. Restore vardag.db from a backup; "+
			"or, to start a new, empty store, delete the empty file", ErrEmptyStoreFile, path)
	}
	if err := checkStoreFile(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, boltOptions())
	if err != nil {
		return nil, fmt.Errorf("syncengine: unable to open the data file %s: %w", path, err)
	}
	return newBoltStore(db, path)
}

// createBolt makes a new store file at path, which must not exist yet: made with O_EXCL,
// so that a file some other process made meanwhile is never taken, nor removed.
func createBolt(path string) (_ *BoltStore, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("syncengine: unable to create the data file %s: %w", path, err)
	}
	f.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(path) // ours, and it holds nothing yet
		}
	}()
	db, err := bolt.Open(path, 0o600, boltOptions())
	if err != nil {
		return nil, fmt.Errorf("syncengine: unable to create the data file %s: %w", path, err)
	}
	return newBoltStore(db, path)
}

// newBoltStore makes the sync buckets, when missing, in an open file.
func newBoltStore(db *bolt.DB, path string) (*BoltStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketLog, bucketRecords, bucketScope, bucketTombs, bucketDevices, bucketResults, bucketAudit, bucketAuditIdx} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("syncengine: unable to create the buckets in %s: %w", path, err)
	}
	return &BoltStore{db: db, cache: newValueCache(8192)}, nil
}

// checkStoreFile opens the file read-only and checks it whole (checkOpenFile). bbolt's
// read-write open rebuilds the freelist by walking every page in a goroutine of its own,
// where a damaged page panics beyond any recover; the check runs first so that a damaged
// file is one error instead of a crash with a goroutine dump.
func checkStoreFile(path string) error {
	db, err := openReadOnly(path, 2*time.Second)
	if errors.Is(err, ErrStoreLocked) {
		return fmt.Errorf("%w: is another server running on this data directory?", err)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("syncengine: unable to read the data file %s: %w. Give the server's user read and write "+
			"access to it (OPERATIONS.md, File permissions)", path, err)
	}
	if err != nil {
		return fmt.Errorf("%w: %s cannot be opened (%w). Restore vardag.db from a backup "+
			"(OPERATIONS.md, Restoring a backup) and keep the damaged file aside", ErrDamagedStoreFile, path, err)
	}
	defer db.Close()
	if _, err := checkOpenFile(db, path); err != nil {
		return fmt.Errorf("%w: %s: %w. Restore vardag.db from a backup "+
			"(OPERATIONS.md, Restoring a backup) and keep the damaged file aside", ErrDamagedStoreFile, path, err)
	}
	return nil
}

// checkOpenFile checks a store file opened read-only: that it is as long as its pages
// say, that every page of every bucket can be read, and bbolt's consistency check
// (Tx.Check). It returns the last sequence of the change log. Its errors never hold keys
// or values (they may be names).
func checkOpenFile(db *bolt.DB, path string) (head uint64, err error) {
	defer func() { // a damaged file can make bbolt panic
		if r := recover(); r != nil {
			err = fmt.Errorf("reading it failed: %s", withoutKeys(fmt.Sprint(r)))
		}
	}()
	err = db.View(func(tx *bolt.Tx) error {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if info.Size() < tx.Size() {
			// Reading the missing pages would fault in the memory map.
			return fmt.Errorf("it is cut short: %d of %d bytes", info.Size(), tx.Size())
		}
		if err := readAll(tx); err != nil {
			return fmt.Errorf("reading it failed: %s", withoutKeys(err.Error()))
		}
		var problems []error
		for err := range tx.Check(bolt.WithKVStringer(sizesOnly{})) { // read to the end: the check stops when drained
			problems = append(problems, err)
		}
		if len(problems) > 0 {
			return fmt.Errorf("bbolt's check found %d problems, the first: %w", len(problems), problems[0])
		}
		if tx.Bucket(bucketMeta) != nil {
			head = u64(tx.Bucket(bucketMeta).Get(keyHead))
		}
		return nil
	})
	return head, err
}

// sizesOnly shows keys and values in bbolt's check messages by their size alone.
type sizesOnly struct{}

func (sizesOnly) KeyToString(k []byte) string   { return fmt.Sprintf("(key of %d bytes)", len(k)) }
func (sizesOnly) ValueToString(v []byte) string { return fmt.Sprintf("(value of %d bytes)", len(v)) }

// hexRun is a key as bbolt's own messages print it (hex), where they cannot be told not to.
var hexRun = regexp.MustCompile(`[0-9a-fA-F]{8,}`)

func withoutKeys(s string) string { return hexRun.ReplaceAllString(s, "…") }
