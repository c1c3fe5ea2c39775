package deviations_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/clients"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

type world struct {
	e                              *caretest.Engine
	client                         clients.Client
	anna, bo, maja, sara, pia, hsl syncengine.Actor
}

// newWorld: Aspen (the municipality's own) with care staff Anna and Bo, manager Maja and
// nurse Sara (also of Aspen HSL); Ekan of a private provider with its manager Pia.
func newWorld(t *testing.T) world {
	h := deviations.Handlers()
	maps.Copy(h, messages.Handlers(func(string, string, time.Time) bool { return true }))
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), h)
	e.Unit("aspen", "egen")
	e.Unit("aspen-hsl", "egen")
	e.Unit("ekan", "privat")
	return world{
		e:      e,
		client: e.Client(uuids.New(), "aspen"),
		anna:   e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff}),
		bo:     e.Actor("bo", map[string]identity.Role{"aspen": identity.RoleCareStaff}),
		maja:   e.Actor("maja", map[string]identity.Role{"aspen": identity.RoleUnitManager}),
		sara:   e.Actor("sara", map[string]identity.Role{"aspen": identity.RoleLicensed, "aspen-hsl": identity.RoleLicensed}),
		hsl:    e.Actor("hanna", map[string]identity.Role{"aspen-hsl": identity.RoleUnitManager}),
		pia:    e.Actor("pia", map[string]identity.Role{"ekan": identity.RoleUnitManager}),
	}
}

func (w world) report(activity, area string) map[string]any {
	return map[string]any{
		"deviation_id": uuids.New(), "client_id": w.client.ClientID, "type": deviations.TypeDeviation,
		"person_alone": true, "activity": activity, "area": area, "involved_professions": []string{"care_staff"},
		"occurred_at": w.e.Now().Add(-time.Hour), "course_of_events": "Brukaren hittades på golvet i badrummet.",
	}
}

func push(t *testing.T, e *caretest.Engine, a syncengine.Actor, name string, args any, status, code string) syncengine.Result {
	t.Helper()
	r := e.Push(a, name, args)
	got := ""
	if r.Error != nil {
		got = r.Error.Code
	}
	if r.Status != status || got != code {
		t.Fatalf("%s by %s: got %s %q %+v, want %s %q", name, a.UserID, r.Status, got, r.Error, status, code)
	}
	return r
}

// sees lists the kind/id of every record the actor pulls.
func sees(e *caretest.Engine, a syncengine.Actor) []string {
	var out []string
	for _, c := range e.Pull(a) {
		out = append(out, c.Kind+"/"+c.ID)
	}
	return out
}

func TestAReportWithNothingNamesEveryMissingField(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{}, []string{"deviation_id", "unit_id", "type", "activity", "area", "involved_professions", "occurred_at", "course_of_events"}},
		{map[string]any{"client_id": w.client.ClientID}, []string{"deviation_id", "type", "person_alone", "activity", "area", "involved_professions", "occurred_at", "course_of_events"}},
	} {
		r := push(t, w.e, w.anna, deviations.MutationReport, tc.args, syncengine.StatusRejected, "invalid_args")
		got := slices.Sorted(maps.Keys(r.Error.Fields))
		if want := slices.Sorted(slices.Values(tc.want)); !slices.Equal(got, want) {
			t.Errorf("fields %v, want %v", got, want)
		}
	}
}

func TestFieldsOnlyTheServerCanCheckComeWithTheOthers(t *testing.T) {
	w := newWorld(t)
	args := w.report(deviations.ActivitySoL, "medication") // medication is an HSL area
	args["occurred_at"] = w.e.Now().Add(time.Hour)
	args["involved_professions"] = []string{"astronaut"}
	r := push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusRejected, "invalid_args")
	if got := slices.Sorted(maps.Keys(r.Error.Fields)); !slices.Equal(got, []string{"area", "involved_professions", "occurred_at"}) {
		t.Fatalf("fields %v", got)
	}
	args = w.report(deviations.ActivitySoL, "fall")
	args["occurred_at"] = w.e.Now().AddDate(-1, 0, -2)
	if r := push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusRejected, "invalid_args"); r.Error.Fields["occurred_at"] == "" {
		t.Fatalf("a report of two years ago: %+v", r.Error)
	}
	args = w.report(deviations.ActivitySoL, "fall")
	delete(args, "client_id")
	args["unit_id"] = "aspen"
	if r := push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusRejected, "invalid_args"); r.Error.Fields["person_alone"] == "" {
		t.Fatalf("person_alone on a unit's deviation: %+v", r.Error)
	}
}

func TestAReportReachesTheManagersAndNotTheColleagues(t *testing.T) {
	w := newWorld(t)
	args := w.report(deviations.ActivitySoL, "fall")
	id := args["deviation_id"].(string)
	push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusApplied, "")

	var d deviations.Deviation
	if !w.e.Record(deviations.Kind, id, &d) {
		t.Fatal("no deviation stored")
	}
	if d.ReporterID != "anna" || d.ReporterRole != identity.RoleCareStaff || d.UnitID != "aspen" || !d.ServerTime.Equal(w.e.Now()) {
		t.Fatalf("server fields: %+v", d.ReportServerFields)
	}
	dev, msg := deviations.Kind+"/"+id, messages.Kind+"/"+deviations.MessageID(id)
	for _, tc := range []struct {
		who      syncengine.Actor
		dev, msg bool
	}{
		{w.anna, true, false}, // the reporter sees what she reported
		{w.maja, true, true},  // the manager sees it and gets the message
		{w.sara, true, true},  // so do the unit's licensed staff
		{w.bo, false, false},  // a colleague sees neither
		{w.pia, false, false}, // nor another provider
		{w.hsl, false, false}, // nor the manager of another unit
	} {
		got := sees(w.e, tc.who)
		if slices.Contains(got, dev) != tc.dev || slices.Contains(got, msg) != tc.msg {
			t.Errorf("%s sees %v; want deviation %v, message %v", tc.who.UserID, got, tc.dev, tc.msg)
		}
	}
	var m messages.Message
	w.e.Record(messages.Kind, deviations.MessageID(id), &m)
	if m.From != messages.FromSystem || m.Subject != deviations.SubjectReported || m.DeviationID != id || m.ToUnitManagers != "aspen" {
		t.Fatalf("message: %+v", m)
	}
	if strings.Contains(m.Text, "golvet") || strings.Contains(m.Text, w.client.Name) || m.Text == "" {
		t.Fatalf("the message carries personal data: %q", m.Text)
	}

	// The same id again: the reporter gets her report back; someone else only the code.
	if r := push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusConflict, "deviation_exists"); r.Record == nil || r.Record.ID != id {
		t.Fatalf("conflict without the record: %+v", r)
	}
	if r := push(t, w.e, w.bo, deviations.MutationReport, args, syncengine.StatusRejected, "deviation_exists"); r.Record != nil {
		t.Fatal("a colleague got another's report back")
	}
}

func TestTheUnitOfAReport(t *testing.T) {
	w := newWorld(t)
	onUnit := func(unit string) map[string]any {
		a := w.report(deviations.ActivitySoL, "keys")
		delete(a, "client_id")
		delete(a, "person_alone")
		a["unit_id"] = unit
		return a
	}
	push(t, w.e, w.anna, deviations.MutationReport, onUnit("aspen"), syncengine.StatusApplied, "")
	push(t, w.e, w.anna, deviations.MutationReport, onUnit("ekan"), syncengine.StatusRejected, "unit_not_found")
	push(t, w.e, w.pia, deviations.MutationReport, w.report(deviations.ActivitySoL, "fall"), syncengine.StatusRejected, "client_not_found")

	// Care staff register on the client's unit; licensed staff choose among their units.
	args := w.report(deviations.ActivityHSL, "medication")
	args["unit_id"] = "aspen-hsl"
	push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusRejected, "invalid_args")
	push(t, w.e, w.sara, deviations.MutationReport, args, syncengine.StatusApplied, "")
	var d deviations.Deviation
	w.e.Record(deviations.Kind, args["deviation_id"].(string), &d)
	if d.UnitID != "aspen-hsl" || d.ReporterRole != identity.RoleLicensed {
		t.Fatalf("%+v", d.ReportServerFields)
	}
	if !slices.Contains(sees(w.e, w.hsl), messages.Kind+"/"+deviations.MessageID(d.DeviationID)) {
		t.Fatal("the health-care manager did not get the message")
	}
}

func analysis(id, status, lex string) map[string]any {
	return map[string]any{"deviation_id": id, "consequence": "Blåmärke.", "analysis": "Mattan låg snett.",
		"actions": "Mattan är borttagen.", "lex_sarah_or_maria": lex, "status": status}
}

func TestWhoAnalysesADeviation(t *testing.T) {
	w := newWorld(t)
	sol := w.report(deviations.ActivitySoL, "fall")
	hsl := w.report(deviations.ActivityHSL, "fall")
	solID, hslID := sol["deviation_id"].(string), hsl["deviation_id"].(string)
	push(t, w.e, w.anna, deviations.MutationReport, sol, syncengine.StatusApplied, "")
	push(t, w.e, w.anna, deviations.MutationReport, hsl, syncengine.StatusApplied, "")

	push(t, w.e, w.anna, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusRejected, "forbidden")
	push(t, w.e, w.bo, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusRejected, "deviation_not_found")
	push(t, w.e, w.pia, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusRejected, "deviation_not_found")
	push(t, w.e, w.sara, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusRejected, "forbidden")
	push(t, w.e, w.sara, deviations.MutationAnalyse, analysis(hslID, "investigating", ""), syncengine.StatusApplied, "")
	push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusApplied, "")

	// Closing needs the lex Sarah / lex Maria assessment; a closed analysis stays as it is.
	r := push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(solID, "closed", ""), syncengine.StatusRejected, "invalid_args")
	if r.Error.Fields["lex_sarah_or_maria"] == "" {
		t.Fatalf("%+v", r.Error)
	}
	push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(solID, "closed", deviations.LexNone), syncengine.StatusApplied, "")
	if r := push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(solID, "investigating", ""), syncengine.StatusConflict, "deviation_closed"); r.Record == nil {
		t.Fatal("no record with the conflict")
	}
	var a deviations.Analysis
	w.e.Record(deviations.KindAnalysis, solID, &a)
	if a.Status != deviations.StatusClosed || a.AnalystID != "maja" || a.ClosedAt == nil || a.UnitID != "aspen" {
		t.Fatalf("%+v", a)
	}
	if !slices.Contains(sees(w.e, w.maja), deviations.KindAnalysis+"/"+solID) {
		t.Fatal("the manager does not see the analysis")
	}
	for _, who := range []syncengine.Actor{w.anna, w.bo, w.pia} {
		if slices.Contains(sees(w.e, who), deviations.KindAnalysis+"/"+solID) {
			t.Errorf("%s sees the analysis", who.UserID)
		}
	}
}

func TestTheManagerReadsTheDeviationMessage(t *testing.T) {
	w := newWorld(t)
	args := w.report(deviations.ActivitySoL, "fall")
	push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusApplied, "")
	msg := map[string]any{"message_id": deviations.MessageID(args["deviation_id"].(string))}
	push(t, w.e, w.anna, messages.MutationRead, msg, syncengine.StatusRejected, "message_not_found")
	push(t, w.e, w.maja, messages.MutationRead, msg, syncengine.StatusApplied, "")
	if !w.e.Record(messages.KindReceipt, messages.ReceiptID(msg["message_id"].(string), "maja"), nil) {
		t.Fatal("no receipt")
	}
	// The message's id is the server's: a phone cannot take it for a message of its own.
	push(t, w.e, w.bo, messages.MutationSend, map[string]any{"message_id": deviations.MessageID(uuids.New()), "to_unit_id": "aspen", "text": "Hej"}, syncengine.StatusRejected, "invalid_args")
}

func TestTheReporterLearnsWhereHerReportStandsNotWhatTheAnalysisSays(t *testing.T) {
	w := newWorld(t)
	args := w.report(deviations.ActivitySoL, "fall")
	id := args["deviation_id"].(string)
	push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusApplied, "")
	status := func(who syncengine.Actor) (deviations.Status, bool) {
		for _, c := range w.e.Pull(who) {
			if c.Kind == deviations.KindStatus && c.ID == id {
				var s deviations.Status
				if err := json.Unmarshal(c.Data, &s); err != nil {
					t.Fatal(err)
				}
				return s, true
			}
		}
		return deviations.Status{}, false
	}
	if _, ok := status(w.anna); ok {
		t.Fatal("a status before any analysis: the report is new")
	}
	push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(id, "investigating", ""), syncengine.StatusApplied, "")
	s, ok := status(w.anna)
	if !ok || s.Status != deviations.StatusInvestigating || !s.ChangedAt.Equal(w.e.Now()) || s.ClosedAt != nil {
		t.Fatalf("the reporter's status after the first analysis: %+v %v", s, ok)
	}
	w.e.Advance(time.Hour)
	push(t, w.e, w.maja, deviations.MutationAnalyse, analysis(id, "closed", deviations.LexNone), syncengine.StatusApplied, "")
	if s, ok := status(w.anna); !ok || s.Status != deviations.StatusClosed || s.ClosedAt == nil || !s.ClosedAt.Equal(w.e.Now()) {
		t.Fatalf("the reporter's status after closing: %+v %v", s, ok)
	}
	// What the analysis says stays with the unit's managers and licensed staff.
	for _, c := range w.e.Pull(w.anna) {
		for _, secret := range []string{"Mattan", "Blåmärke", "lex_"} {
			if strings.Contains(string(c.Data), secret) {
				t.Errorf("the reporter received %q in %s/%s", secret, c.Kind, c.ID)
			}
		}
	}
	for _, who := range []syncengine.Actor{w.bo, w.pia, w.hsl, w.maja} {
		if _, ok := status(who); ok {
			t.Errorf("%s received the reporter's status", who.UserID)
		}
	}
}

func TestTheDeviationMessageNamesTheClientForTheUnitsManagers(t *testing.T) {
	w := newWorld(t)
	args := w.report(deviations.ActivitySoL, "fall")
	push(t, w.e, w.anna, deviations.MutationReport, args, syncengine.StatusApplied, "")
	var m messages.Message
	w.e.Record(messages.Kind, deviations.MessageID(args["deviation_id"].(string)), &m)
	if m.ClientID != w.client.ClientID || m.ClientName != w.client.Name || m.ClientName == "" {
		t.Fatalf("the message does not name the client: %+v", m)
	}
	if strings.Contains(m.Text, w.client.Name) {
		t.Fatalf("the name is in the text: %q", m.Text)
	}
	// A licensed reporter registers it on her health-care unit, whose manager holds no
	// grant for the client's unit: the message still names the client to her.
	hsl := w.report(deviations.ActivityHSL, "medication")
	hsl["unit_id"] = "aspen-hsl"
	push(t, w.e, w.sara, deviations.MutationReport, hsl, syncengine.StatusApplied, "")
	found := false
	for _, c := range w.e.Pull(w.hsl) {
		if c.Kind == messages.Kind && c.ID == deviations.MessageID(hsl["deviation_id"].(string)) {
			found = strings.Contains(string(c.Data), w.client.Name)
		}
	}
	if !found {
		t.Fatal("the health-care manager's message does not name the client")
	}
	// A deviation on a unit names nobody.
	unit := w.report(deviations.ActivitySoL, "keys")
	delete(unit, "client_id")
	delete(unit, "person_alone")
	unit["unit_id"] = "aspen"
	push(t, w.e, w.anna, deviations.MutationReport, unit, syncengine.StatusApplied, "")
	var um messages.Message
	w.e.Record(messages.Kind, deviations.MessageID(unit["deviation_id"].(string)), &um)
	if um.ClientID != "" || um.ClientName != "" {
		t.Fatalf("a unit's deviation names a client: %+v", um)
	}
}
