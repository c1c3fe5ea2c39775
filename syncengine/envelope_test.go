package syncengine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vardag/syncengine"
)

// TestThePushEnvelopeIsReadExactly: the push body and each mutation's envelope are read
// as sent — no case variant (encoding/json took DEVICE_ID and Id), no name twice (it kept
// the last), no field the contract does not have, all four fields of a mutation with args
// an object, UTF-8 — and refused whole otherwise; what is inside args reaches the handler
// byte for byte, to be judged there mutation by mutation.
func TestThePushEnvelopeIsReadExactly(t *testing.T) {
	const ct = `"client_time":"2026-11-22T08:00:00Z"`
	m := func(fields string) string { return `{"device_id":"d","mutations":[` + fields + `]}` }
	bad := []struct {
		name   string
		body   string
		syntax bool
	}{
		{"DEVICE_ID", `{"DEVICE_ID":"d","mutations":[{"id":1,"name":"a","args":{},` + ct + `}]}`, false},
		{"device_id twice", `{"device_id":"d","device_id":"e","mutations":[{"id":1,"name":"a","args":{},` + ct + `}]}`, false},
		{"an unknown field of the push", `{"device_id":"d","user_id":"u","mutations":[{"id":1,"name":"a","args":{},` + ct + `}]}`, false},
		{"Id", m(`{"Id":1,"name":"a","args":{},` + ct + `}`), false},
		{"Client_Time", m(`{"id":1,"name":"a","args":{},"Client_Time":"2026-11-22T08:00:00Z"}`), false},
		{"id twice", m(`{"id":1,"name":"a","args":{},` + ct + `,"id":2}`), false},
		{"args twice", m(`{"id":1,"name":"a","args":{"x":1},` + ct + `,"args":{"x":2}}`), false},
		{"an unknown field of a mutation", m(`{"id":1,"name":"a","args":{},` + ct + `,"author_id":"x"}`), false},
		{"no args", m(`{"id":1,"name":"a",` + ct + `}`), false},
		{"args null", m(`{"id":1,"name":"a","args":null,` + ct + `}`), false},
		{"args a list", m(`{"id":1,"name":"a","args":[],` + ct + `}`), false},
		{"no id", m(`{"name":"a","args":{},` + ct + `}`), false},
		{"no name", m(`{"id":1,"args":{},` + ct + `}`), false},
		{"no client_time", m(`{"id":1,"name":"a","args":{}}`), false},
		{"a name with a control character", m(`{"id":1,"name":"a\u0000","args":{},` + ct + `}`), false},
		{"a device id with a lone surrogate", `{"device_id":"\ud800","mutations":[]}`, false},
		{"an id in quotes", m(`{"id":"1","name":"a","args":{},` + ct + `}`), false},
		{"a negative id", m(`{"id":-1,"name":"a","args":{},` + ct + `}`), false},
		{"client_time not RFC 3339", m(`{"id":1,"name":"a","args":{},"client_time":"2026-11-22 08:00"}`), false},
		{"a list as body", `[]`, false},
		{"invalid UTF-8 in args", m(`{"id":1,"name":"a","args":{"heading":"caf` + "\xe9" + `"},` + ct + `}`), true},
		{"an unknown field, then bad JSON", `{"devise_id":"d","mutations":[{]}`, true},
		{"data after the body", m(`{"id":1,"name":"a","args":{},`+ct+`}`) + `{}`, true},
		{"truncated", `{"device_id":"d","mutations":[`, true},
		{"white space", ` `, true},
	}
	for _, c := range bad {
		_, err := syncengine.DecodePushBody([]byte(c.body))
		var env *syncengine.EnvelopeError
		if !errors.As(err, &env) || env.Syntax != c.syntax || env.Message == "" {
			t.Errorf("%s: %v, want an EnvelopeError (syntax %v)", c.name, err, c.syntax)
		}
	}
	args := `{"heading":"a\u0000","heading":"\ud800","Note_ID":"x"}`
	body := "{\"mutations\":[{\"client_time\":\"2026-11-22T09:00:00+01:00\",\"args\": " + args + " ,\"name\":\"journal.note.add\",\"id\":7}," +
		"{\"id\":8,\"name\":\"j\\u006furnal.note.add\",\"args\":{},\"client_time\":\"2026-11-22T08:00:01Z\"}],\"device_id\":\"d1\"}"
	p, err := syncengine.DecodePushBody([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if p.DeviceID != "d1" || len(p.Mutations) != 2 || p.Mutations[0].ID != 7 || p.Mutations[0].Name != "journal.note.add" ||
		string(p.Mutations[0].Args) != args || !p.Mutations[0].ClientTime.Equal(time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)) ||
		p.Mutations[1].Name != "journal.note.add" || !strings.HasPrefix(string(p.Mutations[1].Args), "{}") {
		t.Fatalf("decoded %+v", p)
	}
}
