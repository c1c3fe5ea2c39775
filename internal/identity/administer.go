package identity

import (
	"errors"
	"slices"
	"time"
)

// Who administers whom (DESIGN.md "Administration"; the municipal routine 000): an
// administrator administers everyone; a unit manager (enhetschef) the coordinators,
// licensed staff, unit representatives and care staff of their units; a unit
// representative (verksamhetsombud) the care staff of their unit; nobody themselves.
// "Their units" are the units where the actor holds the role and the sub-units (grupper)
// of those units. The rule looks at the whole account: a person who is care staff in one
// unit and a unit manager in another is a unit manager's equal, so only an administrator
// acts on their account (one password and one factor open both). An account without a
// valid grant (a new one, or one whose grants lapsed) is administered by the managers and
// representatives of the provider it names: they give it its first grant.
var administers = map[Role][]Role{
	RoleUnitManager: {RoleCoordinator, RoleLicensed, RoleUnitRep, RoleCareStaff},
	RoleUnitRep:     {RoleCareStaff},
}

// Target is an account as the administration rule sees it.
type Target struct {
	UserID string
	Admin  bool
	// Roles holds, per unit, the roles of the account's grants valid at the time of the
	// act; a grant in a sub-unit is also listed under its parent unit, whose roles reach it.
	// A disabled account keeps its grants here, so that it can be enabled again.
	Roles map[string][]Role
	// ProviderID is the provider of an account that never held a grant ("" otherwise):
	// until its first grant it is administered within that provider.
	ProviderID string
}

// MayAdminister tells whether actor may act on target's account (unlock, disable, enable,
// reset the password, record training, hand out a hardware token, see and end sessions,
// revoke devices). When roles are given, only the actor's grants in those roles count (a
// route for unit managers only); administrators are never limited by them.
func MayAdminister(actor Access, target Target, roles ...Role) bool {
	if actor.UserID == "" || actor.UserID == target.UserID {
		return false
	}
	if actor.Admin {
		return true
	}
	if target.Admin {
		return false
	}
	var held []Role // every role of the account, in any unit
	for _, rs := range target.Roles {
		for _, r := range rs {
			if !slices.Contains(held, r) {
				held = append(held, r)
			}
		}
	}
	if len(held) == 0 {
		acting := []Role{RoleUnitManager, RoleUnitRep}
		if len(roles) > 0 {
			acting = roles
		}
		return target.ProviderID != "" && actsForProvider(actor, target.ProviderID, acting...)
	}
	for unit := range target.Roles {
		for _, r := range actor.Roles[unit] {
			if len(roles) > 0 && !slices.Contains(roles, r) {
				continue
			}
			if administersAll(r, held) {
				return true
			}
		}
	}
	return false
}

// actsForProvider tells whether the actor holds one of roles in a unit of the provider.
func actsForProvider(a Access, providerID string, roles ...Role) bool {
	for unit, provider := range a.ProviderOf {
		if provider == providerID && a.Has(unit, roles...) {
			return true
		}
	}
	return false
}

// administersAll tells whether role administers an account holding every one of held.
func administersAll(role Role, held []Role) bool {
	for _, h := range held {
		if !slices.Contains(administers[role], h) {
			return false
		}
	}
	return true
}

// Target returns the account userID as the administration rule sees it at t. It reads
// the account from the store and its grants and units from memory; an unknown user is
// ErrNotFound.
func (s *Store) Target(userID string, t time.Time) (Target, error) {
	u, err := s.User(userID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Target{UserID: userID}, ErrNotFound
		}
		return Target{}, err
	}
	return s.TargetOf(u, t), nil
}
