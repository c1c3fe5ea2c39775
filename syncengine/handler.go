package syncengine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Actor is who pushes: the user, their device and the scopes their grants give right now.
// Domain holds what the care rules need beyond that (units, roles); the engine never reads it.
type Actor struct {
	UserID   string
	DeviceID string
	Scopes   []string
	Domain   any
}

// Mutation is one change a device asks for.
type Mutation struct {
	ID         uint64          `json:"id"`
	Name       string          `json:"name"`
	Args       json.RawMessage `json:"args"`
	ClientTime time.Time       `json:"client_time"`
}

// Handler applies one kind of mutation. Decode runs in the caller's goroutine, outside the
// write transaction, and checks the arguments alone; Apply runs in the single writer with
// the store and must only stage writes through the Tx (they are discarded if it fails).
type Handler struct {
	Decode func(args json.RawMessage) (any, error)
	Apply  func(tx *Tx, call Call) error
}

// Call is what Apply receives.
type Call struct {
	Actor    Actor
	Mutation Mutation
	Args     any // what Decode returned
}

// Rejection is a mutation refused for a reason the user can read. Handlers return it
// (possibly wrapped) from Decode or Apply.
type Rejection struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

// Reject builds a Rejection.
func Reject(code, message string) *Rejection { return &Rejection{Code: code, Message: message} }

// Conflict is a mutation that collides with the server's record; the record goes back.
type Conflict struct {
	Rejection
	Record Record
}

// Tx is what a handler's Apply sees: reads through to the store (including what earlier
// mutations of the same batch wrote) and staged writes of its own.
type Tx struct {
	w       WriteTx
	now     time.Time
	staged  []PendingChange
	audits  []AuditEntry // staged audit entries (audit.go)
	decoded *valueCache
}

// Decoded returns what decode makes of a record's data, from the engine's cache when the
// record is committed (a committed version never changes). The value is shared: treat it
// as read-only.
func (t *Tx) Decoded(rec Record, decode func(json.RawMessage) (any, error)) (any, error) {
	if !rec.Committed {
		return decode(rec.Data)
	}
	if v, ok := t.decoded.get(rec.Version); ok {
		return v, nil
	}
	v, err := decode(rec.Data)
	if err == nil {
		t.decoded.put(rec.Version, v)
	}
	return v, err
}

// Now is the server time of this transaction.
func (t *Tx) Now() time.Time { return t.now }

// Get returns the current record, including one staged by this mutation.
func (t *Tx) Get(kind, id string) (Record, bool, error) {
	for i := len(t.staged) - 1; i >= 0; i-- {
		if c := t.staged[i]; c.Kind == kind && c.ID == id {
			if c.Op == OpDelete {
				return Record{}, false, nil
			}
			return Record{Kind: kind, ID: id, Scopes: c.Scopes, Data: c.Data, ServerTime: t.now}, true, nil
		}
	}
	return t.w.Record(kind, id)
}

// Put stages a record (data is marshalled to JSON) visible in the given scopes.
func (t *Tx) Put(kind, id string, scopes []string, data any) error {
	if err := checkName("kind", kind); err != nil {
		return err
	}
	if err := checkName("id", id); err != nil {
		return err
	}
	if len(scopes) == 0 {
		return errors.New("syncengine: a record needs at least one scope")
	}
	seen := make(map[string]bool, len(scopes))
	for _, s := range scopes {
		if err := checkName("scope", s); err != nil {
			return err
		}
		if seen[s] {
			return fmt.Errorf("syncengine: scope %q given twice", s)
		}
		seen[s] = true
	}
	raw, ok := data.(json.RawMessage)
	if ok && !json.Valid(raw) {
		return fmt.Errorf("syncengine: %s record data is not JSON", kind)
	}
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return fmt.Errorf("syncengine: unable to encode %s record: %w", kind, err)
		}
	}
	t.staged = append(t.staged, PendingChange{Kind: kind, ID: id, Op: OpPut, Scopes: append([]string(nil), scopes...), Data: raw})
	return nil
}

// Delete stages the removal of a record from every scope it is in.
func (t *Tx) Delete(kind, id string) error {
	t.staged = append(t.staged, PendingChange{Kind: kind, ID: id, Op: OpDelete})
	return nil
}

func checkName(what, s string) error {
	if s == "" || len(s) > 200 || strings.ContainsRune(s, 0) {
		return fmt.Errorf("syncengine: invalid %s %q", what, s)
	}
	return nil
}
