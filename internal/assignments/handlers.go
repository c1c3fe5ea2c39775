package assignments

import (
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Handlers are the assignment mutations. subunitOf tells whether a unit is a sub-unit
// (grupp) of another: the engine does not know the organisation, the identity store does.
func Handlers(subunitOf func(subunitID, unitID string) bool) map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationDistribute:  Distribute(subunitOf),
		MutationAcknowledge: Acknowledge(),
		MutationEnd:         EndMeasure(),
	}
}

// staffOf are every role that works with a unit's assignments.
var staffOf = []identity.Role{identity.RoleCareStaff, identity.RoleUnitRep, identity.RoleCoordinator, identity.RoleUnitManager, identity.RoleLicensed}

// readable reads an assignment the actor may see: the same answer whether it exists in
// another unit or not at all.
func readable(tx *syncengine.Tx, access identity.Access, id string) (Assignment, error) {
	a, ok, err := get(tx, id)
	if err != nil {
		return Assignment{}, err
	}
	if !ok || !access.Has(a.UnitID, staffOf...) {
		return Assignment{}, syncengine.Reject(codes.AssignmentNotFound, "This assignment is not in any of your units.")
	}
	return a, nil
}
