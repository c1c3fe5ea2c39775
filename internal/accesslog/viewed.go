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

// Handlers are the mutations of the read log, by name, for the server to register.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{MutationViewed: Viewed()}
}

// Viewed is the handler of access.viewed. It logs the read and stages no record: the log
// never goes back to a phone.
func Viewed() syncengine.Handler {
	return syncengine.Handler{Decode: decodeViewed, Apply: applyViewed}
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

func applyViewed(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(ViewedArgs)
	now := tx.Now()
	if a.ViewedAt.After(now.Add(futureSlack)) || a.ViewedAt.Before(now.Add(-oldestView)) {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The time of the read is not possible.",
			Fields: map[string]string{"viewed_at": "must be within the last 30 days and not in the future"}}
	}
	// A read is logged whatever the user's access is now: a grant may have ended since the
	// phone read offline, and a read outside one's units is what the review looks for.
	rec, ok, err := tx.Get(clients.Kind, a.ClientID)
	if err != nil {
		return err
	}
	if !ok {
		return syncengine.Reject(codes.ClientNotFound, "There is no such client; the read was not logged.")
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
