package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/test/testserver"
)

// TestAnEmptyDataFileIsRefused: a 0-byte vardag.db (a lost file, or what a failed first
// start used to leave) is not taken for a new store. The server exits non-zero, names the
// file and says what to do, and leaves the file as it was.
func TestAnEmptyDataFileIsRefused(t *testing.T) {
	bin := testserver.BuildBinary(t)
	data := t.TempDir()
	path := filepath.Join(data, "vardag.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := testserver.RunToExit(t, bin, "-demo", "-data", data)
	if code == 0 {
		t.Fatalf("exit status 0 on an empty data file:\n%s", out)
	}
	for _, want := range []string{path, "0 bytes", "Restore vardag.db from a backup", "delete the empty file"} {
		if !strings.Contains(out, want) {
			t.Errorf("the message lacks %q:\n%s", want, out)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Size() != 0 {
		t.Fatalf("the empty file was changed: %v %v", info, err)
	}
}

// TestAFailedFirstStartLeavesNoEmptyDataFile: a first start whose store cannot be written
// (here the file-size limit is 0, as a full disk would refuse the writes) exits non-zero
// and removes the file it began, so the next start is a first start again rather than a
// refused empty file.
func TestAFailedFirstStartLeavesNoEmptyDataFile(t *testing.T) {
	bin := testserver.BuildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	sh, args := testserver.Limited(bin, "-f 0")
	code, out := testserver.RunToExit(t, sh, append(args, "-demo", "-data", data)...)
	if code == 0 {
		t.Fatalf("exit status 0 where the store cannot be written:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(data, "vardag.db")); !os.IsNotExist(err) {
		t.Fatalf("the failed start left a data file behind (%v):\n%s", err, out)
	}
	p := testserver.StartBinary(t, bin, "-demo", "-data", data)
	annaSeesAspen(t, p.URL, time.Now())
	p.Stop()
}

// TestADamagedDataFileIsRefusedWithOneClearMessage: a store file cut short in the middle
// of a page, or with a page overwritten, stops the start with one message that names the
// file and says to restore a backup, and a non-zero exit: no panic, no goroutine dump.
func TestADamagedDataFileIsRefusedWithOneClearMessage(t *testing.T) {
	bin := testserver.BuildBinary(t)
	s := testserver.Start(t)
	s.Stop()
	good, err := os.ReadFile(filepath.Join(s.Dir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	logRoot, pageSize := bucketRoot(t, filepath.Join(s.Dir(), "vardag.db"), "sync_log")
	overwritten := append([]byte(nil), good...)
	for i := logRoot * pageSize; i < (logRoot+1)*pageSize; i++ {
		overwritten[i] = 0xa5
	}
	for name, file := range map[string][]byte{
		"cut short mid-page":         good[:len(good)/2+pageSize/2],
		"the log's page overwritten": overwritten,
	} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			path := filepath.Join(data, "vardag.db")
			if err := os.WriteFile(path, file, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := testserver.RunToExit(t, bin, "-data", data)
			if code == 0 {
				t.Fatalf("exit status 0:\n%s", out)
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Fatalf("a crash instead of a message:\n%s", out)
			}
			if !strings.Contains(out, path) || !strings.Contains(out, "damaged") || !strings.Contains(out, "Restore vardag.db from a backup") {
				t.Fatalf("the message does not name the file and what to do:\n%s", out)
			}
			if lines := strings.Count(strings.TrimSpace(out), "\n") + 1; lines > 3 {
				t.Fatalf("%d lines where one message will do:\n%s", lines, out)
			}
		})
	}
}

// bucketRoot is the page a bucket's tree starts at, and the file's page size.
func bucketRoot(t *testing.T, path, bucket string) (root, pageSize int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		root = int(tx.Bucket([]byte(bucket)).Root())
		return nil
	})
	if root == 0 {
		t.Fatalf("%s is inline: no page of its own to damage", bucket)
	}
	return root, db.Info().PageSize
}
