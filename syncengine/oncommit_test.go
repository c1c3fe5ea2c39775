package syncengine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"vardag/syncengine"
)

// OnCommit sees the applied changes of each durable commit, with the commit's time, and
// never those of a rejected mutation; a slow listener is its own business.
func TestOnCommitSeesDurableChanges(t *testing.T) {
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	type commit struct {
		at      time.Time
		changes []syncengine.CommittedChange
	}
	got := make(chan commit, 16)
	e := syncengine.New(syncengine.Options{Store: st, Now: clk.Now, OnCommit: func(at time.Time, c []syncengine.CommittedChange) {
		got <- commit{at, c}
	}})
	e.Register("note.put", testHandler())
	e.Start()
	defer e.Close(context.Background())

	mut := func(id uint64, args noteArgs) syncengine.Mutation {
		raw, _ := json.Marshal(args)
		return syncengine.Mutation{ID: id, Name: "note.put", Args: raw, ClientTime: phoneTime}
	}
	actor := syncengine.Actor{UserID: "u1", DeviceID: "d1", Scopes: []string{"unit:a"}}
	res, err := e.Push(context.Background(), actor, []syncengine.Mutation{
		mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "hej"}),
		mut(2, noteArgs{ID: "n2", Scopes: []string{"unit:a"}, Text: "reject-me"}),
		mut(3, noteArgs{ID: "n1", Delete: true}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Results[1].Status != syncengine.StatusRejected {
		t.Fatalf("results: %+v", res.Results)
	}
	select {
	case c := <-got:
		if !c.at.Equal(clk.Now()) {
			t.Errorf("at = %v, want %v", c.at, clk.Now())
		}
		if len(c.changes) != 2 {
			t.Fatalf("changes: %+v", c.changes)
		}
		put, del := c.changes[0], c.changes[1]
		if put.Kind != "note" || put.ID != "n1" || put.Op != syncengine.OpPut || len(put.Scopes) != 1 || put.Scopes[0] != "unit:a" || put.Seq != res.Results[0].Version {
			t.Errorf("put: %+v", put)
		}
		var a noteArgs
		if err := json.Unmarshal(put.Data, &a); err != nil || a.Text != "hej" {
			t.Errorf("put data: %s", put.Data)
		}
		if del.Op != syncengine.OpDelete || del.ID != "n1" || del.Seq != put.Seq+1 {
			t.Errorf("delete: %+v", del)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnCommit was not called")
	}

	// A commit with nothing applied calls nothing.
	if _, err := e.Push(context.Background(), actor, []syncengine.Mutation{mut(4, noteArgs{ID: "n3", Scopes: []string{"unit:a"}, Text: "reject-me"})}); err != nil {
		t.Fatal(err)
	}
	// A server job's changes come too.
	if err := e.Do(context.Background(), func(tx *syncengine.Tx) error { return tx.Put("note", "n4", []string{"unit:a"}, noteArgs{ID: "n4"}) }); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-got:
		if len(c.changes) != 1 || c.changes[0].ID != "n4" {
			t.Fatalf("changes: %+v", c.changes)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnCommit was not called for Do")
	}
}

// A panicking listener does not stop the writer.
func TestOnCommitPanicIsContained(t *testing.T) {
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := syncengine.New(syncengine.Options{Store: st, OnCommit: func(time.Time, []syncengine.CommittedChange) { panic("listener bug") }})
	e.Register("note.put", testHandler())
	e.Start()
	defer e.Close(context.Background())
	for i := 0; i < 3; i++ {
		if err := e.Do(context.Background(), func(tx *syncengine.Tx) error { return tx.Put("note", "n", []string{"unit:a"}, noteArgs{ID: "n"}) }); err != nil {
			t.Fatal(err)
		}
	}
}
