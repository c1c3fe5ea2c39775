package journal

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationClose = "journal.close" // avsluta journal
	KindJournal   = "journal"       // genomförandejournal
)

// Statuses of a journal.
const (
	JournalOpen   = "open"
	JournalClosed = "closed"
)

// closers are the roles that close a client's journal.
var closers = []identity.Role{identity.RoleUnitManager, identity.RoleCoordinator}

// JournalID is the id of a client's journal. Each client has one journal, and clients
// come from the authority before any journal record exists, so the id is derived from
// the client's: the name-based UUID (version 5, URL namespace) of
// "https://vardag.example/journal/<client_id>" (uuids.Named("journal/"+clientID)). The
// phone computes the same id offline.
func JournalID(clientID string) string { return uuids.Named("journal/" + clientID) }

// Journal is a client's journal record, in the scope of the client's unit. It exists
// once the journal has been closed; until then a client's journal is open (unless the
// authority sent the client with a closed journal, clients.Client.JournalOpen).
type Journal struct {
	JournalID  string        `json:"journal_id"`
	ClientID   string        `json:"client_id"`
	UnitID     string        `json:"unit_id"`
	Status     string        `json:"status"` // JournalOpen or JournalClosed
	ClosedBy   string        `json:"closed_by,omitempty"`
	ClosedRole identity.Role `json:"closed_role,omitempty"`
	ClosedAt   time.Time     `json:"closed_at,omitzero"`   // server time
	ClientTime time.Time     `json:"client_time,omitzero"` // the phone's time of closing
}

// CloseArgs are the arguments of journal.close. ClientID is needed only for a journal
// not yet on the server; when given it must be the journal's client.
type CloseArgs struct {
	JournalID string `json:"journal_id"`
	ClientID  string `json:"client_id,omitempty"`
}

// Close is the handler of journal.close.
func Close() syncengine.Handler {
	return syncengine.Handler{Decode: decodeClose, Apply: applyClose}
}

func decodeClose(raw json.RawMessage) (any, error) {
	var a CloseArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.JournalID) {
		fields["journal_id"] = "must be the UUID of a journal"
	}
	if a.ClientID != "" && !uuids.Valid(a.ClientID) {
		fields["client_id"] = "must be the UUID of a client"
	} else if a.ClientID != "" && len(fields) == 0 && JournalID(a.ClientID) != a.JournalID {
		fields["journal_id"] = "is not the journal of this client"
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The journal to close is not named right.", Fields: fields}
	}
	return a, nil
}

func applyClose(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(CloseArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	now := tx.Now()
	j, exists, err := getJournal(tx, a.JournalID)
	if err != nil {
		return err
	}
	clientID := a.ClientID
	if exists {
		clientID = j.ClientID
	} else if clientID == "" {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "Name the client whose journal to close.",
			Fields: map[string]string{"client_id": "is required for a journal that is not on the server yet"}}
	}
	client, ok, err := clients.Get(tx, clientID)
	if err != nil {
		return err
	}
	if !ok || !inUnit(access, client.UnitID) {
		// The same answer whether the client is in another unit, another provider's or nowhere.
		return syncengine.Reject(codes.JournalNotFound, "This journal is not in any of your units.")
	}
	role, allowed := access.RoleIn(client.UnitID, closers...)
	if !allowed {
		return syncengine.Reject(codes.Forbidden, "Only a coordinator or a unit manager can close a journal.")
	}
	if exists && j.Status == JournalClosed {
		return nil // closing twice is harmless: applied, nothing changes
	}
	closed := Journal{JournalID: a.JournalID, ClientID: client.ClientID, UnitID: client.UnitID, Status: JournalClosed,
		ClosedBy: c.Actor.UserID, ClosedRole: role, ClosedAt: now, ClientTime: c.Mutation.ClientTime.UTC()}
	return tx.Put(KindJournal, a.JournalID, []string{identity.UnitScope(client.UnitID)}, closed)
}

// getJournal reads a journal record; note.add reads one for every note, so the decoded
// journal is cached by the engine for its version.
func getJournal(tx *syncengine.Tx, id string) (Journal, bool, error) {
	rec, ok, err := tx.Get(KindJournal, id)
	if err != nil || !ok {
		return Journal{}, false, err
	}
	v, err := tx.Decoded(rec, func(data json.RawMessage) (any, error) {
		var j Journal
		err := json.Unmarshal(data, &j)
		return j, err
	})
	if err != nil {
		return Journal{}, false, fmt.Errorf("journal: unable to decode journal %s: %w", id, err)
	}
	return v.(Journal), true, nil
}

// journalClosed tells whether a client's journal has been closed in Vardag.
func journalClosed(tx *syncengine.Tx, clientID string) (bool, error) {
	j, ok, err := getJournal(tx, JournalID(clientID))
	return ok && j.Status == JournalClosed, err
}
