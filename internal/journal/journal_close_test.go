package journal_test

import (
	"context"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func closeArgs(clientID string) map[string]any {
	return map[string]any{"journal_id": journal.JournalID(clientID), "client_id": clientID}
}

func TestAClosedJournalTakesNoNotes(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	w.Advance(time.Hour)
	if r := w.Push(w.carl, journal.MutationClose, closeArgs(w.client.ClientID)); r.Status != syncengine.StatusApplied {
		t.Fatalf("coordinator closes: %+v %+v", r, r.Error)
	}
	closedAt := w.Now()
	jid := journal.JournalID(w.client.ClientID)
	c, ok := find(w.Pull(w.anna), journal.KindJournal, jid)
	if !ok {
		t.Fatal("the closed journal did not reach the unit's staff")
	}
	var j journal.Journal
	if !w.Record(journal.KindJournal, jid, &j) || j.Status != journal.JournalClosed || j.ClientID != w.client.ClientID ||
		j.ClosedBy != "carl" || j.ClosedRole != identity.RoleCoordinator || !j.ClosedAt.Equal(closedAt) || j.UnitID != "aspen" {
		t.Fatalf("journal record %+v", j)
	}
	if len(c.Scopes) != 1 || c.Scopes[0] != identity.UnitScope("aspen") {
		t.Errorf("journal scopes %v", c.Scopes)
	}

	w.Advance(time.Minute)
	id := uuids.New()
	r := w.Push(w.anna, journal.MutationNoteAdd, noteArgs(id, w.client.ClientID, "Efter avslut", w.Now()))
	wantRefused(t, "a note on a closed journal", r, "journal_closed")
	if r.Error != nil && r.Error.Message != "This client's journal is closed and takes no new notes." {
		t.Errorf("message %q", r.Error.Message)
	}
	if w.Record(journal.KindNote, id, nil) {
		t.Fatal("the refused note was stored")
	}
	// The notes written before stay, and a manager may still correct them.
	if r := w.Push(w.maja, journal.MutationNoteCorrect, correction(uuids.New(), noteID, "kl 8", "kl 9", "Fel tid")); r.Status != syncengine.StatusApplied {
		t.Errorf("correcting a note of a closed journal: %+v %+v", r, r.Error)
	}
	// Another client's journal is still open.
	w.note(t, w.anna, w.Client(uuids.New(), "aspen").ClientID, "Annan brukare")
}

func TestClosingTwiceIsHarmless(t *testing.T) {
	w := newWorld(t)
	jid := journal.JournalID(w.client.ClientID)
	if r := w.Push(w.maja, journal.MutationClose, closeArgs(w.client.ClientID)); r.Status != syncengine.StatusApplied {
		t.Fatalf("%+v %+v", r, r.Error)
	}
	var first journal.Journal
	w.Record(journal.KindJournal, jid, &first)
	before := len(w.Pull(w.anna))
	w.Advance(time.Hour)
	// The second close names only the journal, as API.md has it.
	for _, a := range []syncengine.Actor{w.carl, w.maja} {
		if r := w.Push(a, journal.MutationClose, map[string]any{"journal_id": jid}); r.Status != syncengine.StatusApplied {
			t.Fatalf("%s closes again: %+v %+v", a.UserID, r, r.Error)
		}
	}
	var again journal.Journal
	w.Record(journal.KindJournal, jid, &again)
	if again != first || again.ClosedBy != "maja" {
		t.Fatalf("closing again changed the journal: %+v, was %+v", again, first)
	}
	if after := len(w.Pull(w.anna)); after != before {
		t.Fatalf("closing again wrote %d changes", after-before)
	}
}

func TestWhoClosesAJournal(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		who  syncengine.Actor
		code string
	}{
		{w.anna, "forbidden"},
		{w.lisa, "forbidden"},
		{w.mats, "journal_not_found"},
		{w.pia, "journal_not_found"},
	} {
		wantRefused(t, c.who.UserID, w.Push(c.who, journal.MutationClose, closeArgs(w.client.ClientID)), c.code)
	}
	// Nor with only the journal id, once the journal is on the server.
	if r := w.Push(w.maja, journal.MutationClose, closeArgs(w.client.ClientID)); r.Status != syncengine.StatusApplied {
		t.Fatalf("%+v", r)
	}
	wantRefused(t, "anna, id only", w.Push(w.anna, journal.MutationClose, map[string]any{"journal_id": journal.JournalID(w.client.ClientID)}), "forbidden")
	wantRefused(t, "pia, id only", w.Push(w.pia, journal.MutationClose, map[string]any{"journal_id": journal.JournalID(w.client.ClientID)}), "journal_not_found")
	wantRefused(t, "no such client", w.Push(w.maja, journal.MutationClose, closeArgs(uuids.New())), "journal_not_found")
}

func TestCloseArguments(t *testing.T) {
	w := newWorld(t)
	other := uuids.New()
	for field, args := range map[string]map[string]any{
		"client_id":  {"journal_id": journal.JournalID(w.client.ClientID)}, // not on the server yet: name the client
		"journal_id": {"journal_id": journal.JournalID(other), "client_id": w.client.ClientID},
		"status":     {"journal_id": journal.JournalID(w.client.ClientID), "status": "closed"},
	} {
		r := w.Push(w.maja, journal.MutationClose, args)
		wantRefused(t, field, r, "invalid_args")
		if r.Error != nil && r.Error.Fields[field] == "" {
			t.Errorf("%s: fields %v", field, r.Error.Fields)
		}
	}
	if w.Record(journal.KindJournal, journal.JournalID(w.client.ClientID), nil) {
		t.Fatal("a refused close was stored")
	}
}

// The journal id is the phone's to compute: stable and distinct per client.
func TestJournalID(t *testing.T) {
	a, b := uuids.New(), uuids.New()
	if journal.JournalID(a) != journal.JournalID(a) || journal.JournalID(a) == journal.JournalID(b) || !uuids.Valid(journal.JournalID(a)) {
		t.Fatal("JournalID is not a stable UUID per client")
	}
	if got := journal.JournalID("0190a0b0-0000-7000-8000-000000000002"); got != uuids.Named("journal/0190a0b0-0000-7000-8000-000000000002") {
		t.Fatalf("JournalID %s", got)
	}
}

// A client the authority sends with a closed journal takes no notes either.
func TestAClientSentWithAClosedJournal(t *testing.T) {
	w := newWorld(t)
	c := clients.Client{ClientID: uuids.New(), Name: "Brukare", PersonalID: "19121212-1212", UnitID: "aspen", JournalOpen: false}
	if err := w.Do(context.Background(), func(tx *syncengine.Tx) error { return clients.Put(tx, c) }); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, "closed by the authority", w.Push(w.anna, journal.MutationNoteAdd, noteArgs(uuids.New(), c.ClientID, "x", w.Now())), "journal_closed")
}
