package accesslog

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// scanByJSON is scanChange by encoding/json, for inputs without repeated or escaped keys.
func scanByJSON(b []byte, field string) (id, scopes, value string, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return "", "", "", false
	}
	if json.Unmarshal(top["id"], &id) != nil || top["scopes"] == nil {
		return "", "", "", false
	}
	scopes = string(top["scopes"])
	if field == "" {
		return id, scopes, "", top["id"] != nil && top["id"][0] == '"'
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(top["data"], &data) != nil {
		return "", "", "", false
	}
	raw, found := data[field]
	if !found || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &value) != nil {
		return "", "", "", false
	}
	return id, scopes, value, top["id"][0] == '"'
}

func FuzzScanChange(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"note_id":"n1","client_id":"c1","text":"a \"quoted\" text {with} [brackets]"}}`,
		`{"kind":"client","id":"c1","op":"put","version":1,"scopes":["unit:a"],"data":{"client_id":"c1","name":"X"}}`,
		`{ "id" : "n1" , "data" : { "text" : "x", "client_id" : "c1" } , "scopes" : [ "unit:a" , "unit:b" ] }`,
		`{"id":"n1","scopes":["unit:a"],"data":{"nested":{"client_id":"no"},"list":[1,{"client_id":"no"}],"client_id":"c1"}}`,
		`{"id":"n1","scopes":["unit:a"],"data":{"client_id":null}}`,
		`{"id":"n1","scopes":["unit:a"],"data":{"client_id":"c\u00e91"}}`,
		`{"id":"n1","scopes":["unit:a"],"data":{"client_id":"c1"`,
		`{"id":"n1","scopes":["unit:a"],"version":-1.5e3,"ok":true,"data":{}}`,
		`[]`, `{}`, `{"id":}`, `"`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, field := range []string{"", "client_id"} {
			id, scopes, value, ok := scanChange(b, field) // must never panic
			// The engine writes valid UTF-8 JSON; encoding/json would mend other text.
			if !json.Valid(b) || !utf8.Valid(b) || bytes.Contains(b, []byte(`\`)) || repeatsKey(b) {
				continue
			}
			wid, wscopes, wvalue, wok := scanByJSON(b, field)
			if ok != wok || ok && (string(id) != wid || string(scopes) != wscopes || string(value) != wvalue) {
				t.Fatalf("field %q of %s: scan gave %q %s %q %v, encoding/json %q %s %q %v", field, b, id, scopes, value, ok, wid, wscopes, wvalue, wok)
			}
		}
	})
}

// repeatsKey tells whether any of the keys scanChange looks for is written twice (where
// it and encoding/json may take different ones).
func repeatsKey(b []byte) bool {
	for _, k := range []string{`"id"`, `"scopes"`, `"data"`, `"client_id"`} {
		if bytes.Count(b, []byte(k)) > 1 {
			return true
		}
	}
	return false
}

// Escapes in the engine's layout: in a kind, an id, a scope or a value the fast path
// gives way to the slow one, which unescapes what it returns. (Keys are compared as
// written; the engine never escapes its keys.)
func TestScanChangeWithEscapes(t *testing.T) {
	for _, b := range []string{
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"note_id":"n1","client_id":"c1","text":"a \"quoted\" \\ text"}}`,
		`{"kind":"journal\"note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n\"1","op":"put","version":3,"scopes":["unit:a"],"data":{"client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n\u00e9","op":"put","version":3,"scopes":["unit:a"],"data":{"client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:\"],\"data\":{"],"data":{"client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"note_id":"x\"y","client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"note_id":"x\\","client_id":"c1"}}`,
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"client_id":"c\u0031"}}`,
		`{"kind":"journal_note","id":"n1","op":"put","version":3,"scopes":["unit:a"],"data":{"flag":true,"client_id":"c1"}}`,
		`{"kind":"client","id":"c\\1","op":"put","version":3,"scopes":["unit:a"],"data":{"client_id":"c\\1"}}`,
	} {
		for _, field := range []string{"", "client_id"} {
			id, scopes, value, ok := scanChange([]byte(b), field)
			wid, wscopes, wvalue, wok := scanByJSON([]byte(b), field)
			if ok != wok || string(id) != wid || string(scopes) != wscopes || string(value) != wvalue {
				t.Errorf("field %q of %s: scan gave %q %s %q %v, encoding/json %q %s %q %v", field, b, id, scopes, value, ok, wid, wscopes, wvalue, wok)
			}
		}
	}
}
