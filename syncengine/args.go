package syncengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"vardag/internal/codes"
)

// argsOptions decode arguments the way they were sent: names match exactly (encoding/json
// would take NOTE_ID for note_id), unknown names are refused, and so are duplicate names
// and invalid UTF-8 (the defaults of github.com/go-json-experiment/json, the prototype of
// encoding/json/v2).
var argsOptions = jsonv2.RejectUnknownMembers(true)

var timeType = reflect.TypeFor[time.Time]()

// DecodeArgs decodes mutation arguments strictly. Unknown fields (a case variant is one),
// wrong types and trailing data are refused with an "invalid_args" Rejection naming the
// field; a name given twice with "duplicate_field"; a text holding a control character
// other than line feed and tab, or invalid UTF-8, with "invalid_text" — in every string
// anywhere in the arguments, whatever the handler's type makes of it.
func DecodeArgs(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return &Rejection{Code: codes.InvalidArgs, Message: "The change has no arguments.", Fields: map[string]string{"args": "are required"}}
	}
	problem := textProblem(raw)
	if problem != textOK {
		if field, why, ok := findBadText(raw); ok {
			return invalidText(field, why)
		}
	}
	err := jsonv2.Unmarshal(raw, v, argsOptions)
	switch {
	case err == nil && problem != textOK: // what the walk could not place is refused all the same
		return invalidText("args", "holds a control character or a broken character")
	case err == nil:
		return nil
	}
	var syntaxErr *jsontext.SyntacticError
	var semErr *jsonv2.SemanticError
	switch {
	case errors.As(err, &syntaxErr) && syntaxErr.Err == jsontext.ErrDuplicateName:
		return &Rejection{Code: codes.DuplicateField, Message: "The change names a field twice.",
			Fields: map[string]string{fieldOf(syntaxErr.JSONPointer): "is given twice"}}
	case errors.As(err, &syntaxErr):
		return invalidArgs("args", "is not valid JSON")
	case errors.As(err, &semErr):
		return invalidArgs(fieldOf(semErr.JSONPointer), semanticProblem(semErr))
	}
	return invalidArgs("args", "cannot be read")
}

func invalidText(field, why string) *Rejection {
	return &Rejection{Code: codes.InvalidText, Message: "A text of the change holds a character the server does not keep.", Fields: map[string]string{field: why}}
}

func invalidArgs(field, why string) *Rejection {
	return &Rejection{Code: codes.InvalidArgs, Message: "The change has fields the server cannot read.", Fields: map[string]string{field: why}}
}

// semanticProblem says what is wrong with a value of the right JSON syntax.
func semanticProblem(e *jsonv2.SemanticError) string {
	switch {
	case errors.Is(e.Err, jsonv2.ErrUnknownName):
		return "is not a field of this change (names are matched exactly)"
	case e.GoType == timeType:
		return "must be a time in RFC 3339, such as 2026-03-14T08:30:00Z"
	case e.GoType == nil:
		return "cannot be read"
	case e.Err != nil && e.JSONKind == '0':
		return fmt.Sprintf("must be %s in range", article(e.GoType))
	}
	if kind := jsonKind(e.JSONKind); kind != "" {
		return fmt.Sprintf("must be %s, not %s", article(e.GoType), kind)
	}
	return "must be " + article(e.GoType)
}

func jsonKind(k jsontext.Kind) string {
	switch k {
	case '"':
		return "text"
	case '0':
		return "a number"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return ""
}

// article names a Go type as the phone's JSON has it.
func article(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct, reflect.Interface:
		return "an object"
	default:
		return "a number"
	}
}

// TrimmedText is a mutation's free text with the spaces around it trimmed; a text over max
// characters, or empty where required, is noted in fields under the field's name (the
// Rejection's fields, answered as invalid_args).
func TrimmedText(s, field string, max int, required bool, fields map[string]string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case required && n == 0:
		fields[field] = fmt.Sprintf("is required, at most %d characters", max)
	case n > max:
		fields[field] = fmt.Sprintf("must be at most %d characters", max)
	}
	return s
}
