package journal

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The writer builds the server's fields by hand; they must decode exactly as the struct.
func TestNoteServerFieldsMatchTheirTags(t *testing.T) {
	want := NoteServerFields{UnitID: "u-1", AuthorID: "a\"ö", AuthorRole: "care_staff",
		ClientTime: time.Date(2026, 11, 22, 8, 1, 2, 300, time.UTC), ServerTime: time.Date(2026, 11, 22, 8, 1, 3, 0, time.UTC)}
	args, _ := json.Marshal(NoteAddArgs{NoteID: "n", ClientID: "c", Heading: "h", Keywords: []string{}, Text: "t"})
	raw := want.appendTo(args)
	var got Note
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if !reflect.DeepEqual(got.NoteServerFields, want) || got.NoteID != "n" || got.Text != "t" {
		t.Fatalf("got %+v from %s", got, raw)
	}
	// Every tagged field is written: a field added to the struct must be added to appendTo.
	var m map[string]any
	json.Unmarshal(raw, &m)
	typ := reflect.TypeOf(NoteServerFields{})
	for i := 0; i < typ.NumField(); i++ {
		if _, ok := m[typ.Field(i).Tag.Get("json")]; !ok {
			t.Errorf("appendTo does not write %s", typ.Field(i).Tag.Get("json"))
		}
	}
}
