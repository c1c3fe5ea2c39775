package accesslog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Why a review or an extract is refused.
var (
	// ErrNotManager: the reviewer is not a unit manager of the unit (or of any unit).
	ErrNotManager = errors.New("accesslog: only a unit manager reviews the read log")
	// ErrUnitRequired: a manager of several units reviews one at a time.
	ErrUnitRequired = errors.New("accesslog: name the unit to review")
	// ErrClientNotFound: no such client, or none in a unit the reviewer manages; the two
	// are one answer, so an extract tells nobody which clients exist elsewhere.
	ErrClientNotFound = errors.New("accesslog: no such client in a unit the reviewer manages")
	// ErrNotLogged: the review could not be written to the read log, so it is not shown.
	ErrNotLogged = errors.New("accesslog: the review could not be logged")
)

// Reviewer is who reviews the read log, from which device, with what access right now.
type Reviewer struct {
	UserID, DeviceID string
	Access           identity.Access
}

// Review is a unit manager's review of the read log (loggranskning, Patientdatalagen
// 4 kap. 3 §): who read which client's data in the unit, newest first, and whether more
// matched than f.Limit. Only entries whose units include f.UnitID are given, whatever the
// other filters say. An empty f.UnitID is the one unit the reviewer manages.
//
// Who read a client's data is the client's data too: the review is logged, per client
// shown, on disk before it is returned (ErrNotLogged if it cannot be).
func Review(ctx context.Context, eng *syncengine.Engine, who Reviewer, f Filter) ([]Entry, bool, error) {
	if f.UnitID == "" {
		switch managed := ManagedUnits(who.Access); len(managed) {
		case 0:
			return nil, false, ErrNotManager
		case 1:
			f.UnitID = managed[0]
		default:
			return nil, false, ErrUnitRequired
		}
	}
	if !who.Access.Has(f.UnitID, identity.RoleUnitManager) {
		return nil, false, ErrNotManager
	}
	entries, more, err := Query(eng, f)
	if err != nil {
		return nil, false, err
	}
	if err := Write(ctx, eng, FromReview(who.UserID, who.DeviceID, f.UnitID, entries)); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNotLogged, err)
	}
	return entries, more, nil
}

// TakeExtract returns every read of one client's data, oldest first, whatever unit the
// reads were made in: the client's log extract (registerutdrag). A manager of a unit the
// client belongs to may take it. Taking it is logged as a read of the client's data, in
// the client's units, before it is returned (it is not itself in the extract).
func TakeExtract(ctx context.Context, eng *syncengine.Engine, who Reviewer, clientID string) ([]Entry, error) {
	if !MayReview(who.Access) {
		return nil, ErrNotManager
	}
	var rec syncengine.Record
	var found bool
	err := eng.View(func(r syncengine.ReadTx) error {
		var err error
		rec, found, err = r.Record(clients.Kind, clientID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accesslog: unable to read the client: %w", err)
	}
	if !found || !managesOneOf(who.Access, rec.Scopes) {
		return nil, ErrClientNotFound
	}
	entries, err := Extract(eng, clientID)
	if err != nil {
		return nil, err
	}
	taken := Entry{UserID: who.UserID, DeviceID: who.DeviceID, ClientID: clientID, Units: UnitsOf(rec.Scopes),
		What: WhatAccessLogExtract, Count: len(entries), Source: SourceReview}
	if err := Write(ctx, eng, []Entry{taken}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotLogged, err)
	}
	return entries, nil
}

// MayReview tells whether a user may review the read log at all: a unit manager of some
// unit.
func MayReview(a identity.Access) bool { return len(ManagedUnits(a)) > 0 }

// ManagedUnits are the units where a user is a unit manager, sorted.
func ManagedUnits(a identity.Access) []string {
	var units []string
	for unit := range a.Roles {
		if a.Has(unit, identity.RoleUnitManager) {
			units = append(units, unit)
		}
	}
	slices.Sort(units)
	return units
}

// managesOneOf tells whether the user is a unit manager of a unit of the scopes.
func managesOneOf(a identity.Access, scopes []string) bool {
	for _, s := range scopes {
		if unit, ok := strings.CutPrefix(s, "unit:"); ok && a.Has(strings.TrimSuffix(unit, ":managers"), identity.RoleUnitManager) {
			return true
		}
	}
	return false
}
