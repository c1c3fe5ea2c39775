package signing

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// SignArgs are the arguments of signing.sign.
type SignArgs struct {
	SignatureID string    `json:"signature_id"`
	ListID      string    `json:"list_id"`
	MeasureID   string    `json:"measure_id"`
	DueAt       time.Time `json:"due_at"`
	Outcome     string    `json:"outcome"`
	Reason      string    `json:"reason,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	SignedAt    time.Time `json:"signed_at"` // the device's time of the signing
}

// Signature is a saved signature (signering): a legal record, never changed.
type Signature struct {
	SignArgs
	ClientID     string        `json:"client_id"`
	UnitID       string        `json:"unit_id"`
	MeasureKind  string        `json:"measure_kind"`
	AuthorID     string        `json:"author_id"`
	AuthorRole   identity.Role `json:"author_role"`
	DelegationID string        `json:"delegation_id,omitempty"` // empty when licensed staff signed
	ClientTime   time.Time     `json:"client_time"`
	ServerTime   time.Time     `json:"server_time"`
	// A second (third…) signature of one occurrence is kept and flagged, never merged.
	DoubleSigned     bool   `json:"double_signed"`
	FirstSignatureID string `json:"first_signature_id,omitempty"`
}

// Occurrence is one due time of a measure (tillfälle) and every signature made for it,
// in the order they came.
type Occurrence struct {
	ListID       string    `json:"list_id"`
	MeasureID    string    `json:"measure_id"`
	DueAt        time.Time `json:"due_at"`
	UnitID       string    `json:"unit_id"`
	SignatureIDs []string  `json:"signature_ids"`
}

// needsReason are the outcomes a reason is required for.
var needsReason = map[string]bool{OutcomeNotGiven: true, OutcomePartlyGiven: true}

// Sign is the handler of signing.sign.
func Sign() syncengine.Handler {
	return syncengine.Handler{Decode: decodeSign, Apply: applySign}
}

func decodeSign(raw json.RawMessage) (any, error) {
	var a SignArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.SignatureID) {
		fields["signature_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.ListID) {
		fields["list_id"] = "must be the UUID of a signing list"
	}
	if !uuids.Valid(a.MeasureID) {
		fields["measure_id"] = "must be the UUID of a measure of the list"
	}
	if !realTime(a.DueAt) {
		fields["due_at"] = "is required: the time the measure was due"
	}
	if !realTime(a.SignedAt) {
		fields["signed_at"] = "is required: when it was done"
	}
	if !slices.Contains(Outcomes, a.Outcome) {
		fields["outcome"] = "must be given, partly_given, not_given or self_administered"
	}
	a.Reason = strings.TrimSpace(a.Reason)
	switch n := utf8.RuneCountInString(a.Reason); {
	case n > maxReason:
		fields["reason"] = fmt.Sprintf("at most %d characters", maxReason)
	case n == 0 && needsReason[a.Outcome]:
		fields["reason"] = "is required when the measure was not given or only partly given"
	}
	a.Comment = strings.TrimSpace(a.Comment)
	if utf8.RuneCountInString(a.Comment) > maxComment {
		fields["comment"] = fmt.Sprintf("at most %d characters", maxComment)
	}
	if len(fields) > 0 {
		return nil, invalid("The signature is not complete.", fields)
	}
	a.DueAt, a.SignedAt = a.DueAt.UTC(), a.SignedAt.UTC()
	return a, nil
}

func applySign(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(SignArgs)
	acc := access(c)
	now := tx.Now()
	list, ok, err := getList(tx, a.ListID)
	if err != nil {
		return err
	}
	if !ok || len(acc.Roles[list.UnitID]) == 0 {
		// The same answer whether the list exists elsewhere or not at all.
		return syncengine.Reject(codes.ListNotFound, "This signing list is not in any of your units.")
	}
	role, allowed := acc.RoleIn(list.UnitID, signers...)
	if !allowed {
		return syncengine.Reject(codes.Forbidden, "Only care staff and licensed staff of the unit sign.")
	}
	m, ok := list.measure(a.MeasureID)
	if !ok {
		return invalid("The measure is not on this signing list.", map[string]string{"measure_id": "is not a measure of this list"})
	}
	if a.DueAt.Before(list.ValidFrom) || !a.DueAt.Before(list.ValidUntil) || (!m.PRN && !matchesTime(a.DueAt, m.Times)) {
		return invalid("The time is not one of the measure's times.", map[string]string{"due_at": "must be one of the measure's times on a day the list is valid"})
	}
	if msg := signedAtProblem(a.SignedAt, a.DueAt, now); msg != "" {
		return invalid("The time of the signing is not possible.", map[string]string{"signed_at": msg})
	}
	if existing, exists, err := tx.Get(KindSignature, a.SignatureID); err != nil {
		return err
	} else if exists {
		return &syncengine.Conflict{Rejection: *syncengine.Reject(codes.SignatureExists, "A saved signature cannot be changed."), Record: existing}
	}
	sig := Signature{SignArgs: a, ClientID: list.ClientID, UnitID: list.UnitID, MeasureKind: m.Kind, AuthorID: c.Actor.UserID,
		AuthorRole: role, ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	if role != identity.RoleLicensed {
		d, ok, revoked, err := delegationFor(tx, c.Actor.UserID, list.UnitID, m.Kind, a.SignedAt)
		switch {
		case err != nil:
			return err
		case revoked && !ok:
			return syncengine.Reject(codes.DelegationRevoked, "Your delegation for this kind of measure was revoked before the signature reached the server, so it was not saved. Tell the nurse what was done.")
		case !ok:
			return syncengine.Reject(codes.NoDelegation, "You have no valid delegation for this kind of measure at the time of signing.")
		}
		sig.DelegationID = d.DelegationID
	}
	return stageSignature(tx, list, m, sig)
}

// signedAtProblem tells what is wrong with the device's time of a signing, or "".
func signedAtProblem(signedAt, due, now time.Time) string {
	switch {
	case signedAt.After(now.Add(futureSlack)):
		return "must not be in the future"
	case signedAt.Before(now.Add(-oldestSignedAt)):
		return "must be within the last 72 hours"
	case signedAt.Before(due.Add(-SignEarly)):
		return "must be at most 12 hours before the due time"
	case signedAt.After(due.Add(SignLate)):
		return "must be at most 48 hours after the due time"
	}
	return ""
}

// stageSignature stores a signature and its occurrence. A signature of an occurrence that
// already has one is kept, flagged and raised to the unit's nurse: never merged, never
// dropped.
func stageSignature(tx *syncengine.Tx, list List, m Measure, sig Signature) error {
	occID := OccurrenceID(list.ListID, m.MeasureID, sig.DueAt)
	occ := Occurrence{ListID: list.ListID, MeasureID: m.MeasureID, DueAt: sig.DueAt, UnitID: list.UnitID}
	rec, exists, err := tx.Get(KindOccurrence, occID)
	if err != nil {
		return err
	}
	if exists {
		if err := json.Unmarshal(rec.Data, &occ); err != nil {
			return fmt.Errorf("signing: unable to decode occurrence %s: %w", occID, err)
		}
	}
	if len(occ.SignatureIDs) > 0 {
		sig.DoubleSigned, sig.FirstSignatureID = true, occ.SignatureIDs[0]
	}
	occ.SignatureIDs = append(occ.SignatureIDs, sig.SignatureID)
	unitScope := []string{identity.UnitScope(list.UnitID)}
	if err := tx.Put(KindSignature, sig.SignatureID, unitScope, sig); err != nil {
		return err
	}
	if err := tx.Put(KindOccurrence, occID, unitScope, occ); err != nil {
		return err
	}
	if sig.DoubleSigned {
		if err := putAlert(tx, AlertDoubleSigning, list, m, sig.DueAt, occ.SignatureIDs); err != nil {
			return err
		}
	}
	// A missed occurrence signed late: the nurse's alert shows the signatures.
	return updateAlert(tx, AlertMissed, list.ListID, m.MeasureID, sig.DueAt, occ.SignatureIDs)
}
