package signing

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Delegation is a personal delegation (delegering): a licensed person lets one user carry
// out one kind of measure in a unit for at most a year.
type Delegation struct {
	DelegationID string        `json:"delegation_id"`
	UserID       string        `json:"user_id"` // the delegate
	MeasureKind  string        `json:"measure_kind"`
	ValidFrom    time.Time     `json:"valid_from"`
	ValidUntil   time.Time     `json:"valid_until"`
	UnitID       string        `json:"unit_id"`
	GrantedBy    string        `json:"granted_by"`
	GrantedRole  identity.Role `json:"granted_role"`
	ClientTime   time.Time     `json:"client_time"`
	ServerTime   time.Time     `json:"server_time"`
	// Set by delegation.revoke (återkallelse); the rest stays as granted.
	RevokedAt        *time.Time    `json:"revoked_at,omitempty"`
	RevokedBy        string        `json:"revoked_by,omitempty"`
	RevokedRole      identity.Role `json:"revoked_role,omitempty"`
	Reason           string        `json:"reason,omitempty"`
	RevokeClientTime *time.Time    `json:"revoke_client_time,omitempty"`
	RevokeServerTime *time.Time    `json:"revoke_server_time,omitempty"`
}

// scopes are where a delegation is visible: the delegate and the unit's managers and
// licensed staff.
func (d Delegation) scopes() []string {
	return []string{identity.UserScope(d.UserID), identity.UnitManagersScope(d.UnitID)}
}

// covers tells whether t lies in the delegation's period (valid_from ≤ t < valid_until).
func (d Delegation) covers(t time.Time) bool {
	return !t.Before(d.ValidFrom) && t.Before(d.ValidUntil)
}

func getDelegation(tx *syncengine.Tx, id string) (Delegation, bool, error) {
	rec, ok, err := tx.Get(KindDelegation, id)
	if err != nil || !ok {
		return Delegation{}, false, err
	}
	var d Delegation
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return Delegation{}, false, fmt.Errorf("signing: unable to decode delegation %s: %w", id, err)
	}
	return d, true, nil
}

// held is the index of the delegations one user holds, so that a signature finds them
// with one read. It is an internal record (no grant gives its scope).
type held struct {
	UserID      string       `json:"user_id"`
	Delegations []Delegation `json:"delegations"`
}

func getHeld(tx *syncengine.Tx, userID string) (held, error) {
	rec, ok, err := tx.Get(KindDelegations, userID)
	if err != nil || !ok {
		return held{UserID: userID}, err
	}
	v, err := tx.Decoded(rec, func(data json.RawMessage) (any, error) {
		var h held
		err := json.Unmarshal(data, &h)
		return h, err
	})
	if err != nil {
		return held{}, fmt.Errorf("signing: unable to decode delegations of a user: %w", err)
	}
	return v.(held), nil
}

// putHeld stages d (new or revoked) in its holder's index, leaving out delegations that
// can no longer make any signature valid (signed_at is never older than oldestSignedAt).
func putHeld(tx *syncengine.Tx, d Delegation) error {
	h, err := getHeld(tx, d.UserID)
	if err != nil {
		return err
	}
	horizon := tx.Now().Add(-oldestSignedAt - futureSlack)
	next := held{UserID: d.UserID, Delegations: []Delegation{d}}
	for _, o := range h.Delegations {
		if o.DelegationID == d.DelegationID || !o.ValidUntil.After(horizon) || (o.RevokedAt != nil && !o.RevokedAt.After(horizon)) {
			continue
		}
		next.Delegations = append(next.Delegations, o)
	}
	return tx.Put(KindDelegations, d.UserID, []string{ScopeDelegations}, next)
}

// delegationFor returns a delegation of userID for kind in unit whose period covers t and
// that is not revoked. revoked tells that one covering t exists but is revoked: whatever
// the device says of t, a revocation in the store reached the server before this
// signature did (one writer, in log order — the same as comparing the revocation's server
// time with the signature's, and so even if the server's clock steps back), and a revoked
// delegation must sign nothing more.
func delegationFor(tx *syncengine.Tx, userID, unitID, kind string, t time.Time) (d Delegation, ok, revoked bool, err error) {
	h, err := getHeld(tx, userID)
	if err != nil {
		return Delegation{}, false, false, err
	}
	for _, d := range h.Delegations {
		if d.UnitID != unitID || d.MeasureKind != kind || !d.covers(t) {
			continue
		}
		if d.RevokedAt == nil {
			return d, true, false, nil
		}
		revoked = true
	}
	return Delegation{}, false, revoked, nil
}
