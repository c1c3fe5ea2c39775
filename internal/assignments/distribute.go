package assignments

import (
	"encoding/json"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// DistributeArgs are the arguments of assignment.distribute (fördela uppdrag).
type DistributeArgs struct {
	AssignmentID string `json:"assignment_id"`
	SubUnitID    string `json:"subunit_id"`
}

// distributors are the roles that distribute a unit's assignments.
var distributors = []identity.Role{identity.RoleCoordinator, identity.RoleUnitManager}

// Distribute is the handler of assignment.distribute: a coordinator or unit manager of the
// assignment's unit gives it to one of the unit's sub-units (grupper). Distributing again
// to another sub-unit moves it; to the same one changes nothing.
func Distribute(subunitOf func(subunitID, unitID string) bool) syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a DistributeArgs
			if err := syncengine.DecodeArgs(raw, &a); err != nil {
				return nil, err
			}
			fields := map[string]string{}
			if !uuids.Valid(a.AssignmentID) {
				fields["assignment_id"] = "must be the UUID of an assignment"
			}
			if !uuids.Valid(a.SubUnitID) {
				fields["subunit_id"] = "must be the UUID of a sub-unit"
			}
			if len(fields) > 0 {
				return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The distribution is not complete.", Fields: fields}
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
			args := c.Args.(DistributeArgs)
			access, _ := c.Actor.Domain.(identity.Access)
			a, err := readable(tx, access, args.AssignmentID)
			if err != nil {
				return err
			}
			role, ok := access.RoleIn(a.UnitID, distributors...)
			if !ok {
				return syncengine.Reject(codes.Forbidden, "Only a coordinator or a unit manager distributes assignments.")
			}
			if subunitOf == nil || !subunitOf(args.SubUnitID, a.UnitID) {
				return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The group is not part of the assignment's unit.",
					Fields: map[string]string{"subunit_id": "must be a sub-unit of the assignment's unit"}}
			}
			if a.Status == StatusDistributed && a.SubUnitID == args.SubUnitID {
				return nil // already there
			}
			a.Status, a.SubUnitID = StatusDistributed, args.SubUnitID
			a.Distribution = &Distribution{UserID: c.Actor.UserID, Role: role, At: tx.Now()}
			return put(tx, a)
		},
	}
}
