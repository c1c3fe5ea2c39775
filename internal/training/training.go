// Package training marks the functions that stay closed until a user's training
// (utbildning) is recorded by a unit representative: the routines give the roles of unit
// manager, coordinator, unit representative and licensed staff only after training, and
// "without training, access may be limited to some functions".
package training

import (
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Mutations that need recorded training: what only trained roles do.
var Mutations = map[string]bool{
	"journal.note.correct":  true,
	"journal.close":         true,
	"assignment.distribute": true,
	"assignment.end":        true,
	"deviation.analyse":     true,
	"signing.list.save":     true,
	"delegation.grant":      true,
	"delegation.revoke":     true,
	"signing.follow_up":     true,
	"client.contact.update": true,
	"client.health.update":  true,
	"plan.establish":        true,
	"plan.follow_up":        true,
	"plan.end":              true,
}

// Message says what to do, in words a user can act on.
const Message = "This function opens when your training is recorded; ask your unit representative (verksamhetsombud)."

// Guard wraps the handlers that need training so that an untrained user's mutation is
// rejected (codes.TrainingRequired) before the care rules run.
func Guard(handlers map[string]syncengine.Handler) map[string]syncengine.Handler {
	out := make(map[string]syncengine.Handler, len(handlers))
	for name, h := range handlers {
		if Mutations[name] {
			apply := h.Apply
			h.Apply = func(tx *syncengine.Tx, call syncengine.Call) error {
				if a, ok := call.Actor.Domain.(identity.Access); !ok || !a.Trained {
					return syncengine.Reject(codes.TrainingRequired, Message)
				}
				return apply(tx, call)
			}
		}
		out[name] = h
	}
	return out
}
