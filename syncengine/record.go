package syncengine

import (
	"encoding/json"
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

// Record is the current state of a record.
type Record struct {
	Kind       string
	ID         string
	Version    uint64
	Scopes     []string
	Data       json.RawMessage
	ServerTime time.Time
}

// PendingChange is a change staged by a handler, not yet given a sequence.
type PendingChange struct {
	Kind   string
	ID     string
	Op     string
	Scopes []string
	Data   json.RawMessage
}

// encodeChange renders the client form of a change at a sequence.
func encodeChange(c PendingChange, seq uint64) ([]byte, error) {
	out := Change{Kind: c.Kind, ID: c.ID, Op: c.Op, Version: seq, Scopes: c.Scopes}
	if c.Op == OpPut {
		out.Data = c.Data
	}
	return json.Marshal(out)
}
