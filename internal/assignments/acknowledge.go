package assignments

import (
	"encoding/json"
	"slices"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// AcknowledgeArgs are the arguments of assignment.acknowledge (kvittera uppdrag).
type AcknowledgeArgs struct {
	AssignmentID    string `json:"assignment_id"`
	MoveToMyPersons bool   `json:"move_to_my_persons"` // flytta till Mina personer
}

// acknowledgers are the roles that acknowledge an assignment: the care staff (a unit
// representative's profile is combined with care staff's), coordinators and managers.
var acknowledgers = []identity.Role{identity.RoleCareStaff, identity.RoleUnitRep, identity.RoleCoordinator, identity.RoleUnitManager}

// Acknowledge is the handler of assignment.acknowledge. The assignment must have been
// distributed first (fördela, then kvittera). Each person is recorded once, with the time
// of their first acknowledgment; acknowledging again changes nothing, except
// move_to_my_persons when it differs.
func Acknowledge() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a AcknowledgeArgs
			if err := syncengine.DecodeArgs(raw, &a); err != nil {
				return nil, err
			}
			if !uuids.Valid(a.AssignmentID) {
				return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The acknowledgment is not complete.",
					Fields: map[string]string{"assignment_id": "must be the UUID of an assignment"}}
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
			args := c.Args.(AcknowledgeArgs)
			access, _ := c.Actor.Domain.(identity.Access)
			a, err := readable(tx, access, args.AssignmentID)
			if err != nil {
				return err
			}
			role, ok := access.RoleIn(a.UnitID, acknowledgers...)
			if !ok {
				return syncengine.Reject(codes.Forbidden, "Only the unit's staff acknowledge assignments.")
			}
			if a.Status != StatusDistributed {
				return syncengine.Reject(codes.AssignmentNotDistributed, "The assignment is acknowledged once it has been distributed to a group.")
			}
			i := slices.IndexFunc(a.Acknowledgments, func(k Acknowledgment) bool { return k.UserID == c.Actor.UserID })
			switch {
			case i < 0:
				a.Acknowledgments = append(a.Acknowledgments, Acknowledgment{UserID: c.Actor.UserID, Role: role, At: tx.Now(),
					ClientTime: c.Mutation.ClientTime.UTC(), MyPersons: args.MoveToMyPersons})
			case a.Acknowledgments[i].MyPersons == args.MoveToMyPersons:
				return nil // acknowledged already: harmless
			default:
				a.Acknowledgments[i].MyPersons = args.MoveToMyPersons
			}
			return put(tx, a)
		},
	}
}
