package journal_test

import (
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// world is two units of the municipality's own provider (Aspen, Lönnen) and one of a
// private provider (Björken), with the people of each role.
type world struct {
	*caretest.Engine
	client clients.Client   // Aspen's
	anna   syncengine.Actor // care staff, Aspen (omvårdnadspersonal)
	bo     syncengine.Actor // care staff, Aspen
	carl   syncengine.Actor // coordinator, Aspen (samordnare)
	lisa   syncengine.Actor // licensed, Aspen (sjuksköterska)
	maja   syncengine.Actor // unit manager, Aspen (enhetschef)
	mats   syncengine.Actor // unit manager, Lönnen
	pia    syncengine.Actor // unit manager, Björken (privat utförare)
	olle   syncengine.Actor // care staff, Lönnen
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), journal.Handlers())
	e.Unit("aspen", "kommunen")
	e.Unit("lonnen", "kommunen")
	e.Unit("bjorken", "omsorg-ab")
	one := func(id, unit string, r identity.Role) syncengine.Actor {
		return e.Actor(id, map[string]identity.Role{unit: r})
	}
	return &world{Engine: e, client: e.Client(uuids.New(), "aspen"),
		anna: one("anna", "aspen", identity.RoleCareStaff), bo: one("bo", "aspen", identity.RoleCareStaff),
		carl: one("carl", "aspen", identity.RoleCoordinator), lisa: one("lisa", "aspen", identity.RoleLicensed),
		maja: one("maja", "aspen", identity.RoleUnitManager), mats: one("mats", "lonnen", identity.RoleUnitManager),
		pia: one("pia", "bjorken", identity.RoleUnitManager), olle: one("olle", "lonnen", identity.RoleCareStaff)}
}

// note saves a note by the actor and returns its id.
func (w *world) note(t *testing.T, a syncengine.Actor, clientID, text string) string {
	t.Helper()
	id := uuids.New()
	r := w.Push(a, journal.MutationNoteAdd, noteArgs(id, clientID, text, w.Now()))
	if r.Status != syncengine.StatusApplied {
		t.Fatalf("note by %s: %+v", a.UserID, r)
	}
	return id
}

func noteArgs(id, clientID, text string, at time.Time) map[string]any {
	return map[string]any{"note_id": id, "client_id": clientID, "heading": "Besök", "keywords": []string{}, "text": text, "occurred_at": at}
}

// wantRefused checks a mutation's result is a rejection with the code.
func wantRefused(t *testing.T, who string, r syncengine.Result, code string) {
	t.Helper()
	if r.Status != syncengine.StatusRejected || r.Error == nil || r.Error.Code != code {
		t.Errorf("%s: got %+v (error %+v), want rejected %s", who, r, r.Error, code)
	}
	if r.Record != nil {
		t.Errorf("%s: a refused mutation handed back a record: %s", who, r.Record.Data)
	}
}

// find returns the data of the record of kind and id among changes.
func find(changes []syncengine.Change, kind, id string) (syncengine.Change, bool) {
	for _, c := range changes {
		if c.Kind == kind && c.ID == id {
			return c, true
		}
	}
	return syncengine.Change{}, false
}
