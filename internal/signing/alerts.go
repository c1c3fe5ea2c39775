package signing

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Alert tells a unit's nurse about an occurrence that needs a look: signed twice (risk of
// a double dose) or not signed at all (risk of a missed dose).
type Alert struct {
	Type         string    `json:"type"` // double_signing or missed
	ListID       string    `json:"list_id"`
	ClientID     string    `json:"client_id"`
	UnitID       string    `json:"unit_id"`
	MeasureID    string    `json:"measure_id"`
	MeasureKind  string    `json:"measure_kind"`
	DueAt        time.Time `json:"due_at"`
	SignatureIDs []string  `json:"signature_ids"` // every signature of the occurrence so far
	RaisedAt     time.Time `json:"raised_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// FollowUp is the nurse's follow-up (signing.follow_up), nil while the alert is open.
	// A new signature of a double-signed occurrence opens it again; FollowUpIDs keeps
	// every follow-up it had (each also a signing_follow_up record).
	FollowUp    *AlertFollowUp `json:"follow_up,omitempty"`
	FollowUpIDs []string       `json:"follow_up_ids,omitempty"`
}

// alertScopes are where an alert is visible: the unit's managers and licensed staff, and
// for a missed occurrence also the unit's staff, who can still sign it.
func alertScopes(alertType, unitID string) []string {
	if alertType == AlertMissed {
		return []string{identity.UnitManagersScope(unitID), identity.UnitScope(unitID)}
	}
	return []string{identity.UnitManagersScope(unitID)}
}

// putAlert raises (or brings up to date) the alert of one type for one occurrence.
func putAlert(tx *syncengine.Tx, alertType string, list List, m Measure, due time.Time, signatureIDs []string) error {
	id := AlertID(alertType, list.ListID, m.MeasureID, due)
	a := Alert{Type: alertType, ListID: list.ListID, ClientID: list.ClientID, UnitID: list.UnitID, MeasureID: m.MeasureID,
		MeasureKind: m.Kind, DueAt: due.UTC(), SignatureIDs: append([]string{}, signatureIDs...), RaisedAt: tx.Now(), UpdatedAt: tx.Now()}
	old, exists, err := getAlert(tx, id)
	if err != nil {
		return err
	}
	if exists {
		// A further signature is a new risk: the alert is open again, its history kept.
		a.RaisedAt, a.FollowUpIDs = old.RaisedAt, old.FollowUpIDs
	}
	return tx.Put(KindAlert, id, alertScopes(alertType, list.UnitID), a)
}

// updateAlert brings an existing alert's signatures up to date; it does nothing when the
// occurrence has no alert of that type.
func updateAlert(tx *syncengine.Tx, alertType, listID, measureID string, due time.Time, signatureIDs []string) error {
	id := AlertID(alertType, listID, measureID, due)
	a, exists, err := getAlert(tx, id)
	if err != nil || !exists {
		return err
	}
	a.SignatureIDs, a.UpdatedAt = append([]string{}, signatureIDs...), tx.Now()
	return tx.Put(KindAlert, id, alertScopes(alertType, a.UnitID), a)
}

func getAlert(tx *syncengine.Tx, id string) (Alert, bool, error) {
	rec, ok, err := tx.Get(KindAlert, id)
	if err != nil || !ok {
		return Alert{}, false, err
	}
	var a Alert
	if err := json.Unmarshal(rec.Data, &a); err != nil {
		return Alert{}, false, fmt.Errorf("signing: unable to decode alert %s: %w", id, err)
	}
	return a, true, nil
}
