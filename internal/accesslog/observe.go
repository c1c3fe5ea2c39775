package accesslog

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"vardag/internal/assignments"
	"vardag/internal/clients"
	"vardag/internal/deviations"
	"vardag/internal/journal"
	"vardag/internal/plans"
	"vardag/internal/signing"
)

// clientOf says where a record kind names its client.
type clientOf struct {
	kind  string // the key, so that observations do not hold the caller's string
	byID  bool   // the record's id is the client's id
	field string // else a top-level field of its data holds the id…
	via   string // …of the client, or of a record of this kind that names the client
}

// kinds are the record kinds that carry a client's data. Other kinds — messages (a
// deviation's message names its client only to the deviation's own readers, whose pull
// of the deviation itself is logged), a reporter's deviation status (likewise), read
// receipts, bulletins,
// reference lists, users' names, delegations (a person and a kind of measure, no client),
// and the engine-internal signing schedule — are not reads of a client.
var kinds = withKeys(map[string]clientOf{
	clients.Kind:               {byID: true},
	clients.KindContact:        {byID: true}, // a protected client's address, by the client's id
	assignments.Kind:           {field: "client_id"},
	journal.KindJournal:        {field: "client_id"},
	journal.KindNote:           {field: "client_id"},
	journal.KindNoteCorrection: {field: "client_id"},
	signing.KindList:           {field: "client_id"},
	signing.KindSignature:      {field: "client_id"},
	signing.KindAlert:          {field: "client_id"},
	signing.KindFollowUp:       {field: "client_id"},
	signing.KindOccurrence:     {field: "list_id", via: signing.KindList},
	deviations.Kind:            {field: "client_id"}, // none for a deviation on a unit
	deviations.KindAnalysis:    {field: "deviation_id", via: deviations.Kind},
	plans.KindPlan:             {field: "client_id"},
	plans.KindVersion:          {field: "client_id"},
})

func withKeys(m map[string]clientOf) map[string]clientOf {
	for k, c := range m {
		c.kind = k
		m[k] = c
	}
	return m
}

// observation is what Observe keeps of one pulled record.
type observation struct {
	what   string // the record kind
	ref    string // the client's id, or the id of the via record
	via    string
	scopes string // the change's scopes, as a JSON array
}

// observations interns what Observe keeps. A pull sends many records of few clients, so
// the records of one client, kind and scopes share one observation: Observe allocates
// nothing for them, and FromPull groups them by pointer. An observation never changes;
// the table is cleared whole when full, and pulls in flight keep what they hold.
var observations = struct {
	sync.Mutex
	byKey map[string]*observation // kind|0|len(ref) (2 bytes)|ref|scopes
}{byKey: map[string]*observation{}}

const maxObservations = 1 << 14

// Observe is the sync engine's pull observer (syncengine.Options.Observe): for a record
// that carries a client's data it keeps the client (or the record that names it), the
// kind and the scopes, reading only those fields of the change's JSON; for any other kind
// it answers at once.
func Observe(kind string, change []byte) (any, bool) {
	rule, ok := kinds[kind]
	if !ok {
		return nil, false
	}
	field := rule.field
	if rule.byID {
		field = ""
	}
	id, scopes, value, ok := scanChange(change, field)
	if rule.byID {
		value = id
	}
	if !ok || len(value) == 0 {
		return nil, false
	}
	if len(value) > 0xffff {
		return nil, false
	}
	var buf [256]byte
	key := append(buf[:0], kind...)
	key = append(key, 0, byte(len(value)>>8), byte(len(value)))
	key = append(key, value...)
	key = append(key, scopes...)
	observations.Lock()
	defer observations.Unlock()
	o, ok := observations.byKey[string(key)]
	if !ok {
		if len(observations.byKey) >= maxObservations {
			clear(observations.byKey)
		}
		k := string(key)
		at := len(kind) + 3
		o = &observation{what: rule.kind, ref: k[at : at+len(value)], via: rule.via, scopes: k[at+len(value):]}
		observations.byKey[k] = o
	}
	return o, true
}

// FromPull makes the log entries of one pull from what Observe kept: one entry per client
// and record kind, with how many records of it the pull sent and the units they were
// visible in. Records named by another record still hold that record's id; Write
// resolves them.
func FromPull(userID, deviceID string, observed []any) []Entry {
	type group struct{ ref, via, what string }
	groups := map[group]int{}
	seen := map[*observation]int{} // each observation's entry
	var out []Entry
	for _, v := range observed {
		o, ok := v.(*observation)
		if !ok {
			continue
		}
		if i, ok := seen[o]; ok {
			out[i].Count++
			continue
		}
		g := group{o.ref, o.via, o.what}
		i, ok := groups[g]
		if !ok {
			i = len(out)
			groups[g] = i
			out = append(out, Entry{UserID: userID, DeviceID: deviceID, ClientID: o.ref, What: o.what, Source: SourcePull, Units: []string{}, via: o.via})
		}
		seen[o] = i
		out[i].Count++
		var scopes []string
		_ = json.Unmarshal([]byte(o.scopes), &scopes) // written by the engine: a list of strings
		for _, u := range UnitsOf(scopes) {
			if !slices.Contains(out[i].Units, u) {
				out[i].Units = append(out[i].Units, u)
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].Units)
	}
	return out
}

// scanChange reads a change's id, its scopes (the raw JSON array) and the string value of
// one top-level field of its data (none when field is ""), and stops as soon as it has
// them: a note's text, which follows its client_id, is never scanned. The change is the
// engine's own JSON ({"kind":…,"id":…,"op":…,"version":…,"scopes":[…],"data":{…}}), but
// nothing here depends on that order; malformed input gives ok false.
func scanChange(b []byte, field string) (id, scopes, value []byte, ok bool) {
	if id, scopes, value, ok = scanEngineChange(b, field); ok {
		return id, scopes, value, true
	}
	var idOK, found bool
	done := func() bool { return idOK && scopes != nil && (field == "" || found) }
	err := eachField(b, func(key, rest []byte) (bool, error) {
		switch string(key) {
		case "id":
			raw, err := valueAt(rest)
			id, idOK = unquote(raw)
			return !done(), err
		case "scopes":
			raw, err := valueAt(rest)
			scopes = raw
			return !done(), err
		case "data":
			if field == "" {
				return true, nil
			}
			err := eachField(rest, func(k, v []byte) (bool, error) {
				if string(k) != field {
					return true, nil
				}
				raw, err := valueAt(v)
				value, found = unquote(raw)
				return false, err
			})
			if err != nil || !found {
				return false, err // the data does not name it
			}
			return !done(), nil
		}
		return true, nil
	})
	return id, scopes, value, err == nil && done()
}

// scanEngineChange is scanChange's fast path for the layout the engine writes (see
// syncengine's appendChange), with the data's fields before the wanted one all strings.
// It gives up (ok false) at anything else, escapes included, and scanChange then reads
// the change field by field.
func scanEngineChange(b []byte, field string) (id, scopes, value []byte, ok bool) {
	p, ok := expect(b, 0, `{"kind":"`)
	if !ok {
		return nil, nil, nil, false
	}
	if p, ok = skipPlain(b, p); !ok {
		return nil, nil, nil, false
	}
	if p, ok = expect(b, p, `,"id":"`); !ok {
		return nil, nil, nil, false
	}
	if id, p, ok = plainString(b, p); !ok {
		return nil, nil, nil, false
	}
	if p, ok = expect(b, p, `,"op":"put","version":`); !ok {
		return nil, nil, nil, false
	}
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		p++
	}
	if p, ok = expect(b, p, `,"scopes":`); !ok {
		return nil, nil, nil, false
	}
	const dataKey = `],"data":`
	end := bytes.Index(b[p:], []byte(dataKey))
	if end < 0 || p >= len(b) || b[p] != '[' {
		return nil, nil, nil, false
	}
	// In valid JSON the first `],"data":` ends the list of scope strings: its quote is
	// not escaped, so it is outside any string.
	scopes, p = b[p:p+end+1], p+end+len(dataKey)
	if field == "" {
		return id, scopes, nil, true
	}
	if p, ok = expect(b, p, `{"`); !ok {
		return nil, nil, nil, false
	}
	for {
		// Keys are compared as written, escapes and all, as scanChange's slow path does.
		k := p
		if p, ok = skipPlain(b, p); !ok {
			return nil, nil, nil, false
		}
		key := b[k : p-1]
		if p, ok = expect(b, p, `:"`); !ok {
			return nil, nil, nil, false
		}
		if value, p, ok = plainString(b, p); !ok {
			return nil, nil, nil, false
		}
		if string(key) == field {
			return id, scopes, value, true
		}
		if p, ok = expect(b, p, `,"`); !ok {
			return nil, nil, nil, false
		}
	}
}

// expect returns the index past want if b holds it at p.
func expect(b []byte, p int, want string) (int, bool) {
	if p > len(b) || !bytes.HasPrefix(b[p:], []byte(want)) {
		return p, false
	}
	return p + len(want), true
}

// skipPlain returns the index past the closing quote of the string whose text starts at
// p, for a string the caller does not read (a quote found after a backslash makes the
// layout checks that follow fail).
func skipPlain(b []byte, p int) (int, bool) {
	if p > len(b) {
		return p, false
	}
	end := bytes.IndexByte(b[p:], '"')
	return p + end + 1, end >= 0
}

// plainString reads a string's text from p (just past its opening quote) to its closing
// quote, and the index past that; ok is false for a string with any backslash.
func plainString(b []byte, p int) (text []byte, next int, ok bool) {
	if p > len(b) {
		return nil, p, false
	}
	end := bytes.IndexByte(b[p:], '"')
	if end < 0 || bytes.IndexByte(b[p:p+end], '\\') >= 0 {
		return nil, p, false
	}
	return b[p : p+end], p + end + 1, true
}

type scanError struct{}

func (scanError) Error() string { return "accesslog: malformed change" }

// eachField calls fn with each key of the JSON object that starts b and the rest of b from
// that key's value on, until fn returns false. Only a value fn goes on past is scanned to
// its end: fn reads what it needs of the rest (valueAt) and no more.
func eachField(b []byte, fn func(key, rest []byte) (bool, error)) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return scanError{}
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return scanError{}
		}
		end, ok := skipString(b, i)
		if !ok {
			return scanError{}
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return scanError{}
		}
		i = skipSpace(b, i+1)
		more, err := fn(key, b[i:])
		if err != nil || !more {
			return err
		}
		vend, ok := skipValue(b, i)
		if !ok {
			return scanError{}
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return scanError{}
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return nil
		default:
			return scanError{}
		}
	}
}

// valueAt is the JSON value that starts rest.
func valueAt(rest []byte) ([]byte, error) {
	end, ok := skipValue(rest, 0)
	if !ok {
		return nil, scanError{}
	}
	return rest[:end], nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at b[i] ('"').
func skipString(b []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b), false
		}
		j += k
		// A quote after an odd number of backslashes is escaped.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, true
		}
		j++
	}
}

// skipValue returns the index just past the value that starts at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return end, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return i, false
	default: // a number, true, false or null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		return j, j > i
	}
}

// unquote is the text of a JSON string value; ok is false for any other value.
func unquote(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	var s string // rare: ids and client ids are UUIDs
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}
