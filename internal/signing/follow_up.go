package signing

import (
	"encoding/json"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// FollowUpArgs are the arguments of signing.follow_up (uppföljning): the nurse has looked
// at a double or missed signing and says what was done.
type FollowUpArgs struct {
	FollowUpID string `json:"follow_up_id"` // made by the phone
	AlertID    string `json:"alert_id"`     // the signing_alert followed up
	Comment    string `json:"comment"`
}

// FollowUp is a saved follow-up (signing_follow_up): who followed up which alert, when
// and with what comment. It is in the unit's scope, so every phone of the unit shows
// that the occurrence was handled. It never touches a signature.
type FollowUp struct {
	FollowUpArgs
	AlertType    string        `json:"alert_type"`
	ListID       string        `json:"list_id"`
	ClientID     string        `json:"client_id"`
	UnitID       string        `json:"unit_id"`
	MeasureID    string        `json:"measure_id"`
	MeasureKind  string        `json:"measure_kind"`
	DueAt        time.Time     `json:"due_at"`
	SignatureIDs []string      `json:"signature_ids"` // the signatures when it was followed up
	By           string        `json:"by"`
	ByRole       identity.Role `json:"by_role"`
	At           time.Time     `json:"at"` // the server's time
	ClientTime   time.Time     `json:"client_time"`
}

// AlertFollowUp is what an alert keeps of its follow-up.
type AlertFollowUp struct {
	FollowUpID string    `json:"follow_up_id"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Comment    string    `json:"comment"`
}

// FollowUpHandler is the handler of signing.follow_up.
func FollowUpHandler() syncengine.Handler {
	return syncengine.Handler{Decode: decodeFollowUp, Apply: applyFollowUp}
}

func decodeFollowUp(raw json.RawMessage) (any, error) {
	var a FollowUpArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.FollowUpID) {
		fields["follow_up_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.AlertID) {
		fields["alert_id"] = "must be the UUID of a signing alert"
	}
	a.Comment = syncengine.TrimmedText(a.Comment, "comment", maxComment, true, fields)
	if len(fields) > 0 {
		return nil, invalid("The follow-up is not complete.", fields)
	}
	return a, nil
}

func applyFollowUp(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(FollowUpArgs)
	acc := access(c)
	alert, ok, err := getAlert(tx, a.AlertID)
	if err != nil {
		return err
	}
	if !ok || len(acc.Roles[alert.UnitID]) == 0 {
		// The same answer whether the alert is in another unit or nowhere.
		return syncengine.Reject(codes.NothingToFollowUp, "There is no double or missed signing with this id in any of your units.")
	}
	role, licensed := acc.RoleIn(alert.UnitID, identity.RoleLicensed)
	if !licensed {
		return syncengine.Reject(codes.Forbidden, "Only licensed staff of the unit follow up signings.")
	}
	if alert.FollowUp != nil {
		return conflictWith(tx, KindAlert, a.AlertID, codes.AlreadyFollowedUp, "This signing is already followed up.")
	}
	if _, exists, err := tx.Get(KindFollowUp, a.FollowUpID); err != nil {
		return err
	} else if exists {
		return conflictWith(tx, KindFollowUp, a.FollowUpID, codes.AlreadyFollowedUp, "A follow-up with this id is already saved.")
	}
	now := tx.Now()
	f := FollowUp{FollowUpArgs: a, AlertType: alert.Type, ListID: alert.ListID, ClientID: alert.ClientID, UnitID: alert.UnitID,
		MeasureID: alert.MeasureID, MeasureKind: alert.MeasureKind, DueAt: alert.DueAt, SignatureIDs: append([]string{}, alert.SignatureIDs...),
		By: c.Actor.UserID, ByRole: role, At: now, ClientTime: c.Mutation.ClientTime.UTC()}
	if err := tx.Put(KindFollowUp, a.FollowUpID, []string{identity.UnitScope(alert.UnitID)}, f); err != nil {
		return err
	}
	alert.FollowUp = &AlertFollowUp{FollowUpID: a.FollowUpID, By: c.Actor.UserID, At: now, Comment: a.Comment}
	alert.FollowUpIDs = append(alert.FollowUpIDs, a.FollowUpID)
	alert.UpdatedAt = now
	return tx.Put(KindAlert, a.AlertID, alertScopes(alert.Type, alert.UnitID), alert)
}
