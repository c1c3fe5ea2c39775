package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
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

// TestAClientWithNothingLeftIsToEnd: a client moves to "Ej aktuella – att avsluta" when
// the last measure running in the unit ends, not before; closing the journal takes them
// off. The list is for the unit's coordinators and managers alone.
func TestAClientWithNothingLeftIsToEnd(t *testing.T) {
	s, devices, _ := endWorld(t)
	alma, david := devices["alma"], devices["david"]
	today := s.Clock.Now().UTC().Format("2006-01-02")
	month := s.Clock.Now().UTC().Format("2006-01")
	client := demo.ClientID(4) // an Aspen client with no assignment yet
	deliver := func(id string, measures ...string) string {
		var ms []map[string]any
		for _, m := range measures {
			ms = append(ms, map[string]any{"measure_id": m, "type": "meals", "minutes_per_month": 60, "start": month + "-01"})
		}
		res := s.Do("POST", "/api/v1/integration/assignments", devices["myndighet"].Token, map[string]any{
			"authority_id": id, "client_id": client, "unit_id": demo.AspenID, "decided_at": s.Clock.Now().Add(-time.Hour), "measures": ms})
		if res.Status != 201 {
			t.Fatalf("delivery: %d %s", res.Status, res.Body)
		}
		var a assignments.Assignment
		res.JSON(t, &a)
		return a.AssignmentID
	}
	first, second := deliver("TRE-LIST-1", "L-1", "L-2"), deliver("TRE-LIST-2", "L-3")
	listed := func() []assignments.ToEnd {
		res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/ending", david.Token, nil)
		if res.Status != 200 {
			t.Fatalf("the list: %d %s", res.Status, res.Body)
		}
		var body struct {
			Clients []assignments.ToEnd `json:"clients"`
		}
		res.JSON(t, &body)
		var mine []assignments.ToEnd
		for _, c := range body.Clients {
			if c.ClientID == client {
				mine = append(mine, c)
			}
		}
		return mine
	}
	end := func(a, m string) {
		t.Helper()
		if r := alma.Push("assignment.end", map[string]any{"assignment_id": a, "measure_id": m, "ends_on": today, "end_reason": "moved"}).Results[0]; r.Status != "applied" {
			t.Fatalf("end %s: %+v", m, r)
		}
	}
	end(first, "L-1")
	if got := listed(); len(got) != 0 {
		t.Fatalf("listed with two measures running: %+v", got)
	}
	// Without measure_id, every measure still running of the assignment ends.
	if r := alma.Push("assignment.end", map[string]any{"assignment_id": first, "ends_on": today, "end_reason": "moved"}).Results[0]; r.Status != "applied" {
		t.Fatalf("end the rest: %+v", r)
	}
	if got := listed(); len(got) != 0 {
		t.Fatalf("listed with another assignment's measure running: %+v", got)
	}
	end(second, "L-3")
	got := listed()
	if len(got) != 1 || got[0].EndedOn != today || got[0].Name == "" {
		t.Fatalf("the client with nothing left: %+v", got)
	}
	for _, who := range []string{"anna", "cecilia", "arvid", "lisa", "eva", "xdavid"} {
		if res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/ending", devices[who].Token, nil); res.Status != 403 {
			t.Errorf("%s reads the list: %d", who, res.Status)
		}
	}
	if res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/ending", alma.Token, nil); res.Status != 200 {
		t.Errorf("the coordinator reads the list: %d", res.Status)
	}
	// Closing the client at the unit: the journal is closed, and the client leaves the list.
	if r := alma.Push("journal.close", map[string]any{"journal_id": journal.JournalID(client), "client_id": client}).Results[0]; r.Status != "applied" {
		t.Fatalf("close: %+v", r)
	}
	if got := listed(); len(got) != 0 {
		t.Fatalf("listed after closing: %+v", got)
	}
}
