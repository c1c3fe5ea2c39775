package messages

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

const (
	maxText = 5000
	maxID   = 200 // a user's or unit's id, as the engine's names allow
)

// SendArgs are the arguments of message.send: to one person or to one unit.
type SendArgs struct {
	MessageID string `json:"message_id"`
	ToUserID  string `json:"to_user_id,omitempty"`
	ToUnitID  string `json:"to_unit_id,omitempty"`
	Text      string `json:"text"`
}

// Send is the handler of message.send. A message to a unit goes only to a unit the sender
// works in; a message to a person is not yet checked against the person's units.
func Send(colleagues Colleagues) syncengine.Handler {
	return syncengine.Handler{Decode: decodeSend, Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
		return applySend(colleagues, tx, c)
	}}
}

func decodeSend(raw json.RawMessage) (any, error) {
	var a SendArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.MessageID) || !phoneMade(a.MessageID) {
		fields["message_id"] = "must be a UUID made by the phone"
	}
	switch {
	case a.ToUserID == "" && a.ToUnitID == "":
		fields["to_user_id"] = "a message goes to one person or one unit"
	case a.ToUserID != "" && a.ToUnitID != "":
		fields["to_unit_id"] = "a message goes to one person or one unit, not both"
	case len(a.ToUserID) > maxID || strings.ContainsRune(a.ToUserID, 0):
		fields["to_user_id"] = "is not a user"
	case len(a.ToUnitID) > maxID || strings.ContainsRune(a.ToUnitID, 0):
		fields["to_unit_id"] = "is not a unit"
	}
	if n := utf8.RuneCountInString(a.Text); strings.TrimSpace(a.Text) == "" || n > maxText {
		fields["text"] = "is required, at most 5000 characters"
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The message is not complete.", Fields: fields}
	}
	return a, nil
}

func applySend(colleagues Colleagues, tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(SendArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	if !worksAnywhere(access) {
		return syncengine.Reject(codes.Forbidden, "Only staff with a valid grant send messages.")
	}
	if a.ToUserID == c.Actor.UserID {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "A message cannot go to its sender.",
			Fields: map[string]string{"to_user_id": "is yourself"}}
	}
	if a.ToUnitID != "" && !access.Has(a.ToUnitID, staff...) {
		return syncengine.Reject(codes.UnitNotFound, "This unit is not one of yours.")
	}
	if a.ToUserID != "" && (colleagues == nil || !colleagues(c.Actor.UserID, a.ToUserID, tx.Now())) {
		return syncengine.Reject(codes.UserNotFound, "This person does not work in any of your units.")
	}
	if err := refuseExisting(tx, Kind, a.MessageID, access, "message_exists", "A message with this id is already saved."); err != nil {
		return err
	}
	now := tx.Now()
	ct := c.Mutation.ClientTime.UTC()
	m := Message{MessageID: a.MessageID, FromUserID: c.Actor.UserID, ToUserID: a.ToUserID, ToUnitID: a.ToUnitID,
		Text: a.Text, SentAt: now, ClientTime: &ct}
	return tx.Put(Kind, m.MessageID, m.scopes(), m)
}

// worksAnywhere tells whether the user holds a staff role in some unit.
func worksAnywhere(a identity.Access) bool {
	for unit := range a.Roles {
		if a.Has(unit, staff...) {
			return true
		}
	}
	return false
}
