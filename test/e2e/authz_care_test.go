package e2e

import (
	"testing"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAuthorizationDeviationReport: every role in Aspen reports a deviation on Aspen's
// client (all staff must report); nobody outside Aspen can.
func TestAuthorizationDeviationReport(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	s := testserver.Start(t)
	anna := s.Login("anna")
	toBo := anna.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("bo"), "text": "Kan du ta kvällsbesöket?"})
	toFarid := anna.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("farid"), "text": "Hej"})
	if toBo.Results[0].Status != "applied" || toFarid.Results[0].Status != "rejected" || toFarid.Results[0].Error.Code != "user_not_found" {
		t.Fatalf("to bo: %+v, to farid: %+v", toBo.Results[0], toFarid.Results[0])
	}
}
