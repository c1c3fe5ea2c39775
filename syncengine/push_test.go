package syncengine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"vardag/internal/codes"
	"vardag/syncengine"
)

// TestAResentMutationInAnotherKeyOrderIsADuplicate: a phone (or a proxy, or another
// JSON library after an update) that sends a mutation again with its fields in another
// order, other spacing or other escapes sends the same mutation: it gets its stored
// result back as a duplicate, not mutation_id_reused, and nothing is written twice.
func TestAResentMutationInAnotherKeyOrderIsADuplicate(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	first := syncengine.Mutation{ID: 1, Name: "note.put", ClientTime: phoneTime,
		Args: json.RawMessage(`{"id":"n1","scopes":["unit:a"],"text":"Café 1","delete":false}`)}
	if res, err := e.Push(ctx, anna, []syncengine.Mutation{first}); err != nil || res.Results[0].Status != "applied" {
		t.Fatalf("first: %+v %v", res, err)
	}
	var head uint64
	e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	for _, args := range []string{
		`{"delete":false,"text":"Café 1","scopes":["unit:a"],"id":"n1"}`,
		"{\n  \"scopes\" : [ \"unit:a\" ],\n  \"id\": \"n1\", \"delete\": false, \"text\": \"Caf\\u00e9 \\u0031\"\n}",
	} {
		again := first
		again.Args = json.RawMessage(args)
		res, err := e.Push(ctx, anna, []syncengine.Mutation{again})
		if err != nil || res.Results[0].Status != "applied" || !res.Results[0].Duplicate {
			t.Errorf("%s: %+v %v, want the stored result as a duplicate", args, res, err)
		}
	}
	var after uint64
	e.View(func(r syncengine.ReadTx) error { after = r.Head(); return nil })
	if after != head {
		t.Fatalf("a repeat wrote to the log: head %d → %d", head, after)
	}
	other := first
	other.Args = json.RawMessage(`{"delete":false,"text":"Café 2","scopes":["unit:a"],"id":"n1"}`)
	if res, _ := e.Push(ctx, anna, []syncengine.Mutation{other}); res.Results[0].Error == nil || res.Results[0].Error.Code != "mutation_id_reused" {
		t.Fatalf("other content under a used id: %+v", res.Results[0])
	}
}

// TestAResultStoredWithTheOlderFingerprintStillKnowsItsRepeat: results stored before
// fingerprints were canonical (a hash of the compacted arguments) still tell a repeat
// from other content after an upgrade.
func TestAResultStoredWithTheOlderFingerprintStillKnowsItsRepeat(t *testing.T) {
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	args := `{"id":"n1","scopes":["unit:a"],"text":"first","delete":false}`
	sum := sha256.Sum256([]byte("note.put\x00" + args))
	stored := `{"id":1,"status":"applied","version":1,"fingerprint":"` + hex.EncodeToString(sum[:16]) + `"}`
	if err := st.Update(func(w syncengine.WriteTx) error {
		if err := w.SetDevice("d1", syncengine.DeviceState{OwnerID: "anna", LastMutationID: 1}); err != nil {
			return err
		}
		return w.PutResult("d1", 1, []byte(stored), 1000)
	}); err != nil {
		t.Fatal(err)
	}
	e := syncengine.New(syncengine.Options{Store: st, Now: func() time.Time { return phoneTime }})
	e.Register("note.put", testHandler())
	e.Start()
	t.Cleanup(func() { e.Close(context.Background()); st.Close() })
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	repeat := syncengine.Mutation{ID: 1, Name: "note.put", ClientTime: phoneTime, Args: json.RawMessage(" " + args)}
	if res, err := e.Push(context.Background(), anna, []syncengine.Mutation{repeat}); err != nil || !res.Results[0].Duplicate || res.Results[0].Status != "applied" {
		t.Fatalf("a repeat of a result stored with the older fingerprint: %+v %v", res, err)
	}
	repeat.Args = bytes.Replace(repeat.Args, []byte("first"), []byte("other"), 1)
	if res, _ := e.Push(context.Background(), anna, []syncengine.Mutation{repeat}); res.Results[0].Error == nil || res.Results[0].Error.Code != "mutation_id_reused" {
		t.Fatalf("other content under an id stored with the older fingerprint: %+v", res.Results[0])
	}
}

// TestAMutationWithoutArgumentsDoesNotUseUpItsID: a mutation with no arguments object is
// a broken envelope, refused before the writer; the device's next id stays the same.
func TestAMutationWithoutArgumentsDoesNotUseUpItsID(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	for _, args := range []string{"", "null", `"text"`, `[{"id":"n1"}]`} {
		m := syncengine.Mutation{ID: 1, Name: "note.put", ClientTime: phoneTime, Args: json.RawMessage(args)}
		var env *syncengine.EnvelopeError
		if _, err := e.Push(ctx, anna, []syncengine.Mutation{m}); !errors.As(err, &env) {
			t.Fatalf("args %q: %v, want an EnvelopeError", args, err)
		}
	}
	res, err := e.Push(ctx, anna, []syncengine.Mutation{mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}})})
	if err != nil || res.Results[0].Status != "applied" || res.Results[0].Duplicate || res.LastMutationID != 1 {
		t.Fatalf("mutation 1 after the refused ones: %+v %v", res, err)
	}
}

// TestAClientTimeOutsideTheDevicesReachIsRejected: client_time may lie at most 10
// minutes ahead of the server's clock and at most the offline limit (the phones' wipe
// window) and an hour behind it; years 0001 and 9999 were stored as sent. A rejected one
// writes nothing, and its id is used (the phone keeps it in "needs attention").
func TestAClientTimeOutsideTheDevicesReachIsRejected(t *testing.T) {
	e, clk, _ := newEngine(t) // the default offline limit: 72 hours
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	now := clk.Now()
	cases := []struct {
		at   time.Time
		want string
	}{
		{now.Add(9 * time.Minute), "applied"},
		{now.Add(11 * time.Minute), "rejected"},
		{now.Add(-72 * time.Hour), "applied"},
		{now.Add(-73*time.Hour + time.Minute), "applied"},
		{now.Add(-74 * time.Hour), "rejected"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "rejected"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "rejected"},
		{time.Time{}, "rejected"},
	}
	var head uint64
	for i, c := range cases {
		m := mut(uint64(i+1), noteArgs{ID: "n" + string(rune('a'+i)), Scopes: []string{"unit:a"}})
		m.ClientTime = c.at
		e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
		res, err := e.Push(ctx, anna, []syncengine.Mutation{m})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Results[0]
		if r.Status != c.want {
			t.Errorf("client_time %s: %s %+v, want %s", c.at.Format(time.RFC3339), r.Status, r.Error, c.want)
			continue
		}
		var after uint64
		e.View(func(r syncengine.ReadTx) error { after = r.Head(); return nil })
		if c.want == "rejected" && (r.Error.Code != codes.InvalidClientTime || r.Error.Fields["client_time"] == "" || after != head) {
			t.Errorf("client_time %s: %+v, head %d → %d; want invalid_client_time and nothing written", c.at.Format(time.RFC3339), r.Error, head, after)
		}
	}
}
