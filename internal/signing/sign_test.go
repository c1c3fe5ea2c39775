package signing_test

import (
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

func TestASignatureWithAValidDelegationIsApplied(t *testing.T) {
	w := newWorld(t)
	del := w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.Advance(65 * time.Minute) // 08:05 in Stockholm
	args := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.anna, signing.MutationSign, args)
	var sig signing.Signature
	if !w.Record(signing.KindSignature, args["signature_id"].(string), &sig) {
		t.Fatal("the signature was not stored")
	}
	if sig.AuthorID != "anna" || sig.AuthorRole != identity.RoleCareStaff || sig.DelegationID != del || sig.DoubleSigned ||
		sig.MeasureKind != "medication" || sig.UnitID != "aspen" || sig.ClientID != w.client || !sig.ServerTime.Equal(w.Now()) {
		t.Fatalf("signature: %+v", sig)
	}
}

func TestLicensedStaffSignWithoutADelegation(t *testing.T) {
	w := newWorld(t)
	w.Advance(time.Hour)
	args := w.signArgs(w.insulin, eight, signing.OutcomeGiven)
	w.mustApply(w.nurse, signing.MutationSign, args)
	var sig signing.Signature
	w.Record(signing.KindSignature, args["signature_id"].(string), &sig)
	if sig.AuthorRole != identity.RoleLicensed || sig.DelegationID != "" {
		t.Fatalf("signature: %+v", sig)
	}
}

func TestASignatureWithoutAValidDelegationIsRefused(t *testing.T) {
	cases := map[string]func(w *world) syncengine.Actor{
		"none": func(w *world) syncengine.Actor { return w.bo },
		"expired": func(w *world) syncengine.Actor {
			w.delegate("anna", "medication", start, 30*time.Minute) // ends 06:30 UTC
			return w.anna
		},
		"not started": func(w *world) syncengine.Actor {
			w.delegate("anna", "medication", start.Add(2*time.Hour), 24*time.Hour)
			return w.anna
		},
		"other kind": func(w *world) syncengine.Actor {
			w.delegate("anna", "insulin", start, 180*24*time.Hour)
			return w.anna
		},
		"another user's": func(w *world) syncengine.Actor {
			w.delegate("anna", "medication", start, 180*24*time.Hour)
			return w.bo
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			signer := setup(w)
			w.Advance(time.Hour) // 07:00 UTC at least
			args := w.signArgs(w.medication, eight, signing.OutcomeGiven)
			w.expect(signer, signing.MutationSign, args, syncengine.StatusRejected, "no_delegation")
			if w.Record(signing.KindSignature, args["signature_id"].(string), nil) {
				t.Fatal("the refused signature was stored")
			}
			if w.Record(signing.KindOccurrence, signing.OccurrenceID(w.list, w.medication, eight), nil) {
				t.Fatal("the refused signature left an occurrence")
			}
		})
	}
}

// TestARevocationOnTheServerStopsEverySignatureAfterIt: once a revocation has reached the
// server, no signature that arrives after it is taken, whatever its signed_at says — one
// made offline before the revocation included (the device's clock cannot be trusted to
// place it there). It is refused with delegation_revoked and leaves nothing; a signature
// that reached the server before the revocation stays as it was.
func TestARevocationOnTheServerStopsEverySignatureAfterIt(t *testing.T) {
	w := newWorld(t)
	id := w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour + 5*time.Minute) // 07:05 UTC: 08:05 in Stockholm
	online := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.anna, signing.MutationSign, online)
	offline := w.signArgs(w.medication, eight, signing.OutcomeGiven) // made now, sent later
	w.Advance(time.Hour)
	w.mustApply(w.nurse, signing.MutationDelegationRevoke, map[string]any{"delegation_id": id, "reason": "Avslutad anställning"})
	var d signing.Delegation
	w.Record(signing.KindDelegation, id, &d)
	if d.RevokedAt == nil || !d.RevokedAt.Equal(w.Now()) || d.RevokeServerTime == nil || !d.RevokeServerTime.Equal(w.Now()) ||
		d.RevokedBy != "nina" || d.Reason != "Avslutad anställning" {
		t.Fatalf("revoked delegation: %+v", d)
	}
	occurrence := signing.OccurrenceID(w.list, w.medication, eight)
	var before signing.Occurrence
	w.Record(signing.KindOccurrence, occurrence, &before)
	// The phone comes back online after the revocation: signed_at is an hour before it.
	w.Advance(time.Minute)
	w.expect(w.anna, signing.MutationSign, offline, syncengine.StatusRejected, "delegation_revoked")
	// And the evening occurrence, signed now: refused alike.
	w.Advance(12 * time.Hour)
	evening := w.signArgs(w.medication, eight.Add(12*time.Hour), signing.OutcomeGiven)
	w.expect(w.anna, signing.MutationSign, evening, syncengine.StatusRejected, "delegation_revoked")
	for _, sig := range []map[string]any{offline, evening} {
		if w.Record(signing.KindSignature, sig["signature_id"].(string), nil) {
			t.Fatal("a signature after the revocation was stored")
		}
	}
	var after signing.Occurrence
	if !w.Record(signing.KindSignature, online["signature_id"].(string), nil) || !w.Record(signing.KindOccurrence, occurrence, &after) ||
		len(after.SignatureIDs) != 1 || len(before.SignatureIDs) != 1 || after.SignatureIDs[0] != online["signature_id"] {
		t.Fatalf("the signature made before the revocation must stay alone: %+v → %+v", before, after)
	}
	w.expect(w.nurse, signing.MutationDelegationRevoke, map[string]any{"delegation_id": id, "reason": "igen"},
		syncengine.StatusConflict, "delegation_revoked")
}

func TestNotGivenNeedsAReason(t *testing.T) {
	w := newWorld(t)
	w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour)
	for _, outcome := range []string{signing.OutcomeNotGiven, signing.OutcomePartlyGiven} {
		args := w.signArgs(w.medication, eight, outcome)
		args["reason"] = "  "
		r := w.expect(w.anna, signing.MutationSign, args, syncengine.StatusRejected, "invalid_args")
		if r.Error.Fields["reason"] == "" {
			t.Fatalf("%s: fields %v", outcome, r.Error.Fields)
		}
	}
	args := w.signArgs(w.medication, eight, signing.OutcomeNotGiven)
	args["reason"] = "Brukaren avböjde"
	w.mustApply(w.anna, signing.MutationSign, args)
}

func TestASignatureMustFitTheList(t *testing.T) {
	w := newWorld(t)
	w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour)
	bad := map[string]struct {
		change func(map[string]any)
		field  string
	}{
		"not a time of the measure": {func(a map[string]any) { a["due_at"] = eight.Add(time.Hour) }, "due_at"},
		"a minute off":              {func(a map[string]any) { a["due_at"] = eight.Add(time.Minute) }, "due_at"},
		"before the list":           {func(a map[string]any) { a["due_at"] = eight.AddDate(0, 0, -2) }, "due_at"},
		"not on the list":           {func(a map[string]any) { a["measure_id"] = uuids.New() }, "measure_id"},
		"in the future":             {func(a map[string]any) { a["signed_at"] = w.Now().Add(11 * time.Minute) }, "signed_at"},
		"long before it was due":    {func(a map[string]any) { a["due_at"] = eight.Add(24 * time.Hour) }, "signed_at"},
		"unknown outcome":           {func(a map[string]any) { a["outcome"] = "maybe" }, "outcome"},
	}
	for name, c := range bad {
		args := w.signArgs(w.medication, eight, signing.OutcomeGiven)
		c.change(args)
		r := w.expect(w.anna, signing.MutationSign, args, syncengine.StatusRejected, "invalid_args")
		if r.Error.Fields[c.field] == "" {
			t.Errorf("%s: fields %v, want %s", name, r.Error.Fields, c.field)
		}
	}
	w.expect(w.manager, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven), syncengine.StatusRejected, "forbidden")
	args := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.anna, signing.MutationSign, args)
	args["outcome"] = signing.OutcomeNotGiven
	args["reason"] = "ändrat mig"
	w.expect(w.anna, signing.MutationSign, args, syncengine.StatusConflict, "signature_exists")
	var sig signing.Signature
	w.Record(signing.KindSignature, args["signature_id"].(string), &sig)
	if sig.Outcome != signing.OutcomeGiven {
		t.Fatalf("a saved signature was changed: %+v", sig)
	}
}

func TestADoubleSigningIsKeptAndFlagged(t *testing.T) {
	w := newWorld(t)
	w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.delegate("bo", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour)
	first := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.anna, signing.MutationSign, first)
	w.Advance(10 * time.Minute)
	// The same occurrence written with the Swedish offset: one instant, one occurrence.
	second := w.signArgs(w.medication, eight.In(time.FixedZone("CET", 3600)), signing.OutcomeGiven)
	w.mustApply(w.bo, signing.MutationSign, second)
	firstID, secondID := first["signature_id"].(string), second["signature_id"].(string)

	seen := w.pulled(w.nurse)
	if seen[signing.KindSignature][firstID] == nil || seen[signing.KindSignature][secondID] == nil {
		t.Fatalf("the nurse does not see both signatures: %v", seen[signing.KindSignature])
	}
	one := decode[signing.Signature](t, seen[signing.KindSignature][firstID])
	two := decode[signing.Signature](t, seen[signing.KindSignature][secondID])
	if one.DoubleSigned || !two.DoubleSigned || two.FirstSignatureID != firstID || two.AuthorID != "bo" {
		t.Fatalf("first %+v\nsecond %+v", one, two)
	}
	alertID := signing.AlertID(signing.AlertDoubleSigning, w.list, w.medication, eight)
	raw := seen[signing.KindAlert][alertID]
	if raw == nil {
		t.Fatalf("no double-signing alert for the nurse: %v", seen[signing.KindAlert])
	}
	alert := decode[signing.Alert](t, raw)
	if alert.Type != "double_signing" || alert.ListID != w.list || alert.MeasureID != w.medication || !alert.DueAt.Equal(eight) ||
		len(alert.SignatureIDs) != 2 || alert.SignatureIDs[0] != firstID || alert.SignatureIDs[1] != secondID {
		t.Fatalf("alert: %+v", alert)
	}
	if len(seen[signing.KindAlert]) != 1 {
		t.Fatalf("alerts: %v", seen[signing.KindAlert])
	}
	// A third signature: kept too, and the one alert names all three.
	third := w.signArgs(w.medication, eight, signing.OutcomeSelfAdministered)
	w.mustApply(w.nurse, signing.MutationSign, third)
	w.Record(signing.KindAlert, alertID, &alert)
	if len(alert.SignatureIDs) != 3 || alert.SignatureIDs[2] != third["signature_id"] {
		t.Fatalf("alert after a third signature: %+v", alert)
	}
	var occ signing.Occurrence
	w.Record(signing.KindOccurrence, signing.OccurrenceID(w.list, w.medication, eight), &occ)
	if len(occ.SignatureIDs) != 3 {
		t.Fatalf("occurrence: %+v", occ)
	}
	// Care staff see the signatures, not the nurse's alert.
	staff := w.pulled(w.anna)
	if len(staff[signing.KindSignature]) != 3 || len(staff[signing.KindAlert]) != 0 {
		t.Fatalf("care staff see %d signatures, %d alerts", len(staff[signing.KindSignature]), len(staff[signing.KindAlert]))
	}
	// Another measure at the same time is another occurrence.
	w.mustApply(w.nurse, signing.MutationSign, w.signArgs(w.insulin, eight, signing.OutcomeGiven))
	if w.Record(signing.KindAlert, signing.AlertID(signing.AlertDoubleSigning, w.list, w.insulin, eight), nil) {
		t.Fatal("one signature of the insulin raised a double-signing alert")
	}
}
