package signing

import (
	"encoding/json"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// RevokeArgs are the arguments of delegation.revoke.
type RevokeArgs struct {
	DelegationID string `json:"delegation_id"`
	Reason       string `json:"reason"`
}

// DelegationRevoke is the handler of delegation.revoke (återkalla delegering).
func DelegationRevoke() syncengine.Handler {
	return syncengine.Handler{Decode: decodeRevoke, Apply: applyRevoke}
}

func decodeRevoke(raw json.RawMessage) (any, error) {
	var a RevokeArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.DelegationID) {
		fields["delegation_id"] = "must be the UUID of a delegation"
	}
	a.Reason = syncengine.TrimmedText(a.Reason, "reason", maxReason, true, fields)
	if len(fields) > 0 {
		return nil, invalid("The revocation is not complete.", fields)
	}
	return a, nil
}

func applyRevoke(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(RevokeArgs)
	acc := access(c)
	now := tx.Now()
	d, ok, err := getDelegation(tx, a.DelegationID)
	if err != nil {
		return err
	}
	if !ok || len(acc.Roles[d.UnitID]) == 0 {
		return syncengine.Reject(codes.DelegationNotFound, "This delegation is not in any of your units.")
	}
	role, licensed := acc.RoleIn(d.UnitID, identity.RoleLicensed)
	if !licensed {
		return syncengine.Reject(codes.Forbidden, "Only licensed staff of the unit revoke delegations.")
	}
	if d.RevokedAt != nil {
		return conflictWith(tx, KindDelegation, a.DelegationID, codes.DelegationRevoked, "This delegation is already revoked.")
	}
	revokedAt := revocationTime(c.Mutation.ClientTime, now)
	clientTime := c.Mutation.ClientTime.UTC()
	d.RevokedAt, d.RevokedBy, d.RevokedRole, d.Reason = &revokedAt, c.Actor.UserID, role, a.Reason
	d.RevokeClientTime, d.RevokeServerTime = &clientTime, &now
	if err := tx.Put(KindDelegation, d.DelegationID, d.scopes(), d); err != nil {
		return err
	}
	return putHeld(tx, d)
}

// revocationTime is when a revocation takes effect: when the nurse made it on the phone,
// if that lies within the last day (an offline revocation counts from then), else now.
func revocationTime(client, now time.Time) time.Time {
	if client.IsZero() || client.Before(now.Add(-oldestRevocation)) || client.After(now) {
		return now
	}
	return client.UTC()
}
