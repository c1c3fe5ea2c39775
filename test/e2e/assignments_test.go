package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

func TestAssignmentFromTheAuthorityToTheCarer(t *testing.T) {
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

// TestAnAssignmentForAnotherUnitsClientIsRefused: the authority's system of one unit
// delivering an assignment for another unit's client (the outside test's finding), or to
// a unit of another municipality, is refused with client_not_in_unit; nothing shows in
// either unit's pull, and neither unit's statistics change.
func TestAnAssignmentForAnotherUnitsClientIsRefused(t *testing.T) {
	s := testserver.Start(t)
	soon := s.Clock.Now().Add(24 * time.Hour)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, soon)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, soon)
	// A unit of another municipality, where the system holds a grant by mistake.
	other := uuids.Named("municipality/grannby")
	for _, err := range []error{
		s.Identity.PutMunicipality(identity.Municipality{ID: other, Name: "Grannby kommun"}),
		s.Identity.PutProvider(identity.Provider{ID: uuids.Named("provider/grannby"), MunicipalityID: other, Name: "Grannby egen regi"}),
		s.Identity.PutUnit(identity.Unit{ID: uuids.Named("unit/ekbacken"), ProviderID: uuids.Named("provider/grannby"), Name: "Hemtjänst Ekbacken"}),
		s.Identity.PutGrant(identity.Grant{ID: "grant-myndighet-ekbacken", UserID: demo.UserID("myndighet"), UnitID: uuids.Named("unit/ekbacken"),
			Role: identity.RoleIntegration, ValidUntil: soon}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	authority, david, lisa := s.Login("myndighet"), s.Login("david"), s.Login("lisa")
	month := s.Clock.Now().UTC().Format("2006-01")
	stats := func(d *testserver.Device, unit string) string {
		res := s.Do("GET", "/api/v1/units/"+unit+"/statistics?month="+month, d.Token, nil)
		if res.Status != 200 {
			t.Fatalf("statistics: %d %s", res.Status, res.Body)
		}
		return string(res.Body)
	}
	david.Pull()
	lisa.Pull()
	aspenBefore, lonnenBefore := stats(david, demo.AspenID), stats(lisa, demo.LonnenID)
	britt := demo.ClientID(7) // a client of Lönnen
	deliver := func(authorityID, client, unit string) testserver.Response {
		return s.Do("POST", "/api/v1/integration/assignments", authority.Token, map[string]any{
			"authority_id": authorityID, "client_id": client, "unit_id": unit, "decided_at": s.Clock.Now().Add(-time.Hour),
			"measures": []map[string]any{{"measure_id": "m-1", "type": "personal_care", "minutes_per_month": 600, "start": month + "-01"}},
		})
	}
	for _, c := range []struct{ name, authorityID, client, unit string }{
		{"Lönnen's client, to Aspen", "TRE-2026-0500", britt, demo.AspenID},
		{"Björken's client (another provider), to Aspen", "TRE-2026-0501", demo.ClientID(9), demo.AspenID},
		{"a unit of another municipality", "TRE-2026-0502", uuids.New(), uuids.Named("unit/ekbacken")},
	} {
		if res := deliver(c.authorityID, c.client, c.unit); res.Status != 409 || res.ErrorCode() != "client_not_in_unit" {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	if res := deliver("TRE-2026-0503", britt, demo.LonnenID); res.Status != 403 || res.ErrorCode() != "forbidden" {
		t.Errorf("to Lönnen, where the system holds no grant: %d %s", res.Status, res.Body)
	}
	for _, d := range []*testserver.Device{david, lisa} {
		changes, _ := d.Pull()
		for _, c := range changes {
			if c.Kind == assignments.Kind {
				t.Errorf("%s received an assignment: %s", d.Username, c.Data)
			}
		}
	}
	if got := stats(david, demo.AspenID); got != aspenBefore {
		t.Errorf("Aspen's statistics changed:\n%s\n%s", aspenBefore, got)
	}
	if got := stats(lisa, demo.LonnenID); got != lonnenBefore {
		t.Errorf("Lönnen's statistics changed:\n%s\n%s", lonnenBefore, got)
	}
	// The unit's own client is received as before.
	if res := deliver("TRE-2026-0504", demo.ClientID(4), demo.AspenID); res.Status != 201 {
		t.Fatalf("Aspen's own client: %d %s", res.Status, res.Body)
	}
}
