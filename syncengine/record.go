package syncengine

import (
	"encoding/json"
	"strconv"
	"time"
)

// Operations of a change.
const (
	OpPut    = "put"
	OpDelete = "delete"
)

// Change is one entry of the log as a client receives it in a pull.
type Change struct {
	Kind    string          `json:"kind"`
	ID      string          `json:"id"`
	Op      string          `json:"op"`
	Version uint64          `json:"version"`
	Scopes  []string        `json:"scopes,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Record is the current state of a record. Its Data may be shared with other readers
// and must not be modified.
type Record struct {
	Kind       string
	ID         string
	Version    uint64
	Scopes     []string
	Data       json.RawMessage
	ServerTime time.Time
	// Committed is true when the record was committed before this transaction began, so
	// that values derived from it may be cached by Version (a sequence never changes).
	Committed bool
}

// PendingChange is a change staged by a handler, not yet given a sequence.
type PendingChange struct {
	Kind   string
	ID     string
	Op     string
	Scopes []string
	Data   json.RawMessage
}

// appendChange appends the client form of a change at a sequence, in the field order of
// Change. Data is already JSON (Tx.Put made or checked it), so it is not scanned again.
func appendChange(buf []byte, c PendingChange, seq uint64) []byte {
	buf = append(buf, `{"kind":`...)
	buf = AppendJSONString(buf, c.Kind)
	buf = append(buf, `,"id":`...)
	buf = AppendJSONString(buf, c.ID)
	buf = append(buf, `,"op":`...)
	buf = AppendJSONString(buf, c.Op)
	buf = append(buf, `,"version":`...)
	buf = strconv.AppendUint(buf, seq, 10)
	if len(c.Scopes) > 0 {
		buf = append(buf, `,"scopes":[`...)
		for i, s := range c.Scopes {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendJSONString(buf, s)
		}
		buf = append(buf, ']')
	}
	if c.Op == OpPut {
		buf = append(buf, `,"data":`...)
		buf = append(buf, c.Data...)
	}
	return append(buf, '}')
}

// changeSize is enough room for a change's JSON around its data.
func changeSize(c PendingChange) int {
	n := len(c.Data) + len(c.Kind) + len(c.ID) + 96
	for _, s := range c.Scopes {
		n += len(s) + 3
	}
	return n
}

// AppendJSONString appends s as a JSON string, for handlers that build record JSON on the
// writer's hot path.
func AppendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == '"' || b == '\\' || b >= 0x80 {
			raw, _ := json.Marshal(s) // rare: let encoding/json escape it
			return append(buf, raw...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
