package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// seedWork gives each demo user real work on first login. It goes through the same
// mutations a phone sends, as the demo users themselves, so the demo data keeps every
// rule the server checks:
//   - anna: assignments of her group, notes, today's signing occurrences, a delegation;
//   - cecilia (nurse): a signing list with a double signing to look at;
//   - david (unit manager): a deviation to analyse;
//   - eva (coordinator in Björken): a new assignment to distribute.
func seedWork(ctx context.Context, ids *identity.Store, eng *syncengine.Engine, now time.Time) error {
	w := &worker{ctx: ctx, ids: ids, eng: eng, now: now, next: map[string]uint64{}}
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	local := now.In(stockholm)
	today := func(h, m int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, stockholm).UTC()
	}
	month := local.Format("2006-01")

	// Assignments from the authority: three in Aspen, distributed to the north group;
	// one new in Björken for eva to distribute.
	for i, c := range []int{1, 2, 3} {
		a, _, err := assignments.Deliver(ctx, eng, assignments.Delivery{
			AuthorityID: fmt.Sprintf("DEMO-ASPEN-%d", i+1), ClientID: ClientID(c), UnitID: AspenID, DecidedAt: now.AddDate(0, 0, -7), Municipality: MunicipalityID,
			Measures: []assignments.Measure{{MeasureID: uuids.Named(fmt.Sprint("demo/measure/aspen/", c)), Type: "personal_care", MinutesPerMonth: 900, Start: month + "-01"}},
		}, now)
		if err != nil {
			return fmt.Errorf("demo: assignment: %w", err)
		}
		w.push("david", "assignment.distribute", map[string]any{"assignment_id": a.AssignmentID, "subunit_id": AspenNorrID})
		if c == 1 {
			w.push("anna", "assignment.acknowledge", map[string]any{"assignment_id": a.AssignmentID, "move_to_my_persons": true})
		}
	}
	if _, _, err := assignments.Deliver(ctx, eng, assignments.Delivery{
		AuthorityID: "DEMO-BJORKEN-1", ClientID: ClientID(9), UnitID: BjorkenID, DecidedAt: now.AddDate(0, 0, -1), Municipality: MunicipalityID,
		Measures: []assignments.Measure{{MeasureID: uuids.Named("demo/measure/bjorken/9"), Type: "meals", MinutesPerMonth: 450, Start: month + "-01"}},
	}, now); err != nil {
		return fmt.Errorf("demo: assignment: %w", err)
	}

	// Notes from yesterday, so the journal is not empty.
	w.push("bo", journal.MutationNoteAdd, map[string]any{"note_id": uuids.Named("demo/note/1"), "client_id": ClientID(1), "heading": "Kvällsbesök",
		"keywords": []string{"Måltid"}, "text": "Värmde middag, brukaren åt med god aptit.", "occurred_at": now.Add(-20 * time.Hour)})
	w.push("anna", journal.MutationNoteAdd, map[string]any{"note_id": uuids.Named("demo/note/2"), "client_id": ClientID(2), "heading": "Morgonbesök",
		"keywords": []string{"Personlig omvårdnad"}, "text": "Hjälp med dusch och påklädning.", "occurred_at": now.Add(-26 * time.Hour)})

	// The nurse's signing list for Astrid, anna's delegation, and a double signing of
	// this morning's medicine (anna, then cecilia herself).
	list, medicine, insulin := uuids.Named("demo/list/1"), uuids.Named("demo/measure/medicine"), uuids.Named("demo/measure/insulin")
	w.push("cecilia", "signing.list.save", map[string]any{"list_id": list, "client_id": ClientID(1),
		"measures": []map[string]any{
			{"measure_id": medicine, "kind": "medication", "instruction": "Tabletter enligt dosett", "times": []string{"08:00", "12:00", "17:00", "21:00"}, "prn": false},
			{"measure_id": insulin, "kind": "insulin", "instruction": "Insulin enligt ordination", "times": []string{"07:30", "19:30"}, "prn": false},
		},
		"valid_from": now.AddDate(0, 0, -30), "valid_until": now.AddDate(0, 2, 0)})
	for _, kind := range []string{"medication", "insulin"} {
		w.push("cecilia", "delegation.grant", map[string]any{"delegation_id": uuids.Named("demo/delegation/anna/" + kind), "user_id": UserID("anna"),
			"measure_kind": kind, "valid_from": now.AddDate(0, 0, -6), "valid_until": now.AddDate(0, 6, 0)})
	}
	morning := today(8, 0)
	for i, who := range []string{"anna", "cecilia"} {
		w.push(who, "signing.sign", map[string]any{"signature_id": uuids.Named(fmt.Sprint("demo/signature/", i)), "list_id": list, "measure_id": medicine,
			"due_at": morning, "outcome": "given", "signed_at": now})
	}

	// A fall reported by anna, for david to analyse.
	w.push("anna", "deviation.report", map[string]any{"deviation_id": uuids.Named("demo/deviation/1"), "client_id": ClientID(2), "type": "deviation",
		"person_alone": true, "activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
		"occurred_at": now.Add(-3 * time.Hour), "course_of_events": "Brukaren hittades på golvet i hallen, inga synliga skador. Hjälpte brukaren upp."})
	return w.err
}

// worker pushes the demo's mutations as the demo users; the first failure sticks.
type worker struct {
	ctx  context.Context
	ids  *identity.Store
	eng  *syncengine.Engine
	now  time.Time
	next map[string]uint64
	err  error
}

func (w *worker) push(username, name string, args any) {
	if w.err != nil {
		return
	}
	u, acc, err := w.ids.Access(UserID(username), w.now)
	if err != nil {
		w.err = fmt.Errorf("demo: %s: %w", username, err)
		return
	}
	raw, err := json.Marshal(args)
	if err != nil {
		w.err = err
		return
	}
	device := "demo-seed-" + username
	w.next[device]++
	actor := syncengine.Actor{UserID: u.ID, DeviceID: device, Scopes: acc.Scopes, Domain: acc}
	res, err := w.eng.Push(w.ctx, actor, []syncengine.Mutation{{ID: w.next[device], Name: name, Args: raw, ClientTime: w.now}})
	if err != nil {
		w.err = fmt.Errorf("demo: %s by %s: %w", name, username, err)
		return
	}
	if r := res.Results[0]; r.Status != syncengine.StatusApplied {
		w.err = fmt.Errorf("demo: %s by %s: %s %v", name, username, r.Status, r.Error)
	}
}
