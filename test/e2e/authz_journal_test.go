package e2e

import (
	"testing"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAuthorizationJournal: journal.note.add for Aspen's client, by every role in Aspen,
// another unit, another provider and with an expired grant.
func TestAuthorizationJournal(t *testing.T) {
	s, devices := authzWorld(t)
	note := func() any { return testserver.Note(uuids.New(), demo.ClientID(1), "Besök utfört.", s.Clock.Now()) }
	rows := rowsFor("journal.note.add", note, map[identity.Role]string{
		identity.RoleUnitRep: "client_not_found", // a unit representative administers accounts, writes no notes
	}, "client_not_found")
	runScenarios(t, s, devices, rows)
}

// TestAuthorizationJournalCorrect: only Aspen's unit manager corrects Aspen's note; the
// unit's other roles are told they may not; to everyone else the note does not exist.
func TestAuthorizationJournalCorrect(t *testing.T) {
	s, devices := authzWorld(t)
	noteID := uuids.New()
	if r := devices["anna"].Push("journal.note.add", testserver.Note(noteID, demo.ClientID(1), "Gav fel medicin kl 8.", s.Clock.Now())); r.Results[0].Status != "applied" {
		t.Fatalf("the note to correct: %+v", r.Results[0])
	}
	correct := func() any {
		return map[string]any{"correction_id": uuids.New(), "note_id": noteID, "struck_text": "fel medicin", "new_text": "medicin", "reason": "Felskrivning"}
	}
	rows := rowsFor("journal.note.correct", correct, map[identity.Role]string{
		identity.RoleCareStaff: "forbidden", identity.RoleLicensed: "forbidden", identity.RoleCoordinator: "forbidden", identity.RoleUnitRep: "forbidden",
	}, "note_not_found")
	runScenarios(t, s, devices, rows)
}

// TestAuthorizationJournalClose: Aspen's manager and coordinator close a journal (twice is
// harmless); the unit's other roles may not; to everyone else it does not exist.
func TestAuthorizationJournalClose(t *testing.T) {
	s, devices := authzWorld(t)
	closeIt := func() any {
		return map[string]any{"journal_id": journal.JournalID(demo.ClientID(2)), "client_id": demo.ClientID(2)}
	}
	rows := rowsFor("journal.close", closeIt, map[identity.Role]string{
		identity.RoleCareStaff: "forbidden", identity.RoleLicensed: "forbidden", identity.RoleUnitRep: "forbidden",
	}, "journal_not_found")
	runScenarios(t, s, devices, rows)
}
