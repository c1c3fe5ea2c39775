package signing_test

import (
	"testing"
	"time"

	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// doubleSigned makes a double signing of the 08:00 medication (anna, then bo) and
// returns the alert's id and both signatures' ids.
func (w *world) doubleSigned() (alertID, first, second string) {
	w.t.Helper()
	w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.delegate("bo", "medication", start, 180*24*time.Hour)
	w.Advance(time.Hour)
	one, two := w.signArgs(w.medication, eight, signing.OutcomeGiven), w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.bo, signing.MutationSign, one)
	w.mustApply(w.anna, signing.MutationSign, two)
	return signing.AlertID(signing.AlertDoubleSigning, w.list, w.medication, eight), one["signature_id"].(string), two["signature_id"].(string)
}

func followUpArgs(alertID, comment string) map[string]any {
	return map[string]any{"follow_up_id": uuids.New(), "alert_id": alertID, "comment": comment}
}

// TestAFollowUpMarksTheAlertAndKeepsBothSignatures: the nurse's follow-up marks the
// alert handled (who, when, comment), reaches every phone of the unit as a
// signing_follow_up record, and leaves both signatures as they were.
func TestAFollowUpMarksTheAlertAndKeepsBothSignatures(t *testing.T) {
	w := newWorld(t)
	alertID, first, second := w.doubleSigned()
	before := w.pulled(w.anna)
	w.Advance(5 * time.Minute)
	args := followUpArgs(alertID, "Ringde brukaren, mår bra. Läkare kontaktad.")
	w.mustApply(w.nurse, signing.MutationFollowUp, args)

	var alert signing.Alert
	if !w.Record(signing.KindAlert, alertID, &alert) || alert.FollowUp == nil || alert.FollowUp.By != "nina" ||
		!alert.FollowUp.At.Equal(w.Now()) || alert.FollowUp.Comment != "Ringde brukaren, mår bra. Läkare kontaktad." ||
		alert.FollowUp.FollowUpID != args["follow_up_id"] || len(alert.SignatureIDs) != 2 {
		t.Fatalf("alert after the follow-up: %+v (%+v)", alert, alert.FollowUp)
	}
	for _, who := range []syncengine.Actor{w.anna, w.bo, w.nurse, w.manager} {
		seen := w.pulled(who)
		raw := seen[signing.KindFollowUp][args["follow_up_id"].(string)]
		if raw == nil {
			t.Fatalf("%s's phone has no follow-up: %v", who.UserID, seen[signing.KindFollowUp])
		}
		f := decode[signing.FollowUp](t, raw)
		if f.AlertID != alertID || f.By != "nina" || f.ClientID != w.client || f.AlertType != signing.AlertDoubleSigning ||
			len(f.SignatureIDs) != 2 || f.SignatureIDs[0] != first || f.SignatureIDs[1] != second || !f.DueAt.Equal(eight) {
			t.Fatalf("%s's follow-up: %+v", who.UserID, f)
		}
		for _, id := range []string{first, second} {
			if string(seen[signing.KindSignature][id]) != string(before[signing.KindSignature][id]) {
				t.Fatalf("signature %s changed: %s, was %s", id, seen[signing.KindSignature][id], before[signing.KindSignature][id])
			}
		}
	}
	// Olga, of another unit, sees nothing of it.
	if len(w.pulled(w.olga)[signing.KindFollowUp]) != 0 {
		t.Fatal("another unit's nurse received the follow-up")
	}
	// Once followed up, again is a conflict with the server's alert.
	r := w.expect(w.nurse, signing.MutationFollowUp, followUpArgs(alertID, "Igen"), syncengine.StatusConflict, "already_followed_up")
	if r.Record == nil || r.Record.ID != alertID {
		t.Fatalf("the conflict does not carry the alert: %+v", r.Record)
	}
	// A third signature is a new risk: the alert opens again and keeps its history.
	w.mustApply(w.nurse, signing.MutationSign, w.signArgs(w.medication, eight, signing.OutcomeGiven))
	alert = signing.Alert{}
	w.Record(signing.KindAlert, alertID, &alert)
	if alert.FollowUp != nil || len(alert.FollowUpIDs) != 1 || alert.FollowUpIDs[0] != args["follow_up_id"] || len(alert.SignatureIDs) != 3 {
		t.Fatalf("alert after a third signature: %+v", alert)
	}
	w.mustApply(w.nurse, signing.MutationFollowUp, followUpArgs(alertID, "Tredje signeringen: ingen extra dos gavs."))
}

// TestAFollowUpIsTheNursesOfTheUnit: care staff and managers are refused, another unit's
// nurse finds nothing, and bad input changes nothing.
func TestAFollowUpIsTheNursesOfTheUnit(t *testing.T) {
	w := newWorld(t)
	alertID, _, _ := w.doubleSigned()
	w.expect(w.anna, signing.MutationFollowUp, followUpArgs(alertID, "Kollat"), syncengine.StatusRejected, "forbidden")
	w.expect(w.manager, signing.MutationFollowUp, followUpArgs(alertID, "Kollat"), syncengine.StatusRejected, "forbidden")
	w.expect(w.olga, signing.MutationFollowUp, followUpArgs(alertID, "Kollat"), syncengine.StatusRejected, "nothing_to_follow_up")
	w.expect(w.nurse, signing.MutationFollowUp, followUpArgs(uuids.New(), "Kollat"), syncengine.StatusRejected, "nothing_to_follow_up")
	r := w.expect(w.nurse, signing.MutationFollowUp, followUpArgs(alertID, "  "), syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["comment"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
	r = w.expect(w.nurse, signing.MutationFollowUp, map[string]any{"follow_up_id": "x", "alert_id": alertID, "comment": "Kollat"}, syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["follow_up_id"] == "" {
		t.Fatalf("fields: %v", r.Error.Fields)
	}
	var alert signing.Alert
	w.Record(signing.KindAlert, alertID, &alert)
	if alert.FollowUp != nil || len(w.pulled(w.nurse)[signing.KindFollowUp]) != 0 {
		t.Fatalf("a refused follow-up changed something: %+v", alert)
	}
}

// TestAMissedSigningIsFollowedUpAndStaysSoWhenSignedLate: the nurse follows up a missed
// occurrence; a late signature after that keeps the follow-up (a late signature is no new
// risk) and the alert names the signature.
func TestAMissedSigningIsFollowedUpAndStaysSoWhenSignedLate(t *testing.T) {
	w := newWorld(t)
	w.delegate("anna", "medication", start, 180*24*time.Hour)
	w.Advance(2*time.Hour + time.Minute) // 09:01 in Stockholm: the 08:00 medication and insulin are missed
	if n := raise(t, w); n != 2 {
		t.Fatalf("raised %d, want 2", n)
	}
	alertID := signing.AlertID(signing.AlertMissed, w.list, w.medication, eight)
	w.expect(w.anna, signing.MutationFollowUp, followUpArgs(alertID, "Kollat"), syncengine.StatusRejected, "forbidden")
	w.mustApply(w.nurse, signing.MutationFollowUp, followUpArgs(alertID, "Ringde anna: dosen gavs, signeras i efterhand."))
	late := w.signArgs(w.medication, eight, signing.OutcomeGiven)
	w.mustApply(w.anna, signing.MutationSign, late)
	var alert signing.Alert
	if !w.Record(signing.KindAlert, alertID, &alert) || alert.FollowUp == nil || len(alert.SignatureIDs) != 1 || alert.SignatureIDs[0] != late["signature_id"] {
		t.Fatalf("the missed alert after a late signature: %+v", alert)
	}
	// Care staff see the missed alert and its follow-up.
	seen := w.pulled(w.bo)
	if seen[signing.KindAlert][alertID] == nil || len(seen[signing.KindFollowUp]) != 1 {
		t.Fatalf("bo sees alerts %v, follow-ups %v", seen[signing.KindAlert], seen[signing.KindFollowUp])
	}
}
