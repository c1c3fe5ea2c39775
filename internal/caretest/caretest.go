// Package caretest gives the care packages' tests a real engine on a real bbolt file, and
// actors with the access that grants give, so each mutation's rules are tested alone.
package caretest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Engine is a started engine over a fresh store, closed when the test ends.
type Engine struct {
	*syncengine.Engine
	t     testing.TB
	mu    sync.Mutex
	now   time.Time
	next  map[string]uint64 // next mutation id per device
	units map[string]identity.Unit
}

// NewEngine starts an engine with the given handlers; its clock starts at now and moves
// only with Advance.
func NewEngine(t testing.TB, now time.Time, handlers map[string]syncengine.Handler) *Engine {
	t.Helper()
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "vardag.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{t: t, now: now.UTC(), next: map[string]uint64{}, units: map[string]identity.Unit{}}
	e.Engine = syncengine.New(syncengine.Options{Store: st, Now: e.Now})
	for name, h := range handlers {
		e.Register(name, h)
	}
	e.Start()
	t.Cleanup(func() {
		_ = e.Close(context.Background())
		_ = st.Close()
	})
	return e
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }

// Advance moves the clock on.
func (e *Engine) Advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

// Unit registers a unit (and its provider) for the actors' access.
func (e *Engine) Unit(id, providerID string) {
	e.units[id] = identity.Unit{ID: id, ProviderID: providerID, Name: id}
}

// Actor is a user on a device with grants (unit → role), valid for a year from now.
func (e *Engine) Actor(userID string, grants map[string]identity.Role) syncengine.Actor {
	var gs []identity.Grant
	for unit, role := range grants {
		gs = append(gs, identity.Grant{ID: userID + unit, UserID: userID, UnitID: unit, Role: role, ValidUntil: e.Now().AddDate(1, 0, 0)})
	}
	acc := identity.AccessFor(identity.User{ID: userID, MunicipalityID: "kommun"}, gs, e.units, e.Now())
	return syncengine.Actor{UserID: userID, DeviceID: "device-" + userID, Scopes: acc.Scopes, Domain: acc}
}

// Client seeds a client record in a unit.
func (e *Engine) Client(id, unitID string) clients.Client {
	e.t.Helper()
	c := clients.Client{ClientID: id, Name: "Brukare " + id[:4], PersonalID: "19121212-1212", UnitID: unitID, JournalOpen: true}
	if err := e.Do(context.Background(), func(tx *syncengine.Tx) error { return clients.Put(tx, c) }); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// Push sends one mutation as the actor and returns its result.
func (e *Engine) Push(a syncengine.Actor, name string, args any) syncengine.Result {
	e.t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.next[a.DeviceID]++
	id := e.next[a.DeviceID]
	e.mu.Unlock()
	res, err := e.Engine.Push(context.Background(), a, []syncengine.Mutation{{ID: id, Name: name, Args: raw, ClientTime: e.Now()}})
	if err != nil {
		e.t.Fatalf("push %s: %v", name, err)
	}
	return res.Results[0]
}

// Pull returns every change the actor can see, decoded.
func (e *Engine) Pull(a syncengine.Actor) []syncengine.Change {
	e.t.Helper()
	var all []syncengine.Change
	cursor := ""
	for {
		res, err := e.Engine.Pull(a, cursor, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		var cs []syncengine.Change
		if err := json.Unmarshal(res.Changes, &cs); err != nil {
			e.t.Fatal(err)
		}
		all = append(all, cs...)
		cursor = res.Cursor
		if !res.More {
			return all
		}
	}
}

// Record reads a record's current data into v; it reports whether it exists.
func (e *Engine) Record(kind, id string, v any) bool {
	e.t.Helper()
	var rec syncengine.Record
	var ok bool
	err := e.View(func(r syncengine.ReadTx) error {
		var err error
		rec, ok, err = r.Record(kind, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if ok && v != nil {
		if err := json.Unmarshal(rec.Data, v); err != nil {
			e.t.Fatal(err)
		}
	}
	return ok
}
