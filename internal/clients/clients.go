// Package clients holds the client record (brukare): the person care is given to, visible
// to the staff of the unit that carries out their assignments.
package clients

import (
	"encoding/json"
	"fmt"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Kind is the record kind of a client in the change log.
const Kind = "client"

// Client is a person receiving care (brukare).
type Client struct {
	ClientID     string `json:"client_id"`
	Name         string `json:"name"`
	PersonalID   string `json:"personal_number"` // personnummer or samordningsnummer, 12 digits
	UnitID       string `json:"unit_id"`
	SubUnitID    string `json:"subunit_id,omitempty"` // grupp
	Address      string `json:"address,omitempty"`
	Phone        string `json:"phone,omitempty"`
	JournalOpen  bool   `json:"journal_open"`
	ProtectedIDs bool   `json:"protected_identity,omitempty"` // skyddad identitet
}

// Scopes are where a client is visible: the staff of the unit.
func (c Client) Scopes() []string { return []string{identity.UnitScope(c.UnitID)} }

// Put stages a client record.
func Put(tx *syncengine.Tx, c Client) error { return tx.Put(Kind, c.ClientID, c.Scopes(), c) }

// Get reads a client record. Every journal note and signature reads one, so the decoded
// client is cached by the engine for its version.
func Get(tx *syncengine.Tx, id string) (Client, bool, error) {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return Client{}, false, err
	}
	v, err := tx.Decoded(rec, func(data json.RawMessage) (any, error) {
		var c Client
		err := json.Unmarshal(data, &c)
		return c, err
	})
	if err != nil {
		return Client{}, false, fmt.Errorf("clients: unable to decode client %s: %w", id, err)
	}
	return v.(Client), true, nil
}
