package syncengine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/syncengine"
)

// auditedArgs: a mutation that puts a note (unless none) and audits a read of it.
type auditedArgs struct {
	ID     string `json:"id"`
	Reject bool   `json:"reject"`
	Panic  bool   `json:"panic"`
	NoPut  bool   `json:"no_put"`
}

func auditedHandler() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a auditedArgs
			return a, syncengine.DecodeArgs(raw, &a)
		},
		Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
			a := c.Args.(auditedArgs)
			if !a.NoPut {
				if err := tx.Put("note", a.ID, []string{"unit:a"}, map[string]string{"id": a.ID}); err != nil {
					return err
				}
			}
			if err := tx.Audit([]string{"note:" + a.ID, "user:" + c.Actor.UserID}, []byte(`{"read":"`+a.ID+`"}`)); err != nil {
				return err
			}
			if a.Panic {
				panic("after staging")
			}
			if a.Reject {
				return syncengine.Reject("refused", "refused after staging an audit entry")
			}
			return nil
		},
	}
}

type auditRow struct {
	At    time.Time
	Value string
}

func scan(t *testing.T, e *syncengine.Engine, key string, from, to time.Time, reverse bool) []auditRow {
	t.Helper()
	var rows []auditRow
	err := e.View(func(r syncengine.ReadTx) error {
		fn := func(at time.Time, v []byte) bool { rows = append(rows, auditRow{at, string(v)}); return true }
		if reverse {
			return r.AuditScanReverse(key, from, to, fn)
		}
		return r.AuditScan(key, from, to, fn)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func values(rows []auditRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Value
	}
	return out
}

func newAuditEngine(t *testing.T, observe func(string, []byte) (any, bool)) (*syncengine.Engine, *clock, *syncengine.BoltStore) {
	t.Helper()
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	e := syncengine.New(syncengine.Options{Store: st, Now: clk.Now, Retention: 24 * time.Hour, Observe: observe})
	e.Register("note.put", testHandler())
	e.Register("audited", auditedHandler())
	e.Start()
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return e, clk, st
}

func auditedMut(id uint64, a auditedArgs) syncengine.Mutation {
	raw, _ := json.Marshal(a)
	return syncengine.Mutation{ID: id, Name: "audited", Args: raw, ClientTime: phoneTime}
}

// An audit entry commits with the mutation that staged it, at the transaction's time; a
// rejected or failed mutation leaves none.
func TestAuditCommitsWithItsMutationOnly(t *testing.T) {
	e, clk, _ := newAuditEngine(t, nil)
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	res, err := e.Push(context.Background(), anna, []syncengine.Mutation{
		auditedMut(1, auditedArgs{ID: "n1"}),
		auditedMut(2, auditedArgs{ID: "n2", Reject: true}),
		auditedMut(3, auditedArgs{ID: "n3", Panic: true}),
		auditedMut(4, auditedArgs{ID: "n4", NoPut: true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"applied", "rejected", "rejected", "applied"}
	for i, r := range res.Results {
		if r.Status != want[i] {
			t.Fatalf("mutation %d: %s, want %s", i+1, r.Status, want[i])
		}
	}
	if got := values(scan(t, e, "", time.Time{}, time.Time{}, false)); !slices.Equal(got, []string{`{"read":"n1"}`, `{"read":"n4"}`}) {
		t.Fatalf("audit trail: %q", got)
	}
	rows := scan(t, e, "note:n1", time.Time{}, time.Time{}, false)
	if len(rows) != 1 || !rows[0].At.Equal(clk.Now()) {
		t.Fatalf("note:n1: %+v, want one entry at %s", rows, clk.Now())
	}
	if rows := scan(t, e, "note:n2", time.Time{}, time.Time{}, false); len(rows) != 0 {
		t.Fatalf("a rejected mutation left an audit entry: %+v", rows)
	}
	var head uint64
	e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	if head != 1 {
		t.Fatalf("an audit entry is no change of the log: head %d, want 1", head)
	}
	// A repeat of the push is answered from the stored results and audits nothing again.
	if _, err := e.Push(context.Background(), anna, []syncengine.Mutation{auditedMut(1, auditedArgs{ID: "n1"})}); err != nil {
		t.Fatal(err)
	}
	if rows := scan(t, e, "user:anna", time.Time{}, time.Time{}, false); len(rows) != 2 {
		t.Fatalf("user:anna after a repeat: %d entries, want 2", len(rows))
	}
}

// A server-side function (Engine.Do) audits in the writer's transaction, and only if it
// succeeds.
func TestAuditThroughDo(t *testing.T) {
	e, _, _ := newAuditEngine(t, nil)
	ctx := context.Background()
	if err := e.Do(ctx, func(tx *syncengine.Tx) error { return tx.Audit([]string{"k"}, []byte("kept")) }); err != nil {
		t.Fatal(err)
	}
	failed := e.Do(ctx, func(tx *syncengine.Tx) error {
		if err := tx.Audit([]string{"k"}, []byte("dropped")); err != nil {
			return err
		}
		return fmt.Errorf("fails after staging")
	})
	if failed == nil {
		t.Fatal("the failing function reported success")
	}
	if got := values(scan(t, e, "k", time.Time{}, time.Time{}, false)); !slices.Equal(got, []string{"kept"}) {
		t.Fatalf("audit trail: %q", got)
	}
}

func TestAuditScanByKeyAndTime(t *testing.T) {
	e, clk, _ := newAuditEngine(t, nil)
	ctx := context.Background()
	t0 := clk.Now()
	write := func(value string, keys ...string) {
		t.Helper()
		if err := e.Do(ctx, func(tx *syncengine.Tx) error { return tx.Audit(keys, []byte(value)) }); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	write("a0", "client:a", "user:u")
	write("ab1", "client:ab")               // a key that extends another must not show under it
	write("a2", "client:a", "client:a", "") // repeated keys and "" are indexed once
	write("b3", "client:b", "user:u")
	write("a4", "client:a")

	cases := []struct {
		name     string
		key      string
		from, to time.Time
		reverse  bool
		want     []string
	}{
		{"all", "", time.Time{}, time.Time{}, false, []string{"a0", "ab1", "a2", "b3", "a4"}},
		{"one key", "client:a", time.Time{}, time.Time{}, false, []string{"a0", "a2", "a4"}},
		{"longer key", "client:ab", time.Time{}, time.Time{}, false, []string{"ab1"}},
		{"newest first", "client:a", time.Time{}, time.Time{}, true, []string{"a4", "a2", "a0"}},
		{"from is inclusive", "client:a", t0.Add(2 * time.Minute), time.Time{}, false, []string{"a2", "a4"}},
		{"to is exclusive", "client:a", time.Time{}, t0.Add(4 * time.Minute), false, []string{"a0", "a2"}},
		{"window", "", t0.Add(time.Minute), t0.Add(3 * time.Minute), false, []string{"ab1", "a2"}},
		{"window newest first", "", t0.Add(time.Minute), t0.Add(3 * time.Minute), true, []string{"a2", "ab1"}},
		{"to past the end newest first", "user:u", time.Time{}, t0.Add(time.Hour), true, []string{"b3", "a0"}},
		{"empty window", "", t0.Add(3 * time.Minute), t0.Add(3 * time.Minute), false, nil},
		{"unknown key", "client:zz", time.Time{}, time.Time{}, true, nil},
		{"before 1970", "", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), t0.Add(time.Minute), false, []string{"a0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := values(scan(t, e, c.key, c.from, c.to, c.reverse)); !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	// fn returning false stops the scan.
	n := 0
	e.View(func(r syncengine.ReadTx) error {
		return r.AuditScanReverse("", time.Time{}, time.Time{}, func(time.Time, []byte) bool { n++; return n < 2 })
	})
	if n != 2 {
		t.Fatalf("scan went on after fn said stop: %d calls", n)
	}
}

func TestAuditKeysAreChecked(t *testing.T) {
	e, _, _ := newAuditEngine(t, nil)
	for _, key := range []string{"a\x00b", strings.Repeat("k", 201)} {
		err := e.Do(context.Background(), func(tx *syncengine.Tx) error { return tx.Audit([]string{key}, nil) })
		if err == nil {
			t.Errorf("key %q was taken", key)
		}
	}
	err := e.View(func(r syncengine.ReadTx) error {
		return r.AuditScan("a\x00", time.Time{}, time.Time{}, func(time.Time, []byte) bool { return true })
	})
	if err == nil {
		t.Error("a scan took a key with a 0 byte")
	}
}

// Compaction removes old tombstones, never audit entries; a backup holds them.
func TestAuditSurvivesCompactionAndIsInBackups(t *testing.T) {
	e, clk, st := newAuditEngine(t, nil)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	if _, err := e.Push(ctx, anna, []syncengine.Mutation{
		auditedMut(1, auditedArgs{ID: "n1"}),
		mut(2, noteArgs{ID: "n1", Delete: true}),
	}); err != nil {
		t.Fatal(err)
	}
	clk.Add(48 * time.Hour)
	n, err := e.Compact(ctx)
	if err != nil || n == 0 {
		t.Fatalf("compaction removed %d tombstones (%v), want some", n, err)
	}
	if rows := scan(t, e, "note:n1", time.Time{}, time.Time{}, false); len(rows) != 1 {
		t.Fatalf("after compaction: %d audit entries, want 1", len(rows))
	}

	f, _, err := st.BackupFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	path := filepath.Join(t.TempDir(), "backup.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, f); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if _, err := syncengine.VerifyBackup(path); err != nil {
		t.Fatal(err)
	}
	restored, err := syncengine.OpenBoltReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var got []string
	err = restored.View(func(r syncengine.ReadTx) error {
		return r.AuditScan("user:anna", time.Time{}, time.Time{}, func(_ time.Time, v []byte) bool { got = append(got, string(v)); return true })
	})
	if err != nil || !slices.Equal(got, []string{`{"read":"n1"}`}) {
		t.Fatalf("backup's audit trail: %q (%v)", got, err)
	}
}

// Observe sees each live change a pull sends, by kind, and what it keeps is in the result;
// deletions are not observed.
func TestPullObserve(t *testing.T) {
	type seen struct{ kind, id string }
	e, _, _ := newAuditEngine(t, func(kind string, change []byte) (any, bool) {
		var c syncengine.Change
		if err := json.Unmarshal(change, &c); err != nil || c.Kind != kind {
			return fmt.Sprintf("bad change %s for kind %s", change, kind), true
		}
		return seen{kind, c.ID}, c.ID != "skip"
	})
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	if _, err := e.Push(ctx, anna, []syncengine.Mutation{
		mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}}),
		mut(2, noteArgs{ID: "skip", Scopes: []string{"unit:a"}}),
		mut(3, noteArgs{ID: "n3", Scopes: []string{"unit:a"}}),
	}); err != nil {
		t.Fatal(err)
	}
	first, err := e.Pull(anna, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Observed, []any{seen{"note", "n1"}}) {
		t.Fatalf("first page observed %v", first.Observed)
	}
	if _, err := e.Push(ctx, anna, []syncengine.Mutation{mut(4, noteArgs{ID: "n1", Delete: true})}); err != nil {
		t.Fatal(err)
	}
	second, err := e.Pull(anna, first.Cursor, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(second.Observed, []any{seen{"note", "n3"}}) || second.Count != 2 {
		t.Fatalf("second page (%d changes) observed %v, want n3 only (the deletion unobserved)", second.Count, second.Observed)
	}
}
