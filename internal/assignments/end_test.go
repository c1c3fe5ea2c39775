package assignments_test

import (
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/identity"
	"vardag/internal/uuids"
)

// TestTheProvidersEndStaysOverARedelivery: a measure ended by the provider keeps its end
// date and reason when the authority's system sends the same assignment again, and when
// it sends a later decision that does not end the measure itself; the feed record is
// written once.
func TestTheProvidersEndStaysOverARedelivery(t *testing.T) {
	e := newEngine(t)
	c := e.Client(uuids.New(), "aspen")
	d := delivery(e, "TRE-KEEP-1", c.ClientID, assignments.Measure{MeasureID: "m-1", Type: "meals", MinutesPerMonth: 60, Start: "2026-11-01"})
	a, _ := deliver(t, e, d)
	alma := e.Actor("alma", map[string]identity.Role{"aspen": identity.RoleCoordinator})
	if r := e.Push(alma, assignments.MutationEnd, map[string]any{"assignment_id": a.AssignmentID, "measure_id": "m-1", "ends_on": "2026-11-20", "end_reason": "moved"}); r.Status != "applied" {
		t.Fatalf("end: %+v", r)
	}
	for _, decided := range []time.Time{d.DecidedAt, e.Now().Add(-time.Minute)} {
		d.DecidedAt = decided
		got, _ := deliver(t, e, d)
		if m := got.Measures[0]; m.End != "2026-11-20" || m.EndReason != "moved" || len(got.Ends) != 1 {
			t.Fatalf("after a delivery decided %s: %+v, ends %+v", decided, m, got.Ends)
		}
	}
	var end assignments.End
	if !e.Record(assignments.KindEnd, assignments.EndID(a.AssignmentID, "m-1"), &end) || end.EndsOn != "2026-11-20" || end.EndedBy != "alma" {
		t.Fatalf("the feed's end: %+v", end)
	}
}
