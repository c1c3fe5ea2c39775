package assignments_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/caretest"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

var (
	groupA   = uuids.Named("unit/aspen/grupp-a")
	groupLon = uuids.Named("unit/lonnen/grupp-1")
)

// subunitOf is the organisation of the tests: grupp A under Aspen, grupp 1 under Lönnen.
func subunitOf(sub, unit string) bool {
	return (sub == groupA && unit == "aspen") || (sub == groupLon && unit == "lonnen")
}

func newEngine(t *testing.T) *caretest.Engine {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), assignments.Handlers(subunitOf))
	e.Unit("aspen", "egen")
	e.Unit("lonnen", "egen")
	return e
}

func delivery(e *caretest.Engine, authorityID, clientID string, measures ...assignments.Measure) assignments.Delivery {
	return assignments.Delivery{AuthorityID: authorityID, ClientID: clientID, UnitID: "aspen", Measures: measures,
		DecidedAt: e.Now().Add(-48 * time.Hour)}
}

func deliver(t *testing.T, e *caretest.Engine, d assignments.Delivery) (assignments.Assignment, bool) {
	t.Helper()
	a, created, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now())
	if err != nil {
		t.Fatalf("deliver %s: %v", d.AuthorityID, err)
	}
	return a, created
}

// version is the log sequence of an assignment's current version.
func version(t *testing.T, e *caretest.Engine, id string) uint64 {
	t.Helper()
	var v uint64
	if err := e.View(func(r syncengine.ReadTx) error {
		rec, ok, err := r.Record(assignments.Kind, id)
		if !ok && err == nil {
			t.Fatalf("assignment %s not stored", id)
		}
		v = rec.Version
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func rejection(t *testing.T, err error) *syncengine.Rejection {
	t.Helper()
	var rej *syncengine.Rejection
	if !errors.As(err, &rej) {
		t.Fatalf("want a rejection, got %v", err)
	}
	return rej
}

func TestDeliveryIsIdempotentAndChangesMakeVersions(t *testing.T) {
	e := newEngine(t)
	client := uuids.New()
	care := assignments.Measure{MeasureID: "I-1", Type: "personal_care", MinutesPerMonth: 600, Start: "2026-11-25"}
	d := delivery(e, "BIST-2026-0042", client, care)

	a, created := deliver(t, e, d)
	if !created || a.AssignmentID != uuids.Named("assignment/BIST-2026-0042") || a.Status != assignments.StatusNew {
		t.Fatalf("first delivery: created=%v %+v", created, a)
	}
	v1 := version(t, e, a.AssignmentID)

	e.Advance(time.Minute)
	again, created := deliver(t, e, d)
	if created || version(t, e, a.AssignmentID) != v1 || !again.ReceivedAt.Equal(a.ReceivedAt) {
		t.Fatalf("the same delivery again made a change: created=%v version %d→%d", created, v1, version(t, e, a.AssignmentID))
	}

	// A new measure is a new version of the same record.
	meals := assignments.Measure{MeasureID: "I-2", Type: "meals", MinutesPerMonth: 300, Start: "2026-12-01"}
	d.Measures = []assignments.Measure{meals, care}
	changed, created := deliver(t, e, d)
	v2 := version(t, e, a.AssignmentID)
	if created || v2 <= v1 || len(changed.Measures) != 2 || !changed.ReceivedAt.Equal(a.ReceivedAt) {
		t.Fatalf("changed delivery: created=%v v%d→v%d %+v", created, v1, v2, changed)
	}
	// The same content in another order is the same delivery.
	d.Measures = []assignments.Measure{care, meals}
	if _, created := deliver(t, e, d); created || version(t, e, a.AssignmentID) != v2 {
		t.Fatal("the same measures in another order made a new version")
	}

	// Ending a measure: an end date and a reason.
	care.End, care.EndReason = "2026-12-31", "hospital"
	d.Measures = []assignments.Measure{care, meals}
	ended, _ := deliver(t, e, d)
	if version(t, e, a.AssignmentID) <= v2 || ended.Measures[0].End != "2026-12-31" || ended.Measures[0].EndReason != "hospital" {
		t.Fatalf("ending a measure: %+v", ended.Measures)
	}
	var stored assignments.Assignment
	e.Record(assignments.Kind, a.AssignmentID, &stored)
	if len(stored.Measures) != 2 || stored.Measures[0].EndReason != "hospital" {
		t.Fatalf("stored: %+v", stored)
	}

	// A measure left out is refused: it is ended, never removed.
	d.Measures = []assignments.Measure{meals}
	_, _, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now())
	if rej := rejection(t, err); rej.Code != "invalid_args" || rej.Fields["measures"] == "" {
		t.Fatalf("removed measure: %+v", rej)
	}
	// An older decision after a newer one is refused.
	d.Measures = []assignments.Measure{care, meals}
	d.DecidedAt = d.DecidedAt.Add(-time.Hour)
	d.Measures[1].MinutesPerMonth = 10
	if _, _, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now()); rejection(t, err).Code != "assignment_outdated" {
		t.Fatalf("outdated: %v", err)
	}
	// The same authority id delivered to another unit is refused.
	d = delivery(e, "BIST-2026-0042", client, care, meals)
	d.UnitID = "lonnen"
	if _, _, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now()); rejection(t, err).Code != "assignment_unit_changed" {
		t.Fatalf("other unit: %v", err)
	}
}

func TestDeliveryValidation(t *testing.T) {
	e := newEngine(t)
	d := assignments.Delivery{AuthorityID: " ", ClientID: "not-a-uuid", UnitID: "", DecidedAt: e.Now().Add(time.Hour),
		Measures: []assignments.Measure{
			{MeasureID: "I-1", Type: "Personlig omvårdnad", MinutesPerMonth: -1, Start: "2026-13-01"},
			{MeasureID: "I-1", Type: "meals", Start: "2026-11-01", End: "2026-10-01", EndReason: "bored"},
			{MeasureID: "I-3", Type: "meals", Start: "2026-11-01", EndReason: "moved"},
		}}
	_, _, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now())
	rej := rejection(t, err)
	for _, f := range []string{"authority_id", "client_id", "unit_id", "decided_at", "measures[0].type", "measures[0].minutes_per_month",
		"measures[0].start", "measures[1].measure_id", "measures[1].end", "measures[1].end_reason", "measures[2].end_reason"} {
		if rej.Fields[f] == "" {
			t.Errorf("no field error for %s: %v", f, rej.Fields)
		}
	}
	if e.Record(assignments.Kind, assignments.ID(" "), nil) {
		t.Fatal("an invalid delivery was stored")
	}
	if _, err := assignments.DecodeDelivery([]byte(`{"authority_id":"x","priority":1}`)); rejection(t, err).Fields["priority"] == "" {
		t.Fatalf("unknown field: %v", err)
	}
}

// TestADeliveryForAnotherUnitsClientIsRefused: an assignment for a client of another unit
// is refused (client_not_in_unit) and nothing is stored; for a client of the unit it is
// received, and a client whose data has not arrived yet does not stand in the way.
func TestADeliveryForAnotherUnitsClientIsRefused(t *testing.T) {
	e := newEngine(t)
	care := assignments.Measure{MeasureID: "I-1", Type: "personal_care", MinutesPerMonth: 600, Start: "2026-11-25"}
	lonnens := e.Client(uuids.New(), "lonnen")
	_, _, err := assignments.Deliver(context.Background(), e.Engine, delivery(e, "BIST-2026-0100", lonnens.ClientID, care), e.Now())
	if rej := rejection(t, err); rej.Code != "client_not_in_unit" {
		t.Fatalf("another unit's client: %+v", rej)
	}
	if e.Record(assignments.Kind, assignments.ID("BIST-2026-0100"), nil) {
		t.Fatal("the refused assignment was stored")
	}
	aspens := e.Client(uuids.New(), "aspen")
	if _, created := deliver(t, e, delivery(e, "BIST-2026-0101", aspens.ClientID, care)); !created {
		t.Fatal("the unit's own client's assignment was not received")
	}
	// A changed delivery of a received assignment is checked the same way.
	d := delivery(e, "BIST-2026-0102", uuids.New(), care)
	deliver(t, e, d)
	e.Client(d.ClientID, "lonnen") // the client's data arrives, for another unit
	d.DecidedAt = d.DecidedAt.Add(time.Hour)
	if _, _, err := assignments.Deliver(context.Background(), e.Engine, d, e.Now()); rejection(t, err).Code != "client_not_in_unit" {
		t.Fatalf("a new version for another unit's client: %v", err)
	}
}

func TestDistribute(t *testing.T) {
	e := newEngine(t)
	a, _ := deliver(t, e, delivery(e, "B-1", uuids.New(), assignments.Measure{MeasureID: "I-1", Type: "cleaning", MinutesPerMonth: 120, Start: "2026-11-01"}))
	coordinator := e.Actor("cia", map[string]identity.Role{"aspen": identity.RoleCoordinator})
	staff := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	otherCoordinator := e.Actor("olle", map[string]identity.Role{"lonnen": identity.RoleCoordinator})

	args := map[string]any{"assignment_id": a.AssignmentID, "subunit_id": groupA}
	if r := e.Push(staff, assignments.MutationDistribute, args); r.Status != syncengine.StatusRejected || r.Error.Code != "forbidden" {
		t.Fatalf("care staff: %+v", r)
	}
	if r := e.Push(otherCoordinator, assignments.MutationDistribute, map[string]any{"assignment_id": a.AssignmentID, "subunit_id": groupLon}); r.Status != syncengine.StatusRejected || r.Error.Code != "assignment_not_found" {
		t.Fatalf("another unit's coordinator: %+v", r)
	}
	if r := e.Push(coordinator, assignments.MutationDistribute, map[string]any{"assignment_id": a.AssignmentID, "subunit_id": groupLon}); r.Status != syncengine.StatusRejected || r.Error.Fields["subunit_id"] == "" {
		t.Fatalf("a group of another unit: %+v", r)
	}
	var got assignments.Assignment
	e.Record(assignments.Kind, a.AssignmentID, &got)
	if got.Status != assignments.StatusNew || got.SubUnitID != "" {
		t.Fatalf("refused distributions changed the assignment: %+v", got)
	}

	if r := e.Push(coordinator, assignments.MutationDistribute, args); r.Status != syncengine.StatusApplied {
		t.Fatalf("coordinator: %+v", r)
	}
	e.Record(assignments.Kind, a.AssignmentID, &got)
	if got.Status != assignments.StatusDistributed || got.SubUnitID != groupA || got.Distribution == nil ||
		got.Distribution.UserID != "cia" || got.Distribution.Role != identity.RoleCoordinator {
		t.Fatalf("distributed: %+v", got)
	}
	// The unit's staff receive it; another unit's do not.
	if !pulled(e, staff, a.AssignmentID) || pulled(e, otherCoordinator, a.AssignmentID) {
		t.Fatal("the assignment is not visible to exactly the unit's staff")
	}
	if r := e.Push(coordinator, assignments.MutationDistribute, map[string]any{"assignment_id": a.AssignmentID, "subunit_id": "x"}); r.Error == nil || r.Error.Code != "invalid_args" {
		t.Fatalf("subunit not a UUID: %+v", r)
	}
}

func pulled(e *caretest.Engine, a syncengine.Actor, id string) bool {
	for _, c := range e.Pull(a) {
		if c.Kind == assignments.Kind && c.ID == id {
			return true
		}
	}
	return false
}

func TestAcknowledgeTwiceIsHarmless(t *testing.T) {
	e := newEngine(t)
	a, _ := deliver(t, e, delivery(e, "B-2", uuids.New(), assignments.Measure{MeasureID: "I-1", Type: "meals", MinutesPerMonth: 300, Start: "2026-11-01"}))
	staff := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	coordinator := e.Actor("cia", map[string]identity.Role{"aspen": identity.RoleCoordinator})
	nurse := e.Actor("sara", map[string]identity.Role{"aspen": identity.RoleLicensed})
	ack := map[string]any{"assignment_id": a.AssignmentID, "move_to_my_persons": true}

	if r := e.Push(staff, assignments.MutationAcknowledge, ack); r.Error == nil || r.Error.Code != "assignment_not_distributed" {
		t.Fatalf("before distribution: %+v", r)
	}
	if r := e.Push(coordinator, assignments.MutationDistribute, map[string]any{"assignment_id": a.AssignmentID, "subunit_id": groupA}); r.Status != syncengine.StatusApplied {
		t.Fatalf("distribute: %+v", r)
	}
	if r := e.Push(nurse, assignments.MutationAcknowledge, ack); r.Error == nil || r.Error.Code != "forbidden" {
		t.Fatalf("licensed staff: %+v", r)
	}
	if r := e.Push(staff, assignments.MutationAcknowledge, ack); r.Status != syncengine.StatusApplied {
		t.Fatalf("first acknowledgment: %+v", r)
	}
	first := e.Now()
	v := version(t, e, a.AssignmentID)
	e.Advance(time.Hour)
	if r := e.Push(staff, assignments.MutationAcknowledge, ack); r.Status != syncengine.StatusApplied || version(t, e, a.AssignmentID) != v {
		t.Fatalf("second acknowledgment: %+v, version %d→%d", r, v, version(t, e, a.AssignmentID))
	}
	ack["move_to_my_persons"] = false
	if r := e.Push(staff, assignments.MutationAcknowledge, ack); r.Status != syncengine.StatusApplied {
		t.Fatalf("changing my persons: %+v", r)
	}
	var got assignments.Assignment
	e.Record(assignments.Kind, a.AssignmentID, &got)
	if len(got.Acknowledgments) != 1 {
		t.Fatalf("want one acknowledgment, got %+v", got.Acknowledgments)
	}
	k := got.Acknowledgments[0]
	if k.UserID != "anna" || k.Role != identity.RoleCareStaff || !k.At.Equal(first) || k.MyPersons {
		t.Fatalf("acknowledgment: %+v", k)
	}
	if r := e.Push(coordinator, assignments.MutationAcknowledge, ack); r.Status != syncengine.StatusApplied {
		t.Fatalf("coordinator: %+v", r)
	}
	e.Record(assignments.Kind, a.AssignmentID, &got)
	if len(got.Acknowledgments) != 2 {
		t.Fatalf("want two acknowledgments, got %+v", got.Acknowledgments)
	}
}

func TestMonthlyStatistics(t *testing.T) {
	e := newEngine(t)
	type person struct {
		sex   string
		birth time.Time
	}
	c := map[string]string{}
	for _, n := range []string{"c1", "c2", "c3", "c4", "c5", "c6"} {
		c[n] = uuids.Named("client/" + n)
	}
	people := map[string]person{
		c["c1"]: {"female", time.Date(1940, 3, 10, 0, 0, 0, 0, time.UTC)},  // 86 on 30 Nov 2026: 80-89
		c["c2"]: {"male", time.Date(1936, 12, 15, 0, 0, 0, 0, time.UTC)},   // 89, turns 90 in December: 80-89
		c["c3"]: {"female", time.Date(1936, 11, 30, 0, 0, 0, 0, time.UTC)}, // turns 90 on the last day: 90+
		c["c4"]: {"male", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC)},     // 56: 0-64
		// c5 is unknown to the register
		c["c6"]: {"female", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}, // 76: 65-79
	}
	ages := func(id string) (string, time.Time, bool) {
		p, ok := people[id]
		return p.sex, p.birth, ok
	}
	m := func(id, typ, start, end, reason string) assignments.Measure {
		return assignments.Measure{MeasureID: id, Type: typ, MinutesPerMonth: 60, Start: start, End: end, EndReason: reason}
	}
	// A1 first arrives with one measure, then with a second: only the latest version counts.
	deliver(t, e, delivery(e, "A1", c["c1"], m("1", "personal_care", "2026-11-05", "", "")))
	deliver(t, e, delivery(e, "A1", c["c1"], m("1", "personal_care", "2026-11-05", "", ""), m("2", "meals", "2025-01-01", "", "")))
	deliver(t, e, delivery(e, "A2", c["c2"], m("1", "cleaning", "2024-06-01", "2026-11-15", "deceased"), m("2", "personal_care", "2026-10-01", "2026-11-15", "deceased")))
	deliver(t, e, delivery(e, "A3", c["c3"], m("1", "safety_alarm", "2026-12-01", "", ""), m("2", "personal_care", "2026-11-30", "", "")))
	deliver(t, e, delivery(e, "A4", c["c4"], m("1", "shopping", "2025-02-01", "2026-10-31", "no_longer_needed"), m("2", "escort", "2026-11-01", "2026-11-01", "")))
	deliver(t, e, delivery(e, "A5", c["c5"], m("1", "meals", "2026-09-01", "2026-11-30", "moved")))
	deliver(t, e, delivery(e, "A6", c["c6"], m("1", "cleaning", "2026-11-01", "2026-12-31", ""), m("2", "meals", "2026-12-01", "", "")))
	other := delivery(e, "L1", c["c1"], m("1", "personal_care", "2026-11-01", "", ""))
	other.UnitID = "lonnen"
	deliver(t, e, other)

	var st assignments.Statistics
	if err := e.View(func(r syncengine.ReadTx) error {
		var err error
		st, err = assignments.MonthlyStatistics(r, "aspen", time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), ages)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// Counted by hand from the deliveries above.
	type sa = map[string]map[string]int
	count := func(bySexAge sa) assignments.Count {
		n := 0
		for _, bands := range bySexAge {
			for _, k := range bands {
				n += k
			}
		}
		if n == 0 {
			return assignments.Count{}
		}
		return assignments.Count{Total: n, BySexAge: bySexAge}
	}
	want := assignments.Statistics{
		UnitID:  "aspen",
		Month:   "2026-11",
		Persons: count(sa{"female": {"80-89": 1, "90+": 1, "65-79": 1}, "male": {"80-89": 1, "0-64": 1}, "unknown": {"unknown": 1}}),
		ByType: map[string]*assignments.TypeStats{
			"personal_care": { // A1 new, A2 ongoing and ended, A3 new on the last day
				New:        count(sa{"female": {"80-89": 1, "90+": 1}}),
				Ongoing:    count(sa{"female": {"80-89": 1, "90+": 1}, "male": {"80-89": 1}}),
				Ended:      count(sa{"male": {"80-89": 1}}),
				EndReasons: map[string]int{"deceased": 1},
			},
			"meals": { // A1 since 2025, A5 ended (moved); A6's starts in December
				New:        count(nil),
				Ongoing:    count(sa{"female": {"80-89": 1}, "unknown": {"unknown": 1}}),
				Ended:      count(sa{"unknown": {"unknown": 1}}),
				EndReasons: map[string]int{"moved": 1},
			},
			"cleaning": { // A2 ended (deceased), A6 new, ends in December
				New:        count(sa{"female": {"65-79": 1}}),
				Ongoing:    count(sa{"male": {"80-89": 1}, "female": {"65-79": 1}}),
				Ended:      count(sa{"male": {"80-89": 1}}),
				EndReasons: map[string]int{"deceased": 1},
			},
			"escort": { // A4: one day, no reason given
				New:        count(sa{"male": {"0-64": 1}}),
				Ongoing:    count(sa{"male": {"0-64": 1}}),
				Ended:      count(sa{"male": {"0-64": 1}}),
				EndReasons: map[string]int{"unspecified": 1},
			},
			// shopping ended in October and safety_alarm starts in December: not in November.
		},
	}
	if st.Persons.Total != 6 || st.ByType["personal_care"] == nil || st.ByType["personal_care"].Ongoing.Total != 3 {
		t.Fatalf("totals: persons %d, %+v", st.Persons.Total, st.ByType["personal_care"])
	}
	if !reflect.DeepEqual(st, want) {
		for typ, ts := range st.ByType {
			t.Logf("%s: %+v", typ, *ts)
		}
		t.Fatalf("statistics:\n got %+v\nwant %+v", st, want)
	}
}
