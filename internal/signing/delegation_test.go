package signing_test

import (
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func grantArgs(user string, from, until time.Time) map[string]any {
	return map[string]any{"delegation_id": uuids.New(), "user_id": user, "measure_kind": "insulin", "valid_from": from, "valid_until": until}
}

func TestADelegationLongerThanAYearIsRefused(t *testing.T) {
	w := newWorld(t)
	args := grantArgs("anna", start, start.AddDate(1, 0, 0).Add(time.Minute))
	r := w.expect(w.nurse, signing.MutationDelegationGrant, args, syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["valid_until"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
	if w.Record(signing.KindDelegation, args["delegation_id"].(string), nil) {
		t.Fatal("the refused delegation was stored")
	}
	args = grantArgs("anna", start, start.AddDate(1, 0, 0))
	w.mustApply(w.nurse, signing.MutationDelegationGrant, args)
	var d signing.Delegation
	w.Record(signing.KindDelegation, args["delegation_id"].(string), &d)
	if d.UnitID != "aspen" || d.GrantedBy != "nina" || d.GrantedRole != identity.RoleLicensed || d.UserID != "anna" {
		t.Fatalf("delegation: %+v", d)
	}
	w.expect(w.nurse, signing.MutationDelegationGrant, args, syncengine.StatusConflict, "delegation_exists")
}

func TestADelegationIsChecked(t *testing.T) {
	w := newWorld(t)
	bad := map[string]struct {
		args  map[string]any
		field string
	}{
		"ends before it starts": {grantArgs("anna", start, start.Add(-time.Hour)), "valid_until"},
		"already ended":         {grantArgs("anna", start.Add(-48*time.Hour), start.Add(-time.Hour)), "valid_until"},
		"backdated a month":     {grantArgs("anna", start.AddDate(0, -1, 0), start.AddDate(0, 1, 0)), "valid_from"},
		"no user":               {grantArgs("", start, start.AddDate(0, 1, 0)), "user_id"},
	}
	for name, c := range bad {
		r := w.expect(w.nurse, signing.MutationDelegationGrant, c.args, syncengine.StatusRejected, "invalid_args")
		if r.Error.Fields[c.field] == "" {
			t.Errorf("%s: fields %v, want %s", name, r.Error.Fields, c.field)
		}
	}
	w.expect(w.anna, signing.MutationDelegationGrant, grantArgs("bo", start, start.AddDate(0, 1, 0)), syncengine.StatusRejected, "forbidden")
	w.expect(w.manager, signing.MutationDelegationGrant, grantArgs("bo", start, start.AddDate(0, 1, 0)), syncengine.StatusRejected, "forbidden")

	// A nurse of two units names the unit.
	two := w.Actor("tove", map[string]identity.Role{"aspen": identity.RoleLicensed, "lonnen": identity.RoleLicensed})
	r := w.expect(two, signing.MutationDelegationGrant, grantArgs("bo", start, start.AddDate(0, 1, 0)), syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["unit_id"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
	args := grantArgs("bo", start, start.AddDate(0, 1, 0))
	args["unit_id"] = "aspen"
	w.mustApply(two, signing.MutationDelegationGrant, args)
	args = grantArgs("bo", start, start.AddDate(0, 1, 0))
	args["unit_id"] = "eken" // not hers
	w.expect(two, signing.MutationDelegationGrant, args, syncengine.StatusRejected, "forbidden")

	// Revoking needs a reason and a licensed person of the delegation's unit.
	id := w.delegate("anna", "medication", start, 24*time.Hour)
	r = w.expect(w.nurse, signing.MutationDelegationRevoke, map[string]any{"delegation_id": id, "reason": " "}, syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["reason"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
	w.expect(w.anna, signing.MutationDelegationRevoke, map[string]any{"delegation_id": id, "reason": "själv"}, syncengine.StatusRejected, "forbidden")
	w.expect(w.olga, signing.MutationDelegationRevoke, map[string]any{"delegation_id": id, "reason": "fel"}, syncengine.StatusRejected, "delegation_not_found")
	w.expect(w.nurse, signing.MutationDelegationRevoke, map[string]any{"delegation_id": uuids.New(), "reason": "fel"}, syncengine.StatusRejected, "delegation_not_found")
}

func TestTheDelegateAndTheNurseSeeTheDelegation(t *testing.T) {
	w := newWorld(t)
	id := w.delegate("anna", "medication", start, 24*time.Hour)
	for _, a := range []syncengine.Actor{w.anna, w.nurse, w.manager} {
		if w.pulled(a)[signing.KindDelegation][id] == nil {
			t.Errorf("%s does not see the delegation", a.UserID)
		}
	}
	if w.pulled(w.bo)[signing.KindDelegation][id] != nil {
		t.Error("another care worker sees anna's delegation")
	}
}
