package identity_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// TestNobodyAdministersAnAccountAtOrAboveTheirOwnRole: the rule of DESIGN.md
// "Administration", one row per actor × account: an administrator administers everyone
// but themselves; a unit manager the coordinators, licensed staff, representatives and
// care staff of their units and sub-units, no other manager; a unit representative only
// care staff; an account that is also a manager elsewhere is only an administrator's.
func TestNobodyAdministersAnAccountAtOrAboveTheirOwnRole(t *testing.T) {
	db, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "id.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := identity.NewStore(identityStorage(t, db))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutProvider(identity.Provider{ID: "p", MunicipalityID: "m"}))
	must(s.PutUnit(identity.Unit{ID: "aspen", ProviderID: "p"}))
	must(s.PutUnit(identity.Unit{ID: "norr", ProviderID: "p", ParentID: "aspen"}))
	must(s.PutUnit(identity.Unit{ID: "lonnen", ProviderID: "p"}))
	soon, past := now.Add(time.Hour), now.Add(-time.Hour)
	grants := map[string][]identity.Grant{
		"manager":      {{UnitID: "aspen", Role: identity.RoleUnitManager, ValidUntil: soon}},
		"manager2":     {{UnitID: "aspen", Role: identity.RoleUnitManager, ValidUntil: soon}},
		"rep":          {{UnitID: "aspen", Role: identity.RoleUnitRep, ValidUntil: soon}},
		"rep2":         {{UnitID: "aspen", Role: identity.RoleUnitRep, ValidUntil: soon}},
		"coordinator":  {{UnitID: "aspen", Role: identity.RoleCoordinator, ValidUntil: soon}},
		"nurse":        {{UnitID: "aspen", Role: identity.RoleLicensed, ValidUntil: soon}},
		"care":         {{UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: soon}},
		"care-norr":    {{UnitID: "norr", Role: identity.RoleCareStaff, ValidUntil: soon}},
		"care-lonnen":  {{UnitID: "lonnen", Role: identity.RoleCareStaff, ValidUntil: soon}},
		"care-expired": {{UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: past}},
		"dual":         {{UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: soon}, {UnitID: "lonnen", Role: identity.RoleUnitManager, ValidUntil: soon}},
		"integration":  {{UnitID: "aspen", Role: identity.RoleIntegration, ValidUntil: soon}},
		"norr-manager": {{UnitID: "norr", Role: identity.RoleUnitManager, ValidUntil: soon}},
		"old-manager":  {{UnitID: "aspen", Role: identity.RoleUnitManager, ValidUntil: past}},
		"lonnen-rep":   {{UnitID: "lonnen", Role: identity.RoleUnitRep, ValidUntil: soon}},
		"admin":        nil,
		"admin2":       nil,
	}
	for id, gs := range grants {
		must(s.CreateUser(identity.User{ID: id, Username: id, MunicipalityID: "m", Admin: id == "admin" || id == "admin2"}))
		for i, g := range gs {
			g.ID, g.UserID = id+string(rune('a'+i)), id
			must(s.PutGrant(g))
		}
	}
	access := func(id string) identity.Access {
		_, a, err := s.Access(id, now)
		must(err)
		return a
	}
	target := func(id string) identity.Target {
		tg, err := s.Target(id, now)
		must(err)
		return tg
	}
	mayOf := map[string][]string{
		"admin":        {"manager", "manager2", "rep", "rep2", "coordinator", "nurse", "care", "care-norr", "care-lonnen", "care-expired", "dual", "integration", "norr-manager", "old-manager", "lonnen-rep", "admin2"},
		"manager":      {"rep", "rep2", "coordinator", "nurse", "care", "care-norr"},
		"rep":          {"care", "care-norr"},
		"norr-manager": {"care-norr"},
		"lonnen-rep":   {"care-lonnen"},
		"dual":         {"care-lonnen", "lonnen-rep"}, // as Lönnen's manager
	}
	mayOf["admin2"] = append([]string{"admin"}, mayOf["admin"][:len(mayOf["admin"])-1]...)
	mayOf["manager2"], mayOf["rep2"] = mayOf["manager"], mayOf["rep"]
	for actor := range grants {
		may := map[string]bool{}
		for _, id := range mayOf[actor] {
			may[id] = true
		}
		for tgt := range grants {
			if got := identity.MayAdminister(access(actor), target(tgt)); got != may[tgt] {
				t.Errorf("%s administering %s: %v, want %v", actor, tgt, got, may[tgt])
			}
		}
	}
	// Limited to managers, a representative administers no one; an administrator still
	// does.
	if identity.MayAdminister(access("rep"), target("care"), identity.RoleUnitManager) {
		t.Error("a representative passed a managers' route")
	}
	if !identity.MayAdminister(access("manager"), target("care"), identity.RoleUnitManager) ||
		!identity.MayAdminister(access("admin"), target("care"), identity.RoleUnitManager) {
		t.Error("a manager's or administrator's act refused on a managers' route")
	}
	// A disabled account is still administered by its manager (to enable it again); a
	// user who does not exist by nobody but an administrator.
	_, err = s.ModifyUser("care", func(u *identity.User) error { u.Disabled = true; return nil })
	must(err)
	if !identity.MayAdminister(access("manager"), target("care")) {
		t.Error("a disabled account cannot be enabled by its manager")
	}
	unknown, err := s.Target("nobody", now)
	if !errors.Is(err, identity.ErrNotFound) || identity.MayAdminister(access("manager"), unknown) || !identity.MayAdminister(access("admin"), unknown) {
		t.Errorf("an unknown user: %v", err)
	}
}
