package syncengine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

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
}

// FuzzDecodeArgs: arguments come from the phone. DecodeArgs never panics, and every error
// is an invalid_args Rejection (with a field named, unless there were no arguments).
func FuzzDecodeArgs(f *testing.F) {
	for _, s := range argsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v fuzzArgs
		err := syncengine.DecodeArgs(raw, &v)
		if err == nil {
			if !json.Valid(raw) {
				t.Fatalf("%q: accepted, but it is not one JSON value", raw)
			}
			return
		}
		rej, ok := err.(*syncengine.Rejection)
		if !ok {
			t.Fatalf("%q: error %T %v, want a *Rejection", raw, err, err)
		}
		if rej.Code != "invalid_args" || rej.Message == "" {
			t.Fatalf("%q: rejection %+v, want invalid_args with a message", raw, rej)
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
