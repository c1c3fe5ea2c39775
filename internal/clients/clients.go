// Package clients holds the client record (brukare): the person care is given to, visible
// to the staff of the unit that carries out their assignments.
package clients

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/personnummer"
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

// KindContact is the record kind of a protected client's address and phone.
const KindContact = "client_contact"

// Contact is where a client with protected identity lives: visible only to the unit's
// managers and licensed staff (skyddade personuppgifter), never to all of its staff.
type Contact struct {
	ClientID string `json:"client_id"`
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Scopes are where a client is visible: the staff of the unit.
func (c Client) Scopes() []string { return []string{identity.UnitScope(c.UnitID)} }

// Put stages a client record. The personal number must be a valid personnummer or
// samordningsnummer; it is stored in its 12-digit form. With protected identity, the
// address and phone are kept out of the record the unit's staff receive and stored for
// the unit's managers and licensed staff only.
func Put(tx *syncengine.Tx, c Client) error {
	pn, err := personnummer.Parse(c.PersonalID, tx.Now())
	if err != nil {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The client's personal number is not valid.",
			Fields: map[string]string{"personal_number": strings.TrimPrefix(err.Error(), "personnummer: ")}}
	}
	c.PersonalID = pn.String()
	_, hadContact, err := tx.Get(KindContact, c.ClientID)
	if err != nil {
		return err
	}
	if !c.ProtectedIDs {
		if hadContact {
			if err := tx.Delete(KindContact, c.ClientID); err != nil {
				return err
			}
		}
		return tx.Put(Kind, c.ClientID, c.Scopes(), c)
	}
	contact := Contact{ClientID: c.ClientID, Address: c.Address, Phone: c.Phone}
	c.Address, c.Phone = "", ""
	if err := tx.Put(KindContact, c.ClientID, []string{identity.UnitManagersScope(c.UnitID)}, contact); err != nil {
		return err
	}
	return tx.Put(Kind, c.ClientID, c.Scopes(), c)
}

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

// SexAndBirth reads a client's legal sex and birth date from the personal number in the
// client's record, for statistics by sex and age band; ok is false for an unknown client
// or a record whose number cannot be read.
func SexAndBirth(r syncengine.ReadTx, clientID string, now time.Time) (sex string, birth time.Time, ok bool) {
	rec, found, err := r.Record(Kind, clientID)
	if err != nil || !found {
		return "", time.Time{}, false
	}
	var cl Client
	if json.Unmarshal(rec.Data, &cl) != nil {
		return "", time.Time{}, false
	}
	pn, err := personnummer.Parse(cl.PersonalID, now)
	if err != nil {
		return "", time.Time{}, false
	}
	return pn.Sex().String(), pn.BirthDate(), true
}
