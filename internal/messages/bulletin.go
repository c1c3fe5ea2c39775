package messages

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

const (
	maxTitle         = 200
	maxBulletinAhead = 366 * 24 * time.Hour // downtime is announced in good time, not years ahead
)

// BulletinArgs are the arguments of bulletin.post: a notice of planned downtime
// (planerat driftstopp) from when until when.
type BulletinArgs struct {
	BulletinID string    `json:"bulletin_id"`
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until"`
}

// Bulletin is a notice on the bulletin board (anslagstavla), visible to everyone of the
// municipality, the private providers' staff included.
type Bulletin struct {
	BulletinArgs
	MunicipalityID string    `json:"municipality_id"`
	PostedBy       string    `json:"posted_by"`
	ClientTime     time.Time `json:"client_time"`
	ServerTime     time.Time `json:"server_time"`
}

// BulletinPost is the handler of bulletin.post: administrators post and update notices.
func BulletinPost() syncengine.Handler {
	return syncengine.Handler{Decode: decodeBulletin, Apply: applyBulletin}
}

func decodeBulletin(raw json.RawMessage) (any, error) {
	var a BulletinArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.BulletinID) {
		fields["bulletin_id"] = "must be a UUID made by the phone"
	}
	a.Title = strings.TrimSpace(a.Title)
	if n := utf8.RuneCountInString(a.Title); n == 0 || n > maxTitle {
		fields["title"] = "is required, at most 200 characters"
	}
	if n := utf8.RuneCountInString(a.Text); strings.TrimSpace(a.Text) == "" || n > maxText {
		fields["text"] = "is required, at most 5000 characters"
	}
	if a.From.IsZero() {
		fields["from"] = "is required: when the downtime starts"
	}
	if a.Until.IsZero() {
		fields["until"] = "is required: when the downtime ends"
	} else if !a.From.IsZero() && !a.Until.After(a.From) {
		fields["until"] = "must be after from"
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The notice is not complete.", Fields: fields}
	}
	a.From, a.Until = a.From.UTC(), a.Until.UTC()
	return a, nil
}

func applyBulletin(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(BulletinArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	if !access.Admin || access.MunicipalityID == "" {
		return syncengine.Reject(codes.Forbidden, "Only an administrator posts on the bulletin board.")
	}
	now := tx.Now()
	fields := map[string]string{}
	if !a.Until.After(now) {
		fields["until"] = "must be in the future"
	}
	if a.From.After(now.Add(maxBulletinAhead)) {
		fields["from"] = "must be within the coming year"
	}
	if len(fields) > 0 {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The downtime is not in the coming year.", Fields: fields}
	}
	scope := identity.OrgScope(access.MunicipalityID)
	if rec, exists, err := tx.Get(KindBulletin, a.BulletinID); err != nil {
		return err
	} else if exists && (len(rec.Scopes) != 1 || rec.Scopes[0] != scope) {
		// Another municipality's notice: not this administrator's to change.
		return syncengine.Reject(codes.BulletinExists, "A notice with this id is already saved.")
	}
	b := Bulletin{BulletinArgs: a, MunicipalityID: access.MunicipalityID, PostedBy: c.Actor.UserID,
		ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	return tx.Put(KindBulletin, a.BulletinID, []string{scope}, b)
}

// BulletinEndArgs are the arguments of bulletin.end: the notice to end now.
type BulletinEndArgs struct {
	BulletinID string `json:"bulletin_id"`
}

// BulletinEnd is the handler of bulletin.end: an administrator ends a notice of their
// municipality now (the downtime is over early, or called off). The notice is kept,
// ending at the server's now, so that every phone stops showing it.
func BulletinEnd() syncengine.Handler {
	return syncengine.Handler{Decode: decodeBulletinEnd, Apply: applyBulletinEnd}
}

func decodeBulletinEnd(raw json.RawMessage) (any, error) {
	var a BulletinEndArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	if !uuids.Valid(a.BulletinID) {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The notice to end is not named.",
			Fields: map[string]string{"bulletin_id": "must be a UUID"}}
	}
	return a, nil
}

func applyBulletinEnd(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(BulletinEndArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	if !access.Admin || access.MunicipalityID == "" {
		return syncengine.Reject(codes.Forbidden, "Only an administrator ends a notice on the bulletin board.")
	}
	scope := identity.OrgScope(access.MunicipalityID)
	rec, exists, err := tx.Get(KindBulletin, a.BulletinID)
	if err != nil {
		return err
	}
	if !exists || len(rec.Scopes) != 1 || rec.Scopes[0] != scope {
		return syncengine.Reject(codes.BulletinNotFound, "There is no such notice on this bulletin board.")
	}
	var b Bulletin
	if err := json.Unmarshal(rec.Data, &b); err != nil {
		return err
	}
	now := tx.Now()
	if !b.Until.After(now) {
		return nil // already over: nothing to change
	}
	b.Until = now
	if b.From.After(now) {
		b.From = now // a coming notice called off
	}
	b.PostedBy, b.ClientTime, b.ServerTime = c.Actor.UserID, c.Mutation.ClientTime.UTC(), now
	return tx.Put(KindBulletin, a.BulletinID, []string{scope}, b)
}
