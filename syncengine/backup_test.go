package syncengine_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/syncengine"
)

// appendNotes writes n changes, one commit each.
func appendNotes(t *testing.T, st *syncengine.BoltStore, from, n int) {
	t.Helper()
	if err := tryAppendNotes(st, from, n); err != nil {
		t.Fatal(err)
	}
}

func tryAppendNotes(st *syncengine.BoltStore, from, n int) error {
	for i := from; i < from+n; i++ {
		err := st.Update(func(w syncengine.WriteTx) error {
			_, _, err := w.Append(syncengine.PendingChange{Kind: "note", ID: fmt.Sprintf("n%d", i), Op: syncengine.OpPut,
				Scopes: []string{"unit:a"}, Data: []byte(`{"text":"x"}`)}, time.Now())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func openStore(t *testing.T) (*syncengine.BoltStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vardag.db")
	st, err := syncengine.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBackupIsAVerifiedStoreWithTheWholeLog(t *testing.T) {
	st, _ := openStore(t)
	appendNotes(t, st, 1, 25)
	err := st.DB().Update(func(tx *bolt.Tx) error { // another package's bucket in the same file
		b, err := tx.CreateBucketIfNotExists([]byte("identity_users"))
		if err != nil {
			return err
		}
		return b.Put([]byte("u1"), []byte("Anna"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := st.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("backup: %d bytes reported, %d written, %v", n, buf.Len(), err)
	}
	path := writeFile(t, buf.Bytes())
	head, err := syncengine.VerifyBackup(path)
	if err != nil || head != 25 {
		t.Fatalf("verify: head %d, %v", head, err)
	}
	restored, err := syncengine.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	err = restored.View(func(r syncengine.ReadTx) error {
		if _, ok, err := r.Record("note", "n25"); !ok || err != nil {
			return fmt.Errorf("n25 is missing from the copy: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var user []byte
	restored.DB().View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte("identity_users")); b != nil {
			user = append(user, b.Get([]byte("u1"))...)
		}
		return nil
	})
	if string(user) != "Anna" {
		t.Fatalf("the copy lost the other buckets: %q", user)
	}
}

func TestVerifyBackupRefusesDamagedAndForeignFiles(t *testing.T) {
	st, _ := openStore(t)
	appendNotes(t, st, 1, 200)
	var buf bytes.Buffer
	if _, err := st.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()

	garbled := bytes.Clone(good)
	pageSize := os.Getpagesize()
	for i := 2 * pageSize; i < len(garbled); i += 7 { // keep the meta pages, ruin the rest
		garbled[i] ^= 0x5a
	}
	foreign := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	db.Close()

	for name, path := range map[string]string{
		"truncated": writeFile(t, good[:len(good)/2]),
		"garbled":   writeFile(t, garbled),
		"not bbolt": writeFile(t, []byte("this is not a database file at all, not even close.")),
		"empty":     writeFile(t, nil),
		"foreign":   foreign,
		"missing":   filepath.Join(t.TempDir(), "nothing.db"),
	} {
		head, err := syncengine.VerifyBackup(path)
		if err == nil {
			t.Errorf("%s: accepted (head %d)", name, head)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := syncengine.VerifyBackup(foreign); !errors.Is(err, syncengine.ErrNotAStore) {
		t.Errorf("a bbolt file without the sync buckets: %v", err)
	}
}

func TestBackupWhileWritingIsConsistent(t *testing.T) {
	st, _ := openStore(t)
	appendNotes(t, st, 1, 50)
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		writeErr = tryAppendNotes(st, 51, 300)
	}()
	var heads []uint64
	for i := 0; i < 5; i++ {
		var buf bytes.Buffer
		if _, err := st.Backup(&buf); err != nil {
			t.Fatal(err)
		}
		head, err := syncengine.VerifyBackup(writeFile(t, buf.Bytes()))
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		heads = append(heads, head)
	}
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	for i, h := range heads {
		if h < 50 || h > 350 || (i > 0 && h < heads[i-1]) {
			t.Fatalf("heads of successive backups: %v", heads)
		}
	}
}

func TestBackupFileLeavesNothingBehind(t *testing.T) {
	st, path := openStore(t)
	appendNotes(t, st, 1, 10)
	e := syncengine.New(syncengine.Options{Store: st})
	rc, n, err := e.BackupFile()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil || int64(len(b)) != n {
		t.Fatalf("read %d of %d bytes: %v", len(b), n, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if head, err := syncengine.VerifyBackup(writeFile(t, b)); err != nil || head != 10 {
		t.Fatalf("verify: head %d, %v", head, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 || entries[0].Name() != "vardag.db" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the data directory holds %v after the backup", names)
	}
}

func TestOpenReadOnlyGivesUpOnAStoreInUse(t *testing.T) {
	_, path := openStore(t) // held open, as by a running server
	start := time.Now()
	_, err := syncengine.OpenBoltReadOnly(path, 300*time.Millisecond)
	if !errors.Is(err, syncengine.ErrStoreLocked) {
		t.Fatalf("want ErrStoreLocked, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestOpenReadOnlyChangesNothing(t *testing.T) {
	st, path := openStore(t)
	appendNotes(t, st, 1, 3)
	st.Close()
	before, _ := os.ReadFile(path)
	ro, err := syncengine.OpenBoltReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := ro.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	ro.Close()
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a read-only open and backup changed the store file")
	}
	if head, err := syncengine.VerifyBackup(writeFile(t, buf.Bytes())); err != nil || head != 3 {
		t.Fatalf("verify: head %d, %v", head, err)
	}
	if _, err := syncengine.OpenBoltReadOnly(filepath.Join(t.TempDir(), "vardag.db"), time.Second); err == nil {
		t.Fatal("opened a file that does not exist")
	}
}
