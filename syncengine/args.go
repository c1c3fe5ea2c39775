package syncengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"vardag/internal/codes"
)

// jsonSpace is white space as JSON has it (bytes.TrimSpace also takes \v, \f and more).
const jsonSpace = " \t\r\n"

// DecodeArgs decodes mutation arguments strictly: unknown fields, wrong types and trailing
// data are refused with an "invalid_args" Rejection naming the field.
func DecodeArgs(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return &Rejection{Code: codes.InvalidArgs, Message: "The change has no arguments.", Fields: map[string]string{"args": "are required"}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && len(bytes.Trim(raw[dec.InputOffset():], jsonSpace)) > 0 {
		err = errors.New("trailing data") // dec.More would miss a stray } or ]
	}
	if err == nil {
		return nil
	}
	rej := &Rejection{Code: codes.InvalidArgs, Message: "The change has fields the server cannot read.", Fields: map[string]string{}}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "args"
		}
		rej.Fields[field] = fmt.Sprintf("must be %s, not %s", article(typeErr.Type.String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		rej.Fields[field] = "is not a field of this change"
	case errors.As(err, &syntaxErr):
		rej.Fields["args"] = "is not valid JSON"
	default:
		// time.Time and other text fields report their own parse errors.
		rej.Fields["args"] = err.Error()
	}
	return rej
}

func article(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "."):
		return "an object"
	case goType == "string":
		return "text"
	case goType == "bool":
		return "true or false"
	default:
		return "a number"
	}
}
