// Package adminlog is the account log: every administrative act on an account (an
// unlock, a disabled or enabled account, a password reset, recorded training, a hardware
// token handed out, an ended session or a revoked phone, a grant given, decided, extended
// or ended) and on the organisation (a provider or unit created, a provider ended, a
// unit's access review) — who did what to whose account, and when — kept in the sync engine's append-only audit trail beside the read log
// (DESIGN.md "Administration": every administrative act is in the audit trail). A change
// to how someone logs in (a new token, a reset password) is also told to the account's
// owner in a message, so that a takeover cannot pass unseen. Entries and messages name
// people and devices by id only: never a password, a seed or a name.
package adminlog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/messages"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// What was done, the values of Act.What.
const (
	WhatUnlock        = "account.unlock"
	WhatDisable       = "account.disable"
	WhatEnable        = "account.enable"
	WhatPasswordReset = "account.password_reset"
	WhatTraining      = "account.training"
	WhatTokenBind     = "account.token_bind"
	WhatSessionRevoke = "session.revoke"
	WhatDeviceRevoke  = "device.revoke"

	// The organisation, grants and access reviews (Object: the provider, unit, grant or
	// review; UnitID: the unit it concerns).
	WhatProviderCreate = "provider.create"
	WhatProviderEnd    = "provider.end"
	WhatUnitCreate     = "unit.create"
	WhatGrantCreate    = "grant.create"
	WhatGrantApprove   = "grant.approve"
	WhatGrantReject    = "grant.reject"
	WhatGrantExtend    = "grant.extend"
	WhatGrantEnd       = "grant.end"
	WhatAccessReview   = "access_review"
	// WhatCreate: an account created (Object: its provider, or the unit of an import).
	WhatCreate = "account.create"
	// WhatActivationIssue: a new activation code for an account, replacing the one before.
	WhatActivationIssue = "account.activation_issue"
	// WhatActivate: the account's owner used the activation code and chose a password.
	WhatActivate = "account.activate"
)

// Whats are every act's name (the review's screens name each in words).
var Whats = []string{WhatUnlock, WhatDisable, WhatEnable, WhatPasswordReset, WhatTraining, WhatTokenBind,
	WhatSessionRevoke, WhatDeviceRevoke, WhatProviderCreate, WhatProviderEnd, WhatUnitCreate, WhatGrantCreate,
	WhatGrantApprove, WhatGrantReject, WhatGrantExtend, WhatGrantEnd, WhatAccessReview, WhatCreate,
	WhatActivationIssue, WhatActivate}

// ByInit is the ByUserID of what `vardag init` does: nobody is logged in yet.
const ByInit = "vardag-init"

// Subject codes of the messages that tell an account's owner of a change to their login.
const (
	SubjectTokenBound    = "login_token_bound"
	SubjectPasswordReset = "login_password_reset"
)

// told are the acts the account's owner is told of, with the message's subject and text.
// The texts go out as they are (web push names only the category): nothing personal,
// nothing secret.
var told = map[string]struct{ subject, text string }{
	WhatTokenBind: {SubjectTokenBound, "Din inloggning ändrades: en ny kodbricka kopplades till ditt konto, " +
		"och dina koder kommer nu från den. Var det inte du som bad om det? Kontakta din chef eller kommunens IT-stöd genast."},
	WhatPasswordReset: {SubjectPasswordReset, "Din inloggning ändrades: ditt lösenord återställdes, och du väljer ett " +
		"eget vid nästa inloggning. Var det inte du som bad om det? Kontakta din chef eller kommunens IT-stöd genast."},
}

// Act is one administrative act on an account.
type Act struct {
	// At is the server's time of the act (the audit trail's own).
	At   time.Time `json:"at,omitzero"`
	What string    `json:"act"`
	// ByUserID and ByDeviceID are who did it, from which phone or computer.
	ByUserID   string `json:"by_user_id"`
	ByDeviceID string `json:"by_device_id,omitempty"`
	// UserID is the account acted on ("" for a revoked device that never had a user).
	UserID string `json:"user_id,omitempty"`
	// Object is what the act was on besides the account: a token's serial number, a
	// session's, a device's, a provider's, a unit's, a grant's or a review's id.
	Object string `json:"object,omitempty"`
	// UnitID is the unit the act concerns, so that its manager can review the acts on it.
	UnitID string `json:"unit_id,omitempty"`
}

// Index keys of the audit trail: the account acted on and the one who acted. They are
// apart from the read log's keys (accesslog), which share the trail.
func accountKey(id string) string { return "admin:user:" + id }
func byKey(id string) string      { return "admin:by:" + id }
func unitKey(id string) string    { return "admin:unit:" + id }

// Record writes an act to the audit trail, and for a change to how the account's owner
// logs in also a message to them, in one transaction of the engine's writer: on disk when
// it returns nil.
func Record(ctx context.Context, eng *syncengine.Engine, act Act) error {
	if act.What == "" || act.ByUserID == "" {
		return fmt.Errorf("adminlog: an act needs what was done and who did it")
	}
	act.At = time.Time{}
	value, err := json.Marshal(act)
	if err != nil {
		return fmt.Errorf("adminlog: unable to encode an act: %w", err)
	}
	keys := []string{byKey(act.ByUserID)}
	if act.UserID != "" {
		keys = append(keys, accountKey(act.UserID))
	}
	if act.UnitID != "" {
		keys = append(keys, unitKey(act.UnitID))
	}
	err = eng.Do(ctx, func(tx *syncengine.Tx) error {
		if err := tx.Audit(keys, value); err != nil {
			return err
		}
		m, ok := told[act.What]
		if !ok || act.UserID == "" {
			return nil
		}
		return messages.SystemToUser(tx, messages.Message{MessageID: uuids.Named("account-message/" + uuids.New()),
			ToUserID: act.UserID, Subject: m.subject, Text: m.text})
	})
	if err != nil {
		return fmt.Errorf("adminlog: unable to record %s: %w", act.What, err)
	}
	return nil
}

// OnAccount returns the acts on an account, oldest first.
func OnAccount(eng *syncengine.Engine, userID string) ([]Act, error) {
	return scan(eng, accountKey(userID))
}

// OnUnit returns the acts that concern a unit, oldest first.
func OnUnit(eng *syncengine.Engine, unitID string) ([]Act, error) {
	return scan(eng, unitKey(unitID))
}

// OnUnitBetween returns the acts that concern a unit from from up to to (a zero time: no
// bound), oldest first: the review of the unit's administration, as the read log's.
func OnUnitBetween(eng *syncengine.Engine, unitID string, from, to time.Time) ([]Act, error) {
	return scanBetween(eng, unitKey(unitID), from, to)
}

// By returns the acts a user did, oldest first.
func By(eng *syncengine.Engine, userID string) ([]Act, error) {
	return scan(eng, byKey(userID))
}

func scan(eng *syncengine.Engine, key string) ([]Act, error) {
	return scanBetween(eng, key, time.Time{}, time.Time{})
}

func scanBetween(eng *syncengine.Engine, key string, from, to time.Time) ([]Act, error) {
	acts := []Act{}
	err := eng.View(func(r syncengine.ReadTx) error {
		var bad error
		err := r.AuditScan(key, from, to, func(at time.Time, value []byte) bool {
			var a Act
			if bad = json.Unmarshal(value, &a); bad != nil {
				return false
			}
			a.At = at
			acts = append(acts, a)
			return true
		})
		if err != nil {
			return err
		}
		return bad
	})
	if err != nil {
		return nil, fmt.Errorf("adminlog: unable to read the account log: %w", err)
	}
	return acts, nil
}
