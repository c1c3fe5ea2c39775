package signing

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// GrantArgs are the arguments of delegation.grant. UnitID is needed only when the nurse
// is licensed in several units.
type GrantArgs struct {
	DelegationID string    `json:"delegation_id"`
	UserID       string    `json:"user_id"`
	MeasureKind  string    `json:"measure_kind"`
	ValidFrom    time.Time `json:"valid_from"`
	ValidUntil   time.Time `json:"valid_until"`
	UnitID       string    `json:"unit_id,omitempty"`
}

// DelegationGrant is the handler of delegation.grant.
func DelegationGrant(worksIn WorksIn) syncengine.Handler {
	return syncengine.Handler{Decode: decodeGrant, Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
		return applyGrant(worksIn, tx, c)
	}}
}

func decodeGrant(raw json.RawMessage) (any, error) {
	var a GrantArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.DelegationID) {
		fields["delegation_id"] = "must be a UUID made by the phone"
	}
	if !validUserID(a.UserID) {
		fields["user_id"] = "must be the id of a user"
	}
	if !measureKind.MatchString(a.MeasureKind) {
		fields["measure_kind"] = `is required: lower-case letters, digits and "_", such as "wound_care"`
	}
	if a.UnitID != "" && !validUserID(a.UnitID) {
		fields["unit_id"] = "must be the id of a unit"
	}
	if !realTime(a.ValidFrom) {
		fields["valid_from"] = "is required: when the delegation starts"
	}
	switch {
	case !realTime(a.ValidUntil):
		fields["valid_until"] = "is required: when the delegation ends"
	case !realTime(a.ValidFrom):
	case !a.ValidUntil.After(a.ValidFrom):
		fields["valid_until"] = "must be after valid_from"
	case a.ValidUntil.After(a.ValidFrom.AddDate(maxDelegationSpan, 0, 0)):
		fields["valid_until"] = "must be at most one year after valid_from"
	}
	if len(fields) > 0 {
		return nil, invalid("The delegation is not complete.", fields)
	}
	a.ValidFrom, a.ValidUntil = a.ValidFrom.UTC(), a.ValidUntil.UTC()
	return a, nil
}

// validUserID tells whether s can be a user's or unit's id (and a record id).
func validUserID(s string) bool {
	return s != "" && len(s) <= maxUserID && strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) < 0
}

func applyGrant(worksIn WorksIn, tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(GrantArgs)
	acc := access(c)
	now := tx.Now()
	unit, err := grantingUnit(acc, a.UnitID)
	if err != nil {
		return err
	}
	if worksIn == nil || !worksIn(a.UserID, unit, now) {
		return syncengine.Reject(codes.UserNotFound, "This person does not work in the unit the delegation is for.")
	}
	if a.ValidFrom.Before(now.Add(-oldestDelegation)) || a.ValidFrom.After(now.AddDate(1, 0, 0)) {
		return invalid("The start of the delegation is not possible.", map[string]string{"valid_from": "must be within the last 7 days or the coming year"})
	}
	if !a.ValidUntil.After(now) {
		return invalid("The delegation has already ended.", map[string]string{"valid_until": "must be in the future"})
	}
	if existing, exists, err := tx.Get(KindDelegation, a.DelegationID); err != nil {
		return err
	} else if exists {
		return &syncengine.Conflict{Rejection: *syncengine.Reject(codes.DelegationExists,
			"A saved delegation cannot be changed; revoke it and grant a new one."), Record: existing}
	}
	role, _ := acc.RoleIn(unit, identity.RoleLicensed)
	d := Delegation{DelegationID: a.DelegationID, UserID: a.UserID, MeasureKind: a.MeasureKind, ValidFrom: a.ValidFrom,
		ValidUntil: a.ValidUntil, UnitID: unit, GrantedBy: c.Actor.UserID, GrantedRole: role,
		ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	if err := tx.Put(KindDelegation, d.DelegationID, d.scopes(), d); err != nil {
		return err
	}
	return putHeld(tx, d)
}

// grantingUnit is the unit a delegation is granted in: the one the nurse is licensed in,
// or, if several, the one named.
func grantingUnit(acc identity.Access, named string) (string, error) {
	var units []string
	for u := range acc.Roles {
		if acc.Has(u, identity.RoleLicensed) {
			units = append(units, u)
		}
	}
	sort.Strings(units)
	switch {
	case named != "" && acc.Has(named, identity.RoleLicensed):
		return named, nil
	case named != "" || len(units) == 0:
		return "", syncengine.Reject(codes.Forbidden, "Only licensed staff of the unit grant delegations.")
	case len(units) > 1:
		return "", invalid("You are licensed in several units.", map[string]string{"unit_id": "is required: the unit the delegation is for"})
	}
	return units[0], nil
}
