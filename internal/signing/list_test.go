package signing_test

import (
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func TestOnlyLicensedStaffSaveLists(t *testing.T) {
	w := newWorld(t)
	for _, a := range []syncengine.Actor{w.anna, w.manager} {
		args := w.listArgs()
		args["list_id"] = uuids.New()
		w.expect(a, signing.MutationListSave, args, syncengine.StatusRejected, "forbidden")
		if w.Record(signing.KindList, args["list_id"].(string), nil) {
			t.Fatalf("%s's list was stored", a.UserID)
		}
	}
	// Nor may care staff change the nurse's list.
	args := w.listArgs()
	args["measures"] = []map[string]any{{"measure_id": w.medication, "kind": "medication", "instruction": "dubbel dos", "times": []string{"09:00"}, "prn": false}}
	w.expect(w.anna, signing.MutationListSave, args, syncengine.StatusRejected, "forbidden")
	var l signing.List
	w.Record(signing.KindList, w.list, &l)
	if len(l.Measures) != 2 {
		t.Fatalf("the list was changed: %+v", l.Measures)
	}
}

func TestSavingAgainMakesANewVersionKeepingTheAuthor(t *testing.T) {
	w := newWorld(t)
	nurse2 := w.Actor("nils", map[string]identity.Role{"aspen": identity.RoleLicensed})
	w.Advance(time.Hour)
	args := w.listArgs()
	args["measures"] = []map[string]any{{"measure_id": w.medication, "kind": "medication", "instruction": "Alvedon 1 g", "times": []string{"08:00"}, "prn": false}}
	w.mustApply(nurse2, signing.MutationListSave, args)
	var l signing.List
	w.Record(signing.KindList, w.list, &l)
	if l.CreatedBy != "nina" || !l.CreatedAt.Equal(start) || l.UpdatedBy != "nils" || !l.UpdatedAt.Equal(w.Now()) ||
		len(l.Measures) != 1 || l.Measures[0].Instruction != "Alvedon 1 g" || l.UnitID != "aspen" {
		t.Fatalf("list: %+v", l)
	}
	other := w.Client(uuids.New(), "aspen").ClientID
	args["client_id"] = other
	r := w.expect(w.nurse, signing.MutationListSave, args, syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["client_id"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
}

func TestAListIsChecked(t *testing.T) {
	w := newWorld(t)
	m := func(id, kind string, times []string, prn bool) map[string]any {
		return map[string]any{"measure_id": id, "kind": kind, "instruction": "Enligt ordination", "times": times, "prn": prn}
	}
	id := uuids.New()
	bad := map[string]struct {
		change func(map[string]any)
		field  string
	}{
		"no measures": {func(a map[string]any) { a["measures"] = []map[string]any{} }, "measures"},
		"twice the id": {func(a map[string]any) {
			a["measures"] = []map[string]any{m(id, "medication", []string{"08:00"}, false), m(id, "insulin", []string{"08:00"}, false)}
		}, "measures[1].measure_id"},
		"no kind": {func(a map[string]any) { a["measures"] = []map[string]any{m(id, "", []string{"08:00"}, false)} }, "measures[0].kind"},
		"kind not snake": {func(a map[string]any) {
			a["measures"] = []map[string]any{m(id, "Wound care", []string{"08:00"}, false)}
		}, "measures[0].kind"},
		"no times": {func(a map[string]any) { a["measures"] = []map[string]any{m(id, "medication", nil, false)} }, "measures[0].times"},
		"24:00": {func(a map[string]any) {
			a["measures"] = []map[string]any{m(id, "medication", []string{"24:00"}, false)}
		}, "measures[0].times"},
		"8:00": {func(a map[string]any) { a["measures"] = []map[string]any{m(id, "medication", []string{"8:00"}, false)} }, "measures[0].times"},
		"a time twice": {func(a map[string]any) {
			a["measures"] = []map[string]any{m(id, "medication", []string{"08:00", "08:00"}, false)}
		}, "measures[0].times"},
		"ends before":       {func(a map[string]any) { a["valid_until"] = start.Add(-48 * time.Hour) }, "valid_until"},
		"ends as it starts": {func(a map[string]any) { a["valid_until"] = a["valid_from"] }, "valid_until"},
		"unknown field":     {func(a map[string]any) { a["dose"] = "2" }, "dose"},
	}
	for name, c := range bad {
		args := w.listArgs()
		args["list_id"] = uuids.New()
		c.change(args)
		r := w.expect(w.nurse, signing.MutationListSave, args, syncengine.StatusRejected, "invalid_args")
		if r.Error.Fields[c.field] == "" {
			t.Errorf("%s: fields %v, want %s", name, r.Error.Fields, c.field)
		}
	}
	args := w.listArgs()
	args["list_id"] = uuids.New()
	args["measures"] = []map[string]any{m(id, "medication", nil, true), m(uuids.New(), "wound_care", []string{"23:59", "00:00"}, false)}
	w.mustApply(w.nurse, signing.MutationListSave, args)
}
