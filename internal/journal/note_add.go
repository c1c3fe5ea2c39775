// Package journal holds the implementation journal (genomförandejournal): notes that staff
// write about the care carried out, read-only once saved.
package journal

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationNoteAdd = "journal.note.add"
	KindNote        = "journal_note"
)

// Limits of a note.
const (
	maxHeading   = 200
	maxText      = 20000
	maxKeywords  = 20
	maxKeyword   = 80
	futureSlack  = 10 * time.Minute     // phones' clocks drift; a note is never about the future
	oldestNoteAt = 366 * 24 * time.Hour // documenting later than a year is not a field task
)

// writers are the roles that write notes in a client's journal.
var writers = []identity.Role{identity.RoleCareStaff, identity.RoleCoordinator, identity.RoleUnitManager, identity.RoleLicensed}

// NoteAddArgs are the arguments of journal.note.add.
type NoteAddArgs struct {
	NoteID     string    `json:"note_id"`
	ClientID   string    `json:"client_id"`
	Heading    string    `json:"heading"`
	Keywords   []string  `json:"keywords"` // nyckelord
	Text       string    `json:"text"`
	OccurredAt time.Time `json:"occurred_at"`
}

// Note is a saved journal note (anteckning): what the author wrote and what the server
// adds.
type Note struct {
	NoteAddArgs
	NoteServerFields
}

// NoteServerFields are set by the server (or an import), never taken from the phone.
type NoteServerFields struct {
	UnitID     string        `json:"unit_id"`
	AuthorID   string        `json:"author_id"`
	AuthorRole identity.Role `json:"author_role"`
	ClientTime time.Time     `json:"client_time"`
	ServerTime time.Time     `json:"server_time"`
}

// decodedNote is what Decode hands to Apply: the checked arguments, already in JSON so
// that the single writer does not encode the note text.
type decodedNote struct {
	NoteAddArgs
	argsJSON []byte
}

// NoteAdd is the handler of journal.note.add.
func NoteAdd() syncengine.Handler {
	return syncengine.Handler{Decode: decodeNoteAdd, Apply: applyNoteAdd}
}

func decodeNoteAdd(raw json.RawMessage) (any, error) {
	var a NoteAddArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.NoteID) {
		fields["note_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.ClientID) {
		fields["client_id"] = "must be the UUID of a client"
	}
	a.Heading = strings.TrimSpace(a.Heading)
	if n := utf8.RuneCountInString(a.Heading); n == 0 || n > maxHeading {
		fields["heading"] = "is required, at most 200 characters"
	}
	if n := utf8.RuneCountInString(a.Text); strings.TrimSpace(a.Text) == "" || n > maxText {
		fields["text"] = "is required, at most 20000 characters"
	}
	if len(a.Keywords) > maxKeywords {
		fields["keywords"] = "at most 20 keywords"
	}
	for _, k := range a.Keywords {
		if n := utf8.RuneCountInString(strings.TrimSpace(k)); n == 0 || n > maxKeyword {
			fields["keywords"] = "each keyword is 1 to 80 characters"
		}
	}
	if a.Keywords == nil {
		a.Keywords = []string{}
	}
	if a.OccurredAt.IsZero() {
		fields["occurred_at"] = "is required: when it happened"
	} else if y := a.OccurredAt.UTC().Year(); y < 1900 || y > 9999 {
		fields["occurred_at"] = "must be a real date" // and one JSON can write back
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The note is not complete.", Fields: fields}
	}
	a.OccurredAt = a.OccurredAt.UTC()
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return decodedNote{NoteAddArgs: a, argsJSON: raw}, nil
}

func applyNoteAdd(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(decodedNote)
	access, _ := c.Actor.Domain.(identity.Access)
	now := tx.Now()
	if a.OccurredAt.After(now.Add(futureSlack)) || a.OccurredAt.Before(now.Add(-oldestNoteAt)) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The time of the event is not possible.",
			Fields: map[string]string{"occurred_at": "must be within the last year and not in the future"}}
	}
	client, ok, err := clients.Get(tx, a.ClientID)
	if err != nil {
		return err
	}
	role, allowed := access.RoleIn(client.UnitID, writers...)
	if !ok || !allowed {
		// The same answer whether the client exists elsewhere or not at all.
		return syncengine.Reject(codes.ClientNotFound, "This client is not in any of your units.")
	}
	// Closed by the authority (the client record) or in Vardag (the journal record).
	closed, err := journalClosed(tx, client.ClientID)
	if err != nil {
		return err
	}
	if !client.JournalOpen || closed {
		return syncengine.Reject(codes.JournalClosed, "This client's journal is closed and takes no new notes.")
	}
	if existing, exists, err := tx.Get(KindNote, a.NoteID); err != nil {
		return err
	} else if exists {
		return conflictWith(syncengine.Reject(codes.NoteExists, "A saved note cannot be changed; only a unit manager can correct it."), existing, c.Actor)
	}
	server := NoteServerFields{UnitID: client.UnitID, AuthorID: c.Actor.UserID, AuthorRole: role,
		ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	return tx.Put(KindNote, a.NoteID, []string{identity.UnitScope(client.UnitID)}, server.appendTo(a.argsJSON))
}

// appendTo adds the server's fields to the author's JSON object: {args…} → {args…,server…}.
// It runs in the single writer for every note, so it is built by hand; the field names are
// those of the struct tags, and TestNoteServerFieldsMatchTheirTags holds them together.
func (f NoteServerFields) appendTo(args []byte) json.RawMessage {
	buf := make([]byte, 0, len(args)+256)
	buf = append(buf, args[:len(args)-1]...)
	buf = append(buf, `,"unit_id":`...)
	buf = syncengine.AppendJSONString(buf, f.UnitID)
	buf = append(buf, `,"author_id":`...)
	buf = syncengine.AppendJSONString(buf, f.AuthorID)
	buf = append(buf, `,"author_role":`...)
	buf = syncengine.AppendJSONString(buf, string(f.AuthorRole))
	buf = append(buf, `,"client_time":"`...)
	buf = f.ClientTime.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, `","server_time":"`...)
	buf = f.ServerTime.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, `"}`...)
}
