// Package messages holds the staff's messages (meddelanden): from one person to another or
// to a unit, the system's messages to a unit's managers (a new deviation), read receipts, and
// the municipality's bulletin board (anslagstavla) for planned downtime.
package messages

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationSend        = "message.send"
	MutationRead        = "message.read"
	MutationBulletin    = "bulletin.post"
	MutationBulletinEnd = "bulletin.end"
	Kind                = "message"
	KindReceipt         = "message_receipt"
	KindBulletin        = "bulletin"
)

// FromSystem is the sender of the messages the server writes itself.
const FromSystem = "system"

// Handlers are the mutations of this package, by name.
func Handlers(colleagues Colleagues) map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationSend:        Send(colleagues),
		MutationRead:        Read(),
		MutationBulletin:    BulletinPost(),
		MutationBulletinEnd: BulletinEnd(),
	}
}

// Colleagues tells whether two users share a unit at a time (the identity store's
// Colleagues). A message to one person goes only to a colleague.
type Colleagues func(a, b string, at time.Time) bool

// Message is a saved message (meddelande). Exactly one of ToUserID, ToUnitID and
// ToUnitManagers names the recipients; From is set only for the system's messages.
type Message struct {
	MessageID      string     `json:"message_id"`
	From           string     `json:"from,omitempty"`
	FromUserID     string     `json:"from_user_id,omitempty"`
	ToUserID       string     `json:"to_user_id,omitempty"`
	ToUnitID       string     `json:"to_unit_id,omitempty"`
	ToUnitManagers string     `json:"to_unit_managers,omitempty"` // a unit: its managers and licensed staff
	Subject        string     `json:"subject,omitempty"`          // a stable code for system messages
	DeviationID    string     `json:"deviation_id,omitempty"`
	ClientID       string     `json:"client_id,omitempty"`   // the client a system message is about
	ClientName     string     `json:"client_name,omitempty"` // their name, for recipients who hold no grant for the client's unit
	Text           string     `json:"text"`
	SentAt         time.Time  `json:"sent_at"`
	ClientTime     *time.Time `json:"client_time,omitempty"`
}

// scopes are where a message is visible: its recipients and its sender.
func (m Message) scopes() []string {
	var s []string
	switch {
	case m.ToUserID != "":
		s = []string{identity.UserScope(m.ToUserID)}
	case m.ToUnitID != "":
		s = []string{identity.UnitScope(m.ToUnitID)}
	default:
		s = []string{identity.UnitManagersScope(m.ToUnitManagers)}
	}
	if m.FromUserID != "" && m.FromUserID != m.ToUserID {
		s = append(s, identity.UserScope(m.FromUserID))
	}
	return s
}

// receiptScopes are where the read receipts of a message are visible: the reader and the
// sender for a message to a person, the recipients for a message to a unit.
func (m Message) receiptScopes(readerID string) []string {
	switch {
	case m.ToUserID != "":
		return []string{identity.UserScope(readerID), identity.UserScope(m.FromUserID)}
	case m.ToUnitID != "":
		return []string{identity.UnitScope(m.ToUnitID)}
	default:
		return []string{identity.UnitManagersScope(m.ToUnitManagers)}
	}
}

// isRecipient tells whether the user with access a is one of the message's recipients.
func (m Message) isRecipient(a identity.Access) bool {
	switch {
	case m.ToUserID != "":
		return m.ToUserID == a.UserID
	case m.ToUnitID != "":
		return a.Has(m.ToUnitID, staff...)
	default:
		return a.Has(m.ToUnitManagers, identity.RoleUnitManager, identity.RoleLicensed)
	}
}

// staff are the roles that send and receive messages; the authority's system does not.
var staff = []identity.Role{identity.RoleCareStaff, identity.RoleUnitRep, identity.RoleCoordinator, identity.RoleUnitManager, identity.RoleLicensed}

// SystemToUnitManagers stages a message from the system to the managers and licensed staff
// of a unit. Its text must hold no personal data: web push repeats it.
func SystemToUnitManagers(tx *syncengine.Tx, m Message) error {
	m.From, m.FromUserID, m.ToUserID, m.ToUnitID = FromSystem, "", "", ""
	if m.ToUnitManagers == "" {
		return fmt.Errorf("messages: a system message needs a unit")
	}
	return putSystem(tx, m)
}

// SystemToUser stages a message from the system to one person (a change to their own
// account, say). Its text must hold no personal data and no secret.
func SystemToUser(tx *syncengine.Tx, m Message) error {
	m.From, m.FromUserID, m.ToUnitID, m.ToUnitManagers = FromSystem, "", "", ""
	if m.ToUserID == "" {
		return fmt.Errorf("messages: a system message to a person needs the person")
	}
	return putSystem(tx, m)
}

// putSystem stages a system message, sent now, where its recipients see it.
func putSystem(tx *syncengine.Tx, m Message) error {
	m.SentAt = tx.Now()
	return tx.Put(Kind, m.MessageID, m.scopes(), m)
}

// get reads a message.
func get(tx *syncengine.Tx, id string) (Message, syncengine.Record, bool, error) {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return Message{}, rec, false, err
	}
	var m Message
	if err := json.Unmarshal(rec.Data, &m); err != nil {
		return Message{}, rec, false, fmt.Errorf("messages: unable to decode message: %w", err)
	}
	return m, rec, true, nil
}

// visible tells whether a record is in one of the scopes the user may see.
func visible(rec syncengine.Record, a identity.Access) bool {
	for _, s := range rec.Scopes {
		if slices.Contains(a.Scopes, s) {
			return true
		}
	}
	return false
}

// phoneMade tells whether id is a UUID a phone makes (random or time-ordered), not one the
// server derives from a name (v5) for its own records, so a phone cannot take those ids.
func phoneMade(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && (u.Version() == 4 || u.Version() == 7)
}

// refuseExisting returns nil when no record kind/id exists. When one does, the phone gets
// it back in a conflict if the user may see it, and only the code if not.
func refuseExisting(tx *syncengine.Tx, kind, id string, a identity.Access, code, message string) error {
	rec, ok, err := tx.Get(kind, id)
	if err != nil || !ok {
		return err
	}
	if !visible(rec, a) {
		return syncengine.Reject(code, message)
	}
	return &syncengine.Conflict{Rejection: *syncengine.Reject(code, message), Record: rec}
}
