package syncengine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vardag/syncengine"
)

// noteArgs is a small stand-in for a care record: it lives in the scopes the mutation names.
type noteArgs struct {
	ID     string   `json:"id"`
	Scopes []string `json:"scopes"`
	Text   string   `json:"text"`
	Delete bool     `json:"delete"`
}

func testHandler() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a noteArgs
			if err := json.Unmarshal(raw, &a); err != nil || a.ID == "" {
				return nil, syncengine.Reject("invalid_args", "id is required")
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
			a := c.Args.(noteArgs)
			if a.Text == "reject-me" {
				_ = tx.Put("note", a.ID, a.Scopes, a) // staged, then discarded
				return syncengine.Reject("refused", "refused on purpose")
			}
			if a.Text == "panic" {
				panic("handler bug")
			}
			if a.Delete {
				return tx.Delete("note", a.ID)
			}
			if _, exists, _ := tx.Get("note", a.ID); exists && a.Text == "create-only" {
				rec, _, _ := tx.Get("note", a.ID)
				return &syncengine.Conflict{Rejection: *syncengine.Reject("exists", "already there"), Record: rec}
			}
			return tx.Put("note", a.ID, a.Scopes, a)
		},
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newEngine(t *testing.T) (*syncengine.Engine, *clock, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vardag.db")
	st, err := syncengine.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	e := syncengine.New(syncengine.Options{Store: st, Now: clk.Now, Retention: 24 * time.Hour})
	e.Register("note.put", testHandler())
	e.Start()
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return e, clk, path
}

// phoneTime is the test clocks' start, as a phone whose clock is right sends it.
var phoneTime = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func mut(id uint64, a noteArgs) syncengine.Mutation {
	raw, _ := json.Marshal(a)
	return syncengine.Mutation{ID: id, Name: "note.put", Args: raw, ClientTime: phoneTime}
}

type pulled struct {
	changes []syncengine.Change
	res     *syncengine.PullResult
}

func pullAll(t *testing.T, e *syncengine.Engine, actor syncengine.Actor, cursor string, limit int) pulled {
	t.Helper()
	var out pulled
	for {
		res, err := e.Pull(actor, cursor, limit)
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		var cs []syncengine.Change
		if err := json.Unmarshal(res.Changes, &cs); err != nil {
			t.Fatalf("pull gave invalid JSON %s: %v", res.Changes, err)
		}
		out.changes = append(out.changes, cs...)
		out.res = res
		cursor = res.Cursor
		if !res.More {
			return out
		}
	}
}

func ids(cs []syncengine.Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		m[c.ID] = c.Op
	}
	return m
}

func TestPushPullByScope(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	res, err := e.Push(ctx, anna, []syncengine.Mutation{
		mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "x"}),
		mut(2, noteArgs{ID: "n2", Scopes: []string{"unit:b"}, Text: "y"}),
		mut(3, noteArgs{ID: "n3", Scopes: []string{"unit:a", "unit:b"}, Text: "z"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.LastMutationID != 3 || res.Results[2].Status != syncengine.StatusApplied || res.Results[2].Version != 3 {
		t.Fatalf("unexpected push result %+v", res)
	}
	a := pullAll(t, e, anna, "", 100)
	if got := ids(a.changes); len(got) != 2 || got["n1"] != "put" || got["n3"] != "put" {
		t.Fatalf("unit:a should see n1 and n3, got %v", got)
	}
	if a.res.LastMutationID != 3 {
		t.Fatalf("last mutation id %d", a.res.LastMutationID)
	}
	b := pullAll(t, e, syncengine.Actor{UserID: "farid", Scopes: []string{"unit:b"}}, "", 1)
	if got := ids(b.changes); len(got) != 2 || got["n2"] == "" || got["n3"] == "" {
		t.Fatalf("unit:b should see n2 and n3, got %v", got)
	}
	// Nothing new: an empty page with the same reach.
	again := pullAll(t, e, anna, a.res.Cursor, 100)
	if len(again.changes) != 0 {
		t.Fatalf("expected no changes, got %v", again.changes)
	}
}

func TestDuplicatesGapsAndRejections(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	batch := []syncengine.Mutation{
		mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}}),
		mut(2, noteArgs{ID: "n2", Scopes: []string{"unit:a"}, Text: "reject-me"}),
		{ID: 3, Name: "no.such.thing", Args: json.RawMessage(`{}`), ClientTime: phoneTime},
		mut(4, noteArgs{ID: "n4", Scopes: []string{"unit:a"}, Text: "panic"}),
		mut(5, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "create-only"}),
	}
	first, err := e.Push(ctx, anna, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"applied", "rejected", "rejected", "rejected", "conflict"}
	for i, r := range first.Results {
		if r.Status != want[i] {
			t.Fatalf("mutation %d: status %s, want %s (%+v)", i+1, r.Status, want[i], r.Error)
		}
	}
	if first.Results[2].Error.Code != "unknown_mutation" || first.Results[3].Error.Code != "internal_error" {
		t.Fatalf("codes: %+v %+v", first.Results[2].Error, first.Results[3].Error)
	}
	if first.Results[4].Record == nil || first.Results[4].Record.ID != "n1" {
		t.Fatalf("conflict must carry the server's record: %+v", first.Results[4])
	}
	var head uint64
	e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	if head != 1 {
		t.Fatalf("only the applied mutation may write; head %d", head)
	}
	// The lost answer: the same push again applies nothing and returns the stored results.
	second, err := e.Push(ctx, anna, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range second.Results {
		if !r.Duplicate || r.Status != want[i] {
			t.Fatalf("repeat %d: %+v", i+1, r)
		}
	}
	e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	if head != 1 {
		t.Fatalf("a repeat wrote: head %d", head)
	}
	// A gap.
	_, err = e.Push(ctx, anna, []syncengine.Mutation{mut(7, noteArgs{ID: "n7", Scopes: []string{"unit:a"}})})
	var gap *syncengine.GapError
	if !errors.As(err, &gap) || gap.LastMutationID != 5 {
		t.Fatalf("want gap at 5, got %v", err)
	}
	// Ids within a push must be consecutive.
	if _, err := e.Push(ctx, anna, []syncengine.Mutation{mut(6, noteArgs{ID: "a", Scopes: []string{"unit:a"}}), mut(8, noteArgs{ID: "b", Scopes: []string{"unit:a"}})}); err == nil {
		t.Fatal("non-consecutive ids accepted")
	}
	// Another user may not push as this device.
	if _, err := e.Push(ctx, syncengine.Actor{UserID: "bo", DeviceID: "d1", Scopes: []string{"unit:a"}}, []syncengine.Mutation{mut(6, noteArgs{ID: "x", Scopes: []string{"unit:a"}})}); !errors.Is(err, syncengine.ErrDeviceOwner) {
		t.Fatalf("device owner: %v", err)
	}
}

func TestNewScopeSnapshotAndDroppedScope(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	sys := func(fn func(tx *syncengine.Tx) error) {
		if err := e.Do(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		sys(func(tx *syncengine.Tx) error {
			return tx.Put("note", fmt.Sprintf("a%d", i), []string{"unit:a"}, map[string]int{"i": i})
		})
		sys(func(tx *syncengine.Tx) error {
			return tx.Put("note", fmt.Sprintf("b%d", i), []string{"unit:b"}, map[string]int{"i": i})
		})
	}
	sys(func(tx *syncengine.Tx) error { return tx.Delete("note", "b0") }) // old tombstone in b
	actor := syncengine.Actor{UserID: "u", Scopes: []string{"unit:a"}}
	first := pullAll(t, e, actor, "", 3)
	if len(first.changes) != 10 {
		t.Fatalf("want 10 from unit:a, got %d", len(first.changes))
	}
	// New work in a, then the user gains unit:b: small pages must bring all of b (as a
	// snapshot, without its tombstone) and the new change in a, each once.
	sys(func(tx *syncengine.Tx) error { return tx.Put("note", "a-new", []string{"unit:a"}, 1) })
	actor.Scopes = []string{"unit:a", "unit:b"}
	second := pullAll(t, e, actor, first.res.Cursor, 2)
	got := ids(second.changes)
	if len(second.changes) != 10 || got["a-new"] != "put" || got["b0"] != "" || got["b9"] != "put" {
		t.Fatalf("snapshot of new scope wrong: %d changes %v", len(second.changes), got)
	}
	// Losing unit:a: the next pull names it in drop_scopes.
	actor.Scopes = []string{"unit:b"}
	third := pullAll(t, e, actor, second.res.Cursor, 100)
	if len(third.res.DropScopes) != 1 || third.res.DropScopes[0] != "unit:a" || len(third.changes) != 0 {
		t.Fatalf("want drop of unit:a, got %v and %d changes", third.res.DropScopes, len(third.changes))
	}
}

func TestRecordLeavingScopeAndCompaction(t *testing.T) {
	e, clk, _ := newEngine(t)
	ctx := context.Background()
	put := func(scopes ...string) {
		if err := e.Do(ctx, func(tx *syncengine.Tx) error { return tx.Put("note", "n", scopes, "x") }); err != nil {
			t.Fatal(err)
		}
	}
	put("unit:a")
	actorA := syncengine.Actor{UserID: "u", Scopes: []string{"unit:a"}}
	start := pullAll(t, e, actorA, "", 10)
	put("unit:b") // moved: holders of unit:a must delete it, and learn nothing of where it went
	res, err := e.Pull(actorA, start.res.Cursor, 10)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Changes) != `[{"kind":"note","id":"n","op":"delete","version":2}]` {
		t.Fatalf("want a bare delete, got %s", res.Changes)
	}
	// A phone that starts fresh in unit:a sees nothing (no tombstones in snapshots).
	if fresh := pullAll(t, e, actorA, "", 10); len(fresh.changes) != 0 {
		t.Fatalf("fresh pull got %v", fresh.changes)
	}
	// Past the retention, compaction removes the tombstone; the old cursor has expired,
	// a cursor made after it has not.
	clk.Add(25 * time.Hour)
	n, err := e.Compact(ctx)
	if err != nil || n != 1 {
		t.Fatalf("compact: %d %v", n, err)
	}
	if _, err := e.Pull(actorA, start.res.Cursor, 10); !errors.Is(err, syncengine.ErrCursorExpired) {
		t.Fatalf("want cursor expired, got %v", err)
	}
	if _, err := e.Pull(actorA, res.Cursor, 10); err != nil {
		t.Fatalf("a cursor past the horizon must still work: %v", err)
	}
}

func TestCursorRejectsGarbage(t *testing.T) {
	for _, c := range []string{"x", "c1.!!!", "c1.eyJoIjoieCJ9", "c1." + "eyJoIjoxLCJzIjpbIiJdfQ"} {
		if _, err := syncengine.ParseCursor(c); !errors.Is(err, syncengine.ErrInvalidCursor) {
			t.Errorf("cursor %q: want ErrInvalidCursor, got %v", c, err)
		}
	}
	in := syncengine.Cursor{Positions: map[string]uint64{"unit:a": 7, "unit:b": 7, "user:x": 3}}
	out, err := syncengine.ParseCursor(in.String())
	if err != nil || len(out.Positions) != 3 || out.Positions["user:x"] != 3 || out.Positions["unit:b"] != 7 {
		t.Fatalf("round trip: %v %v", out, err)
	}
}

func TestConcurrentDevicesStayOrderedAndGapFree(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	const devices, pushes, per = 20, 10, 5
	var wg sync.WaitGroup
	errs := make(chan error, devices)
	for d := 0; d < devices; d++ {
		wg.Add(1)
		go func(d int) {
			defer wg.Done()
			actor := syncengine.Actor{UserID: fmt.Sprint("u", d), DeviceID: fmt.Sprint("dev", d), Scopes: []string{"unit:a"}}
			next := uint64(1)
			for p := 0; p < pushes; p++ {
				var ms []syncengine.Mutation
				for i := 0; i < per; i++ {
					ms = append(ms, mut(next, noteArgs{ID: fmt.Sprintf("d%d-%d", d, next), Scopes: []string{"unit:a"}}))
					next++
				}
				if _, err := e.Push(ctx, actor, ms); err != nil {
					errs <- err
					return
				}
			}
		}(d)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	err := e.View(func(r syncengine.ReadTx) error {
		if r.Head() != devices*pushes*per {
			return fmt.Errorf("head %d", r.Head())
		}
		lastByDevice := map[string]int{}
		for seq := uint64(1); seq <= r.Head(); seq++ {
			raw, _, err := r.Entry(seq)
			if err != nil {
				return fmt.Errorf("gap at %d: %w", seq, err)
			}
			var c syncengine.Change
			json.Unmarshal(raw, &c)
			var d, n int
			fmt.Sscanf(c.ID, "d%d-%d", &d, &n)
			if n != lastByDevice[fmt.Sprint(d)]+1 {
				return fmt.Errorf("device %d out of order: %d after %d", d, n, lastByDevice[fmt.Sprint(d)])
			}
			lastByDevice[fmt.Sprint(d)] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeletionBetweenSnapshotPagesReachesThePhone(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		if err := e.Do(ctx, func(tx *syncengine.Tx) error { return tx.Put("note", fmt.Sprint("n", i), []string{"unit:a"}, i) }); err != nil {
			t.Fatal(err)
		}
	}
	actor := syncengine.Actor{UserID: "u", Scopes: []string{"unit:a"}}
	page, err := e.Pull(actor, "", 2) // n0, n1 sent; the snapshot is not finished
	if err != nil || !page.More {
		t.Fatalf("first page: %v more=%v", err, page.More)
	}
	if err := e.Do(ctx, func(tx *syncengine.Tx) error { return tx.Delete("note", "n0") }); err != nil {
		t.Fatal(err)
	}
	rest := pullAll(t, e, actor, page.Cursor, 2)
	if got := ids(rest.changes); got["n0"] != "delete" || got["n2"] != "put" || got["n3"] != "put" {
		t.Fatalf("the phone must hear that n0 went away: %v", got)
	}
}

func TestReusedMutationIDWithOtherContentIsRefusedNotDropped(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	if _, err := e.Push(ctx, anna, []syncengine.Mutation{mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "first"})}); err != nil {
		t.Fatal(err)
	}
	// The same mutation sent again, differently spaced: a true repeat.
	same := mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "first"})
	same.Args = json.RawMessage(" " + string(same.Args) + "\n")
	res, err := e.Push(ctx, anna, []syncengine.Mutation{same})
	if err != nil || res.Results[0].Status != "applied" || !res.Results[0].Duplicate {
		t.Fatalf("a true repeat: %+v %v", res, err)
	}
	// A phone that lost its numbering sends a new note as number 1.
	res, err = e.Push(ctx, anna, []syncengine.Mutation{mut(1, noteArgs{ID: "n2", Scopes: []string{"unit:a"}, Text: "second"})})
	if err != nil || res.Results[0].Status != "rejected" || res.Results[0].Error.Code != "mutation_id_reused" {
		t.Fatalf("a different change under a used id must be refused: %+v %v", res, err)
	}
}

func TestConflictCarriesTheRecordOnlyToThoseWhoMaySeeIt(t *testing.T) {
	e, _, _ := newEngine(t)
	ctx := context.Background()
	a := syncengine.Actor{UserID: "anna", DeviceID: "da", Scopes: []string{"unit:a"}}
	b := syncengine.Actor{UserID: "lars", DeviceID: "db", Scopes: []string{"unit:b"}}
	if _, err := e.Push(ctx, a, []syncengine.Mutation{mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "hemligt"})}); err != nil {
		t.Fatal(err)
	}
	own, _ := e.Push(ctx, a, []syncengine.Mutation{mut(2, noteArgs{ID: "n1", Scopes: []string{"unit:a"}, Text: "create-only"})})
	other, _ := e.Push(ctx, b, []syncengine.Mutation{mut(1, noteArgs{ID: "n1", Scopes: []string{"unit:b"}, Text: "create-only"})})
	if own.Results[0].Status != "conflict" || own.Results[0].Record == nil {
		t.Fatalf("the owner's conflict must carry the record: %+v", own.Results[0])
	}
	if other.Results[0].Status != "conflict" || other.Results[0].Record != nil {
		t.Fatalf("another unit's conflict must not carry the record: %+v", other.Results[0])
	}
}
