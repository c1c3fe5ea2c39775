// Package staffdir publishes who works in a unit to its phones: for each unit where a
// user holds a valid grant, one `user` record in that unit's scope with the user's id,
// name and roles there, and nothing more personal (no username, no other unit's roles).
// The nurse's delegation picker and the names beside signatures and notes read them. An
// account made through the administration appears once a grant of it is active; the
// record of a unit goes when the user's last role there ends.
package staffdir

import (
	"context"
	"fmt"
	"slices"
	"time"

	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Kind is the record kind the phones know as a colleague.
const Kind = "user"

// Entry is the record of one user in one unit.
type Entry struct {
	UserID string          `json:"user_id"`
	Name   string          `json:"name"`
	UnitID string          `json:"unit_id"`
	Roles  []identity.Role `json:"roles"`
}

// RecordID is the id of userID's record in unitID.
func RecordID(userID, unitID string) string { return uuids.Named("staffdir/" + userID + "/" + unitID) }

// Publish brings userID's records up to date with the grants valid at now, for the units
// named (those whose grant just changed): a record with the roles there, or none.
func Publish(ctx context.Context, eng *syncengine.Engine, ids *identity.Store, userID string, units []string, now time.Time) error {
	u, acc, err := ids.Access(userID, now)
	if err != nil {
		return fmt.Errorf("staffdir: access of a user: %w", err)
	}
	return eng.Do(ctx, func(tx *syncengine.Tx) error {
		for _, unit := range units {
			id := RecordID(userID, unit)
			roles := slices.Clone(acc.Roles[unit])
			if len(roles) == 0 {
				if _, ok, err := tx.Get(Kind, id); err != nil {
					return err
				} else if ok {
					if err := tx.Delete(Kind, id); err != nil {
						return err
					}
				}
				continue
			}
			slices.Sort(roles)
			e := Entry{UserID: userID, Name: u.Name, UnitID: unit, Roles: roles}
			if err := tx.Put(Kind, id, []string{identity.UnitScope(unit)}, e); err != nil {
				return err
			}
		}
		return nil
	})
}
