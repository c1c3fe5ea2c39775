package syncengine

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
)

// Cursor is where a phone stands in the log: for each scope it holds, the sequence it has
// seen up to. Positions differ only while a new scope's snapshot is still being paged.
// Clients treat its text form as opaque.
type Cursor struct {
	Positions map[string]uint64
	// Snapshots holds, for a scope whose first sending is still being paged, the head the
	// snapshot started at: tombstones up to it are of records the phone never received.
	Snapshots map[string]uint64
}

const cursorPrefix = "c1."

// wire form: {"h": base, "s": [scopes at base], "x": {scope: position}}
type cursorWire struct {
	Head   uint64            `json:"h"`
	Scopes []string          `json:"s,omitempty"`
	Other  map[string]uint64 `json:"x,omitempty"`
	Snap   map[string]uint64 `json:"z,omitempty"`
}

// String encodes the cursor ("" for the empty cursor).
func (c Cursor) String() string {
	if len(c.Positions) == 0 {
		return ""
	}
	counts := map[uint64]int{}
	var base uint64
	for _, p := range c.Positions {
		counts[p]++
		if counts[p] > counts[base] || (counts[p] == counts[base] && p > base) {
			base = p
		}
	}
	w := cursorWire{Head: base, Snap: c.Snapshots}
	for s, p := range c.Positions {
		if p == base {
			w.Scopes = append(w.Scopes, s)
			continue
		}
		if w.Other == nil {
			w.Other = map[string]uint64{}
		}
		w.Other[s] = p
	}
	sort.Strings(w.Scopes)
	raw, _ := json.Marshal(w) // a struct of strings and numbers always encodes
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// Limits on what a cursor may hold; a phone never holds more scopes than this.
const (
	maxCursorLen    = 16 << 10
	maxCursorScopes = 512
)

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
	var w cursorWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return c, ErrInvalidCursor
	}
	if len(w.Scopes)+len(w.Other) > maxCursorScopes || len(w.Snap) > maxCursorScopes {
		return c, ErrInvalidCursor
	}
	for _, sc := range w.Scopes {
		if checkName("scope", sc) != nil {
			return c, ErrInvalidCursor
		}
		c.Positions[sc] = w.Head
	}
	for sc, p := range w.Other {
		if _, dup := c.Positions[sc]; dup || checkName("scope", sc) != nil {
			return c, ErrInvalidCursor
		}
		c.Positions[sc] = p
	}
	for sc, h := range w.Snap {
		if _, held := c.Positions[sc]; !held {
			return c, ErrInvalidCursor
		}
		c.Snapshots[sc] = h
	}
	return c, nil
}
