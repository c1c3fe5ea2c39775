package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// endWorld is the authorization table's world with the authority's integration account
// of Aspen, and a way to deliver a fresh assignment for an Aspen client: each returns the
// assignment's id and its measure's id.
func endWorld(t *testing.T) (*testserver.Server, map[string]*testserver.Device, func() (string, string)) {
	s, devices := authzWorld(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	devices["myndighet"] = s.Login("myndighet")
	month := s.Clock.Now().UTC().Format("2006-01")
	n := 0
	deliver := func() (string, string) {
		n++
		measure := fmt.Sprintf("END-M-%d", n)
		res := s.Do("POST", "/api/v1/integration/assignments", devices["myndighet"].Token, map[string]any{
			"authority_id": fmt.Sprintf("TRE-END-%d", n), "client_id": demo.ClientID(2), "unit_id": demo.AspenID, "decided_at": s.Clock.Now().Add(-time.Hour),
			"measures": []map[string]any{{"measure_id": measure, "type": "cleaning", "minutes_per_month": 120, "start": month + "-01"}},
		})
		if res.Status != 201 {
			t.Fatalf("delivery: %d %s", res.Status, res.Body)
		}
		var a assignments.Assignment
		res.JSON(t, &a)
		return a.AssignmentID, measure
	}
	return s, devices, deliver
}

// TestAuthorizationAssignmentEnd: a measure is ended by the coordinator or manager of the
// assignment's unit; the unit's other staff are refused; to everyone else the assignment
// does not exist.
func TestAuthorizationAssignmentEnd(t *testing.T) {
	s, devices, deliver := endWorld(t)
	today := s.Clock.Now().UTC().Format("2006-01-02")
	end := func() any { // each row ends a measure of its own
		a, m := deliver()
		return map[string]any{"assignment_id": a, "measure_id": m, "ends_on": today, "end_reason": "no_longer_needed"}
	}
	runScenarios(t, s, devices, rowsEach("assignment.end", end, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "assignment_not_found"
		case in(r, identity.RoleCoordinator, identity.RoleUnitManager):
			return ""
		}
		return "forbidden"
	}))
}

// TestAnEndedMeasureReachesTheAuthorityOnce: the coordinator ends a measure; the
// integration account's own pull feed carries the end once, and nothing of the unit's
// care records; ending it again changes nothing. Bad input is refused with its code and
// changes nothing.
func TestAnEndedMeasureReachesTheAuthorityOnce(t *testing.T) {
	s, devices, deliver := endWorld(t)
	alma, authority := devices["alma"], devices["myndighet"]
	now := s.Clock.Now().UTC()
	today := now.Format("2006-01-02")
	authority.Pull() // whatever came before
	a, m := deliver()
	before := s.Head()
	for _, c := range []struct {
		name string
		args map[string]any
		code string
	}{
		{"an end reason not on the list", map[string]any{"assignment_id": a, "measure_id": m, "ends_on": today, "end_reason": "bored"}, "end_reason_unknown"},
		{"an end date before the start", map[string]any{"assignment_id": a, "measure_id": m, "ends_on": now.AddDate(0, -2, 0).Format("2006-01-02"), "end_reason": "moved"}, "end_before_start"},
		{"no such measure", map[string]any{"assignment_id": a, "measure_id": "NOPE", "ends_on": today, "end_reason": "moved"}, "measure_not_found"},
		{"not a date", map[string]any{"assignment_id": a, "measure_id": m, "ends_on": "31/12", "end_reason": "moved"}, "invalid_args"},
	} {
		r := alma.Push("assignment.end", c.args).Results[0]
		if r.Status != "rejected" || r.Error == nil || r.Error.Code != c.code {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
	if s.Head() != before {
		t.Fatalf("refused ends changed the log: %d → %d", before, s.Head())
	}
	args := map[string]any{"assignment_id": a, "measure_id": m, "ends_on": today, "end_reason": "deceased"}
	if r := alma.Push("assignment.end", args).Results[0]; r.Status != "applied" {
		t.Fatalf("end: %+v", r)
	}
	changes, _ := authority.Pull()
	var ends []assignments.End
	for _, c := range changes {
		if c.Kind != assignments.KindEnd {
			t.Errorf("the integration account received a %s", c.Kind)
			continue
		}
		var e assignments.End
		if err := json.Unmarshal(c.Data, &e); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, e)
	}
	if len(ends) != 1 || ends[0].AssignmentID != a || ends[0].MeasureID != m || ends[0].EndsOn != today || ends[0].EndReason != "deceased" ||
		ends[0].EndedBy != demo.UserID("alma") || ends[0].AuthorityID == "" {
		t.Fatalf("the feed's ends: %+v", ends)
	}
	// The same end again, and a later pull: nothing new.
	if r := alma.Push("assignment.end", args).Results[0]; r.Status != "applied" {
		t.Fatalf("the same end again: %+v", r)
	}
	if changes, _ := authority.Pull(); len(changes) != 0 {
		t.Fatalf("the feed again: %+v", changes)
	}
	// Another date for an ended measure is refused.
	other := map[string]any{"assignment_id": a, "measure_id": m, "ends_on": today, "end_reason": "moved"}
	if r := alma.Push("assignment.end", other).Results[0]; r.Status != "rejected" || r.Error.Code != "measure_ended" {
		t.Fatalf("ending again otherwise: %+v", r)
	}
	// The unit's staff see the measure ended; the authority's unchanged redelivery keeps it.
	changes, _ = devices["david"].Pull()
	got, ok := findChange(changes, assignments.Kind, a)
	if !ok {
		t.Fatal("david does not have the assignment")
	}
	var seen assignments.Assignment
	json.Unmarshal(got.Data, &seen)
	if len(seen.Measures) != 1 || seen.Measures[0].End != today || seen.Measures[0].EndReason != "deceased" {
		t.Fatalf("the measure as david sees it: %+v", seen.Measures)
	}
}
