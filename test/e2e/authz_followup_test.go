package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// demoDoubleAlert is the id of the demo's double signing: this morning's 08:00 medicine,
// signed by anna and then by cecilia.
func demoDoubleAlert(now time.Time) string {
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	local := now.In(stockholm)
	due := time.Date(local.Year(), local.Month(), local.Day(), 8, 0, 0, 0, stockholm)
	return signing.AlertID(signing.AlertDoubleSigning, uuids.Named("demo/list/1"), uuids.Named("demo/measure/medicine"), due)
}

// TestAuthorizationSigningFollowUp: a double or missed signing is followed up by licensed
// staff of the client's unit only; to other units it does not exist; once followed up,
// again is a conflict.
func TestAuthorizationSigningFollowUp(t *testing.T) {
	s, devices := authzWorld(t)
	alert := demoDoubleAlert(s.Clock.Now())
	followUp := func() any {
		return map[string]any{"follow_up_id": uuids.New(), "alert_id": alert, "comment": "Kontrollerat med brukaren: en dos given."}
	}
	rows := rowsEach("signing.follow_up", followUp, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "nothing_to_follow_up"
		case r == identity.RoleLicensed:
			return ""
		}
		return "forbidden"
	})
	rows = append(rows, scenario{name: "signing.follow_up/again", who: "cecilia", status: "conflict", code: "already_followed_up",
		args: func() (string, any) { return "signing.follow_up", followUp() }})
	runScenarios(t, s, devices, rows)
}

// TestSigningFollowUpBadInputChangesNothing: an unknown alert, an empty comment or a
// follow-up id that is no UUID are refused and change nothing; the follow-up that is taken
// reaches care staff too, and both signatures stay as they were.
func TestSigningFollowUpBadInputChangesNothing(t *testing.T) {
	s, devices := authzWorld(t)
	alert := demoDoubleAlert(s.Clock.Now())
	nurse, anna := devices["cecilia"], devices["anna"]
	records := func(d *testserver.Device) map[string]map[string]json.RawMessage {
		changes, _ := d.Pull()
		out := map[string]map[string]json.RawMessage{}
		for _, c := range changes {
			if out[c.Kind] == nil {
				out[c.Kind] = map[string]json.RawMessage{}
			}
			out[c.Kind][c.ID] = c.Data
		}
		return out
	}
	before := records(anna)
	head := s.Head()
	for _, bad := range []struct {
		args  map[string]any
		code  string
		field string
	}{
		{map[string]any{"follow_up_id": uuids.New(), "alert_id": uuids.New(), "comment": "Kontrollerat"}, "nothing_to_follow_up", ""},
		{map[string]any{"follow_up_id": uuids.New(), "alert_id": alert, "comment": "   "}, "invalid_args", "comment"},
		{map[string]any{"follow_up_id": "inte-ett-id", "alert_id": alert, "comment": "Kontrollerat"}, "invalid_args", "follow_up_id"},
		{map[string]any{"follow_up_id": uuids.New(), "alert_id": "", "comment": "Kontrollerat"}, "invalid_args", "alert_id"},
	} {
		r := nurse.Push("signing.follow_up", bad.args).Results[0]
		if r.Status != "rejected" || r.Error == nil || r.Error.Code != bad.code || (bad.field != "" && r.Error.Fields[bad.field] == "") {
			t.Fatalf("%v: %+v %+v", bad.args, r, r.Error)
		}
	}
	if s.Head() != head {
		t.Fatalf("refused follow-ups changed the store: head %d, was %d", s.Head(), head)
	}
	id := uuids.New()
	if r := nurse.Push("signing.follow_up", map[string]any{"follow_up_id": id, "alert_id": alert, "comment": "Ringt läkare."}).Results[0]; r.Status != "applied" {
		t.Fatalf("follow-up: %+v %+v", r, r.Error)
	}
	after := records(anna)
	var f signing.FollowUp
	if err := json.Unmarshal(after[signing.KindFollowUp][id], &f); err != nil || f.AlertID != alert || f.By != demo.UserID("cecilia") || f.Comment != "Ringt läkare." || len(f.SignatureIDs) != 2 {
		t.Fatalf("anna's follow-up: %+v (%v) %s", f, err, after[signing.KindFollowUp][id])
	}
	for _, sid := range f.SignatureIDs {
		if before[signing.KindSignature][sid] == nil || after[signing.KindSignature][sid] != nil {
			t.Fatalf("signature %s: before %s, changed to %s", sid, before[signing.KindSignature][sid], after[signing.KindSignature][sid])
		}
	}
	var a signing.Alert
	if err := json.Unmarshal(records(nurse)[signing.KindAlert][alert], &a); err != nil || a.FollowUp == nil || a.FollowUp.FollowUpID != id || len(a.SignatureIDs) != 2 {
		t.Fatalf("the nurse's alert: %+v (%v)", a, err)
	}
}
