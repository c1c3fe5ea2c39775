package messages

import (
	"encoding/json"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// ReadArgs are the arguments of message.read.
type ReadArgs struct {
	MessageID string `json:"message_id"`
}

// Receipt is a read receipt (läskvitto): who read a message and when, by the server's clock.
type Receipt struct {
	MessageID  string    `json:"message_id"`
	ReaderID   string    `json:"reader_id"`
	ReadAt     time.Time `json:"read_at"`
	ClientTime time.Time `json:"client_time"`
}

// ReceiptID is the id of a reader's receipt of a message: one per reader and message.
func ReceiptID(messageID, readerID string) string {
	return uuids.Named("receipt/" + messageID + "/" + readerID)
}

// Read is the handler of message.read. Reading a message again changes nothing.
func Read() syncengine.Handler {
	return syncengine.Handler{Decode: decodeRead, Apply: applyRead}
}

func decodeRead(raw json.RawMessage) (any, error) {
	var a ReadArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	if !uuids.Valid(a.MessageID) {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The message is not named.",
			Fields: map[string]string{"message_id": "must be the UUID of a message"}}
	}
	return a, nil
}

func applyRead(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(ReadArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	m, rec, ok, err := get(tx, a.MessageID)
	if err != nil {
		return err
	}
	if !ok || !visible(rec, access) {
		return syncengine.Reject(codes.MessageNotFound, "This message is not one of yours.")
	}
	if m.FromUserID == c.Actor.UserID || !m.isRecipient(access) {
		return syncengine.Reject(codes.NotARecipient, "Only a recipient of a message marks it as read.")
	}
	id := ReceiptID(m.MessageID, c.Actor.UserID)
	if _, read, err := tx.Get(KindReceipt, id); err != nil || read {
		return err // read before: the first receipt stands
	}
	r := Receipt{MessageID: m.MessageID, ReaderID: c.Actor.UserID, ReadAt: tx.Now(), ClientTime: c.Mutation.ClientTime.UTC()}
	return tx.Put(KindReceipt, id, m.receiptScopes(c.Actor.UserID), r)
}
