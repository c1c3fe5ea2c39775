package reference_test

import (
	"context"
	"testing"
	"time"

	"vardag/internal/caretest"
	"vardag/internal/identity"
	"vardag/internal/reference"
	"vardag/syncengine"
)

// The municipality caretest's actors belong to.
const kommun = "kommun"

func newEngine(t *testing.T) *caretest.Engine {
	e := caretest.NewEngine(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), reference.Handlers())
	e.Unit("aspen", "egen")
	return e
}

func admin(e *caretest.Engine) syncengine.Actor {
	a := e.Actor("admin", nil)
	acc := a.Domain.(identity.Access)
	acc.Admin = true
	a.Domain = acc
	return a
}

func lists(e *caretest.Engine, a syncengine.Actor) map[string]bool {
	got := map[string]bool{}
	for _, c := range e.Pull(a) {
		if c.Kind == reference.Kind {
			got[c.ID] = true
		}
	}
	return got
}

func TestDefaultsSeededForEveryoneInTheMunicipality(t *testing.T) {
	e := newEngine(t)
	if err := reference.Seed(context.Background(), e.Engine, kommun); err != nil {
		t.Fatal(err)
	}
	staff := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	noGrants := e.Actor("nils", nil)
	for _, a := range []syncengine.Actor{staff, noGrants} {
		got := lists(e, a)
		if len(got) != len(reference.Kinds) {
			t.Fatalf("%s sees %d lists, want %d", a.UserID, len(got), len(reference.Kinds))
		}
		for _, k := range reference.Kinds {
			if !got[reference.ListID(kommun, k)] {
				t.Errorf("%s does not see the %s list", a.UserID, k)
			}
		}
	}
	var kw reference.List
	if !e.Record(reference.Kind, reference.ListID(kommun, reference.KindKeywords), &kw) || kw.MunicipalityID != kommun || len(kw.Items) < 11 {
		t.Fatalf("keywords: %+v", kw)
	}

	// Another municipality's users see none of them.
	other := syncengine.Actor{UserID: "x", DeviceID: "device-x", Scopes: identity.AccessFor(identity.User{ID: "x", MunicipalityID: "annan"}, nil, nil, e.Now()).Scopes}
	if n := len(lists(e, other)); n != 0 {
		t.Fatalf("another municipality sees %d lists", n)
	}
}

func TestSeedKeepsSavedLists(t *testing.T) {
	e := newEngine(t)
	if err := reference.Seed(context.Background(), e.Engine, kommun); err != nil {
		t.Fatal(err)
	}
	id := reference.ListID(kommun, reference.KindNotGivenReasons)
	r := e.Push(admin(e), reference.MutationSave, map[string]any{"list_id": id, "kind": reference.KindNotGivenReasons,
		"items": []map[string]string{{"code": "declined", "label_sv": "Brukaren avböjde"}}})
	if r.Status != syncengine.StatusApplied {
		t.Fatalf("save: %+v", r)
	}
	if err := reference.Seed(context.Background(), e.Engine, kommun); err != nil {
		t.Fatal(err)
	}
	var l reference.List
	e.Record(reference.Kind, id, &l)
	if len(l.Items) != 1 || l.UpdatedBy != "admin" {
		t.Fatalf("seeding again overwrote the saved list: %+v", l)
	}
}

func TestSave(t *testing.T) {
	e := newEngine(t)
	manager := e.Actor("maja", map[string]identity.Role{"aspen": identity.RoleUnitManager})
	id := reference.ListID(kommun, reference.KindKeywords)
	args := map[string]any{"list_id": id, "kind": reference.KindKeywords, "items": []map[string]string{
		{"code": "meal", "label_sv": "Måltid", "label_en": "Meal"},
		{"code": "walk", "label_sv": "Promenad"},
	}}
	if r := e.Push(manager, reference.MutationSave, args); r.Error == nil || r.Error.Code != "forbidden" {
		t.Fatalf("manager: %+v", r)
	}
	if e.Record(reference.Kind, id, nil) {
		t.Fatal("the manager's list was stored")
	}
	if r := e.Push(admin(e), reference.MutationSave, args); r.Status != syncengine.StatusApplied {
		t.Fatalf("admin: %+v", r)
	}
	var l reference.List
	e.Record(reference.Kind, id, &l)
	if len(l.Items) != 2 || l.Items[1].Code != "walk" || l.UpdatedBy != "admin" || !l.UpdatedAt.Equal(e.Now()) {
		t.Fatalf("saved: %+v", l)
	}
	staff := e.Actor("anna", map[string]identity.Role{"aspen": identity.RoleCareStaff})
	if !lists(e, staff)[id] {
		t.Fatal("the saved list does not reach the staff")
	}

	// Codes are unique and present; activities only where they belong.
	bad := map[string]any{"list_id": id, "kind": reference.KindKeywords, "items": []map[string]string{
		{"code": "meal", "label_sv": "Måltid"}, {"code": "meal", "label_sv": "Mat"}, {"code": "", "label_sv": "Tom"}, {"code": "x", "label_sv": "X", "activity": "SoL"},
	}}
	r := e.Push(admin(e), reference.MutationSave, bad)
	if r.Error == nil || r.Error.Code != "invalid_args" || r.Error.Fields["items[1].code"] == "" || r.Error.Fields["items[2].code"] == "" || r.Error.Fields["items[3].activity"] == "" {
		t.Fatalf("bad items: %+v", r.Error)
	}
	areas := map[string]any{"list_id": reference.ListID(kommun, reference.KindDeviationAreas), "kind": reference.KindDeviationAreas,
		"items": []map[string]string{{"code": "sol_fall", "label_sv": "Fall"}}}
	if r := e.Push(admin(e), reference.MutationSave, areas); r.Error == nil || r.Error.Fields["items[0].activity"] == "" {
		t.Fatalf("area without activity: %+v", r.Error)
	}
	// Another municipality's list id, or a kind under another kind's id, is refused.
	for _, wrong := range []map[string]any{
		{"list_id": reference.ListID("annan", reference.KindKeywords), "kind": reference.KindKeywords, "items": []map[string]string{}},
		{"list_id": id, "kind": reference.KindPhraseTexts, "items": []map[string]string{}},
	} {
		if r := e.Push(admin(e), reference.MutationSave, wrong); r.Error == nil || r.Error.Fields["list_id"] == "" {
			t.Fatalf("wrong list id: %+v", r)
		}
	}
}

// Every default list passes the rules an administrator's list is held to.
func TestDefaultsAreValidLists(t *testing.T) {
	e := newEngine(t)
	for _, l := range reference.Defaults() {
		r := e.Push(admin(e), reference.MutationSave, map[string]any{"list_id": reference.ListID(kommun, l.Kind), "kind": l.Kind, "items": l.Items})
		if r.Status != syncengine.StatusApplied {
			t.Errorf("default %s list: %+v", l.Kind, r.Error)
		}
	}
	if len(reference.Defaults()) != len(reference.Kinds) {
		t.Fatal("a kind has no default list")
	}
}
