package signing

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Measure is one delegated measure (insats) of a signing list with its times.
type Measure struct {
	MeasureID   string   `json:"measure_id"`
	Kind        string   `json:"kind"` // e.g. "medication", "insulin", "wound_care"
	Instruction string   `json:"instruction"`
	Times       []string `json:"times"` // "HH:MM", Swedish time
	PRN         bool     `json:"prn"`   // vid behov: signed when given, no fixed times
}

// ListSaveArgs are the arguments of signing.list.save.
type ListSaveArgs struct {
	ListID     string    `json:"list_id"`
	ClientID   string    `json:"client_id"`
	Measures   []Measure `json:"measures"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
}

// List is a saved signing list (signeringslista): the nurse's plan and what the server adds.
type List struct {
	ListSaveArgs
	UnitID      string        `json:"unit_id"`
	CreatedBy   string        `json:"created_by"`
	CreatedRole identity.Role `json:"created_role"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedBy   string        `json:"updated_by"`
	UpdatedRole identity.Role `json:"updated_role"`
	UpdatedAt   time.Time     `json:"updated_at"`
	ClientTime  time.Time     `json:"client_time"`
	ServerTime  time.Time     `json:"server_time"`
}

// measure returns the list's measure with id.
func (l List) measure(id string) (Measure, bool) {
	for _, m := range l.Measures {
		if m.MeasureID == id {
			return m, true
		}
	}
	return Measure{}, false
}

// ListSave is the handler of signing.list.save.
func ListSave() syncengine.Handler {
	return syncengine.Handler{Decode: decodeListSave, Apply: applyListSave}
}

func decodeListSave(raw json.RawMessage) (any, error) {
	var a ListSaveArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.ListID) {
		fields["list_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.ClientID) {
		fields["client_id"] = "must be the UUID of a client"
	}
	switch {
	case len(a.Measures) == 0:
		fields["measures"] = "at least one measure is required"
	case len(a.Measures) > maxMeasures:
		fields["measures"] = fmt.Sprintf("at most %d measures", maxMeasures)
	}
	seen := map[string]bool{}
	for i := range a.Measures {
		m := &a.Measures[i]
		name := fmt.Sprintf("measures[%d]", i)
		switch {
		case !uuids.Valid(m.MeasureID):
			fields[name+".measure_id"] = "must be a UUID made by the phone"
		case seen[m.MeasureID]:
			fields[name+".measure_id"] = "is given twice in this list"
		}
		seen[m.MeasureID] = true
		if !measureKind.MatchString(m.Kind) {
			fields[name+".kind"] = `is required: lower-case letters, digits and "_", such as "wound_care"`
		}
		m.Instruction = syncengine.TrimmedText(m.Instruction, name+".instruction", maxInstruction, true, fields)
		if msg := checkTimes(m.Times, m.PRN); msg != "" {
			fields[name+".times"] = msg
		}
		if m.Times == nil {
			m.Times = []string{}
		}
	}
	if !realTime(a.ValidFrom) {
		fields["valid_from"] = "is required: when the list starts"
	}
	if !realTime(a.ValidUntil) {
		fields["valid_until"] = "is required: when the list ends"
	} else if realTime(a.ValidFrom) && !a.ValidUntil.After(a.ValidFrom) {
		fields["valid_until"] = "must be after valid_from"
	}
	if len(fields) > 0 {
		return nil, invalid("The signing list is not complete.", fields)
	}
	a.ValidFrom, a.ValidUntil = a.ValidFrom.UTC(), a.ValidUntil.UTC()
	return a, nil
}

// checkTimes checks a measure's times; it returns what is wrong, or "".
func checkTimes(times []string, prn bool) string {
	if len(times) == 0 && !prn {
		return "at least one time is required unless the measure is as needed (prn)"
	}
	if len(times) > maxTimes {
		return fmt.Sprintf("at most %d times", maxTimes)
	}
	seen := map[string]bool{}
	for _, t := range times {
		if _, _, ok := parseClock(t); !ok {
			return `each time is "HH:MM", 00:00 to 23:59`
		}
		if seen[t] {
			return "each time is given once"
		}
		seen[t] = true
	}
	return ""
}

func applyListSave(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(ListSaveArgs)
	acc := access(c)
	now := tx.Now()
	client, ok, err := clients.Get(tx, a.ClientID)
	if err != nil {
		return err
	}
	if !ok || len(acc.Roles[client.UnitID]) == 0 {
		// The same answer whether the client exists elsewhere or not at all.
		return syncengine.Reject(codes.ClientNotFound, "This client is not in any of your units.")
	}
	role, licensed := acc.RoleIn(client.UnitID, identity.RoleLicensed)
	if !licensed {
		return syncengine.Reject(codes.Forbidden, "Only licensed staff of the client's unit make signing lists.")
	}
	list := List{ListSaveArgs: a, UnitID: client.UnitID, CreatedBy: c.Actor.UserID, CreatedRole: role, CreatedAt: now,
		UpdatedBy: c.Actor.UserID, UpdatedRole: role, UpdatedAt: now, ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	old, exists, err := getList(tx, a.ListID)
	if err != nil {
		return err
	}
	if exists {
		if !acc.Has(old.UnitID, identity.RoleLicensed) {
			return syncengine.Reject(codes.ListNotFound, "This signing list is not in any of your units.")
		}
		if old.ClientID != a.ClientID {
			return invalid("A signing list belongs to one client.", map[string]string{"client_id": "must be the client of the saved list"})
		}
		list.CreatedBy, list.CreatedRole, list.CreatedAt = old.CreatedBy, old.CreatedRole, old.CreatedAt
	}
	if err := tx.Put(KindList, a.ListID, []string{identity.UnitScope(client.UnitID)}, list); err != nil {
		return err
	}
	return putSchedule(tx, list)
}

// getList reads a signing list; the decoded list is cached by the engine for its version.
func getList(tx *syncengine.Tx, id string) (List, bool, error) {
	rec, ok, err := tx.Get(KindList, id)
	if err != nil || !ok {
		return List{}, false, err
	}
	v, err := tx.Decoded(rec, func(data json.RawMessage) (any, error) {
		var l List
		err := json.Unmarshal(data, &l)
		return l, err
	})
	if err != nil {
		return List{}, false, fmt.Errorf("signing: unable to decode list %s: %w", id, err)
	}
	return v.(List), true, nil
}
