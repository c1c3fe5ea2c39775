package clients_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/syncengine"
)

func head(t *testing.T, e *caretest.Engine) uint64 {
	t.Helper()
	var h uint64
	_ = e.View(func(r syncengine.ReadTx) error { h = r.Head(); return nil })
	return h
}

// TestAClientIsSeenInEachUnitOfItsAssignments: a client taken in is in no unit's scope;
// each unit added (an assignment delivered there) brings the unit's staff the record and
// its managers the protected contact; the same data again writes nothing.
func TestAClientIsSeenInEachUnitOfItsAssignments(t *testing.T) {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), nil)
	e.Unit("aspen", "egen")
	e.Unit("bjorken", "norr")
	id := clients.ID("kommun", "191212121212")
	c := clients.Client{ClientID: id, Name: "Greta Lind", PersonalID: "19121212-1212", MunicipalityID: "kommun",
		Address: "Hemlig väg 1", Phone: "+46701234567", ProtectedIDs: true}
	if err := put(e, c); err != nil {
		t.Fatal(err)
	}
	anna := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	david := e.Actor("david", map[string]identity.Role{"aspen": identity.RoleUnitManager})
	britt := e.Actor("britt", map[string]identity.Role{"bjorken": identity.RoleLicensed})
	seen := func(a syncengine.Actor, kind string) bool {
		return slices.ContainsFunc(e.Pull(a), func(ch syncengine.Change) bool { return ch.Kind == kind && ch.ID == id })
	}
	if seen(anna, clients.Kind) || seen(david, clients.KindContact) {
		t.Fatal("a client with no assignment is seen in a unit")
	}
	add := func(unit string) {
		t.Helper()
		if err := e.Do(context.Background(), func(tx *syncengine.Tx) error { return clients.AddUnit(tx, id, unit) }); err != nil {
			t.Fatal(err)
		}
	}
	add("aspen")
	if !seen(anna, clients.Kind) || !seen(david, clients.KindContact) || seen(anna, clients.KindContact) || seen(britt, clients.Kind) {
		t.Fatal("after Aspen's assignment: Aspen's staff must see the client, its manager the contact, nobody else")
	}
	for _, ch := range e.Pull(anna) {
		if strings.Contains(string(ch.Data), "Hemlig") || strings.Contains(string(ch.Data), "701234567") {
			t.Fatalf("care staff received the protected address or phone: %s", ch.Data)
		}
	}
	h := head(t, e)
	add("aspen")
	if head(t, e) != h {
		t.Fatal("adding a unit the client is in wrote to the log")
	}
	add("bjorken")
	if !seen(britt, clients.Kind) || !seen(britt, clients.KindContact) || !seen(anna, clients.Kind) {
		t.Fatal("after Björken's assignment the client must be seen in both units")
	}
	var got clients.Client
	e.Record(clients.Kind, id, &got)
	if got.UnitID != "aspen" || !slices.Equal(got.Units(), []string{"aspen", "bjorken"}) {
		t.Fatalf("units: first %q, all %v", got.UnitID, got.Units())
	}
	h = head(t, e)
	if err := e.Do(context.Background(), func(tx *syncengine.Tx) error {
		c, _, err := clients.Load(tx, id)
		if err != nil {
			return err
		}
		return clients.Put(tx, c)
	}); err != nil {
		t.Fatal(err)
	}
	if head(t, e) != h {
		t.Fatal("putting the same client again wrote to the log")
	}
}
