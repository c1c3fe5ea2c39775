package caretest_test

import (
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func TestANoteThroughTheHelper(t *testing.T) {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), map[string]syncengine.Handler{journal.MutationNoteAdd: journal.NoteAdd()})
	e.Unit("aspen", "egen")
	e.Unit("lonnen", "egen")
	c := e.Client(uuids.New(), "aspen")
	anna := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	other := e.Actor("olle", map[string]identity.Role{"lonnen": identity.RoleCareStaff})
	args := map[string]any{"note_id": uuids.New(), "client_id": c.ClientID, "heading": "Besök", "keywords": []string{}, "text": "Allt väl.", "occurred_at": e.Now()}
	if r := e.Push(anna, journal.MutationNoteAdd, args); r.Status != syncengine.StatusApplied {
		t.Fatalf("anna: %+v", r)
	}
	args["note_id"] = uuids.New()
	if r := e.Push(other, journal.MutationNoteAdd, args); r.Status != syncengine.StatusRejected || r.Error.Code != "client_not_found" {
		t.Fatalf("another unit: %+v", r)
	}
	if e.Record(journal.KindNote, args["note_id"].(string), nil) {
		t.Fatal("the refused note was stored")
	}
	if len(e.Pull(other)) != 0 {
		t.Fatal("another unit sees Aspen's records")
	}
}
