package syncengine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Errors of backups and of opening a store file read-only.
var (
	// ErrStoreLocked: another process (a running server) holds the store file.
	ErrStoreLocked = errors.New("syncengine: the store file is in use by another process")
	// ErrNotAStore: the file is a bbolt file but not a Vardag store.
	ErrNotAStore = errors.New("syncengine: the file is not a Vardag store")
	// ErrBackupUnsupported: the engine's store cannot make backups.
	ErrBackupUnsupported = errors.New("syncengine: this store cannot make a backup")
)

// Backup writes a consistent copy of the whole store file to w and returns how many bytes
// it wrote. Everything lives in that one file: the change log and the index, but also the
// organisation, users, sessions and the token key that other packages keep in it. The copy
// is a bbolt file that a server can start from as it is.
//
// The copy is one read transaction, so writes go on while it runs. A long read transaction
// keeps the file from reusing pages freed since it began (the file grows instead), which is
// fine for a backup. It also holds off bbolt's remapping when the file must grow past its
// mapped size, and that stalls writes until the backup ends: write to a fast local disk
// (see BackupFile), never straight to a slow network peer.
func (s *BoltStore) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("syncengine: unable to write a backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a backup (see Backup) to a temporary file in the store file's own
// directory: on the same disk and as well protected as the store. It returns the copy
// positioned at its start, and its size. The file has no name by the time it is returned
// (on Unix), so nothing is left behind, even after a crash; the caller must Close it.
func (s *BoltStore) BackupFile() (io.ReadCloser, int64, error) {
	f, err := os.CreateTemp(filepath.Dir(s.db.Path()), ".vardag-backup-*.tmp") // mode 0600
	if err != nil {
		return nil, 0, fmt.Errorf("syncengine: unable to create a backup file: %w", err)
	}
	tmp := &tempFile{File: f, removed: os.Remove(f.Name()) == nil}
	n, err := s.Backup(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		return nil, 0, err
	}
	return tmp, n, nil
}

// tempFile removes its file on Close unless it could be removed while open.
type tempFile struct {
	*os.File
	removed bool
}

func (t *tempFile) Close() error {
	err := t.File.Close()
	if !t.removed {
		if rmErr := os.Remove(t.Name()); rmErr != nil && err == nil {
			err = rmErr
		}
	}
	return err
}

// BackupFile writes a backup of the engine's store to a temporary file (see
// BoltStore.BackupFile).
func (e *Engine) BackupFile() (io.ReadCloser, int64, error) {
	b, ok := e.store.(interface {
		BackupFile() (io.ReadCloser, int64, error)
	})
	if !ok {
		return nil, 0, ErrBackupUnsupported
	}
	return b.BackupFile()
}

// OpenBoltReadOnly opens an existing store file for reading only, without creating or
// changing anything, for tools such as the offline backup. A running server holds the file
// exclusively; then it gives up after timeout with ErrStoreLocked.
func OpenBoltReadOnly(path string, timeout time.Duration) (*BoltStore, error) {
	db, err := openReadOnly(path, timeout)
	if err != nil {
		return nil, err
	}
	if err := db.View(isStore); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s", err, path)
	}
	return &BoltStore{db: db, cache: newValueCache(64)}, nil
}

func openReadOnly(path string, timeout time.Duration) (*bolt.DB, error) {
	info, err := os.Stat(path) // bbolt would try to create a missing or empty file
	if err != nil {
		return nil, fmt.Errorf("syncengine: unable to open %s: %w", path, err)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("syncengine: %s is empty", path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrStoreLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("syncengine: unable to open %s: %w", path, err)
	}
	return db, nil
}

func isStore(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil || tx.Bucket(bucketLog) == nil {
		return ErrNotAStore
	}
	return nil
}

// VerifyBackup opens a backup read-only, checks every page of it (bbolt's Tx.Check) and
// returns the last sequence of its change log.
func VerifyBackup(path string) (head uint64, err error) {
	db, err := openReadOnly(path, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if head, err = checkOpenFile(db, path); err != nil {
		return 0, fmt.Errorf("syncengine: the backup %s is damaged: %w", path, err)
	}
	if err := db.View(isStore); err != nil {
		return 0, fmt.Errorf("%w: %s", err, path)
	}
	return head, nil
}

// readAll reads every key of every bucket before Tx.Check runs. A store written without a
// freelist (NoFreelistSync) has it rebuilt by a walk that bbolt runs in a goroutine of its
// own, where a damaged page panics beyond any recover and ends the process. Reading the
// same pages here first turns that into an error.
func readAll(tx *bolt.Tx) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // a fault in the map panics
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { readBucket(b); return nil })
}

func readBucket(b *bolt.Bucket) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				readBucket(child)
			}
		}
	}
}
