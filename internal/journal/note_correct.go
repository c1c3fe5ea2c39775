package journal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationNoteCorrect = "journal.note.correct"
	KindNoteCorrection  = "note_correction" // rättning
)

// maxReason is the length of a correction's reason.
const maxReason = 1000

// correctors are the roles that correct a saved note: the unit's managers only
// (verksamhetschef/enhetschef).
var correctors = []identity.Role{identity.RoleUnitManager}

// NoteCorrectArgs are the arguments of journal.note.correct (rätta journalanteckning).
type NoteCorrectArgs struct {
	CorrectionID string `json:"correction_id"`
	NoteID       string `json:"note_id"`
	StruckText   string `json:"struck_text"` // the part of the note's text struck out
	NewText      string `json:"new_text"`    // what replaces it; empty strikes it without replacement
	Reason       string `json:"reason"`
}

// Correction is a saved correction of a note (rättning). The note itself is never
// changed: the original text stays legible, and each correction is a record of its own
// that names the struck text, the new text, who corrected, in which role and when.
type Correction struct {
	NoteCorrectArgs
	ClientID      string        `json:"client_id"`
	UnitID        string        `json:"unit_id"`
	CorrectedBy   string        `json:"corrected_by"`
	CorrectedRole identity.Role `json:"corrected_role"`
	ClientTime    time.Time     `json:"client_time"`
	ServerTime    time.Time     `json:"server_time"`
}

// NoteCorrect is the handler of journal.note.correct.
func NoteCorrect() syncengine.Handler {
	return syncengine.Handler{Decode: decodeNoteCorrect, Apply: applyNoteCorrect}
}

func decodeNoteCorrect(raw json.RawMessage) (any, error) {
	var a NoteCorrectArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.CorrectionID) {
		fields["correction_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.NoteID) {
		fields["note_id"] = "must be the UUID of a note"
	}
	if strings.TrimSpace(a.StruckText) == "" || utf8.RuneCountInString(a.StruckText) > maxText {
		fields["struck_text"] = "is required: the part of the note's text to strike"
	}
	if utf8.RuneCountInString(a.NewText) > maxText {
		fields["new_text"] = "at most 20000 characters"
	} else if a.NewText == a.StruckText && a.StruckText != "" {
		fields["new_text"] = "must differ from the struck text"
	}
	a.Reason = syncengine.TrimmedText(a.Reason, "reason", maxReason, true, fields)
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The correction is not complete.", Fields: fields}
	}
	return a, nil
}

// noteForCorrection is what a correction reads of the note it corrects.
type noteForCorrection struct {
	ClientID string `json:"client_id"`
	UnitID   string `json:"unit_id"`
	Text     string `json:"text"`
}

func applyNoteCorrect(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(NoteCorrectArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	now := tx.Now()
	rec, ok, err := tx.Get(KindNote, a.NoteID)
	if err != nil {
		return err
	}
	var note noteForCorrection
	if ok {
		if err := json.Unmarshal(rec.Data, &note); err != nil {
			return fmt.Errorf("journal: unable to decode note %s: %w", a.NoteID, err)
		}
	}
	if !ok || !inUnit(access, note.UnitID) {
		// The same answer whether the note is in another unit, another provider's or nowhere.
		return syncengine.Reject(codes.NoteNotFound, "This note is not in any of your units.")
	}
	role, allowed := access.RoleIn(note.UnitID, correctors...)
	if !allowed {
		return syncengine.Reject(codes.Forbidden, "Only a unit manager can correct a saved note.")
	}
	// Checked only now: the text is no oracle for those who may not read it.
	if !strings.Contains(note.Text, a.StruckText) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The struck text is not in the note.",
			Fields: map[string]string{"struck_text": "must be part of the note's text, exactly as written"}}
	}
	if existing, exists, err := tx.Get(KindNoteCorrection, a.CorrectionID); err != nil {
		return err
	} else if exists {
		return conflictWith(syncengine.Reject(codes.CorrectionExists, "This correction is already saved and cannot be changed; make a new correction."), existing, c.Actor)
	}
	corr := Correction{NoteCorrectArgs: a, ClientID: note.ClientID, UnitID: note.UnitID,
		CorrectedBy: c.Actor.UserID, CorrectedRole: role, ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	return tx.Put(KindNoteCorrection, a.CorrectionID, []string{identity.UnitScope(note.UnitID)}, corr)
}
