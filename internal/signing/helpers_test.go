package signing_test

import (
	"encoding/json"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// start is 07:00 in Stockholm (UTC+1 in November); the lists' 08:00 is 07:00 UTC.
var start = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// eight is 08:00 Stockholm on the first day.
var eight = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

// staffUnits is where the world's people work, for the delegate check.
var staffUnits = map[string]string{"nina": "aspen", "anna": "aspen", "bo": "aspen", "maja": "aspen", "olga": "lonnen"}

func worksIn(userID, unitID string, _ time.Time) bool { return staffUnits[userID] == unitID }

type world struct {
	*caretest.Engine
	t                     *testing.T
	client                string
	nurse, anna, bo, olga syncengine.Actor
	manager               syncengine.Actor
	list                  string
	medication, insulin   string // measure ids
}

// newWorld: unit Aspen (the municipality's own provider) with a client, a nurse, two care
// staff and a manager; unit Lönnen of a private provider with its own nurse; a signing
// list with medication at 08:00 and 20:00 and insulin at 08:00, saved at start.
func newWorld(t *testing.T) *world {
	e := caretest.NewEngine(t, start, signing.Handlers(worksIn))
	e.Unit("aspen", "egen")
	e.Unit("lonnen", "privat-omsorg")
	w := &world{Engine: e, t: t}
	w.client = e.Client(uuids.New(), "aspen").ClientID
	w.nurse = e.Actor("nina", map[string]identity.Role{"aspen": identity.RoleLicensed})
	w.anna = e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	w.bo = e.Actor("bo", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	w.manager = e.Actor("maja", map[string]identity.Role{"aspen": identity.RoleUnitManager})
	w.olga = e.Actor("olga", map[string]identity.Role{"lonnen": identity.RoleLicensed})
	w.list, w.medication, w.insulin = uuids.New(), uuids.New(), uuids.New()
	w.mustApply(w.nurse, signing.MutationListSave, w.listArgs())
	return w
}

func (w *world) listArgs() map[string]any {
	return map[string]any{
		"list_id":   w.list,
		"client_id": w.client,
		"measures": []map[string]any{
			{"measure_id": w.medication, "kind": "medication", "instruction": "Alvedon 500 mg, 2 tabletter", "times": []string{"08:00", "20:00"}, "prn": false},
			{"measure_id": w.insulin, "kind": "insulin", "instruction": "Insulatard 12 E", "times": []string{"08:00"}, "prn": false},
		},
		"valid_from":  start.Add(-24 * time.Hour),
		"valid_until": start.AddDate(0, 1, 0),
	}
}

func (w *world) mustApply(a syncengine.Actor, name string, args map[string]any) {
	w.t.Helper()
	if r := w.Push(a, name, args); r.Status != syncengine.StatusApplied {
		w.t.Fatalf("%s by %s: %s %+v", name, a.UserID, r.Status, r.Error)
	}
}

func (w *world) expect(a syncengine.Actor, name string, args map[string]any, status, code string) syncengine.Result {
	w.t.Helper()
	r := w.Push(a, name, args)
	got := ""
	if r.Error != nil {
		got = r.Error.Code
	}
	if r.Status != status || got != code {
		w.t.Fatalf("%s by %s: got %s %q (%+v), want %s %q", name, a.UserID, r.Status, got, r.Error, status, code)
	}
	return r
}

// delegate grants user a delegation for kind from now for d.
func (w *world) delegate(user, kind string, from time.Time, d time.Duration) string {
	w.t.Helper()
	id := uuids.New()
	w.mustApply(w.nurse, signing.MutationDelegationGrant, map[string]any{
		"delegation_id": id, "user_id": user, "measure_kind": kind, "valid_from": from, "valid_until": from.Add(d)})
	return id
}

func (w *world) signArgs(measure string, due time.Time, outcome string) map[string]any {
	return map[string]any{"signature_id": uuids.New(), "list_id": w.list, "measure_id": measure,
		"due_at": due, "outcome": outcome, "signed_at": w.Now()}
}

// pulled returns the actor's records by kind and id.
func (w *world) pulled(a syncengine.Actor) map[string]map[string]json.RawMessage {
	w.t.Helper()
	out := map[string]map[string]json.RawMessage{}
	for _, c := range w.Pull(a) {
		if out[c.Kind] == nil {
			out[c.Kind] = map[string]json.RawMessage{}
		}
		out[c.Kind][c.ID] = c.Data
	}
	return out
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
