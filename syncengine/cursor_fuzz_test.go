package syncengine_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"testing"

	"vardag/syncengine"
)

// cursorSeeds are cursors as the server makes them, and garbage.
func cursorSeeds() []string {
	const unit = "unit:0190a0b0-0000-7000-8000-00000000000"
	seeds := []string{
		"",
		syncengine.Cursor{Positions: map[string]uint64{"unit:a": 7}}.String(),
		syncengine.Cursor{Positions: map[string]uint64{"unit:a": 7, "unit:b": 7, "user:x": 3}}.String(),
		syncengine.Cursor{Positions: map[string]uint64{unit + "1": 0, unit + "1:managers": 0, "org:m": 12, "user:u": 12},
			Snapshots: map[string]uint64{unit + "1": 40, unit + "1:managers": 40}}.String(),
		syncengine.Cursor{Positions: map[string]uint64{"a": 1<<64 - 1, "b": 0, "c": 1}}.String(),
		syncengine.Cursor{Positions: map[string]uint64{"unit:ö\"\\<>&\u2028": 5}}.String(),
		"x", "c1.", "c1.!!!", "c1.e30", "c1.eyJoIjoieCJ9", "c1.eyJoIjoxLCJzIjpbIiJdfQ", "c2.e30",
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":["a","a"]}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":["a"],"x":{"a":2}}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":["a"],"z":{"b":2}}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":-1,"s":["a"]}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":["a\u0000"]}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":["\xff"]}`)),
		"c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"h":1,"s":null,"x":{"a":1},"z":{"a":9}}`)),
		"c1." + base64.StdEncoding.EncodeToString([]byte(`{"h":1,"s":["a"]}`)), // padded: not the raw alphabet
	}
	return seeds
}

// FuzzParseCursor: a cursor from a phone is untrusted. Parsing never panics, every failure
// is ErrInvalidCursor, and what parses encodes to a cursor that parses to the same.
func FuzzParseCursor(f *testing.F) {
	for _, s := range cursorSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := syncengine.ParseCursor(s)
		if err != nil {
			if err != syncengine.ErrInvalidCursor {
				t.Fatalf("%q: error %v, want ErrInvalidCursor itself", s, err)
			}
			return
		}
		for sc := range c.Snapshots {
			if _, held := c.Positions[sc]; !held {
				t.Fatalf("%q: a snapshot of %q, a scope the cursor does not hold", s, sc)
			}
		}
		enc := c.String()
		if len(c.Positions) == 0 && enc != "" {
			t.Fatalf("%q: the empty cursor encodes as %q", s, enc)
		}
		again, err := syncengine.ParseCursor(enc)
		if err != nil {
			if len(enc) > 16<<10 && len(enc) > len(s) {
				// Re-encoding escapes characters (<, >, &, U+2028) a phone may send raw, so
				// an input near the length limit can come back longer than the limit.
				t.Skipf("re-encoded to %d bytes, past the limit", len(enc))
			}
			t.Fatalf("%q: re-encoded as %q, which does not parse: %v", s, enc, err)
		}
		if !maps.Equal(again.Positions, c.Positions) || !maps.Equal(again.Snapshots, c.Snapshots) {
			t.Fatalf("%q: positions %v/%v came back as %v/%v", s, c.Positions, c.Snapshots, again.Positions, again.Snapshots)
		}
		if again.String() != enc {
			t.Fatalf("%q: encodes as %q, then as %q", s, enc, again.String())
		}
	})
}

// A cursor the server makes must parse again: a phone that gets invalid_cursor pulls from
// the beginning and gets the same kind of cursor back, so it would never get past its
// first page. The limits of ParseCursor allow 512 scopes, but 16 KiB of cursor holds far
// fewer of the scope names identity makes (unit:<uuid>, unit:<uuid>:managers), above all
// during a first sync, when every scope is also in Snapshots.
//
// BUG (reported to the lead): this fails today. A user with grants in 59 units as manager
// or licensed staff (two scopes per unit, 120 with user: and org:) gets a cursor
// ParseCursor refuses on the first pages of a fresh sync; without snapshots the limit is
// 126 such units (254 scopes), or 279 plain unit: scopes — all below maxCursorScopes.
func TestCursorOfManyRealScopesParsesBack(t *testing.T) {
	for _, tc := range []struct {
		units     int
		snapshots bool
	}{{58, true}, {59, true}, {125, false}, {126, false}, {255, false}} {
		c := syncengine.Cursor{Positions: map[string]uint64{"user:0190a0b0-0000-7000-8000-0000000000ff": 123456,
			"org:0190a0b0-0000-7000-8000-0000000000fe": 123456}, Snapshots: map[string]uint64{}}
		for i := range tc.units {
			unit := fmt.Sprintf("unit:0190a0b0-0000-7000-8000-%012x", i)
			c.Positions[unit] = 1000 // paging a new unit's snapshot
			c.Positions[unit+":managers"] = 1000
			if tc.snapshots {
				c.Snapshots[unit], c.Snapshots[unit+":managers"] = 123456, 123456
			}
		}
		s := c.String()
		if _, err := syncengine.ParseCursor(s); err != nil {
			t.Errorf("%d scopes (snapshots %v): the server's own %d-byte cursor does not parse: %v",
				len(c.Positions), tc.snapshots, len(s), err)
		}
	}
}

// The same through the engine: a manager of 62 units pulls in pages on a new phone (the
// log is short here; with the longer sequences of a real log, fewer units are enough).
// BUG (reported to the lead): fails today — the second page answers ErrInvalidCursor.
func TestPullOfManyScopesGetsPastTheFirstPage(t *testing.T) {
	e, _, _ := newEngine(t)
	actor := syncengine.Actor{UserID: "u", DeviceID: "d", Scopes: []string{"user:0190a0b0-0000-7000-8000-0000000000ff", "org:0190a0b0-0000-7000-8000-0000000000fe"}}
	for i := range 62 {
		unit := fmt.Sprintf("unit:0190a0b0-0000-7000-8000-%012x", i)
		actor.Scopes = append(actor.Scopes, unit, unit+":managers")
	}
	if _, err := e.Push(context.Background(), actor, []syncengine.Mutation{
		mut(1, noteArgs{ID: "n1", Scopes: actor.Scopes[2:3], Text: "a"}),
		mut(2, noteArgs{ID: "n2", Scopes: actor.Scopes[2:3], Text: "b"}),
	}); err != nil {
		t.Fatal(err)
	}
	first, err := e.Pull(actor, "", 1)
	if err != nil || !first.More {
		t.Fatalf("first page: more %v, %v", first != nil && first.More, err)
	}
	if _, err := e.Pull(actor, first.Cursor, 1); err != nil {
		t.Fatalf("second page with the server's own %d-byte cursor: %v", len(first.Cursor), err)
	}
}
