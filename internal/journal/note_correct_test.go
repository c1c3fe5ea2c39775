package journal_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

const original = "Gav morgonmedicin kl 8. Brukaren åt frukost."

func correction(id, noteID, struck, repl, reason string) map[string]any {
	return map[string]any{"correction_id": id, "note_id": noteID, "struck_text": struck, "new_text": repl, "reason": reason}
}

func TestACorrectionKeepsTheOriginalLegible(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	w.Advance(3 * time.Hour)
	first, second := uuids.New(), uuids.New()
	if r := w.Push(w.maja, journal.MutationNoteCorrect, correction(first, noteID, "kl 8", "kl 9", "Fel tid angiven")); r.Status != syncengine.StatusApplied {
		t.Fatalf("manager's correction: %+v %+v", r, r.Error)
	}
	correctedAt := w.Now()
	w.Advance(time.Hour)
	// A second correction of the same note is a record of its own; new_text may be empty.
	if r := w.Push(w.maja, journal.MutationNoteCorrect, correction(second, noteID, " Brukaren åt frukost.", "", "Skrivet i fel journal")); r.Status != syncengine.StatusApplied {
		t.Fatalf("second correction: %+v %+v", r, r.Error)
	}

	changes := w.Pull(w.bo) // a colleague's phone
	nc, ok := find(changes, journal.KindNote, noteID)
	if !ok {
		t.Fatal("the note is gone from the colleague's phone")
	}
	var note journal.Note
	if err := json.Unmarshal(nc.Data, &note); err != nil {
		t.Fatal(err)
	}
	if note.Text != original || note.AuthorID != "anna" {
		t.Fatalf("the note was changed: %+v", note)
	}
	cc, ok := find(changes, journal.KindNoteCorrection, first)
	if !ok {
		t.Fatal("the correction did not reach the colleague")
	}
	if want := []string{identity.UnitScope("aspen")}; len(cc.Scopes) != 1 || cc.Scopes[0] != want[0] {
		t.Errorf("correction scopes %v, want %v", cc.Scopes, want)
	}
	var corr journal.Correction
	dec := json.NewDecoder(strings.NewReader(string(cc.Data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&corr); err != nil {
		t.Fatal(err)
	}
	if corr.NoteID != noteID || corr.StruckText != "kl 8" || corr.NewText != "kl 9" || corr.Reason != "Fel tid angiven" ||
		corr.CorrectedBy != "maja" || corr.CorrectedRole != identity.RoleUnitManager || corr.UnitID != "aspen" ||
		corr.ClientID != w.client.ClientID || !corr.ServerTime.Equal(correctedAt) || !corr.ClientTime.Equal(correctedAt) {
		t.Errorf("correction %+v", corr)
	}
	if _, ok := find(changes, journal.KindNoteCorrection, second); !ok {
		t.Error("the second correction did not reach the colleague")
	}
	// Nothing of Aspen reaches another unit.
	for _, a := range []syncengine.Actor{w.olle, w.mats, w.pia} {
		if cs := w.Pull(a); len(cs) != 0 {
			t.Errorf("%s sees %d of Aspen's records", a.UserID, len(cs))
		}
	}
}

func TestOnlyTheUnitsManagerCorrects(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	for _, c := range []struct {
		who  syncengine.Actor
		code string
	}{
		{w.anna, "forbidden"}, // the author herself
		{w.carl, "forbidden"},
		{w.lisa, "forbidden"},
		{w.mats, "note_not_found"}, // manager of another unit
		{w.pia, "note_not_found"},  // manager at another provider
	} {
		id := uuids.New()
		wantRefused(t, c.who.UserID, w.Push(c.who, journal.MutationNoteCorrect, correction(id, noteID, "kl 8", "kl 9", "Fel tid")), c.code)
		if w.Record(journal.KindNoteCorrection, id, nil) {
			t.Errorf("%s: the refused correction was stored", c.who.UserID)
		}
	}
	// A note that does not exist answers as one in another unit.
	wantRefused(t, "no note", w.Push(w.maja, journal.MutationNoteCorrect, correction(uuids.New(), uuids.New(), "kl 8", "kl 9", "Fel tid")), "note_not_found")
	// Someone else's refusal says nothing of the text: the substring check comes after access.
	wantRefused(t, "mats, wrong text", w.Push(w.mats, journal.MutationNoteCorrect, correction(uuids.New(), noteID, "finns inte", "x", "Fel")), "note_not_found")
	wantRefused(t, "anna, wrong text", w.Push(w.anna, journal.MutationNoteCorrect, correction(uuids.New(), noteID, "finns inte", "x", "Fel")), "forbidden")
}

func TestTheStruckTextMustBeInTheNote(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	for _, struck := range []string{"kl 10", "KL 8", "frukost. Och lunch"} {
		id := uuids.New()
		r := w.Push(w.maja, journal.MutationNoteCorrect, correction(id, noteID, struck, "x", "Fel"))
		wantRefused(t, struck, r, "invalid_args")
		if r.Error == nil {
			continue
		}
		if r.Error.Fields["struck_text"] == "" {
			t.Errorf("%q: fields %v do not name struck_text", struck, r.Error.Fields)
		}
		if strings.Contains(r.Error.Message, struck) || strings.Contains(r.Error.Fields["struck_text"], "frukost") {
			t.Errorf("%q: the note's text is in the error %+v", struck, r.Error)
		}
		if w.Record(journal.KindNoteCorrection, id, nil) {
			t.Errorf("%q: stored", struck)
		}
	}
}

func TestCorrectionArguments(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	for field, args := range map[string]map[string]any{
		"correction_id": correction("c-1", noteID, "kl 8", "kl 9", "Fel"),
		"note_id":       correction(uuids.New(), "n", "kl 8", "kl 9", "Fel"),
		"struck_text":   correction(uuids.New(), noteID, "  ", "kl 9", "Fel"),
		"new_text":      correction(uuids.New(), noteID, "kl 8", "kl 8", "Fel"),
		"reason":        correction(uuids.New(), noteID, "kl 8", "kl 9", " "),
		"corrected_by":  {"correction_id": uuids.New(), "note_id": noteID, "struck_text": "kl 8", "new_text": "kl 9", "reason": "Fel", "corrected_by": "anna"},
	} {
		r := w.Push(w.maja, journal.MutationNoteCorrect, args)
		wantRefused(t, field, r, "invalid_args")
		if r.Error != nil && r.Error.Fields[field] == "" {
			t.Errorf("%s: fields %v", field, r.Error.Fields)
		}
	}
}

func TestACorrectionIdIsUsedOnce(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	id := uuids.New()
	if r := w.Push(w.maja, journal.MutationNoteCorrect, correction(id, noteID, "kl 8", "kl 9", "Fel tid")); r.Status != syncengine.StatusApplied {
		t.Fatalf("%+v", r)
	}
	r := w.Push(w.maja, journal.MutationNoteCorrect, correction(id, noteID, "frukost", "lunch", "Fel måltid"))
	if r.Status != syncengine.StatusConflict || r.Error.Code != "correction_exists" || r.Record == nil || r.Record.ID != id {
		t.Fatalf("reused id: %+v", r)
	}
	var corr journal.Correction
	if !w.Record(journal.KindNoteCorrection, id, &corr) || corr.NewText != "kl 9" {
		t.Fatalf("the saved correction changed: %+v", corr)
	}
	// Lönnen's manager reusing Aspen's correction id is refused without Aspen's record.
	lonnen := w.Client(uuids.New(), "lonnen")
	theirs := w.note(t, w.olle, lonnen.ClientID, "Promenad i parken.")
	wantRefused(t, "another unit's id", w.Push(w.mats, journal.MutationNoteCorrect, correction(id, theirs, "parken", "skogen", "Fel plats")), "correction_exists")
	// The same for a note id: a note of Aspen's id pushed in Lönnen is not handed over.
	wantRefused(t, "another unit's note id", w.Push(w.olle, journal.MutationNoteAdd, noteArgs(noteID, lonnen.ClientID, "x", w.Now())), "note_exists")
	if r := w.Push(w.bo, journal.MutationNoteAdd, noteArgs(noteID, w.client.ClientID, "x", w.Now())); r.Status != syncengine.StatusConflict || r.Record == nil {
		t.Errorf("a colleague's reused note id: %+v", r)
	}
}

func TestACorrectionWithThePhonesClockAhead(t *testing.T) {
	w := newWorld(t)
	noteID := w.note(t, w.anna, w.client.ClientID, original)
	args, _ := json.Marshal(correction(uuids.New(), noteID, "kl 8", "kl 9", "Fel tid"))
	res, err := w.Engine.Engine.Push(t.Context(), w.maja, []syncengine.Mutation{{ID: 1, Name: journal.MutationNoteCorrect, Args: args, ClientTime: w.Now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, "an hour ahead", res.Results[0], codes.InvalidClientTime)
}
