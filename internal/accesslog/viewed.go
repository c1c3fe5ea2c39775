package accesslog

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// MutationViewed is the phone's report of a read: the user opened a screen of a client's
// data, online or offline (the outbox delivers it later).
const MutationViewed = "access.viewed"

// Screens are the phone's screens of a client's data, the values of access.viewed's what.
var Screens = []string{
	"client",       // the client's overview (brukare)
	"journal",      // the implementation journal (genomförandejournal)
	"signing_list", // a signing list and its signatures (signeringslista)
	"deviation",    // a deviation report and its analysis (avvikelse)
	"assignment",   // an assignment and its measures (uppdrag)
}

// Limits of a report's time, by the device's clock.
const (
	futureSlack = 5 * time.Minute     // device clocks drift
	oldestView  = 30 * 24 * time.Hour // a phone offline longer has been wiped
)

// ViewedArgs are the arguments of access.viewed.
type ViewedArgs struct {
	ViewID   string    `json:"view_id"`
	ClientID string    `json:"client_id"`
	What     string    `json:"what"`
	ViewedAt time.Time `json:"viewed_at"`
}

// WorksIn tells whether a user held a staff grant in a unit at a time (the identity
// store's WorksIn, which reads memory only).
type WorksIn func(userID, unitID string, at time.Time) bool

// Handlers are the mutations of the read log, by name, for the server to register.
func Handlers(worksIn WorksIn) map[string]syncengine.Handler {
	return map[string]syncengine.Handler{MutationViewed: Viewed(worksIn)}
}

// Viewed is the handler of access.viewed. It logs the read and stages no record: the log
// never goes back to a phone. A read is taken of a client in the user's units: one they
// see now, or one whose unit they worked in when they read it (a grant may have ended
// since the phone read offline); worksIn nil knows of no past grants.
func Viewed(worksIn WorksIn) syncengine.Handler {
	return syncengine.Handler{Decode: decodeViewed, Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
		return applyViewed(worksIn, tx, c)
	}}
}

// noSuchClient answers a read of a client that does not exist and of one outside the
// user's units alike, so that the answer tells nobody which client ids exist elsewhere.
func noSuchClient() error {
	return syncengine.Reject(codes.ClientNotFound, "There is no such client in your units; the read was not logged.")
}

func decodeViewed(raw json.RawMessage) (any, error) {
	var a ViewedArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.ViewID) {
		fields["view_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.ClientID) {
		fields["client_id"] = "must be the UUID of a client"
	}
	if !slices.Contains(Screens, a.What) {
		fields["what"] = "must be one of " + strings.Join(Screens, ", ")
	}
	if a.ViewedAt.IsZero() {
		fields["viewed_at"] = "is required: when the user opened the screen"
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The record of what was read is not complete.", Fields: fields}
	}
	a.ViewedAt = a.ViewedAt.UTC()
	return a, nil
}

func applyViewed(worksIn WorksIn, tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(ViewedArgs)
	now := tx.Now()
	if a.ViewedAt.After(now.Add(futureSlack)) || a.ViewedAt.Before(now.Add(-oldestView)) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The time of the read is not possible.",
			Fields: map[string]string{"viewed_at": "must be within the last 30 days and not in the future"}}
	}
	rec, ok, err := tx.Get(clients.Kind, a.ClientID)
	if err != nil {
		return err
	}
	if !ok || !readable(worksIn, c.Actor, rec, a.ViewedAt) {
		return noSuchClient()
	}
	// The phone may send one read again under a new mutation id (after it lost its
	// numbering): it is logged once.
	repeated := false
	err = tx.AuditScan(viewKey(c.Actor.UserID, a.ViewID), time.Time{}, time.Time{}, func(time.Time, []byte) bool {
		repeated = true
		return false
	})
	if err != nil || repeated {
		return err
	}
	viewedAt := a.ViewedAt
	e := Entry{UserID: c.Actor.UserID, DeviceID: c.Actor.DeviceID, ClientID: a.ClientID, Units: UnitsOf(rec.Scopes),
		What: a.What, Source: SourcePhone, ViewID: a.ViewID, ViewedAt: &viewedAt}
	value, err := encode(e)
	if err != nil {
		return err
	}
	return tx.Audit(keys(e), value)
}

// readable tells whether the actor could have read the client record rec at the time of
// the read: it is in one of their scopes now, or they worked in one of its units then.
func readable(worksIn WorksIn, actor syncengine.Actor, rec syncengine.Record, at time.Time) bool {
	for _, s := range rec.Scopes {
		if slices.Contains(actor.Scopes, s) {
			return true
		}
	}
	if worksIn == nil {
		return false
	}
	for _, unit := range UnitsOf(rec.Scopes) {
		if worksIn(actor.UserID, unit, at) {
			return true
		}
	}
	return false
}
