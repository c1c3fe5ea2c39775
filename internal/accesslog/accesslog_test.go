package accesslog_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/assignments"
	"vardag/internal/caretest"
	"vardag/internal/clients"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/messages"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

var start = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // 07:00 in Stockholm

// noteText is written in a journal note: it must never reach the log.
const noteText = "Brukaren berättade om sin dotter Lisa och var ledsen efter samtalet."

type world struct {
	*caretest.Engine
	client, other                clients.Client // Aspen's; Lönnen's
	anna, nina, maja, lo, former syncengine.Actor
}

// newWorld: Aspen with care staff Anna, nurse Nina and manager Maja, and Lönnen with care
// staff Lo; a client in each. Former worked in Aspen until an hour before the start.
func newWorld(t *testing.T) *world {
	t.Helper()
	formerUntil := start.Add(-time.Hour)
	h := accesslog.Handlers(func(user, unit string, at time.Time) bool {
		return user == "former" && unit == "aspen" && at.Before(formerUntil)
	})
	maps.Copy(h, journal.Handlers())
	maps.Copy(h, deviations.Handlers())
	maps.Copy(h, messages.Handlers(func(string, string, time.Time) bool { return true }))
	maps.Copy(h, signing.Handlers(func(string, string, time.Time) bool { return true }))
	e := caretest.NewEngine(t, start, h)
	e.Unit("aspen", "egen")
	e.Unit("lonnen", "egen")
	return &world{Engine: e, client: e.Client(uuids.New(), "aspen"), other: e.Client(uuids.New(), "lonnen"),
		anna:   e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff}),
		nina:   e.Actor("nina", map[string]identity.Role{"aspen": identity.RoleLicensed}),
		maja:   e.Actor("maja", map[string]identity.Role{"aspen": identity.RoleUnitManager}),
		lo:     e.Actor("lo", map[string]identity.Role{"lonnen": identity.RoleCareStaff}),
		former: e.Actor("former", nil),
	}
}

func (w *world) apply(t *testing.T, a syncengine.Actor, name string, args map[string]any) {
	t.Helper()
	if r := w.Push(a, name, args); r.Status != syncengine.StatusApplied {
		t.Fatalf("%s by %s: %s %+v", name, a.UserID, r.Status, r.Error)
	}
}

func viewed(clientID, what string, at time.Time) map[string]any {
	return map[string]any{"view_id": uuids.New(), "client_id": clientID, "what": what, "viewed_at": at}
}

func query(t *testing.T, e *syncengine.Engine, f accesslog.Filter) []accesslog.Entry {
	t.Helper()
	entries, _, err := accesslog.Query(e, f)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestViewedIsLoggedFromThePhone(t *testing.T) {
	w := newWorld(t)
	at := w.Now().Add(-2 * time.Hour) // read offline, delivered later
	args := viewed(w.client.ClientID, "journal", at)
	w.apply(t, w.anna, accesslog.MutationViewed, args)

	got := query(t, w.Engine.Engine, accesslog.Filter{ClientID: w.client.ClientID})
	if len(got) != 1 {
		t.Fatalf("entries: %+v", got)
	}
	e := got[0]
	if e.UserID != "anna" || e.DeviceID != "device-anna" || e.What != "journal" || e.Source != accesslog.SourcePhone ||
		e.ViewID != args["view_id"] || e.ViewedAt == nil || !e.ViewedAt.Equal(at) || !e.At.Equal(w.Now()) ||
		!slices.Equal(e.Units, []string{"aspen"}) || e.Count != 0 {
		t.Fatalf("entry %+v", e)
	}
	// No record goes to any phone.
	if cs := w.Pull(w.maja); slices.ContainsFunc(cs, func(c syncengine.Change) bool { return strings.Contains(string(c.Data), args["view_id"].(string)) }) {
		t.Fatal("the read log reached a phone")
	}
	// The same read under a new mutation id (a phone that lost its numbering) is logged once.
	w.apply(t, w.anna, accesslog.MutationViewed, args)
	if got := query(t, w.Engine.Engine, accesslog.Filter{UserID: "anna"}); len(got) != 1 {
		t.Fatalf("a repeated read was logged %d times", len(got))
	}
}

// TestAReadOutsideOnesUnitsIsRefusedAsIfTheClientDidNotExist: a read is taken of a client
// the user sees now, or whose unit they worked in when they read it (a grant that ended
// since the phone read offline); a read of another unit's client gets the very answer a
// read of no client gets, and neither is logged.
func TestAReadOutsideOnesUnitsIsRefusedAsIfTheClientDidNotExist(t *testing.T) {
	w := newWorld(t)
	now := w.Now()
	var refusal *syncengine.Rejection
	for _, c := range []struct {
		name    string
		who     syncengine.Actor
		client  string
		at      time.Time
		applied bool
	}{
		{"care staff, own unit's client", w.anna, w.client.ClientID, now, true},
		{"care staff, another unit's client", w.anna, w.other.ClientID, now, false},
		{"care staff, no such client", w.anna, uuids.New(), now, false},
		{"manager, another unit's client", w.maja, w.other.ClientID, now, false},
		{"another unit's staff, this unit's client", w.lo, w.client.ClientID, now, false},
		{"another unit's staff, own unit's client", w.lo, w.other.ClientID, now, true},
		{"a grant that has ended, read while it held", w.former, w.client.ClientID, now.Add(-2 * time.Hour), true},
		{"a grant that has ended, read after", w.former, w.client.ClientID, now.Add(-30 * time.Minute), false},
		{"a grant that has ended, another unit's client", w.former, w.other.ClientID, now.Add(-2 * time.Hour), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(query(t, w.Engine.Engine, accesslog.Filter{}))
			r := w.Push(c.who, accesslog.MutationViewed, viewed(c.client, "journal", c.at))
			logged := len(query(t, w.Engine.Engine, accesslog.Filter{})) - before
			if c.applied {
				if r.Status != syncengine.StatusApplied || logged != 1 {
					t.Fatalf("got %s %+v, %d logged; want applied and logged", r.Status, r.Error, logged)
				}
				return
			}
			if r.Status != syncengine.StatusRejected || r.Error == nil || r.Error.Code != "client_not_found" || logged != 0 {
				t.Fatalf("got %s %+v, %d logged; want rejected client_not_found, nothing logged", r.Status, r.Error, logged)
			}
			if refusal == nil {
				refusal = r.Error
			} else if !reflect.DeepEqual(*r.Error, *refusal) {
				t.Fatalf("refusals differ: %+v and %+v", *r.Error, *refusal)
			}
		})
	}
}

func TestViewedRefusesWhatItCannotLog(t *testing.T) {
	w := newWorld(t)
	now := w.Now()
	ok := func(edit func(map[string]any)) map[string]any {
		a := viewed(w.client.ClientID, "signing_list", now)
		edit(a)
		return a
	}
	for _, c := range []struct {
		name  string
		args  any
		code  string
		field string
	}{
		{"unknown field", ok(func(a map[string]any) { a["text"] = noteText }), "invalid_args", "text"},
		{"view id not a UUID", ok(func(a map[string]any) { a["view_id"] = "view-1" }), "invalid_args", "view_id"},
		{"view id in upper case", ok(func(a map[string]any) { a["view_id"] = strings.ToUpper(uuids.New()) }), "invalid_args", "view_id"},
		{"client id not a UUID", ok(func(a map[string]any) { a["client_id"] = "19121212-1212" }), "invalid_args", "client_id"},
		{"unknown screen", ok(func(a map[string]any) { a["what"] = "messages" }), "invalid_args", "what"},
		{"no screen", ok(func(a map[string]any) { delete(a, "what") }), "invalid_args", "what"},
		{"no time", ok(func(a map[string]any) { delete(a, "viewed_at") }), "invalid_args", "viewed_at"},
		{"time not RFC 3339", ok(func(a map[string]any) { a["viewed_at"] = "23/11/2026" }), "invalid_args", "viewed_at"},
		{"in the future", ok(func(a map[string]any) { a["viewed_at"] = now.Add(6 * time.Minute) }), "invalid_args", "viewed_at"},
		{"too old", ok(func(a map[string]any) { a["viewed_at"] = now.Add(-31 * 24 * time.Hour) }), "invalid_args", "viewed_at"},
		{"unknown client", ok(func(a map[string]any) { a["client_id"] = uuids.New() }), "client_not_found", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := w.Push(w.anna, accesslog.MutationViewed, c.args)
			if r.Status != syncengine.StatusRejected || r.Error == nil || r.Error.Code != c.code {
				t.Fatalf("got %s %+v, want rejected %s", r.Status, r.Error, c.code)
			}
			if _, named := r.Error.Fields[c.field]; c.field != "" && !named {
				t.Errorf("the rejection does not name %s: %+v", c.field, r.Error.Fields)
			}
		})
	}
	// Within the clock's slack, and at the oldest bound, a read is taken.
	w.apply(t, w.anna, accesslog.MutationViewed, viewed(w.client.ClientID, "client", now.Add(4*time.Minute)))
	w.apply(t, w.anna, accesslog.MutationViewed, viewed(w.client.ClientID, "assignment", now.Add(-29*24*time.Hour)))
	if got := query(t, w.Engine.Engine, accesslog.Filter{}); len(got) != 2 {
		t.Fatalf("log after the refusals: %+v", got)
	}
}

// records fills the world with a record of every kind a phone receives, and returns the
// id of the unit deviation (no client) and of the deviation on the client.
func (w *world) records(t *testing.T) (unitDeviation, clientDeviation string) {
	t.Helper()
	w.apply(t, w.anna, journal.MutationNoteAdd, map[string]any{"note_id": uuids.New(), "client_id": w.client.ClientID,
		"heading": "Besök", "keywords": []string{}, "text": noteText, "occurred_at": w.Now().Add(-time.Hour)})
	list, med := uuids.New(), uuids.New()
	w.apply(t, w.nina, signing.MutationListSave, map[string]any{"list_id": list, "client_id": w.client.ClientID,
		"measures":   []map[string]any{{"measure_id": med, "kind": "medication", "instruction": "Alvedon 500 mg", "times": []string{"08:00"}, "prn": false}},
		"valid_from": start.Add(-24 * time.Hour), "valid_until": start.AddDate(0, 1, 0)})
	w.Advance(time.Hour) // 08:00 in Stockholm: signed twice, which raises an alert
	due := start.Add(time.Hour)
	for range 2 {
		w.apply(t, w.nina, signing.MutationSign, map[string]any{"signature_id": uuids.New(), "list_id": list, "measure_id": med,
			"due_at": due, "outcome": signing.OutcomeGiven, "signed_at": w.Now()})
	}
	clientDeviation, unitDeviation = uuids.New(), uuids.New()
	report := map[string]any{"deviation_id": clientDeviation, "client_id": w.client.ClientID, "type": deviations.TypeDeviation,
		"person_alone": true, "activity": deviations.ActivitySoL, "area": "fall", "involved_professions": []string{"care_staff"},
		"occurred_at": w.Now().Add(-time.Hour), "course_of_events": "Brukaren hittades på golvet."}
	w.apply(t, w.anna, deviations.MutationReport, report)
	delete(report, "client_id")
	delete(report, "person_alone")
	report["deviation_id"], report["unit_id"] = unitDeviation, "aspen"
	w.apply(t, w.anna, deviations.MutationReport, report)
	w.apply(t, w.maja, deviations.MutationAnalyse, map[string]any{"deviation_id": clientDeviation, "consequence": "Blåmärke.",
		"analysis": "Mattan låg snett.", "actions": "Mattan är borttagen.", "status": deviations.StatusInvestigating})
	w.apply(t, w.maja, deviations.MutationAnalyse, map[string]any{"deviation_id": unitDeviation, "consequence": "Ingen.",
		"analysis": "Larmet var ur funktion.", "actions": "Bytt batteri.", "status": deviations.StatusInvestigating})
	_, _, err := assignments.Deliver(context.Background(), w.Engine.Engine, assignments.Delivery{AuthorityID: "B-1", ClientID: w.client.ClientID,
		UnitID: "aspen", Measures: []assignments.Measure{{MeasureID: "m1", Type: "personal_care", MinutesPerMonth: 600, Start: "2026-11-01"}},
		DecidedAt: w.Now().Add(-48 * time.Hour)}, w.Now())
	if err != nil {
		t.Fatal(err)
	}
	protected := clients.Client{ClientID: uuids.New(), Name: "Skyddad Person", PersonalID: "19121212-1212", UnitID: "aspen",
		Address: "Hemlig väg 1", JournalOpen: true, ProtectedIDs: true}
	err = w.Do(context.Background(), func(tx *syncengine.Tx) error {
		if err := clients.Put(tx, protected); err != nil {
			return err
		}
		return tx.Put("user", "anna", []string{identity.UnitScope("aspen")}, map[string]string{"user_id": "anna", "name": "Anna Lind"})
	})
	if err != nil {
		t.Fatal(err)
	}
	w.apply(t, w.maja, journal.MutationClose, map[string]any{"journal_id": journal.JournalID(w.client.ClientID), "client_id": w.client.ClientID})
	return unitDeviation, clientDeviation
}

// rawPull pulls everything the actor sees from the engine, each change as the exact JSON
// sent, with what Observe made of it.
func rawPull(t *testing.T, e *syncengine.Engine, a syncengine.Actor) (changes []json.RawMessage, kinds []string) {
	t.Helper()
	cursor := ""
	for {
		res, err := e.Pull(a, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var page []json.RawMessage
		if err := json.Unmarshal(res.Changes, &page); err != nil {
			t.Fatal(err)
		}
		for _, raw := range page {
			var c syncengine.Change
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			changes, kinds = append(changes, raw), append(kinds, c.Kind)
		}
		cursor = res.Cursor
		if !res.More {
			return changes, kinds
		}
	}
}

// Observe reads the client of every kind that carries one from the JSON the phone gets,
// and leaves every other kind alone.
func TestObserveOnRealChanges(t *testing.T) {
	w := newWorld(t)
	unitDeviation, clientDeviation := w.records(t)
	changes, kinds := rawPull(t, w.Engine.Engine, w.maja)
	seen := map[string]bool{}
	var observed []any
	for i, raw := range changes {
		seen[kinds[i]] = true
		v, ok := accesslog.Observe(kinds[i], raw)
		var c struct {
			ID   string
			Data struct {
				ClientID    string `json:"client_id"`
				DeviationID string `json:"deviation_id"`
			}
		}
		json.Unmarshal(raw, &c)
		wantOK := true
		switch kinds[i] {
		case messages.Kind, "user", "reference_list", signing.KindDelegation, messages.KindReceipt:
			wantOK = false
		case deviations.Kind:
			wantOK = c.ID != unitDeviation
		}
		if ok != wantOK {
			t.Errorf("Observe(%s %s) = %v, want %v", kinds[i], raw, ok, wantOK)
		}
		if ok {
			observed = append(observed, v)
		}
	}
	for _, k := range []string{clients.Kind, clients.KindContact, journal.KindNote, journal.KindJournal, signing.KindList, signing.KindSignature,
		signing.KindOccurrence, signing.KindAlert, deviations.Kind, deviations.KindAnalysis, assignments.Kind, messages.Kind, "user"} {
		if !seen[k] {
			t.Errorf("the world has no %s record to observe", k)
		}
	}

	entries := accesslog.FromPull(w.maja.UserID, w.maja.DeviceID, observed)
	if err := accesslog.Write(context.Background(), w.Engine.Engine, entries); err != nil {
		t.Fatal(err)
	}
	got := map[string]accesslog.Entry{}
	for _, e := range query(t, w.Engine.Engine, accesslog.Filter{UnitID: "aspen"}) {
		got[e.ClientID+" "+e.What] = e
	}
	for what, count := range map[string]int{clients.Kind: 1, journal.KindNote: 1, journal.KindJournal: 1, signing.KindList: 1,
		signing.KindSignature: 2, signing.KindOccurrence: 1, signing.KindAlert: 1, deviations.Kind: 1, deviations.KindAnalysis: 1, assignments.Kind: 1} {
		e, ok := got[w.client.ClientID+" "+what]
		if !ok || e.Count != count || e.UserID != "maja" || e.DeviceID != "device-maja" || e.Source != accesslog.SourcePull || !slices.Equal(e.Units, []string{"aspen"}) {
			t.Errorf("%s: %+v (found %v), want count %d", what, e, ok, count)
		}
	}
	if len(got) != 12 { // and the protected client's record and contact
		t.Errorf("%d entries: %v", len(got), slices.Collect(maps.Keys(got)))
	}
	for k := range got {
		if strings.HasPrefix(k, unitDeviation) || strings.HasPrefix(k, clientDeviation) || strings.HasPrefix(k, " ") {
			t.Errorf("an entry is not about a client: %q", k)
		}
	}
	assertNoSecrets(t, w.Engine.Engine)
}

// assertNoSecrets reads every stored log entry: no note text, name, address or personal
// number.
func assertNoSecrets(t *testing.T, e *syncengine.Engine) {
	t.Helper()
	n := 0
	err := e.View(func(r syncengine.ReadTx) error {
		return r.AuditScan("", time.Time{}, time.Time{}, func(_ time.Time, v []byte) bool {
			n++
			for _, secret := range []string{noteText, "Brukare", "Skyddad", "Hemlig", "191212", "Anna Lind", "golvet", "Mattan"} {
				if bytes.Contains(v, []byte(secret)) {
					t.Errorf("a log entry holds %q: %s", secret, v)
				}
			}
			return true
		})
	})
	if err != nil || n == 0 {
		t.Fatalf("log: %d entries, %v", n, err)
	}
}

// FromPull counts a pull's records per client and kind, with their units.
func TestFromPullAggregates(t *testing.T) {
	c1, c2, note1, note2 := uuids.New(), uuids.New(), uuids.New(), uuids.New()
	change := func(kind, id, scopes, data string) []byte {
		return []byte(`{"kind":"` + kind + `","id":"` + id + `","op":"put","version":7,"scopes":` + scopes + `,"data":` + data + `}`)
	}
	var observed []any
	for _, c := range []struct{ kind, id, scopes, data string }{
		{"client", c1, `["unit:a"]`, `{"client_id":"` + c1 + `","name":"X"}`},
		{"journal_note", note1, `["unit:a"]`, `{"note_id":"` + note1 + `","client_id":"` + c1 + `","text":"t"}`},
		{"journal_note", note2, `["unit:a"]`, `{"note_id":"` + note2 + `","client_id":"` + c1 + `","text":"t"}`},
		{"journal_note", uuids.New(), `["unit:b"]`, `{"client_id":"` + c1 + `"}`},
		{"journal_note", uuids.New(), `["unit:a"]`, `{"client_id":"` + c2 + `"}`},
		{"deviation", uuids.New(), `["unit:a:managers","user:u1"]`, `{"client_id":"` + c2 + `"}`},
		{"message", uuids.New(), `["unit:a"]`, `{"client_id":"` + c2 + `"}`},
	} {
		if v, ok := accesslog.Observe(c.kind, change(c.kind, c.id, c.scopes, c.data)); ok {
			observed = append(observed, v)
		}
	}
	got := accesslog.FromPull("u1", "d1", observed)
	want := []accesslog.Entry{
		{UserID: "u1", DeviceID: "d1", ClientID: c1, Units: []string{"a"}, What: "client", Count: 1, Source: "pull"},
		{UserID: "u1", DeviceID: "d1", ClientID: c1, Units: []string{"a", "b"}, What: "journal_note", Count: 3, Source: "pull"},
		{UserID: "u1", DeviceID: "d1", ClientID: c2, Units: []string{"a"}, What: "journal_note", Count: 1, Source: "pull"},
		{UserID: "u1", DeviceID: "d1", ClientID: c2, Units: []string{"a"}, What: "deviation", Count: 1, Source: "pull"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		g := got[i]
		if g.UserID != want[i].UserID || g.DeviceID != want[i].DeviceID || g.ClientID != want[i].ClientID || g.What != want[i].What ||
			g.Count != want[i].Count || g.Source != want[i].Source || !slices.Equal(g.Units, want[i].Units) {
			t.Errorf("entry %d: got %+v, want %+v", i, g, want[i])
		}
	}
	if got := accesslog.FromPull("u1", "d1", nil); len(got) != 0 {
		t.Errorf("an empty pull made entries: %+v", got)
	}
}

func TestQueryNewestFirstWithLimitAndFilters(t *testing.T) {
	w := newWorld(t)
	eng := w.Engine.Engine
	t0 := w.Now()
	// anna works in Lönnen too for this test, so that one user's reads span two units.
	annaInBoth := w.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff, "lonnen": identity.RoleCareStaff})
	for i, v := range []struct {
		who    syncengine.Actor
		client string
	}{{w.anna, w.client.ClientID}, {w.maja, w.client.ClientID}, {annaInBoth, w.other.ClientID}, {w.lo, w.other.ClientID}, {w.anna, w.client.ClientID}} {
		w.apply(t, v.who, accesslog.MutationViewed, viewed(v.client, accesslog.Screens[i], w.Now()))
		w.Advance(time.Minute)
	}
	whats := func(es []accesslog.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.UserID+"/"+e.What)
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    accesslog.Filter
		want []string
		more bool
	}{
		{"unit", accesslog.Filter{UnitID: "aspen"}, []string{"anna/assignment", "maja/journal", "anna/client"}, false},
		{"client and user", accesslog.Filter{ClientID: w.client.ClientID, UserID: "anna"}, []string{"anna/assignment", "anna/client"}, false},
		{"user across units", accesslog.Filter{UserID: "anna"}, []string{"anna/assignment", "anna/signing_list", "anna/client"}, false},
		{"user in a unit", accesslog.Filter{UserID: "anna", UnitID: "lonnen"}, []string{"anna/signing_list"}, false},
		{"limit", accesslog.Filter{UnitID: "aspen", Limit: 2}, []string{"anna/assignment", "maja/journal"}, true},
		{"limit met exactly", accesslog.Filter{UnitID: "aspen", Limit: 3}, []string{"anna/assignment", "maja/journal", "anna/client"}, false},
		{"time window", accesslog.Filter{UnitID: "aspen", From: t0.Add(time.Minute), To: t0.Add(4 * time.Minute)}, []string{"maja/journal"}, false},
		{"other unit's client", accesslog.Filter{UnitID: "aspen", ClientID: w.other.ClientID}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, more, err := accesslog.Query(eng, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(whats(got), c.want) || more != c.more {
				t.Fatalf("got %v more=%v, want %v more=%v", whats(got), more, c.want, c.more)
			}
		})
	}
	extract, err := accesslog.Extract(eng, w.client.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if got := whats(extract); !slices.Equal(got, []string{"anna/client", "maja/journal", "anna/assignment"}) {
		t.Fatalf("extract, oldest first: %v", got)
	}
}

func TestWriteCSVIsAnExtractThatRunsNoFormula(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	viewedAt := at.Add(-time.Hour)
	entries := []accesslog.Entry{
		{At: at, UserID: "u1", DeviceID: "=HYPERLINK(\"http://evil\",\"x\")", ClientID: "c1", Units: []string{"a", "b"}, What: "journal_note", Count: 3, Source: "pull"},
		{At: at, UserID: "u2", DeviceID: "+1", ClientID: "c1", Units: []string{"a"}, What: "journal", Source: "phone", ViewID: "v1", ViewedAt: &viewedAt},
		{At: at, UserID: "-u3", DeviceID: "@SUM(A1)", ClientID: "c1", Units: []string{}, What: "client,\"quoted\"", Source: "pull", Count: 1},
		{At: at, UserID: "u4", DeviceID: "\tcmd", ClientID: "c1", Units: []string{}, What: "x\ny", Source: "pull", Count: 1},
	}
	var buf bytes.Buffer
	if err := accesslog.WriteCSV(&buf, entries); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("RFC 4180 lines end in CRLF")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"at", "user_id", "device_id", "client_id", "units", "what", "count", "source", "view_id", "viewed_at"},
		{"2026-11-23T08:30:00Z", "u1", "'=HYPERLINK(\"http://evil\",\"x\")", "c1", "a b", "journal_note", "3", "pull", "", ""},
		{"2026-11-23T08:30:00Z", "u2", "'+1", "c1", "a", "journal", "", "phone", "v1", "2026-11-23T07:30:00Z"},
		{"2026-11-23T08:30:00Z", "'-u3", "'@SUM(A1)", "c1", "", "client,\"quoted\"", "1", "pull", "", ""},
		{"2026-11-23T08:30:00Z", "u4", "'\tcmd", "c1", "", "x\ny", "1", "pull", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows: %q", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
}

// BenchmarkObservePage: what the read log adds to a pull, per record of a page of 5000
// journal notes (Observe on each, then FromPull), and for a kind it does not log.
func BenchmarkObservePage(b *testing.B) {
	clientIDs := []string{uuids.New(), uuids.New(), uuids.New(), uuids.New(), uuids.New(), uuids.New()}
	page := make([][]byte, 5000)
	for i := range page {
		id := uuids.New()
		page[i] = []byte(`{"kind":"journal_note","id":"` + id + `","op":"put","version":` + strings.Repeat("9", 6) +
			`,"scopes":["unit:0190f1a2-0000-7000-8000-0000000000a1"],"data":{"note_id":"` + id + `","client_id":"` + clientIDs[i%6] +
			`","heading":"Besök","keywords":["Omvårdnad","Måltid"],"text":"` + noteText + `","occurred_at":"2026-11-23T07:00:00Z",` +
			`"unit_id":"0190f1a2-0000-7000-8000-0000000000a1","author_id":"0190f1a2-0000-7000-8000-0000000000b2","author_role":"care_staff",` +
			`"client_time":"2026-11-23T07:00:00Z","server_time":"2026-11-23T07:00:01Z"}}`)
	}
	b.Run("journal_note", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			observed := make([]any, 0, len(page))
			for _, c := range page {
				if v, ok := accesslog.Observe("journal_note", c); ok {
					observed = append(observed, v)
				}
			}
			if len(accesslog.FromPull("u", "d", observed)) != 6 {
				b.Fatal("not one entry per client")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(page)), "ns/record")
	})
	b.Run("message", func(b *testing.B) {
		for b.Loop() {
			for _, c := range page {
				if _, ok := accesslog.Observe("message", c); ok {
					b.Fatal("a message observed")
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(page)), "ns/record")
	})
}
