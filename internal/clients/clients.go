// Package clients holds the client record (brukare): the person care is given to, visible
// to the staff of the unit that carries out their assignments.
package clients

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/personnummer"
	"vardag/syncengine"
)

// Kind is the record kind of a client in the change log.
const Kind = "client"

// Client is a person receiving care (brukare). The authority's integration delivers the
// person (Intake) and their assignments; each unit with an assignment for the client sees
// the record. UnitID is the first of those units (the unit of the client's journal and
// signing lists); UnitIDs holds them all, once a second unit's assignment has arrived or
// the client came through intake.
type Client struct {
	ClientID       string   `json:"client_id"`
	Name           string   `json:"name"` // given and family name, as the screens show it
	GivenName      string   `json:"given_name,omitempty"`
	FamilyName     string   `json:"family_name,omitempty"`
	PersonalID     string   `json:"personal_number"` // personnummer or samordningsnummer, 12 digits
	MunicipalityID string   `json:"municipality_id,omitempty"`
	UnitID         string   `json:"unit_id"`
	UnitIDs        []string `json:"unit_ids,omitempty"`
	SubUnitID      string   `json:"subunit_id,omitempty"` // grupp
	Address        string   `json:"address,omitempty"`
	Phone          string   `json:"phone,omitempty"`
	// DoorCode (portkod) and KeyNote (where the key is, nyckelhantering) are for the staff
	// of the client's units.
	DoorCode  string     `json:"door_code,omitempty"`
	KeyNote   string     `json:"key_note,omitempty"`
	Relatives []Relative `json:"relatives,omitempty"` // anhöriga
	// Infection (smitta) and Hypersensitivity (överkänslighet) are set by licensed staff and
	// shown first on every screen of the client.
	Infection        string `json:"infection,omitempty"`
	Hypersensitivity string `json:"hypersensitivity,omitempty"`
	DeceasedOn       string `json:"deceased_on,omitempty"` // YYYY-MM-DD
	JournalOpen      bool   `json:"journal_open"`
	ProtectedIDs     bool   `json:"protected_identity,omitempty"` // skyddad identitet
}

// Relative is a client's relative (anhörig) whom the staff may call.
type Relative struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
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

// Units are the units where the client is visible: the first unit, then the others.
func (c Client) Units() []string {
	var out []string
	for _, u := range append([]string{c.UnitID}, c.UnitIDs...) {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// InUnit tells whether the client is visible in unit.
func (c Client) InUnit(unitID string) bool { return slices.Contains(c.Units(), unitID) }

// IntakeScope holds the clients of a municipality that no unit has an assignment for yet:
// no phone syncs it (the integration account syncs nothing out).
func IntakeScope(municipalityID string) string { return "intake:" + municipalityID }

// Scopes are where a client is visible: the staff of each of the client's units.
func (c Client) Scopes() []string {
	var out []string
	for _, u := range c.Units() {
		out = append(out, identity.UnitScope(u))
	}
	if len(out) == 0 && c.MunicipalityID != "" {
		out = []string{IntakeScope(c.MunicipalityID)}
	}
	return out
}

func (c Client) contactScopes() []string {
	var out []string
	for _, u := range c.Units() {
		out = append(out, identity.UnitManagersScope(u))
	}
	if len(out) == 0 && c.MunicipalityID != "" {
		out = []string{IntakeScope(c.MunicipalityID)}
	}
	return out
}

// Put stages a client record. The personal number must be a valid personnummer or
// samordningsnummer; it is stored in its 12-digit form. With protected identity, the
// address and phone are kept out of the record the unit's staff receive and stored for
// the unit's managers and licensed staff only. A record that would not change (the same
// data, the same scopes) is not written again: no new version, no entry in the log.
func Put(tx *syncengine.Tx, c Client) error {
	pn, err := personnummer.Parse(c.PersonalID, tx.Now())
	if err != nil {
		return invalidPersonalNumber(err)
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
		return putIfChanged(tx, Kind, c.ClientID, c.Scopes(), c)
	}
	contact := Contact{ClientID: c.ClientID, Address: c.Address, Phone: c.Phone}
	c.Address, c.Phone = "", ""
	if err := putIfChanged(tx, KindContact, c.ClientID, c.contactScopes(), contact); err != nil {
		return err
	}
	return putIfChanged(tx, Kind, c.ClientID, c.Scopes(), c)
}

func invalidPersonalNumber(err error) *syncengine.Rejection {
	return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The client's personal number is not valid.",
		Fields: map[string]string{"personal_number": strings.TrimPrefix(err.Error(), "personnummer: ")}}
}

// putIfChanged writes a record unless the stored one holds the same data in the same scopes.
func putIfChanged(tx *syncengine.Tx, kind, id string, scopes []string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("clients: unable to encode %s: %w", kind, err)
	}
	rec, ok, err := tx.Get(kind, id)
	if err != nil {
		return err
	}
	if ok && bytes.Equal(rec.Data, raw) && slices.Equal(rec.Scopes, scopes) {
		return nil
	}
	return tx.Put(kind, id, scopes, json.RawMessage(raw))
}

// Load reads a client for changing it: a fresh copy (never the engine's shared value),
// with a protected client's address and phone taken back from the contact record.
func Load(tx *syncengine.Tx, id string) (Client, bool, error) {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return Client{}, false, err
	}
	var c Client
	if err := json.Unmarshal(rec.Data, &c); err != nil {
		return Client{}, false, fmt.Errorf("clients: unable to decode client %s: %w", id, err)
	}
	if c.ProtectedIDs {
		crec, found, err := tx.Get(KindContact, id)
		if err != nil {
			return Client{}, false, err
		}
		if found {
			var contact Contact
			if err := json.Unmarshal(crec.Data, &contact); err != nil {
				return Client{}, false, fmt.Errorf("clients: unable to decode the contact of %s: %w", id, err)
			}
			c.Address, c.Phone = contact.Address, contact.Phone
		}
	}
	return c, true, nil
}

// AddUnit makes the client visible in unit (an assignment for the client has been
// delivered there): the record and the protected contact get the unit's scopes. The first
// unit becomes the client's UnitID. Adding a unit the client is in already changes nothing.
func AddUnit(tx *syncengine.Tx, id, unitID string) error {
	c, ok, err := Load(tx, id)
	if err != nil || !ok {
		return err
	}
	if c.InUnit(unitID) {
		return nil
	}
	units := append(c.Units(), unitID)
	c.UnitID, c.UnitIDs = units[0], units
	return Put(tx, c)
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
