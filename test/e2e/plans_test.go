package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/plans"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// Astrid's assignment in Aspen (demo client 1) and its one measure.
var (
	astridAssignment = assignments.ID("DEMO-ASPEN-1")
	astridMeasure    = uuids.Named("demo/measure/aspen/1")
)

// planDraft is a plan.save of a plan for Astrid's measure.
func planDraft(planID string, version int, what string) map[string]any {
	return map[string]any{"plan_id": planID, "client_id": demo.ClientID(1), "assignment_id": astridAssignment, "version": version,
		"parts": []map[string]any{{"part_id": uuids.Named("part/" + planID), "measure_id": astridMeasure,
			"what": what, "how": "Med rollator, i lugn takt", "when": "Morgon och kväll", "goal": "Klarar att duscha själv"}},
		"client_participation": "Astrid har själv berättat hur hon vill ha det"}
}

func establishArgs(planID string) map[string]any {
	return map[string]any{"plan_id": planID, "established_on": day(-2), "with_client": true}
}

// TestPlanMutationsByRole is the scenario table of the four plan mutations × roles × own
// unit, other unit, other provider and expired grant. Each row works on a plan of its own,
// made ready (drafted, established) by Aspen's manager before the row.
func TestPlanMutationsByRole(t *testing.T) {
	s, devices := authzWorld(t)
	draft := func() string {
		id := uuids.New()
		s.Apply("david", plans.MutationSave, planDraft(id, 1, "Hjälp med dusch"))
		return id
	}
	established := func() string {
		id := draft()
		s.Apply("david", plans.MutationEstablish, establishArgs(id))
		return id
	}
	staffAndManagers := map[identity.Role]string{
		identity.RoleCareStaff: "", identity.RoleCoordinator: "", identity.RoleUnitManager: "",
		identity.RoleLicensed: "forbidden", identity.RoleUnitRep: "forbidden",
	}
	managers := map[identity.Role]string{
		identity.RoleCareStaff: "forbidden", identity.RoleCoordinator: "", identity.RoleUnitManager: "",
		identity.RoleLicensed: "forbidden", identity.RoleUnitRep: "forbidden",
	}
	rows := rowsFor(plans.MutationSave, func() any { return planDraft(uuids.New(), 1, "Hjälp med dusch") }, staffAndManagers, "assignment_not_found")
	rows = append(rows, rowsFor(plans.MutationEstablish, func() any { return establishArgs(draft()) }, managers, "plan_not_found")...)
	rows = append(rows, rowsFor(plans.MutationFollowUp, func() any {
		return map[string]any{"plan_id": established(), "followed_up_on": day(-1), "outcome": "Fungerar väl", "next_follow_up_by": day(180)}
	}, managers, "plan_not_found")...)
	rows = append(rows, rowsFor(plans.MutationEnd, func() any { return map[string]any{"plan_id": established(), "ends_on": day(30)} },
		managers, "plan_not_found")...)
	// A changed draft of an established plan (the next version) is the drafters' too.
	rows = append(rows, rowsFor(plans.MutationSave, func() any { return planDraft(established(), 2, "Hjälp med dusch och påklädning") },
		staffAndManagers, "assignment_not_found")...)
	runScenarios(t, s, devices, rows)
}

// TestPlanVersionsStayLegible: a plan drafted on the phone, established, changed and
// established again keeps both versions; the first is unchanged byte for byte, and both
// reach the unit's phones (never another unit's).
func TestPlanVersionsStayLegible(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, s.Clock.Now().AddDate(0, 1, 0))
	anna, alma, farid := s.Login("anna"), s.Login("alma"), s.Login("farid")
	anna.Pull()
	farid.Pull()
	planID := uuids.New()
	push := func(d *testserver.Device, name string, args any, wantCode string) {
		t.Helper()
		r := d.Push(name, args).Results[0]
		code := ""
		if r.Error != nil {
			code = r.Error.Code
		}
		if wantCode == "" && r.Status != "applied" || wantCode != "" && code != wantCode {
			t.Fatalf("%s: %s %s, want %q", name, r.Status, code, wantCode)
		}
	}
	push(anna, plans.MutationSave, planDraft(planID, 1, "Hjälp med dusch"), "")
	push(alma, plans.MutationEstablish, map[string]any{"plan_id": planID, "version": 1, "established_on": day(-1), "with_client": true, "note": "Överenskommet med Astrid"}, "")
	first, ok := record(t, s, plans.KindVersion, plans.VersionID(planID, 1))
	if !ok {
		t.Fatal("version 1 is not stored")
	}
	firstData := bytes.Clone(first.Data)

	// Saving over the established version is refused; the next version is a new draft.
	push(anna, plans.MutationSave, planDraft(planID, 1, "Ändrat i smyg"), "plan_established")
	push(anna, plans.MutationSave, planDraft(planID, 3, "Hoppar över en version"), "plan_version_conflict")
	push(anna, plans.MutationSave, planDraft(planID, 2, "Hjälp med dusch och påklädning"), "")
	push(anna, plans.MutationSave, planDraft(planID, 2, "Hjälp med dusch, påklädning och frukost"), "")
	push(alma, plans.MutationEstablish, establishArgs(planID), "")
	push(alma, plans.MutationEstablish, establishArgs(planID), "plan_no_draft")

	again, _ := record(t, s, plans.KindVersion, plans.VersionID(planID, 1))
	if !bytes.Equal(again.Data, firstData) || again.Version != first.Version {
		t.Fatalf("version 1 changed:\n%s\n%s", firstData, again.Data)
	}
	var v1, v2 plans.Version
	rec2, _ := record(t, s, plans.KindVersion, plans.VersionID(planID, 2))
	mustUnmarshal(t, firstData, &v1)
	mustUnmarshal(t, rec2.Data, &v2)
	if v1.Status != plans.StatusEstablished || v1.Parts[0].What != "Hjälp med dusch" || v1.EstablishNote != "Överenskommet med Astrid" || v1.EstablishedBy != demo.UserID("alma") {
		t.Fatalf("version 1: %+v", v1)
	}
	if v2.Status != plans.StatusEstablished || v2.Parts[0].What != "Hjälp med dusch, påklädning och frukost" || v2.SavedBy != demo.UserID("anna") || v2.SavedRole != identity.RoleCareStaff {
		t.Fatalf("version 2: %+v", v2)
	}
	var p plans.Plan
	prec, _ := record(t, s, plans.KindPlan, planID)
	mustUnmarshal(t, prec.Data, &p)
	if p.Version != 2 || p.EstablishedVersion != 2 || p.Status != plans.StatusEstablished || p.UnitID != demo.AspenID {
		t.Fatalf("plan: %+v", p)
	}

	// Both versions reach Aspen's phones as they are stored; Björken's see none of it.
	changes, _ := anna.Pull()
	c1, ok1 := findChange(changes, plans.KindVersion, plans.VersionID(planID, 1))
	_, ok2 := findChange(changes, plans.KindVersion, plans.VersionID(planID, 2))
	if _, okp := findChange(changes, plans.KindPlan, planID); !ok1 || !ok2 || !okp {
		t.Fatalf("anna's phone lacks the plan or a version: %v %v", ok1, ok2)
	}
	if !bytes.Equal(c1.Data, firstData) {
		t.Fatalf("version 1 on the phone is not the stored one:\n%s", c1.Data)
	}
	fc, _ := farid.Pull()
	for _, c := range fc {
		if c.Kind == plans.KindPlan || c.Kind == plans.KindVersion {
			t.Fatalf("Björken's phone got %s %s", c.Kind, c.ID)
		}
	}

	// Followed up, then ended: after the end date is set the plan takes no more changes.
	push(alma, plans.MutationFollowUp, map[string]any{"plan_id": planID, "followed_up_on": day(0), "outcome": "Fungerar", "next_follow_up_by": day(90)}, "")
	push(alma, plans.MutationEnd, map[string]any{"plan_id": planID, "ends_on": day(30)}, "")
	push(anna, plans.MutationSave, planDraft(planID, 3, "Efter slutet"), "plan_ended")
	push(alma, plans.MutationFollowUp, map[string]any{"plan_id": planID, "followed_up_on": day(0), "outcome": "Igen"}, "plan_ended")
	prec, _ = record(t, s, plans.KindPlan, planID)
	mustUnmarshal(t, prec.Data, &p)
	if len(p.FollowUps) != 1 || p.FollowUps[0].Version != 2 || p.NextFollowUpBy != day(90) || p.EndsOn != day(30) {
		t.Fatalf("plan after follow-up and end: %+v", p)
	}
}

// TestPlanBadInputChangesNothing: each bad plan mutation gets its clear code, and the
// store holds exactly what it held before.
func TestPlanBadInputChangesNothing(t *testing.T) {
	s := testserver.Start(t)
	david := s.Login("david")
	planID, draftID, otherAssignment := uuids.New(), uuids.New(), assignments.ID("DEMO-ASPEN-2")
	s.Apply("david", plans.MutationSave, planDraft(planID, 1, "Hjälp med dusch"))
	s.Apply("david", plans.MutationEstablish, establishArgs(planID))
	s.Apply("david", plans.MutationSave, planDraft(draftID, 1, "Ett utkast"))
	withPart := func(part map[string]any) map[string]any {
		a := planDraft(uuids.New(), 1, "x")
		a["parts"] = []map[string]any{part}
		return a
	}
	wrongClient := planDraft(uuids.New(), 1, "x")
	wrongClient["client_id"] = demo.ClientID(2)
	otherAsg := planDraft(planID, 2, "x")
	otherAsg["assignment_id"], otherAsg["client_id"] = otherAssignment, demo.ClientID(2)
	otherAsg["parts"] = []map[string]any{{"part_id": uuids.New(), "measure_id": uuids.Named("demo/measure/aspen/2"), "what": "x"}}
	unknownField := planDraft(uuids.New(), 1, "x")
	unknownField["priority"] = "high"
	for _, bad := range []struct {
		name, mutation string
		args           map[string]any
		code           string
	}{
		{"a part for a measure not in the assignment", plans.MutationSave,
			withPart(map[string]any{"part_id": uuids.New(), "measure_id": uuids.Named("demo/measure/aspen/2"), "what": "Städning"}), "plan_measure_unknown"},
		{"a part without a measure", plans.MutationSave, withPart(map[string]any{"part_id": uuids.New(), "what": "Städning"}), "invalid_args"},
		{"a part without what", plans.MutationSave, withPart(map[string]any{"part_id": uuids.New(), "measure_id": astridMeasure, "what": " "}), "invalid_args"},
		{"no parts", plans.MutationSave, withPart(nil), "invalid_args"},
		{"an unknown field", plans.MutationSave, unknownField, "invalid_args"},
		{"an unknown field of a part", plans.MutationSave, withPart(map[string]any{"part_id": uuids.New(), "measure_id": astridMeasure, "what": "x", "who": "y"}), "invalid_args"},
		{"another client than the assignment's", plans.MutationSave, wrongClient, "invalid_args"},
		{"a new plan at version 2", plans.MutationSave, planDraft(uuids.New(), 2, "x"), "plan_version_conflict"},
		{"saving over the established version", plans.MutationSave, planDraft(planID, 1, "x"), "plan_established"},
		{"a plan id of another assignment", plans.MutationSave, otherAsg, "plan_exists"},
		{"an unknown assignment", plans.MutationSave, func() map[string]any {
			a := planDraft(uuids.New(), 1, "x")
			a["assignment_id"] = uuids.New()
			return a
		}(), "assignment_not_found"},
		{"establishing a plan that does not exist", plans.MutationEstablish, establishArgs(uuids.New()), "plan_not_found"},
		{"establishing an established plan", plans.MutationEstablish, establishArgs(planID), "plan_no_draft"},
		{"establishing another version than the draft", plans.MutationEstablish, map[string]any{"plan_id": draftID, "version": 2, "established_on": day(-2), "with_client": false}, "plan_version_conflict"},
		{"establishing in the future", plans.MutationEstablish, map[string]any{"plan_id": draftID, "established_on": day(5), "with_client": false}, "invalid_args"},
		{"establishing without with_client", plans.MutationEstablish, map[string]any{"plan_id": draftID, "established_on": day(-2)}, "invalid_args"},
		{"establishing on no date", plans.MutationEstablish, map[string]any{"plan_id": draftID, "established_on": "2026-13-01", "with_client": true}, "invalid_args"},
		{"following up a draft", plans.MutationFollowUp, map[string]any{"plan_id": draftID, "followed_up_on": day(-1), "outcome": "x"}, "plan_not_established"},
		{"a follow-up without outcome", plans.MutationFollowUp, map[string]any{"plan_id": planID, "followed_up_on": day(-1), "outcome": ""}, "invalid_args"},
		{"the next follow-up before this one", plans.MutationFollowUp, map[string]any{"plan_id": planID, "followed_up_on": day(-1), "outcome": "x", "next_follow_up_by": day(-2)}, "invalid_args"},
		{"ending on no date", plans.MutationEnd, map[string]any{"plan_id": planID, "ends_on": "31/12"}, "invalid_args"},
		{"ending a plan that does not exist", plans.MutationEnd, map[string]any{"plan_id": uuids.New(), "ends_on": day(30)}, "plan_not_found"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			before := planRecords(t, s)
			r := david.Push(bad.mutation, bad.args).Results[0]
			if r.Status != "rejected" || r.Error == nil || r.Error.Code != bad.code {
				t.Fatalf("%s: %s %+v, want rejected %s", bad.mutation, r.Status, r.Error, bad.code)
			}
			if after := planRecords(t, s); !equalRecords(before, after) {
				t.Fatalf("the store changed:\n%v\n%v", before, after)
			}
		})
	}
}

// planRecords are the plan records of the store by kind/id, with their version and data.
func planRecords(t *testing.T, s *testserver.Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		it := r.ScopeRefs(identity.UnitScope(demo.AspenID), 0)
		for ref, ok := it.Next(); ok; ref, ok = it.Next() {
			if ref.Kind != plans.KindPlan && ref.Kind != plans.KindVersion {
				continue
			}
			rec, found, err := r.Record(ref.Kind, ref.ID)
			if err != nil {
				return err
			}
			if found {
				out[ref.Kind+"/"+ref.ID] = string(rec.Data)
			}
		}
		return it.Err()
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalRecords(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// day is the date n days from today (UTC), as the plan mutations write dates.
func day(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format("2006-01-02") }

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

// TestPlanStatisticsMatchAHandCount: the unit's statistics count the plans established and
// followed up in each month as counted by hand from what was done.
func TestPlanStatisticsMatchAHandCount(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, s.Clock.Now().AddDate(0, 1, 0))
	alma := s.Login("alma")
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	lastMonth := thisMonth.AddDate(0, -1, 0)
	on := func(m time.Time, d int) string { return m.AddDate(0, 0, d-1).Format("2006-01-02") }
	draftFor := func(client int, planID string, version int) map[string]any {
		a := planDraft(planID, version, "Hjälp")
		a["client_id"], a["assignment_id"] = demo.ClientID(client), assignments.ID(fmt.Sprint("DEMO-ASPEN-", client))
		a["parts"] = []map[string]any{{"part_id": uuids.New(), "measure_id": uuids.Named(fmt.Sprint("demo/measure/aspen/", client)), "what": "Hjälp"}}
		return a
	}
	establish := func(planID, date string) {
		s.Apply("alma", plans.MutationEstablish, map[string]any{"plan_id": planID, "established_on": date, "with_client": true})
	}
	followUp := func(planID, date string) {
		s.Apply("alma", plans.MutationFollowUp, map[string]any{"plan_id": planID, "followed_up_on": date, "outcome": "Uppföljd"})
	}
	a, b, c, d := uuids.New(), uuids.New(), uuids.New(), uuids.New()
	// A: established and followed up twice this month.
	s.Apply("anna", plans.MutationSave, draftFor(1, a, 1))
	establish(a, on(thisMonth, 1))
	followUp(a, on(thisMonth, 1))
	followUp(a, on(thisMonth, 1))
	// B: established and followed up last month, its second version established this month.
	s.Apply("anna", plans.MutationSave, draftFor(2, b, 1))
	establish(b, on(lastMonth, 2))
	followUp(b, on(lastMonth, 3))
	s.Apply("anna", plans.MutationSave, draftFor(2, b, 2))
	establish(b, on(thisMonth, 1))
	// C: a draft only. D: established last month, then ended.
	s.Apply("anna", plans.MutationSave, draftFor(3, c, 1))
	s.Apply("anna", plans.MutationSave, draftFor(1, d, 1))
	establish(d, on(lastMonth, 1))
	s.Apply("alma", plans.MutationEnd, map[string]any{"plan_id": d, "ends_on": on(thisMonth, 28)})

	for _, want := range []struct {
		month                   time.Time
		established, followedUp int
	}{{thisMonth, 2, 1}, {lastMonth, 2, 1}, {lastMonth.AddDate(0, -1, 0), 0, 0}} {
		res := s.Do("GET", "/api/v1/units/"+demo.AspenID+"/statistics?month="+want.month.Format("2006-01"), alma.Token, nil)
		if res.Status != 200 {
			t.Fatalf("statistics: %d %s", res.Status, res.Body)
		}
		var got assignments.Statistics
		mustUnmarshal(t, res.Body, &got)
		if got.Plans.Established != want.established || got.Plans.FollowedUp != want.followedUp {
			t.Errorf("%s: %+v, want %d established and %d followed up", want.month.Format("2006-01"), got.Plans, want.established, want.followedUp)
		}
	}
	// Björken's statistics count none of Aspen's plans.
	eva := s.Login("eva")
	res := s.Do("GET", "/api/v1/units/"+demo.BjorkenID+"/statistics?month="+thisMonth.Format("2006-01"), eva.Token, nil)
	var bj assignments.Statistics
	mustUnmarshal(t, res.Body, &bj)
	if res.Status != 200 || bj.Plans != (assignments.PlanCounts{}) {
		t.Fatalf("Björken: %d %s", res.Status, res.Body)
	}
}

// TestPlanEstablishingNeedsTraining: establishing, following up and ending a plan are
// functions of trained roles (training_required until the training is recorded);
// drafting is not.
func TestPlanEstablishingNeedsTraining(t *testing.T) {
	s := testserver.Start(t)
	for _, who := range []struct {
		name string
		role identity.Role
	}{{"olle", identity.RoleCoordinator}, {"ulla", identity.RoleCareStaff}} {
		id := s.AddUser(who.name, demo.AspenID, who.role, s.Clock.Now().AddDate(0, 6, 0))
		if _, err := s.Identity.ModifyUser(id, func(u *identity.User) error {
			u.TrainedAt, u.TrainedBy = time.Time{}, ""
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	olle, ulla := s.Login("olle"), s.Login("ulla")
	planID := uuids.New()
	if r := ulla.Push(plans.MutationSave, planDraft(planID, 1, "Hjälp med dusch")).Results[0]; r.Status != "applied" {
		t.Fatalf("an untrained care worker's draft: %s %+v", r.Status, r.Error)
	}
	for name, args := range map[string]map[string]any{
		plans.MutationEstablish: establishArgs(planID),
		plans.MutationFollowUp:  {"plan_id": planID, "followed_up_on": day(0), "outcome": "x"},
		plans.MutationEnd:       {"plan_id": planID, "ends_on": day(30)},
	} {
		if r := olle.Push(name, args).Results[0]; r.Status != "rejected" || r.Error == nil || r.Error.Code != "training_required" {
			t.Errorf("%s by an untrained coordinator: %s %+v", name, r.Status, r.Error)
		}
	}
	if rec, _ := record(t, s, plans.KindPlan, planID); !bytes.Contains(rec.Data, []byte(`"status":"draft"`)) {
		t.Fatalf("the plan changed: %s", rec.Data)
	}
}
