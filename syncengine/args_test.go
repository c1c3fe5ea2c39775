package syncengine_test

import (
	"encoding/json"
	"errors"
	"testing"

	"vardag/internal/codes"
	"vardag/syncengine"
)

// careArgs is shaped like a care mutation's arguments: texts, a list of texts, and a
// list of objects with texts.
type careArgs struct {
	NoteID   string   `json:"note_id"`
	Heading  string   `json:"heading"`
	Keywords []string `json:"keywords"`
	Measures []struct {
		Instruction string `json:"instruction"`
	} `json:"measures"`
}

func wantRejection(t *testing.T, raw, code, field string) {
	t.Helper()
	var v careArgs
	err := syncengine.DecodeArgs(json.RawMessage(raw), &v)
	var rej *syncengine.Rejection
	if !errors.As(err, &rej) || rej.Code != code || rej.Message == "" || rej.Fields[field] == "" {
		t.Errorf("%s: got %v %+v, want %s naming %q", raw, err, rej, code, field)
	}
}

// TestArgsRefuseControlCharacters: a text anywhere in the arguments — a heading, a list's
// item, a field of an object in a list, a field's name — with a control character other
// than line feed and tab is refused, escaped or raw (DEL and the C1 controls are raw
// UTF-8); encoding/json stored NUL bytes in headings as sent.
func TestArgsRefuseControlCharacters(t *testing.T) {
	for _, c := range []struct{ raw, field string }{
		{`{"note_id":"n","heading":"Morgon\u0000besök"}`, "heading"},
		{`{"heading":"a\bb"}`, "heading"},
		{`{"heading":"rad ett\r\nrad två"}`, "heading"},
		{`{"heading":"\u001b[31m"}`, "heading"},
		{"{\"heading\":\"del\x7f\"}", "heading"},
		{"{\"heading\":\"next line\u0085\"}", "heading"},
		{`{"heading":"\u009b"}`, "heading"},
		{`{"keywords":["Måltid","Dusch\u0007"]}`, "keywords"},
		{`{"measures":[{"instruction":"ok"},{"instruction":"2 st\f"}]}`, "measures.instruction"},
		{`{"heading\u0000":"x"}`, "args"},
	} {
		wantRejection(t, c.raw, codes.InvalidText, c.field)
	}
	var v careArgs
	if err := syncengine.DecodeArgs(json.RawMessage(`{"heading":"rad ett\nrad två\tmed tabb, \"citat\", \\ och 😀 \ud83d\ude00 \ufffd"}`), &v); err != nil {
		t.Fatalf("line feed, tab, escapes, an emoji and U+FFFD are text: %v", err)
	}
}

// TestArgsRefuseInvalidUnicode: invalid UTF-8 and lone surrogates are refused, where
// encoding/json replaced them with U+FFFD silently.
func TestArgsRefuseInvalidUnicode(t *testing.T) {
	for _, raw := range []string{
		"{\"heading\":\"caf\xe9\"}",      // Latin-1
		"{\"heading\":\"\xed\xa0\x80\"}", // a surrogate in UTF-8
		`{"heading":"\ud800"}`,           // a lone high half
		`{"heading":"\udc00x"}`,          // a lone low half
		`{"heading":"\ud83d\u0041"}`,     // a high half and no low one
		`{"keywords":["ok","\ud83d"]}`,   // in a list
		"{\"heading\":\"\xc0\xaf\"}",     // an overlong encoding
	} {
		field := "heading"
		if raw[2] == 'k' {
			field = "keywords"
		}
		wantRejection(t, raw, codes.InvalidText, field)
	}
}

// TestArgsNamesMatchExactly: NOTE_ID and Note_Id are not note_id (encoding/json matched
// names without regard to case).
func TestArgsNamesMatchExactly(t *testing.T) {
	wantRejection(t, `{"NOTE_ID":"n"}`, "invalid_args", "NOTE_ID")
	wantRejection(t, `{"note_id":"n","Heading":"h"}`, "invalid_args", "Heading")
	wantRejection(t, `{"measures":[{"Instruction":"x"}]}`, "invalid_args", "measures.Instruction")
}

// TestArgsRefuseDuplicateNames: a name given twice in one object is refused (encoding/json
// kept the last one).
func TestArgsRefuseDuplicateNames(t *testing.T) {
	wantRejection(t, `{"note_id":"a","heading":"h","note_id":"b"}`, codes.DuplicateField, "note_id")
	wantRejection(t, `{"measures":[{"instruction":"a","instruction":"b"}]}`, codes.DuplicateField, "measures.instruction")
	var v careArgs
	if err := syncengine.DecodeArgs(json.RawMessage(`{"measures":[{"instruction":"a"},{"instruction":"b"}]}`), &v); err != nil {
		t.Fatalf("the same name in two objects is no duplicate: %v", err)
	}
}
