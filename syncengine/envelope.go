package syncengine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// PushBody is what a device sends to push: its id and its mutations, in order.
type PushBody struct {
	DeviceID  string
	Mutations []Mutation
}

// EnvelopeError is a push whose envelope cannot be taken as sent. Nothing of it is
// applied and no mutation id is used up: the whole push is refused, as the contract has it
// for a malformed envelope. Syntax marks a body that is not JSON in UTF-8 at all.
type EnvelopeError struct {
	Syntax  bool
	Message string
}

func (e *EnvelopeError) Error() string { return "syncengine: " + e.Message }

func envelopeErr(format string, a ...any) error {
	return &EnvelopeError{Message: fmt.Sprintf(format, a...)}
}

var errPushSyntax = &EnvelopeError{Syntax: true, Message: "The request body is not valid JSON."}

// DecodePushBody reads a push body, {device_id, mutations: [{id, name, args, client_time}]},
// exactly as sent: names match exactly (encoding/json would take DEVICE_ID or Id), a name
// given twice or one the envelope does not have is refused, every mutation has all four
// fields and its args are an object, and the body is UTF-8. What is inside args is the
// handler's to judge (DecodeArgs), so that a bad text fails only its own mutation, which
// the phone then keeps in "needs attention", and the push goes on.
func DecodePushBody(body []byte) (PushBody, error) {
	var p PushBody
	if !utf8.Valid(body) {
		return p, &EnvelopeError{Syntax: true, Message: "The request body is not valid UTF-8."}
	}
	// Duplicate names and escaped lone surrogates are let through the decoder here: in
	// the envelope this reader refuses them itself, inside args DecodeArgs does.
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	err := readPushBody(dec, &p)
	if err == nil {
		if _, err = dec.ReadToken(); err == io.EOF {
			return p, nil
		}
		err = errPushSyntax // data after the body
	}
	var env *EnvelopeError
	if !errors.As(err, &env) {
		return PushBody{}, errPushSyntax
	}
	// A wrong field found before a syntax error further on: bad JSON is the answer.
	if !env.Syntax && !jsontext.Value(body).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
		return PushBody{}, errPushSyntax
	}
	return PushBody{}, err
}

func readPushBody(dec *jsontext.Decoder, p *PushBody) error {
	if k := dec.PeekKind(); k != '{' {
		if k == 0 {
			return errPushSyntax
		}
		return envelopeErr("The body must be an object: {device_id, mutations}.")
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var seenDevice, seenMutations bool
	for dec.PeekKind() != '}' {
		name, err := readName(dec)
		if err != nil {
			return err
		}
		switch name {
		case "device_id":
			if seenDevice {
				return envelopeErr("device_id is given twice.")
			}
			seenDevice = true
			if p.DeviceID, err = readText(dec, "device_id"); err != nil {
				return err
			}
		case "mutations":
			if seenMutations {
				return envelopeErr("mutations is given twice.")
			}
			seenMutations = true
			if p.Mutations, err = readMutations(dec); err != nil {
				return err
			}
		default:
			return envelopeErr("%s is not a field of a push (device_id, mutations; names are matched exactly).", strconv.Quote(name))
		}
	}
	_, err := dec.ReadToken()
	return err
}

func readMutations(dec *jsontext.Decoder) ([]Mutation, error) {
	if dec.PeekKind() != '[' {
		if _, err := dec.ReadValue(); err != nil {
			return nil, err
		}
		return nil, envelopeErr("mutations must be a list of changes.")
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var muts []Mutation
	for i := 0; dec.PeekKind() != ']'; i++ {
		m, err := readMutation(dec, i)
		if err != nil {
			return nil, err
		}
		muts = append(muts, m)
	}
	_, err := dec.ReadToken()
	return muts, err
}

// envelopeFields are a mutation's fields, by their place in readMutation's seen.
var envelopeFields = map[string]int{"id": 0, "name": 1, "args": 2, "client_time": 3}

// readMutation reads one mutation's envelope: id, name, args and client_time, each once.
func readMutation(dec *jsontext.Decoder, i int) (Mutation, error) {
	var m Mutation
	if dec.PeekKind() != '{' {
		if _, err := dec.ReadValue(); err != nil {
			return m, err
		}
		return m, envelopeErr("mutations[%d] must be an object: {id, name, args, client_time}.", i)
	}
	if _, err := dec.ReadToken(); err != nil {
		return m, err
	}
	var seen [4]bool // id, name, args, client_time
	for dec.PeekKind() != '}' {
		name, err := readName(dec)
		if err != nil {
			return m, err
		}
		f, ok := envelopeFields[name]
		if !ok {
			return m, envelopeErr("mutations[%d]: %s is not a field of a mutation (id, name, args, client_time; names are matched exactly).", i, strconv.Quote(name))
		}
		if seen[f] {
			return m, envelopeErr("mutations[%d].%s is given twice.", i, name)
		}
		seen[f] = true
		v, err := dec.ReadValue()
		if err != nil {
			return m, err
		}
		switch f {
		case 0:
			if m.ID, err = strconv.ParseUint(string(v), 10, 64); err != nil {
				return m, envelopeErr("mutations[%d].id must be a whole number from 1.", i)
			}
		case 1:
			if m.Name, err = unquote(v); err != nil || textProblem(v) != textOK {
				return m, envelopeErr("mutations[%d].name must be text without control characters.", i)
			}
		case 2:
			if v.Kind() != '{' {
				return m, envelopeErr("mutations[%d].args must be an object (the change's fields).", i)
			}
			m.Args = bytes.Clone(v) // the body's bytes live only as long as the request
		case 3:
			// time.Time reads RFC 3339 strictly (no other layout, offsets within ±24 h).
			if v.Kind() != '"' || m.ClientTime.UnmarshalJSON(v) != nil {
				return m, envelopeErr("mutations[%d].client_time must be a time in RFC 3339, such as 2026-03-14T08:30:00Z.", i)
			}
		}
	}
	for f, name := range []string{"id", "name", "args", "client_time"} {
		if !seen[f] {
			return m, envelopeErr("mutations[%d].%s is required.", i, name)
		}
	}
	_, err := dec.ReadToken()
	return m, err
}

// readName reads an object member's name, unescaping only when it must.
func readName(dec *jsontext.Decoder) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	return unquote(v)
}

func readText(dec *jsontext.Decoder, field string) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	s, err := unquote(v)
	if err != nil || textProblem(v) != textOK {
		return "", envelopeErr("%s must be text without control characters.", field)
	}
	return s, nil
}

// unquote gives the text of a JSON string token (an error for any other kind).
func unquote(v jsontext.Value) (string, error) {
	if v.Kind() != '"' {
		return "", errors.New("not a string")
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	b, err := jsontext.AppendUnquote(nil, v)
	return string(b), err
}

// checkArgsObject guards Push: a mutation without an arguments object never reaches the
// writer, so it cannot use up its id (the HTTP layer refuses such a push before).
func checkArgsObject(m Mutation) error {
	if v := jsontext.Value(bytes.TrimLeft(m.Args, " \t\r\n")); v.Kind() != '{' {
		return envelopeErr("mutation %d has no arguments object.", m.ID)
	}
	return nil
}
