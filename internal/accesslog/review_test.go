package accesslog_test

import (
	"context"
	"errors"
	"testing"

	"vardag/internal/accesslog"
	"vardag/internal/identity"
	"vardag/internal/uuids"
)

func reviewer(userID string, roles map[string][]identity.Role) accesslog.Reviewer {
	return accesslog.Reviewer{UserID: userID, DeviceID: "pc-1", Access: identity.Access{UserID: userID, Roles: roles}}
}

// Only a unit manager reviews, one unit at a time; a manager of one unit needs not name
// it; a review is logged per client shown.
func TestOnlyAUnitManagerReviewsTheUnitsReadLog(t *testing.T) {
	w := newWorld(t)
	w.apply(t, w.anna, accesslog.MutationViewed, viewed(w.client.ClientID, "journal", w.Now()))
	w.apply(t, w.lo, accesslog.MutationViewed, viewed(w.other.ClientID, "journal", w.Now()))
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		who  accesslog.Reviewer
		unit string
		want error
	}{
		{"care staff", reviewer("anna", map[string][]identity.Role{"aspen": {identity.RoleCareStaff}}), "aspen", accesslog.ErrNotManager},
		{"a nurse without a unit named", reviewer("nina", map[string][]identity.Role{"aspen": {identity.RoleLicensed}}), "", accesslog.ErrNotManager},
		{"another unit's manager", reviewer("max", map[string][]identity.Role{"lonnen": {identity.RoleUnitManager}}), "aspen", accesslog.ErrNotManager},
		{"a manager of two units naming none", reviewer("maja", map[string][]identity.Role{"aspen": {identity.RoleUnitManager}, "lonnen": {identity.RoleUnitManager}}), "", accesslog.ErrUnitRequired},
	} {
		if _, _, err := accesslog.Review(ctx, w.Engine.Engine, tc.who, accesslog.Filter{UnitID: tc.unit}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	for _, user := range []string{"nina", "max", "maja"} {
		if got := query(t, w.Engine.Engine, accesslog.Filter{UserID: user}); len(got) != 0 {
			t.Fatalf("%s's refused review was logged: %+v", user, got)
		}
	}

	maja := reviewer("maja", map[string][]identity.Role{"aspen": {identity.RoleUnitManager}})
	entries, more, err := accesslog.Review(ctx, w.Engine.Engine, maja, accesslog.Filter{})
	if err != nil || more || len(entries) != 1 || entries[0].UserID != "anna" {
		t.Fatalf("maja's review of her one unit: %+v %v %v", entries, more, err)
	}
	logged := query(t, w.Engine.Engine, accesslog.Filter{UserID: "maja"})
	if len(logged) != 1 || logged[0].Source != accesslog.SourceReview || logged[0].ClientID != w.client.ClientID || logged[0].Units[0] != "aspen" {
		t.Fatalf("the review in the log: %+v", logged)
	}
}

// An extract of a client in another unit and of no client at all answer alike.
func TestAnExtractTellsNothingOfClientsElsewhere(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	maja := reviewer("maja", map[string][]identity.Role{"aspen": {identity.RoleUnitManager}})
	for _, id := range []string{w.other.ClientID, uuids.New()} {
		if _, err := accesslog.TakeExtract(ctx, w.Engine.Engine, maja, id); !errors.Is(err, accesslog.ErrClientNotFound) {
			t.Errorf("extract of %s: %v, want ErrClientNotFound", id, err)
		}
	}
	anna := reviewer("anna", map[string][]identity.Role{"aspen": {identity.RoleCareStaff}})
	if _, err := accesslog.TakeExtract(ctx, w.Engine.Engine, anna, w.client.ClientID); !errors.Is(err, accesslog.ErrNotManager) {
		t.Errorf("care staff's extract: %v", err)
	}
	if _, err := accesslog.TakeExtract(ctx, w.Engine.Engine, maja, w.client.ClientID); err != nil {
		t.Fatal(err)
	}
	if got := query(t, w.Engine.Engine, accesslog.Filter{UserID: "maja"}); len(got) != 1 || got[0].What != accesslog.WhatAccessLogExtract {
		t.Fatalf("the extract in the log: %+v", got)
	}
}
