package e2e

import (
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAuthorizationDeviationReport: every role in Aspen reports a deviation on Aspen's
// client (all staff must report); nobody outside Aspen can.
func TestAuthorizationDeviationReport(t *testing.T) {
	s, devices := authzWorld(t)
	report := func() any {
		return map[string]any{"deviation_id": uuids.New(), "client_id": demo.ClientID(1), "type": "deviation", "person_alone": true,
			"activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
			"occurred_at": s.Clock.Now().Add(-30 * 60e9), "course_of_events": "Brukaren föll i badrummet."}
	}
	runScenarios(t, s, devices, rowsFor("deviation.report", report, nil, "client_not_found"))
}

// TestAuthorizationMessageToUnit: every role in Aspen writes to Aspen; nobody else can.
func TestAuthorizationMessageToUnit(t *testing.T) {
	s, devices := authzWorld(t)
	send := func() any {
		return map[string]any{"message_id": uuids.New(), "to_unit_id": demo.AspenID, "text": "Nyckeln till trapphuset är bytt."}
	}
	// Grants elsewhere: that unit is not one of yours; no valid grant at all: not allowed.
	runScenarios(t, s, devices, rowsByGroup("message.send", send, nil, "unit_not_found", "unit_not_found", "forbidden"))
}

// TestMessageToAPersonGoesToColleaguesOnly: anna writes to bo (Aspen); to farid (another
// provider) the person does not exist for her.
func TestMessageToAPersonGoesToColleaguesOnly(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	toBo := anna.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("bo"), "text": "Kan du ta kvällsbesöket?"})
	toFarid := anna.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("farid"), "text": "Hej"})
	if toBo.Results[0].Status != "applied" || toFarid.Results[0].Status != "rejected" || toFarid.Results[0].Error.Code != "user_not_found" {
		t.Fatalf("to bo: %+v, to farid: %+v", toBo.Results[0], toFarid.Results[0])
	}
}

// TestAuthorizationReadLog: a phone's report of a read (access.viewed) of Aspen's client is
// taken from everyone in Aspen; from anyone else it gets the very answer a read of no
// client gets (the outside test: another provider's client was accepted, and the code told
// which ids exist). A read made while the expired grant held is still taken.
func TestAuthorizationReadLog(t *testing.T) {
	s, devices := authzWorld(t)
	read := func(client string, at time.Time) func() any {
		return func() any {
			return map[string]any{"view_id": uuids.New(), "client_id": client, "what": "journal", "viewed_at": at.Format(time.RFC3339)}
		}
	}
	now := s.Clock.Now()
	rows := rowsFor("access.viewed", read(demo.ClientID(1), now), nil, "client_not_found")
	for _, r := range rowsEach("access.viewed", read(uuids.New(), now), func(string, identity.Role) string { return "client_not_found" }) {
		r.name += " (no such client)"
		rows = append(rows, r)
	}
	// The expired grants ended an hour ago: a read from before then is the unit's.
	for role, name := range expired {
		rows = append(rows, scenario{name: "access.viewed/expired grant, read while it held/" + string(role), who: name, status: "applied",
			args: func() (string, any) { return "access.viewed", read(demo.ClientID(1), now.Add(-2*time.Hour))() }})
	}
	runScenarios(t, s, devices, rows)

	// The same answer, word for word, for another provider's client and for no client.
	elsewhere := devices["farid"].Push("access.viewed", read(demo.ClientID(1), now)()).Results[0]
	nowhere := devices["anna"].Push("access.viewed", read(uuids.New(), now)()).Results[0]
	if elsewhere.Error == nil || nowhere.Error == nil || mustJSON(t, elsewhere.Error) != mustJSON(t, nowhere.Error) {
		t.Fatalf("another provider's client: %s; no client: %s", mustJSON(t, elsewhere.Error), mustJSON(t, nowhere.Error))
	}
}

// TestWhoPullsReceiptsAndReportStatus: a read receipt of a message to Aspen reaches Aspen
// (its sender among them) and nobody else; where anna's deviation stands reaches anna
// alone; the manager's message naming the client reaches Aspen's managers and licensed
// staff alone. One row per person of the table's four groups.
func TestWhoPullsReceiptsAndReportStatus(t *testing.T) {
	s, devices := authzWorld(t)
	msgID, devID := uuids.New(), uuids.New()
	for _, step := range []struct {
		who, name string
		args      map[string]any
	}{
		{"anna", "message.send", map[string]any{"message_id": msgID, "to_unit_id": demo.AspenID, "text": "Nya nycklar i skåpet."}},
		{"cecilia", "message.read", map[string]any{"message_id": msgID}},
		{"anna", "deviation.report", map[string]any{"deviation_id": devID, "client_id": demo.ClientID(1), "type": "deviation", "person_alone": true,
			"activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
			"occurred_at": s.Clock.Now().Add(-30 * time.Minute), "course_of_events": "Brukaren föll i badrummet."}},
		{"david", "deviation.analyse", map[string]any{"deviation_id": devID, "consequence": "Blåmärke", "analysis": "Halt golv",
			"actions": "Matta", "status": "investigating"}},
	} {
		if r := devices[step.who].Push(step.name, step.args).Results[0]; r.Status != "applied" {
			t.Fatalf("%s by %s: %+v", step.name, step.who, r)
		}
	}
	receipt := "message_receipt/" + uuids.Named("receipt/"+msgID+"/"+demo.UserID("cecilia"))
	status := "deviation_status/" + devID
	named := "message/" + uuids.Named("deviation-message/"+devID)
	for _, g := range groups {
		for role, name := range g.who {
			t.Run(g.name+"/"+string(role), func(t *testing.T) {
				changes, _ := devices[name].Pull()
				got := map[string]string{}
				for _, c := range changes {
					got[c.Kind+"/"+c.ID] = string(c.Data)
				}
				inAspen := g.name == "own unit"
				_, hasReceipt := got[receipt]
				_, hasStatus := got[status]
				msg, hasNamed := got[named]
				if hasReceipt != inAspen {
					t.Errorf("%s pulls the receipt: %v, want %v", name, hasReceipt, inAspen)
				}
				if want := name == "anna"; hasStatus != want {
					t.Errorf("%s pulls anna's deviation status: %v, want %v", name, hasStatus, want)
				}
				if want := inAspen && in(role, identity.RoleUnitManager, identity.RoleLicensed); hasNamed != want || (want && !strings.Contains(msg, "Astrid Nilsson")) {
					t.Errorf("%s pulls the deviation's message naming the client: %v %s, want %v", name, hasNamed, msg, want)
				}
				for k, data := range got {
					if strings.Contains(data, "Halt golv") && !in(role, identity.RoleUnitManager, identity.RoleLicensed) {
						t.Errorf("%s pulls the analysis' text in %s", name, k)
					}
				}
			})
		}
	}
}
