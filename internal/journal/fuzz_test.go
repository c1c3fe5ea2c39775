package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

const (
	fuzzNoteID   = "0190a0b0-0000-7000-8000-000000000001"
	fuzzClientID = "0190a0b0-0000-7000-8000-000000000002"
)

func noteJSON(fields string) string {
	return `{"note_id":"` + fuzzNoteID + `","client_id":"` + fuzzClientID + `",` + fields + `}`
}

var noteSeeds = []string{
	noteJSON(`"heading":"Morgonbesök","keywords":["Hygien","Måltid"],"text":"Hjälpte till med frukost.","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"  Kväll  ","keywords":null,"text":" x ","occurred_at":"2026-11-22T20:00:00.123456789+01:00"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"0001-01-01T00:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"0001-01-01T00:30:00+01:00"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"9999-12-31T23:59:59Z"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"2026-11-22T08:00:00+23:59"`),
	noteJSON(`"heading":"","text":"t","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"` + strings.Repeat("å", 201) + `","text":"t","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"   ","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","keywords":["","x"],"occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","keywords":[` + strings.Repeat(`"k",`, 20) + `"k"],"occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"2026-11-22"`),
	noteJSON(`"heading":"h\u0000\ud800","text":"t\u2028","occurred_at":"2026-11-22T08:00:00Z"`),
	noteJSON(`"heading":"h","text":"t","occurred_at":"2026-11-22T08:00:00Z","author_id":"me"`),
	noteJSON(`"HEADING":"h","Text":"t","occurred_at":"2026-11-22T08:00:00Z"`),
	`{"note_id":"0190A0B0-0000-7000-8000-000000000001","client_id":"{0190a0b0-0000-7000-8000-000000000002}","heading":"h","text":"t","occurred_at":"2026-11-22T08:00:00Z"}`,
	`{"note_id":"00000000-0000-0000-0000-000000000000","client_id":"x","heading":"h","text":"t","occurred_at":"2026-11-22T08:00:00Z"}`,
	`{}`, `null`, ``, `[]`, `"x"`, `{"heading":1}`, `{"keywords":"x"}`, `{"x":1}`, `{`,
}

// FuzzNoteAddArgs: the arguments of journal.note.add come from the phone. decodeNoteAdd
// never panics; what it accepts is within the note's limits, and its JSON (which the
// writer stores without looking again) decodes back to the same arguments; what it refuses
// is an invalid_args (invalid_text, duplicate_field) Rejection that names a field.
func FuzzNoteAddArgs(f *testing.F) {
	for _, s := range noteSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := decodeNoteAdd(raw)
		if err != nil {
			checkRejection(t, raw, err)
			return
		}
		d, ok := v.(decodedNote)
		if !ok {
			t.Fatalf("%q: decoded to %T", raw, v)
		}
		a := d.NoteAddArgs
		if !uuids.Valid(a.NoteID) || !uuids.Valid(a.ClientID) {
			t.Fatalf("%q: accepted ids %q, %q", raw, a.NoteID, a.ClientID)
		}
		if n := utf8.RuneCountInString(a.Heading); n == 0 || n > maxHeading || a.Heading != strings.TrimSpace(a.Heading) {
			t.Fatalf("%q: accepted heading %q", raw, a.Heading)
		}
		if n := utf8.RuneCountInString(a.Text); n == 0 || n > maxText || strings.TrimSpace(a.Text) == "" {
			t.Fatalf("%q: accepted text of %d characters", raw, n)
		}
		if a.Keywords == nil || len(a.Keywords) > maxKeywords {
			t.Fatalf("%q: accepted keywords %q", raw, a.Keywords)
		}
		for _, k := range a.Keywords {
			if n := utf8.RuneCountInString(strings.TrimSpace(k)); n == 0 || n > maxKeyword {
				t.Fatalf("%q: accepted keyword %q", raw, k)
			}
		}
		if a.OccurredAt.IsZero() || a.OccurredAt.Location() != time.UTC {
			t.Fatalf("%q: accepted occurred_at %v", raw, a.OccurredAt)
		}
		if !json.Valid(d.argsJSON) || d.argsJSON[0] != '{' || d.argsJSON[len(d.argsJSON)-1] != '}' {
			t.Fatalf("%q: argsJSON %q is not a JSON object (appendTo needs one)", raw, d.argsJSON)
		}
		var back NoteAddArgs
		dec := json.NewDecoder(bytes.NewReader(d.argsJSON))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("%q: argsJSON %s does not decode: %v", raw, d.argsJSON, err)
		}
		if !back.OccurredAt.Equal(a.OccurredAt) {
			t.Fatalf("%q: occurred_at %v came back as %v", raw, a.OccurredAt, back.OccurredAt)
		}
		back.OccurredAt = a.OccurredAt
		if !reflect.DeepEqual(back, a) {
			t.Fatalf("%q: argsJSON %s decodes to %+v, not %+v", raw, d.argsJSON, back, a)
		}
		// What the writer stores decodes as a Note too.
		server := NoteServerFields{UnitID: "u", AuthorID: "a", AuthorRole: "care_staff", ClientTime: a.OccurredAt, ServerTime: a.OccurredAt}
		if stored := server.appendTo(d.argsJSON); !json.Valid(stored) {
			t.Fatalf("%q: the stored note %s is not JSON", raw, stored)
		}
	})
}

// argsCodes are the codes syncengine.DecodeArgs and the note's own checks answer with.
var argsCodes = map[string]bool{"invalid_args": true, codes.InvalidText: true, codes.DuplicateField: true}

func checkRejection(t *testing.T, raw []byte, err error) {
	t.Helper()
	rej, ok := err.(*syncengine.Rejection)
	if !ok {
		t.Fatalf("%q: error %T %v, want a *syncengine.Rejection", raw, err, err)
	}
	if !argsCodes[rej.Code] || rej.Message == "" {
		t.Fatalf("%q: rejection %+v", raw, rej)
	}
	// DecodeArgs names no field when there are no arguments at all (empty or null).
	if trimmed := bytes.TrimSpace(raw); len(rej.Fields) == 0 && len(trimmed) != 0 && string(trimmed) != "null" {
		t.Fatalf("%q: rejection %+v names no field", raw, rej)
	}
}

// An occurred_at written with an offset can fall outside the years JSON can hold once it
// is turned to UTC ("0000-01-01T00:00:00+01:00" is the year -1 in UTC). decodeNoteAdd then
// fails in json.Marshal and returns that error, which the engine turns into an
// internal_error rejection ("tell your manager if it stays") instead of invalid_args on
// occurred_at.
//
// BUG (reported to the lead): fails today.
func TestNoteAddRejectsATimeJSONCannotWrite(t *testing.T) {
	for _, at := range []string{"0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"} {
		_, err := decodeNoteAdd(json.RawMessage(noteJSON(`"heading":"h","text":"t","occurred_at":"` + at + `"`)))
		var rej *syncengine.Rejection
		if !errors.As(err, &rej) || rej.Code != "invalid_args" || rej.Fields["occurred_at"] == "" {
			t.Errorf("occurred_at %s: got %T %v, want invalid_args naming occurred_at", at, err, err)
		}
	}
}
