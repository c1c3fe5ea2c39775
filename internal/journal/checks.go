package journal

import (
	"slices"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// inUnit tells whether the user holds any role in the unit: who is told "forbidden"
// rather than "not found" (the record's existence is no secret from the unit's staff).
func inUnit(access identity.Access, unitID string) bool {
	return len(access.Roles[unitID]) > 0
}

// conflictWith answers a mutation whose id is taken: with the record when the actor may
// see it, else without it, so that a guessed id never hands over another unit's record.
func conflictWith(rej *syncengine.Rejection, rec syncengine.Record, actor syncengine.Actor) error {
	for _, s := range rec.Scopes {
		if slices.Contains(actor.Scopes, s) {
			return &syncengine.Conflict{Rejection: *rej, Record: rec}
		}
	}
	return rej
}
