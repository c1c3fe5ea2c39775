package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

func TestAssignmentFromTheAuthorityToTheCarer(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, s.Clock.Now().Add(24*time.Hour))
	authority, alma, anna, david := s.Login("myndighet"), s.Login("alma"), s.Login("anna"), s.Login("david")
	month := s.Clock.Now().UTC().Format("2006-01")
	delivery := map[string]any{
		"authority_id": "TRE-2026-0042", "client_id": demo.ClientID(3), "unit_id": demo.AspenID, "decided_at": s.Clock.Now().Add(-time.Hour),
		"measures": []map[string]any{{"measure_id": "11111111-1111-4111-8111-111111111111", "type": "personal_care", "minutes_per_month": 600, "start": month + "-01"}},
	}
	first := s.Do("POST", "/api/v1/integration/assignments", authority.Token, delivery)
	again := s.Do("POST", "/api/v1/integration/assignments", authority.Token, delivery)
	if first.Status != 201 || again.Status != 200 {
		t.Fatalf("delivery: %d %s, again: %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if res := s.Do("POST", "/api/v1/integration/assignments", anna.Token, delivery); res.Status != 403 {
		t.Fatalf("care staff delivering: %d %s", res.Status, res.Body)
	}
	var a assignments.Assignment
	first.JSON(t, &a)
	if r := alma.Push("assignment.distribute", map[string]any{"assignment_id": a.AssignmentID, "subunit_id": demo.AspenNorrID}); r.Results[0].Status != "applied" {
		t.Fatalf("distribute: %+v", r.Results[0])
	}
	if r := anna.Push("assignment.acknowledge", map[string]any{"assignment_id": a.AssignmentID, "move_to_my_persons": true}); r.Results[0].Status != "applied" {
		t.Fatalf("acknowledge: %+v", r.Results[0])
	}
	changes, _ := anna.Pull()
	got, ok := findChange(changes, "assignment", a.AssignmentID)
	if !ok {
		t.Fatal("anna does not have the assignment")
	}
	var seen assignments.Assignment
	json.Unmarshal(got.Data, &seen)
	if seen.Status != assignments.StatusDistributed || len(seen.Acknowledgments) != 1 || seen.Acknowledgments[0].UserID != demo.UserID("anna") {
		t.Fatalf("the assignment as anna sees it: %+v", seen)
	}
	stats := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/statistics?month="+month, david.Token, nil)
	if stats.Status != 200 || !json.Valid(stats.Body) {
		t.Fatalf("statistics for the manager: %d %s", stats.Status, stats.Body)
	}
	if res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/statistics?month="+month, anna.Token, nil); res.Status != 403 {
		t.Fatalf("statistics for care staff: %d", res.Status)
	}
	// The coordinator's follow-up lists: eva, Björken's coordinator, has her unit's, not Aspen's.
	eva := s.Login("eva")
	if res := s.Do("GET", "/api/v1/units/"+demo.BjorkenID+"/statistics?month="+month, eva.Token, nil); res.Status != 200 || !json.Valid(res.Body) {
		t.Fatalf("statistics for the unit's coordinator: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/statistics?month="+month, eva.Token, nil); res.Status != 403 {
		t.Fatalf("statistics for another unit's coordinator: %d", res.Status)
	}
}
