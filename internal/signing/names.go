package signing

import (
	"regexp"
	"time"
	_ "time/tzdata" // the Stockholm clock must not depend on the host's zoneinfo

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Mutation names.
const (
	MutationListSave         = "signing.list.save" // signeringslista
	MutationSign             = "signing.sign"      // signering
	MutationDelegationGrant  = "delegation.grant"  // delegering
	MutationDelegationRevoke = "delegation.revoke" // återkallad delegering
	MutationFollowUp         = "signing.follow_up" // uppföljning av avvikande signering
)

// Record kinds.
const (
	KindList        = "signing_list"
	KindDelegation  = "delegation"
	KindSignature   = "signature"
	KindOccurrence  = "signing_occurrence"
	KindAlert       = "signing_alert"
	KindFollowUp    = "signing_follow_up"   // the nurse's follow-up of an alert, for every phone of the unit
	KindSchedule    = "signing_schedule"    // internal: what RaiseMissed needs of a list
	KindDelegations = "signing_delegations" // internal: the delegations a user holds
)

// Internal scopes: no grant gives them, so no phone receives these records.
const (
	ScopeSchedule    = "system:signing:schedule"
	ScopeDelegations = "system:signing:delegations"
)

// Alert types.
const (
	AlertDoubleSigning = "double_signing" // dubbelsignering: risk of a double dose
	AlertMissed        = "missed"         // missad signering
)

// Outcomes of a signature.
const (
	OutcomeGiven            = "given"             // given
	OutcomePartlyGiven      = "partly_given"      // delvis given
	OutcomeNotGiven         = "not_given"         // ej given
	OutcomeSelfAdministered = "self_administered" // tagit själv
)

// Outcomes are the outcomes a signature can have.
var Outcomes = []string{OutcomeGiven, OutcomePartlyGiven, OutcomeNotGiven, OutcomeSelfAdministered}

// The signing window: signed_at at most SignEarly before due_at (earlier is another
// occurrence) and at most SignLate after it. GET /api/v1/me tells the phone both, so that
// it offers no signing the server would refuse.
const (
	SignEarly = 12 * time.Hour
	SignLate  = 48 * time.Hour
)

// Limits.
const (
	futureSlack       = 10 * time.Minute // phones' clocks drift
	oldestSignedAt    = 72 * time.Hour   // a phone offline over a weekend still delivers
	oldestRevocation  = 24 * time.Hour   // a revocation counts from the device's time within this
	oldestDelegation  = 7 * 24 * time.Hour
	missedAfter       = 60 * time.Minute // an occurrence unsigned this long is missed
	missedLookback    = 24 * time.Hour   // only this much of the past is checked
	maxMeasures       = 50
	maxTimes          = 24
	maxInstruction    = 2000
	maxReason         = 500
	maxComment        = 2000
	maxUserID         = 200
	maxDelegationSpan = 1 // year
)

// stockholm is the clock the measure times are read on.
var stockholm = mustLocation("Europe/Stockholm")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// measureKind is a kind of measure: lower-case snake, e.g. "medication", "wound_care".
var measureKind = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// signers are the roles that sign occurrences; licensed staff sign without a delegation.
var signers = []identity.Role{identity.RoleLicensed, identity.RoleCareStaff}

// Handlers returns the handlers of the package, by mutation name.
// WorksIn tells whether a user works in a unit at a time (the identity store's WorksIn):
// a delegation goes only to someone who works in the nurse's unit.
type WorksIn func(userID, unitID string, at time.Time) bool

func Handlers(worksIn WorksIn) map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationListSave:         ListSave(),
		MutationSign:             Sign(),
		MutationDelegationGrant:  DelegationGrant(worksIn),
		MutationDelegationRevoke: DelegationRevoke(),
		MutationFollowUp:         FollowUpHandler(),
	}
}

// invalid is an invalid_args rejection with field errors.
func invalid(message string, fields map[string]string) error {
	return &syncengine.Rejection{Code: codes.InvalidArgs, Message: message, Fields: fields}
}

// conflictWith is a conflict that carries the server's record of kind and id, so that the
// phone shows what is saved.
func conflictWith(tx *syncengine.Tx, kind, id, code, message string) error {
	rec, _, err := tx.Get(kind, id)
	if err != nil {
		return err
	}
	return &syncengine.Conflict{Rejection: *syncengine.Reject(code, message), Record: rec}
}

// realTime tells whether t is set and one JSON can write back.
func realTime(t time.Time) bool {
	y := t.UTC().Year()
	return !t.IsZero() && y >= 1900 && y <= 9999
}

// access is the actor's access (the zero value gives nothing).
func access(c syncengine.Call) identity.Access {
	a, _ := c.Actor.Domain.(identity.Access)
	return a
}
