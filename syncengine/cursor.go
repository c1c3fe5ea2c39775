package syncengine

import (
	"encoding/base64"
	"encoding/binary"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// Cursor is where a phone stands in the log: for each scope it holds, the sequence it has
// seen up to. Positions differ only while a new scope's snapshot is still being paged.
// Clients treat its text form as opaque.
type Cursor struct {
	Positions map[string]uint64
	// Snapshots holds, for a scope whose first sending is still being paged, the head the
	// snapshot started at: tombstones up to it are of records the phone never received.
	Snapshots map[string]uint64
	// Mark is the server time (Unix ns) of the log entry at the highest position. If the
	// entry there is another one, the log was restored from a backup (or replaced) since
	// the cursor was made, and the cursor has expired.
	Mark uint64
}

// The text form is "c2." and base64url of a binary form that stays small for phones with
// many units (the cursor travels in a URL):
//
//	mark, base, n (uvarints); then n scopes, each: its name as tokens, a flag byte
//	(1: position differs from base, 2: in a snapshot), the position and the snapshot head
//	(uvarints) when flagged.
//
// A scope name is split at ':' into tokens; a token is a literal, a canonical UUID in 16
// bytes, or a reference to an earlier token. "unit:<uuid>:managers" after "unit:<uuid>"
// takes 7 bytes.
const cursorPrefix = "c2."

// Limits on what a cursor may hold; a phone never holds more scopes than this.
const (
	maxCursorLen    = 64 << 10
	maxCursorScopes = 512
	maxScopeTokens  = 8
)

// Token kinds of a scope name.
const (
	tokLiteral = 0
	tokUUID    = 1
	tokRef     = 2
)

// String encodes the cursor ("" for the empty cursor).
func (c Cursor) String() string {
	if len(c.Positions) == 0 {
		return ""
	}
	scopes := make([]string, 0, len(c.Positions))
	counts := map[uint64]int{}
	for s, p := range c.Positions {
		scopes = append(scopes, s)
		counts[p]++
	}
	sort.Strings(scopes)
	var base uint64
	for p, n := range counts {
		if n > counts[base] || (n == counts[base] && p > base) {
			base = p
		}
	}
	buf := binary.AppendUvarint(nil, c.Mark)
	buf = binary.AppendUvarint(buf, base)
	buf = binary.AppendUvarint(buf, uint64(len(scopes)))
	dict := map[string]uint64{}
	for _, s := range scopes {
		buf = appendScopeName(buf, s, dict)
		p := c.Positions[s]
		snap, inSnapshot := c.Snapshots[s]
		flags := byte(0)
		if p != base {
			flags |= 1
		}
		if inSnapshot {
			flags |= 2
		}
		buf = append(buf, flags)
		if p != base {
			buf = binary.AppendUvarint(buf, p)
		}
		if inSnapshot {
			buf = binary.AppendUvarint(buf, snap)
		}
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

func appendScopeName(buf []byte, name string, dict map[string]uint64) []byte {
	tokens := strings.Split(name, ":")
	buf = binary.AppendUvarint(buf, uint64(len(tokens)))
	for _, t := range tokens {
		if i, seen := dict[t]; seen {
			buf = append(buf, tokRef)
			buf = binary.AppendUvarint(buf, i)
			continue
		}
		dict[t] = uint64(len(dict))
		if u, err := uuid.Parse(t); err == nil && u.String() == t {
			buf = append(buf, tokUUID)
			buf = append(buf, u[:]...)
			continue
		}
		buf = append(buf, tokLiteral)
		buf = binary.AppendUvarint(buf, uint64(len(t)))
		buf = append(buf, t...)
	}
	return buf
}

// ParseCursor decodes a cursor; the empty string is the empty cursor (pull from the start).
func ParseCursor(s string) (Cursor, error) {
	c := Cursor{Positions: map[string]uint64{}, Snapshots: map[string]uint64{}}
	if s == "" {
		return c, nil
	}
	if len(s) > maxCursorLen || !strings.HasPrefix(s, cursorPrefix) {
		return c, ErrInvalidCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	if err != nil {
		return c, ErrInvalidCursor
	}
	r := &cursorReader{b: raw}
	c.Mark = r.uvarint()
	base := r.uvarint()
	n := r.uvarint()
	if n == 0 || n > maxCursorScopes {
		return c, ErrInvalidCursor
	}
	var dict []string
	for i := uint64(0); i < n && r.err == nil; i++ {
		name := r.scopeName(&dict)
		flags := r.byte()
		if r.err != nil || flags > 3 || checkName("scope", name) != nil {
			return c, ErrInvalidCursor
		}
		if _, dup := c.Positions[name]; dup {
			return c, ErrInvalidCursor
		}
		c.Positions[name] = base
		if flags&1 != 0 {
			c.Positions[name] = r.uvarint()
		}
		if flags&2 != 0 {
			c.Snapshots[name] = r.uvarint()
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return c, ErrInvalidCursor
	}
	return c, nil
}

// cursorReader reads the binary form; the first error sticks.
type cursorReader struct {
	b   []byte
	err error
}

func (r *cursorReader) fail() { r.err = ErrInvalidCursor }

func (r *cursorReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cursorReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.fail()
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *cursorReader) take(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// scopeName reads one name, adding its new tokens to the dictionary.
func (r *cursorReader) scopeName(dict *[]string) string {
	n := r.uvarint()
	if n == 0 || n > maxScopeTokens {
		r.fail()
		return ""
	}
	tokens := make([]string, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		var t string
		switch r.byte() {
		case tokLiteral:
			t = string(r.take(r.uvarint()))
			*dict = append(*dict, t)
		case tokUUID:
			if b := r.take(16); r.err == nil {
				t = uuid.UUID(b).String()
				*dict = append(*dict, t)
			}
		case tokRef:
			if i := r.uvarint(); i < uint64(len(*dict)) {
				t = (*dict)[i]
			} else {
				r.fail()
			}
		default:
			r.fail()
		}
		tokens = append(tokens, t)
	}
	return strings.Join(tokens, ":")
}
