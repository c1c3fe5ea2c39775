// Package passwords decides whether a new password is acceptable, following
// NIST SP 800-63B §3.1.1.2 and OWASP ASVS 5.0 V6.2: 8 to 256 characters of
// any Unicode (spaces and emoji included), no composition rules, and refused
// when it is on a list of common or breached passwords, when it contains the
// username, or when it repeats a single character.
//
// The list is the union of two parts, both embedded in the binary:
//
//   - common.txt: the "passwords" dictionary of the npm package
//     @zxcvbn-ts/language-common 4.1.3 (MIT, see LICENSE-common.txt), itself
//     derived from the Xato "10 million passwords" frequency list. It keeps
//     only the entries of 8 or more characters, lower-cased and
//     deduplicated, in the source's frequency order: shorter passwords are
//     refused by the length rule before the list is consulted. SOURCE.md
//     tells how to regenerate it.
//   - a few hundred Swedish passwords that are obvious in home care
//     ("sommar2024", "lösenord1", "hemtjanst123", ...), generated in
//     swedish.go.
//
// Characters are counted as Unicode code points; the password is not
// NFC-normalised (golang.org/x/text is not a dependency), except that the
// decomposed forms of å, ä, ö and é are composed before the list lookup so
// that "ho\u0308st2024" is found like "höst2024".
package passwords

import (
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"
)

// Length limits in Unicode code points.
const (
	// MinLength is the fewest characters a password may have.
	MinLength = 8
	// MaxLength is the most characters a password may have. NIST asks for
	// at least 64 to be allowed; 256 bounds the work of hashing.
	MaxLength = 256
	// minContextLength is the shortest username that is looked for inside
	// a password: shorter ones ("ab") would refuse too many good passwords.
	minContextLength = 4
)

// The reasons Check refuses a password. Their messages are meant to be shown
// to the user as they are.
var (
	// ErrTooShort: fewer than MinLength characters, not counting white
	// space at either end.
	ErrTooShort = errors.New("the password is too short; use at least 8 characters")
	// ErrTooLong: more than MaxLength characters.
	ErrTooLong = errors.New("the password is too long; use at most 256 characters")
	// ErrInvalid: not valid UTF-8, or holds a control character
	// (U+0000–U+001F or U+007F).
	ErrInvalid = errors.New("the password contains characters that are not allowed, such as tabs, line breaks or other control characters")
	// ErrCommon: on the common/breached list, or a single character
	// repeated.
	ErrCommon = errors.New("the password is on a list of common or leaked passwords, or is too easy to guess; choose another")
	// ErrContext: is or contains the username.
	ErrContext = errors.New("the password must not contain your username; choose another")
)

//go:embed common.txt
var commonTxt string

// list is the lookup set, built on first use.
var list = sync.OnceValue(buildList)

// buildList makes the lookup set from common.txt and the Swedish additions.
// Entries from common.txt are substrings of the embedded text, so they cost
// no copy.
func buildList() map[string]struct{} {
	sw := swedish()
	m := make(map[string]struct{}, strings.Count(commonTxt, "\n")+len(sw))
	for line := range strings.Lines(commonTxt) {
		if s := strings.TrimSpace(line); s != "" {
			m[s] = struct{}{}
		}
	}
	for _, s := range sw {
		if utf8.RuneCountInString(s) >= MinLength {
			m[s] = struct{}{}
		}
	}
	return m
}

// Check applies the rules to a new password for the user called username,
// and returns nil when the password is acceptable or one of the Err values
// above. The rules are applied in this order:
//
//  1. it must be valid UTF-8 without control characters (ErrInvalid);
//  2. it must have at most MaxLength code points (ErrTooLong), and at least
//     MinLength once white space at either end is left out (ErrTooShort), so
//     that "qwerty  " does not slip past the list, which holds no entries
//     shorter than MinLength;
//  3. lower-cased and with white space at either end left out, it must not
//     be on the list nor be one character repeated (ErrCommon);
//  4. if username has at least 4 characters, the password must not contain
//     it, ignoring case (ErrContext).
//
// Check does not change the password: callers hash exactly what was typed.
func Check(password, username string) error {
	if !utf8.ValidString(password) || strings.ContainsFunc(password, isControl) {
		return ErrInvalid
	}
	if utf8.RuneCountInString(password) > MaxLength {
		return ErrTooLong
	}
	if utf8.RuneCountInString(strings.TrimSpace(password)) < MinLength {
		return ErrTooShort
	}
	key := normalize(password)
	if repeated(key) || onList(key) {
		return ErrCommon
	}
	if u := normalize(username); utf8.RuneCountInString(u) >= minContextLength &&
		strings.Contains(key, u) {
		return ErrContext
	}
	return nil
}

// Common tells whether the password is on the list, compared lower-cased
// and with white space at either end left out. The list holds no entry
// shorter than MinLength characters, so Common("qwerty") is false: Check
// refuses such passwords for their length.
func Common(password string) bool {
	return onList(normalize(password))
}

// Count is the number of entries on the list.
func Count() int {
	return len(list())
}

// onList looks up a key made by normalize.
func onList(key string) bool {
	_, ok := list()[key]
	return ok
}

// composeSwedish composes the decomposed (NFD) forms of the letters that
// Swedish passwords use, as a narrow stand-in for NFC normalisation.
var composeSwedish = strings.NewReplacer(
	"a\u030a", "å", "A\u030a", "Å",
	"a\u0308", "ä", "A\u0308", "Ä",
	"o\u0308", "ö", "O\u0308", "Ö",
	"e\u0301", "é", "E\u0301", "É",
)

// normalize gives the form in which passwords and usernames are compared:
// Swedish letters composed, lower-cased, and white space at either end
// left out.
func normalize(s string) string {
	return strings.TrimSpace(strings.ToLower(composeSwedish.Replace(s)))
}

// isControl reports the C0 control characters and DEL.
func isControl(r rune) bool {
	return r <= 0x1f || r == 0x7f
}

// repeated reports whether s is empty or one character over and over.
func repeated(s string) bool {
	first, size := utf8.DecodeRuneInString(s) // size is 0 when s is empty
	return strings.TrimLeft(s[size:], string(first)) == ""
}
