package signing_test

import (
	"context"
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func raise(t *testing.T, w *world) int {
	t.Helper()
	n, err := signing.RaiseMissed(context.Background(), w.Engine.Engine, w.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAMissedOccurrenceIsRaisedOnceAfterAnHour(t *testing.T) {
	w := newWorld(t)
	w.delegate("anna", "insulin", start, 180*24*time.Hour)
	w.Advance(time.Hour + 5*time.Minute)
	w.mustApply(w.anna, signing.MutationSign, w.signArgs(w.insulin, eight, signing.OutcomeGiven)) // the medication is not signed

	w.Advance(55 * time.Minute) // 09:00 in Stockholm: exactly an hour after 08:00
	if n := raise(t, w); n != 0 {
		t.Fatalf("raised %d after exactly an hour", n)
	}
	missedMedication := signing.AlertID(signing.AlertMissed, w.list, w.medication, eight)
	if w.Record(signing.KindAlert, missedMedication, nil) {
		t.Fatal("an alert before its time")
	}
	w.Advance(time.Minute)
	// Only the medication: the insulin is signed, and yesterday's 20:00 was before the list was saved.
	if n := raise(t, w); n != 1 {
		t.Fatalf("raised %d, want 1", n)
	}
	if n := raise(t, w); n != 0 {
		t.Fatalf("raised %d again", n)
	}
	if w.Record(signing.KindAlert, signing.AlertID(signing.AlertMissed, w.list, w.insulin, eight), nil) {
		t.Fatal("a signed occurrence raised as missed")
	}
	for _, a := range []syncengine.Actor{w.nurse, w.anna, w.manager} {
		raw := w.pulled(a)[signing.KindAlert][missedMedication]
		if raw == nil {
			t.Fatalf("%s does not see the missed alert", a.UserID)
		}
		alert := decode[signing.Alert](t, raw)
		if alert.Type != "missed" || alert.MeasureID != w.medication || !alert.DueAt.Equal(eight) || alert.UnitID != "aspen" ||
			alert.ClientID != w.client || alert.MeasureKind != "medication" || len(alert.SignatureIDs) != 0 {
			t.Fatalf("alert: %+v", alert)
		}
	}
	if len(w.pulled(w.olga)) != 0 {
		t.Fatal("another provider's nurse sees the alert")
	}

	// Signed late by the nurse: the alert stays and names the signature.
	late := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.nurse, signing.MutationSign, late)
	var alert signing.Alert
	w.Record(signing.KindAlert, missedMedication, &alert)
	if len(alert.SignatureIDs) != 1 || alert.SignatureIDs[0] != late["signature_id"] {
		t.Fatalf("alert after a late signature: %+v", alert)
	}
	if n := raise(t, w); n != 0 {
		t.Fatalf("raised %d after the signature", n)
	}
	// 20:00 is missed in its turn, and the next morning's 08:00 of both measures.
	w.Advance(12 * time.Hour) // 21:01
	if n := raise(t, w); n != 1 {
		t.Fatalf("raised %d at 21:01, want 1", n)
	}
	w.Advance(12 * time.Hour) // 09:01 next day
	if n := raise(t, w); n != 2 {
		t.Fatalf("raised %d at 09:01 the next day, want 2", n)
	}
}

func TestNothingIsMissedOutsideTheList(t *testing.T) {
	w := newWorld(t)
	// A list that starts tomorrow, an as-needed measure, and a list that ended.
	tomorrow := map[string]any{"list_id": uuids.New(), "client_id": w.client, "valid_from": start.Add(24 * time.Hour), "valid_until": start.AddDate(0, 1, 0),
		"measures": []map[string]any{{"measure_id": uuids.New(), "kind": "medication", "instruction": "x", "times": []string{"08:00"}, "prn": false}}}
	prn := map[string]any{"list_id": uuids.New(), "client_id": w.client, "valid_from": start.Add(-24 * time.Hour), "valid_until": start.AddDate(0, 1, 0),
		"measures": []map[string]any{{"measure_id": uuids.New(), "kind": "medication", "instruction": "Vid oro", "times": []string{}, "prn": true}}}
	ending := map[string]any{"list_id": uuids.New(), "client_id": w.client, "valid_from": start.Add(-24 * time.Hour), "valid_until": start.Add(30 * time.Minute),
		"measures": []map[string]any{{"measure_id": uuids.New(), "kind": "medication", "instruction": "x", "times": []string{"08:00"}, "prn": false}}}
	for _, args := range []map[string]any{tomorrow, prn, ending} {
		w.mustApply(w.nurse, signing.MutationListSave, args)
	}
	w.mustApply(w.nurse, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven))
	w.mustApply(w.nurse, signing.MutationSign, w.signArgs(w.insulin, eight, signing.OutcomeGiven))
	w.Advance(3 * time.Hour) // 10:00
	if n := raise(t, w); n != 0 {
		t.Fatalf("raised %d", n)
	}
	// A day and more later, the ended list leaves the schedule; the others still count.
	w.Advance(24 * time.Hour)
	if n := raise(t, w); n != 4 { // the first list's 20:00 and 08:00 ×2, tomorrow's 08:00
		t.Fatalf("raised %d the next day, want 4", n)
	}
	if w.Record(signing.KindSchedule, ending["list_id"].(string), nil) {
		t.Fatal("the ended list is still scheduled")
	}
}

func TestAnotherProvidersNurseSeesNothing(t *testing.T) {
	w := newWorld(t)
	del := w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.delegate("bo", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour)
	w.mustApply(w.anna, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven))
	w.mustApply(w.bo, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven))
	w.Advance(2 * time.Hour)
	if raise(t, w) != 1 {
		t.Fatal("the insulin was not raised")
	}
	if got := w.pulled(w.olga); len(got) != 0 {
		t.Fatalf("Lönnen's nurse sees %v", got)
	}
	w.expect(w.olga, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven), syncengine.StatusRejected, "list_not_found")
	args := w.listArgs()
	w.expect(w.olga, signing.MutationListSave, args, syncengine.StatusRejected, "client_not_found")
	args["list_id"] = uuids.New()
	w.expect(w.olga, signing.MutationListSave, args, syncengine.StatusRejected, "client_not_found")
	w.expect(w.olga, signing.MutationDelegationRevoke, map[string]any{"delegation_id": del, "reason": "x"}, syncengine.StatusRejected, "delegation_not_found")
	// She cannot delegate to Aspen's carer, who does not work in her unit; and nothing she
	// could grant signs anything in Aspen.
	w.expect(w.olga, signing.MutationDelegationGrant, grantArgs("anna", start, start.AddDate(0, 1, 0)), syncengine.StatusRejected, "user_not_found")
	w.expect(w.anna, signing.MutationSign, w.signArgs(w.insulin, eight, signing.OutcomeGiven), syncengine.StatusRejected, "no_delegation")

	// Aspen's own people see everything of theirs, and nobody receives the internal indexes.
	nurse := w.pulled(w.nurse)
	if len(nurse[signing.KindSignature]) != 2 || len(nurse[signing.KindAlert]) != 2 || len(nurse[signing.KindList]) != 1 {
		t.Fatalf("the nurse sees %d signatures, %d alerts, %d lists", len(nurse[signing.KindSignature]), len(nurse[signing.KindAlert]), len(nurse[signing.KindList]))
	}
	admin := w.Actor("root", map[string]identity.Role{"aspen": identity.RoleLicensed, "lonnen": identity.RoleLicensed})
	for _, a := range []syncengine.Actor{w.nurse, w.anna, w.olga, admin} {
		got := w.pulled(a)
		if len(got[signing.KindSchedule]) != 0 || len(got[signing.KindDelegations]) != 0 {
			t.Fatalf("%s receives the internal indexes", a.UserID)
		}
	}
}

func TestSavingAgainKeepsWhenEachTimeWasPlanned(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.nurse, signing.MutationSign, w.signArgs(w.insulin, eight, signing.OutcomeGiven))
	w.Advance(4 * time.Hour) // 11:00 Stockholm: 08:00 of the medication is missed, 09:00 did not exist then
	args := w.listArgs()
	args["measures"] = []map[string]any{
		{"measure_id": w.medication, "kind": "medication", "instruction": "Alvedon 500 mg", "times": []string{"08:00", "09:00", "20:00"}, "prn": false},
		{"measure_id": w.insulin, "kind": "insulin", "instruction": "Insulatard 12 E", "times": []string{"08:00"}, "prn": false},
	}
	w.mustApply(w.nurse, signing.MutationListSave, args)
	if n := raise(t, w); n != 1 {
		t.Fatalf("raised %d, want the medication's 08:00 only", n)
	}
	if !w.Record(signing.KindAlert, signing.AlertID(signing.AlertMissed, w.list, w.medication, eight), nil) {
		t.Fatal("the 08:00 planned before the change was not raised")
	}
}
