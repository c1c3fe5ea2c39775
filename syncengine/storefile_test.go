package syncengine_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"vardag/syncengine"
)

// TestOpenBoltRefusesAnEmptyOrDamagedFile: only a missing file makes a new store; an
// empty one and a damaged one are refused as such, and reopening a good one keeps its log.
func TestOpenBoltRefusesAnEmptyOrDamagedFile(t *testing.T) {
	st, path := openStore(t)
	appendNotes(t, st, 1, 200)
	st.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	garbled := bytes.Clone(good)
	for i := 2 * os.Getpagesize(); i < len(garbled); i += 7 { // keep the meta pages, ruin the rest
		garbled[i] ^= 0x5a
	}
	for name, c := range map[string]struct {
		file []byte
		want error
	}{
		"empty":     {nil, syncengine.ErrEmptyStoreFile},
		"truncated": {good[:len(good)/2+100], syncengine.ErrDamagedStoreFile},
		"garbled":   {garbled, syncengine.ErrDamagedStoreFile},
		"not bbolt": {[]byte("this is not a database file at all, not even close."), syncengine.ErrDamagedStoreFile},
	} {
		path := writeFile(t, c.file)
		if st, err := syncengine.OpenBolt(path); !errors.Is(err, c.want) {
			if st != nil {
				st.Close()
			}
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, c.file) {
			t.Errorf("%s: the refused file was changed", name)
		}
	}
	again, err := syncengine.OpenBolt(writeFile(t, good))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	var head uint64
	_ = again.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	if head != 200 {
		t.Fatalf("the reopened store's head is %d, want 200", head)
	}
}
