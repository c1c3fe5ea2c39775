package syncengine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"

	"vardag/internal/codes"
	"vardag/syncengine"
)

// fuzzArgs has a field of each kind a mutation's arguments use.
type fuzzArgs struct {
	ID    string            `json:"id"`
	Count int8              `json:"count"`
	Seq   uint64            `json:"seq"`
	Ratio float64           `json:"ratio"`
	OK    bool              `json:"ok"`
	Tags  []string          `json:"tags"`
	At    time.Time         `json:"at"`
	Sub   *struct{ N int }  `json:"sub"`
	Meta  map[string]string `json:"meta"`
	Raw   json.RawMessage   `json:"raw"`
}

var argsSeeds = []string{
	`{"id":"a","count":1,"seq":2,"ratio":0.5,"ok":true,"tags":["x"],"at":"2026-11-22T08:00:00Z","sub":{"N":1},"meta":{"k":"v"},"raw":[1]}`,
	`{}`, ``, `null`, ` null `, "\u00a0", `[]`, `"x"`, `1`, `true`,
	`{"id":1}`, `{"count":300}`, `{"count":-129}`, `{"seq":-1}`, `{"ratio":1e999}`, `{"ok":"yes"}`,
	`{"tags":"x"}`, `{"tags":[1]}`, `{"at":"yesterday"}`, `{"at":"2026-11-22T08:00:00+25:00"}`,
	`{"sub":{"N":"x"}}`, `{"sub":{"M":1}}`, `{"meta":{"k":1}}`, `{"unknown":1}`, `{"ID":"case"}`,
	`{"id":"a","id":"b"}`, `{} {}`, `{}x`, `{`, `{"id":"\ud800"}`, "{\"id\":\"\xff\"}",
	`{"raw":}`, `{"tags":[` + `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[` + `]}`,
	`{"id":"a\u0000b"}`, `{"tags":["ok","\r"]}`, `{"meta":{"k\u0007":"v"}}`, `{"raw":["\u0085"]}`, "{\"id\":\"\x7f\"}",
	"{\"id\":\"\u0085\"}", `{"id":"\ud83d\ude00 \n\t\ufffd"}`, `{"id":"\udc00"}`, `{"id":"\ud800\u0041"}`, `{"raw":{"a":1,"a":2}}`,
	`{"sub":{"N":1,"N":2}}`, `{"Id":"a"}`, `{"id":"\u00"}`, `"\u0000"`, `["\ud800"]`,
}

// argsCodes are the codes DecodeArgs answers with.
var argsCodes = map[string]bool{"invalid_args": true, codes.InvalidText: true, codes.DuplicateField: true}

// FuzzDecodeArgs: arguments come from the phone. DecodeArgs never panics, every error is
// a Rejection of one of its codes (with a field named, unless there were no arguments),
// and what it accepts is one JSON value with valid Unicode, no name twice in an object and
// no control character but line feed and tab in any string, names included.
func FuzzDecodeArgs(f *testing.F) {
	for _, s := range argsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v fuzzArgs
		err := syncengine.DecodeArgs(raw, &v)
		if err == nil {
			if !jsontext.Value(raw).IsValid() {
				t.Fatalf("%q: accepted, but it is not one JSON value with valid Unicode and unique names", raw)
			}
			if s, ok := controlText(raw); ok {
				t.Fatalf("%q: accepted with the text %q", raw, s)
			}
			return
		}
		rej, ok := err.(*syncengine.Rejection)
		if !ok {
			t.Fatalf("%q: error %T %v, want a *Rejection", raw, err, err)
		}
		if !argsCodes[rej.Code] || rej.Message == "" {
			t.Fatalf("%q: rejection %+v, want one of %v with a message", raw, rej, argsCodes)
		}
		if len(rej.Fields) == 0 && !noArgs(raw) {
			t.Fatalf("%q: rejection %+v names no field", raw, rej)
		}
		for f, why := range rej.Fields {
			// f may be "": an unknown field of the empty name, as the phone sent it.
			if why == "" {
				t.Fatalf("%q: rejection %+v gives field %q no reason", raw, rej, f)
			}
		}
		if _, err := json.Marshal(rej); err != nil {
			t.Fatalf("%q: the rejection does not encode: %v", raw, err)
		}
	})
}

// controlText finds a string (name or value) of valid JSON holding a control character
// other than line feed and tab.
func controlText(raw []byte) (string, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		if tok.Kind() != '"' {
			continue
		}
		s := tok.String()
		if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			return s, true
		}
	}
}

// noArgs is what DecodeArgs answers with "The change has no arguments" and no field:
// nothing but white space (Unicode's, as bytes.TrimSpace sees it), or null.
func noArgs(raw []byte) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || string(trimmed) == "null"
}

func jsonTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// DecodeArgs promises to refuse trailing data, and does for `{} {}`, but json.Decoder.More
// is false before a closing '}' or ']', so `{}}` and `{"id":"a"}]` pass as arguments.
// BUG (reported to the lead): fails today. Through HTTP the arguments are a json.RawMessage
// cut from a valid body, so this is reachable only by a caller that builds Mutation itself.
func TestDecodeArgsRefusesATrailingCloser(t *testing.T) {
	for _, raw := range []string{`{}}`, `{}]`, `{"id":"a"}]]`, `{} }`} {
		var v fuzzArgs
		err := syncengine.DecodeArgs(json.RawMessage(raw), &v)
		var rej *syncengine.Rejection
		if !errors.As(err, &rej) || rej.Code != "invalid_args" {
			t.Errorf("%s: got %v, want an invalid_args rejection", raw, err)
		}
	}
}
