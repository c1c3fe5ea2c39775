package journal

import (
	"slices"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// checkClientTime bounds the phone's clock, which is kept beside the server's time: not
// more than futureSlack ahead of the server, not older than a note may be.
func checkClientTime(now, clientTime time.Time) error {
	if clientTime.After(now.Add(futureSlack)) || clientTime.Before(now.Add(-oldestNoteAt)) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The phone's clock is wrong; set the time on the phone and sync again.",
			Fields: map[string]string{"client_time": "must be within the last year and not in the future"}}
	}
	return nil
}

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
