// Package assignments holds the assignments (uppdrag) that the authority (myndighet)
// delivers to a provider's unit: received, distributed to a sub-unit (grupp) by a
// coordinator and acknowledged (kvitterat) by the staff, with the measures (insatser) the
// decision grants. It also counts them for the unit manager's monthly statistics.
package assignments

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	Kind                = "assignment"
	MutationDistribute  = "assignment.distribute"
	MutationAcknowledge = "assignment.acknowledge"
)

// Statuses of an assignment.
const (
	StatusNew         = "new"         // nytt uppdrag, not yet distributed
	StatusDistributed = "distributed" // fördelat to a sub-unit
)

// End reasons of a measure (avslutsorsak).
var EndReasons = []string{"deceased", "moved", "no_longer_needed", "other_provider", "hospital", "other"}

// dateLayout is how a measure's start and end are written: a calendar date.
const dateLayout = "2006-01-02"

// Assignment is an assignment (uppdrag) as stored and synced to the unit's staff.
type Assignment struct {
	AssignmentID    string           `json:"assignment_id"`
	AuthorityID     string           `json:"authority_id"`
	ClientID        string           `json:"client_id"`
	UnitID          string           `json:"unit_id"`
	Status          string           `json:"status"`
	SubUnitID       string           `json:"subunit_id,omitempty"` // grupp
	Measures        []Measure        `json:"measures"`             // insatser
	DecidedAt       time.Time        `json:"decided_at"`
	Acknowledgments []Acknowledgment `json:"acknowledged_by"` // kvittenser
	ReceivedAt      time.Time        `json:"received_at"`
	UpdatedAt       time.Time        `json:"updated_at"` // last delivery that changed it
	Distribution    *Distribution    `json:"distribution,omitempty"`
	// Ends are the provider's ends of measures (avslutad verkställighet, assignment.end);
	// they are written into Measures too, and kept over later deliveries.
	Ends []End `json:"ends,omitempty"`
}

// Measure is one measure (insats) of the decision: what, how much time, and when.
type Measure struct {
	MeasureID       string `json:"measure_id"` // the authority's id
	Type            string `json:"type"`       // e.g. personal_care, meals, cleaning
	MinutesPerMonth int    `json:"minutes_per_month"`
	Start           string `json:"start"`                // YYYY-MM-DD
	End             string `json:"end,omitempty"`        // YYYY-MM-DD, the last day
	EndReason       string `json:"end_reason,omitempty"` // avslutsorsak
}

// Acknowledgment is one person's kvittens of the assignment.
type Acknowledgment struct {
	UserID     string        `json:"user_id"`
	Role       identity.Role `json:"role"`
	At         time.Time     `json:"at"` // server time of the first acknowledgment
	ClientTime time.Time     `json:"client_time"`
	MyPersons  bool          `json:"my_persons"` // flyttad till Mina personer
}

// Distribution is who distributed the assignment (fördelade), and when.
type Distribution struct {
	UserID string        `json:"user_id"`
	Role   identity.Role `json:"role"`
	At     time.Time     `json:"at"`
}

// ID is the assignment id of an authority's assignment: the same delivery always lands on
// the same record.
func ID(authorityID string) string { return uuids.Named("assignment/" + authorityID) }

func (a Assignment) scopes() []string { return []string{identity.UnitScope(a.UnitID)} }

// get reads an assignment for changing it: a fresh copy, never the engine's shared value.
func get(tx *syncengine.Tx, id string) (Assignment, bool, error) {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return Assignment{}, false, err
	}
	a, err := decode(rec.Data)
	if err != nil {
		return Assignment{}, false, fmt.Errorf("assignments: unable to decode assignment %s: %w", id, err)
	}
	return a, true, nil
}

func decode(data json.RawMessage) (Assignment, error) {
	var a Assignment
	err := json.Unmarshal(data, &a)
	return a, err
}

func put(tx *syncengine.Tx, a Assignment) error {
	if a.Acknowledgments == nil {
		a.Acknowledgments = []Acknowledgment{}
	}
	return tx.Put(Kind, a.AssignmentID, a.scopes(), a)
}
