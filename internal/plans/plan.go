// Package plans holds the implementation plan (genomförandeplan): how each measure
// (insats) of a client's assignment is carried out — what, how, when, the goal — and how
// the client took part. Staff draft it (plan.save); the unit's coordinator or manager
// establishes it (upprätta, plan.establish), which makes that version read-only; a later
// save starts the next version and the earlier ones stay legible, byte for byte. Plans
// are followed up (uppföljning, plan.follow_up) and get an end date (plan.end).
package plans

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationSave      = "plan.save"
	MutationEstablish = "plan.establish"
	MutationFollowUp  = "plan.follow_up"
	MutationEnd       = "plan.end"
	// KindPlan is the plan as a whole: its current version, follow-ups and end date.
	KindPlan = "plan"
	// KindVersion is one version of a plan's text: a draft until established, then never
	// written again.
	KindVersion = "plan_version"
)

// Statuses of a version (and of a plan's current version).
const (
	StatusDraft       = "draft"       // utkast
	StatusEstablished = "established" // upprättad
)

// Limits.
const (
	maxParts     = 50
	maxPartText  = 4000
	maxFollowUps = 500
	dateLayout   = "2006-01-02"
)

// Who does what with a plan of a unit.
var (
	drafters     = []identity.Role{identity.RoleCareStaff, identity.RoleCoordinator, identity.RoleUnitManager}
	establishers = []identity.Role{identity.RoleCoordinator, identity.RoleUnitManager}
)

// Part is one part of a plan: how one measure of the assignment is carried out.
type Part struct {
	PartID    string `json:"part_id"`
	MeasureID string `json:"measure_id"` // a measure of the plan's assignment
	What      string `json:"what"`       // vad
	How       string `json:"how"`        // hur
	When      string `json:"when"`       // när
	Goal      string `json:"goal"`       // mål
}

// Version is one version of a plan (a record of KindVersion, id VersionID(plan, n)).
type Version struct {
	VersionID           string        `json:"version_id"`
	PlanID              string        `json:"plan_id"`
	ClientID            string        `json:"client_id"`
	AssignmentID        string        `json:"assignment_id"`
	UnitID              string        `json:"unit_id"`
	Version             int           `json:"version"`
	Status              string        `json:"status"`
	Parts               []Part        `json:"parts"`
	ClientParticipation string        `json:"client_participation"` // hur brukaren har deltagit
	SavedBy             string        `json:"saved_by"`
	SavedRole           identity.Role `json:"saved_role"`
	SavedAt             time.Time     `json:"saved_at"`
	EstablishedOn       string        `json:"established_on,omitempty"` // YYYY-MM-DD
	WithClient          *bool         `json:"with_client,omitempty"`    // agreed together with the client
	EstablishNote       string        `json:"establish_note,omitempty"`
	EstablishedBy       string        `json:"established_by,omitempty"`
	EstablishedRole     identity.Role `json:"established_role,omitempty"`
	EstablishedAt       time.Time     `json:"established_at,omitzero"`
}

// Plan is a plan as a whole (a record of KindPlan, id PlanID).
type Plan struct {
	PlanID             string     `json:"plan_id"`
	ClientID           string     `json:"client_id"`
	AssignmentID       string     `json:"assignment_id"`
	UnitID             string     `json:"unit_id"`
	Version            int        `json:"version"`                       // the current version
	Status             string     `json:"status"`                        // of the current version
	EstablishedVersion int        `json:"established_version,omitempty"` // the latest established, 0 for none
	EstablishedOn      string     `json:"established_on,omitempty"`
	NextFollowUpBy     string     `json:"next_follow_up_by,omitempty"` // YYYY-MM-DD
	FollowUps          []FollowUp `json:"follow_ups"`
	EndsOn             string     `json:"ends_on,omitempty"` // slutdatum, YYYY-MM-DD
	EndedBy            string     `json:"ended_by,omitempty"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// FollowUp is one follow-up (uppföljning) of an established plan.
type FollowUp struct {
	FollowedUpOn   string        `json:"followed_up_on"` // YYYY-MM-DD
	Outcome        string        `json:"outcome"`
	NextFollowUpBy string        `json:"next_follow_up_by,omitempty"`
	Version        int           `json:"version"` // the established version followed up
	By             string        `json:"by"`
	Role           identity.Role `json:"role"`
	At             time.Time     `json:"at"`
}

// VersionID is the record id of version n of a plan; the phone computes the same id.
func VersionID(planID string, n int) string {
	return uuids.Named("plan/" + planID + "/version/" + strconv.Itoa(n))
}

// Handlers are the plan's mutations by name, for the server to register.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationSave:      {Decode: decodeSave, Apply: applySave},
		MutationEstablish: {Decode: decodeEstablish, Apply: applyEstablish},
		MutationFollowUp:  {Decode: decodeFollowUp, Apply: applyFollowUp},
		MutationEnd:       {Decode: decodeEnd, Apply: applyEnd},
	}
}

func scopes(unitID string) []string { return []string{identity.UnitScope(unitID)} }

// getPlan reads a plan for changing it: a fresh copy.
func getPlan(tx *syncengine.Tx, id string) (Plan, bool, error) {
	rec, ok, err := tx.Get(KindPlan, id)
	if err != nil || !ok {
		return Plan{}, false, err
	}
	var p Plan
	if err := json.Unmarshal(rec.Data, &p); err != nil {
		return Plan{}, false, fmt.Errorf("plans: unable to decode plan %s: %w", id, err)
	}
	return p, true, nil
}

func getVersion(tx *syncengine.Tx, planID string, n int) (Version, bool, error) {
	rec, ok, err := tx.Get(KindVersion, VersionID(planID, n))
	if err != nil || !ok {
		return Version{}, false, err
	}
	var v Version
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		return Version{}, false, fmt.Errorf("plans: unable to decode version %d of plan %s: %w", n, planID, err)
	}
	return v, true, nil
}

// planFor reads the plan a mutation names and checks that the actor may do it: a plan of
// none of the actor's units is not found, whether it exists or not.
func planFor(tx *syncengine.Tx, actor syncengine.Actor, id string, roles []identity.Role, forbidden string) (Plan, identity.Role, error) {
	access, _ := actor.Domain.(identity.Access)
	p, ok, err := getPlan(tx, id)
	if err != nil {
		return Plan{}, "", err
	}
	if !ok || len(access.Roles[p.UnitID]) == 0 {
		return Plan{}, "", syncengine.Reject(codes.PlanNotFound, "This plan is not in any of your units.")
	}
	role, allowed := access.RoleIn(p.UnitID, roles...)
	if !allowed {
		return Plan{}, "", syncengine.Reject(codes.Forbidden, forbidden)
	}
	if p.EndsOn != "" {
		return Plan{}, "", syncengine.Reject(codes.PlanEnded, "This plan has an end date and takes no more changes.")
	}
	return p, role, nil
}

// date checks a calendar date YYYY-MM-DD, required or not, noting a problem in fields.
func date(s, field string, required bool, fields map[string]string) (time.Time, bool) {
	if s == "" {
		if required {
			fields[field] = "is required: a date YYYY-MM-DD"
		}
		return time.Time{}, false
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil || d.Year() < 2000 || d.Year() > 2200 {
		fields[field] = "must be a date YYYY-MM-DD"
		return time.Time{}, false
	}
	return d, true
}

// notAfterToday refuses a date later than today (a day's slack for the phones' zones):
// nothing is established or followed up in the future.
func notAfterToday(d time.Time, field string, now time.Time) error {
	if d.After(now.AddDate(0, 0, 1)) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The date lies in the future.",
			Fields: map[string]string{field: "must not be later than today"}}
	}
	return nil
}

func invalid(message string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &syncengine.Rejection{Code: codes.InvalidArgs, Message: message, Fields: fields}
}
