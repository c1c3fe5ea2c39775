package syncengine

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// What is wrong with a text in a mutation's arguments.
const (
	textOK = iota
	textControl
	textInvalid
)

// textProblem looks at every string of a JSON value, names and values alike, for a
// control character other than line feed and tab (raw or escaped; \r too: a browser's text
// field gives line feeds), invalid UTF-8 or an escaped lone surrogate ("\ud800", which
// encoding/json would silently turn into U+FFFD). It reads bytes only, so it is cheap
// enough to run on every mutation: outside strings JSON holds only structure, numbers and
// literals, so a backslash, DEL or non-ASCII byte is always inside a string. Bytes below
// 0x20 are not its business: raw inside a string they are bad JSON, which the decoder
// refuses; outside one they are white space.
func textProblem(raw []byte) int {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			switch raw[i+1] {
			case 'b', 'f', 'r':
				return textControl
			case 'u':
				r, n := escapedRune(raw[i:])
				switch {
				case n == 0 || utf16.IsSurrogate(r):
					return textInvalid
				case badControl(r):
					return textControl
				}
				i += n
				continue
			}
			i += 2
		case c == 0x7f:
			return textControl
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				return textInvalid
			case badControl(r): // C1 controls, U+0080–U+009F
				return textControl
			}
			i += n
		}
	}
	return textOK
}

// badControl is a control character that no field of a care record may hold.
func badControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

// escapedRune reads \uXXXX at the start of b, with its low half when it is a high
// surrogate. n is 0 when the escape is not four hex digits; a lone half is returned as is.
func escapedRune(b []byte) (r rune, n int) {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 6 {
			return 0, false
		}
		var v rune
		for _, c := range b[2:6] {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | rune(c-'0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | rune(c-'a'+10)
			case c >= 'A' && c <= 'F':
				v = v<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return v, true
	}
	hi, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	if hi < 0xd800 || hi > 0xdbff || len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
		return hi, 6
	}
	lo, ok := hex4(b[6:])
	if !ok || lo < 0xdc00 || lo > 0xdfff {
		return hi, 6
	}
	return utf16.DecodeRune(hi, lo), 12
}

// findBadText walks a JSON value that textProblem found fault with, to name the field:
// the dotted path of the value's names (array positions left out), "args" for the top.
// ok is false when the value cannot be walked (bad JSON: the decoder says so).
func findBadText(raw []byte) (field, why string, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	for {
		switch dec.PeekKind() {
		case 0:
			return "", "", false
		case '"':
			kind, n := dec.StackIndex(dec.StackDepth())
			isName := kind == '{' && n%2 == 0
			v, err := dec.ReadValue()
			if err != nil {
				return "", "", false
			}
			problem := textProblem(v)
			if problem == textOK {
				continue
			}
			ptr := dec.StackPointer()
			switch {
			case isName:
				ptr, why = ptr.Parent(), "has a field name with a control character or a broken character"
			case problem == textControl:
				why = "holds a control character; only line breaks and tabs may be in a text"
			default:
				why = "is not valid Unicode text (it holds a broken character)"
			}
			return fieldOf(ptr), why, true
		default:
			if _, err := dec.ReadToken(); err != nil {
				return "", "", false
			}
		}
	}
}

// fieldOf names the field at a JSON pointer as a phone's form knows it: names joined by
// dots, array positions left out ("/measures/0/instruction" is measures.instruction).
func fieldOf(p jsontext.Pointer) string {
	var names []string
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			continue // a position in a list
		}
		names = append(names, tok)
	}
	if p == "" || len(names) == 0 {
		return "args"
	}
	return strings.Join(names, ".")
}
