package identity_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

func TestAccountFieldRules(t *testing.T) {
	for _, c := range []struct {
		username string
		ok       bool
	}{{"anna", true}, {"a.b_c-d9", true}, {"abc", true}, {"ab", false}, {"Anna", false}, {"anna lind", false},
		{"åsa", false}, {"a234567890123456789012345678901b", true}, {"a2345678901234567890123456789012c", false}, {"", false}} {
		if got := identity.CheckUsername(c.username) == nil; got != c.ok {
			t.Errorf("username %q: ok %v, want %v", c.username, got, c.ok)
		}
	}
	for _, c := range []struct {
		phone string
		ok    bool
	}{{"", true}, {"+46701234567", true}, {"0701234567", false}, {"+46 70 123", false}, {"+0701234567", false}, {"=1+2", false}} {
		if got := identity.CheckPhone(c.phone) == nil; got != c.ok {
			t.Errorf("phone %q: ok %v, want %v", c.phone, got, c.ok)
		}
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{{"Åsa Öberg", true}, {"  ", false}, {"", false}, {"a\x07b", false}} {
		if got := identity.CheckName(c.name) == nil; got != c.ok {
			t.Errorf("name %q: ok %v, want %v", c.name, got, c.ok)
		}
	}
}

// TestANewAccountIsItsProvidersUntilItsFirstGrant: an account without a grant is
// administered by the unit managers and representatives of the provider that created it
// (and administrators), not by another provider's; once granted, the usual rule holds; an
// account whose grants all expired is not anybody's new account.
func TestANewAccountIsItsProvidersUntilItsFirstGrant(t *testing.T) {
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
	must(s.PutProvider(identity.Provider{ID: "q", MunicipalityID: "m"}))
	must(s.PutUnit(identity.Unit{ID: "aspen", ProviderID: "p"}))
	must(s.PutUnit(identity.Unit{ID: "bjorken", ProviderID: "q"}))
	actor := func(id, unit string, role identity.Role) identity.Access {
		return identity.Access{UserID: id, Roles: map[string][]identity.Role{unit: {role}}, ProviderOf: map[string]string{unit: map[string]string{"aspen": "p", "bjorken": "q"}[unit]}}
	}
	must(s.CreateUsers([]identity.User{{ID: "new", Username: "new", ProviderID: "p"}, {ID: "old", Username: "old", ProviderID: "p"}},
		[]identity.Grant{{ID: "g", UserID: "old", UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: now.Add(-time.Hour)}}))
	fresh, _ := s.Target("new", now)
	expired, _ := s.Target("old", now)
	for _, c := range []struct {
		name   string
		actor  identity.Access
		target identity.Target
		want   bool
	}{
		{"manager of the provider", actor("m1", "aspen", identity.RoleUnitManager), fresh, true},
		{"representative of the provider", actor("r1", "aspen", identity.RoleUnitRep), fresh, true},
		{"nurse of the provider", actor("n1", "aspen", identity.RoleLicensed), fresh, false},
		{"manager of another provider", actor("m2", "bjorken", identity.RoleUnitManager), fresh, false},
		{"administrator", identity.Access{UserID: "a", Admin: true}, fresh, true},
		{"manager, an account whose grants expired", actor("m1", "aspen", identity.RoleUnitManager), expired, false},
	} {
		if got := identity.MayAdminister(c.actor, c.target); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// All or nothing: a taken username in a batch creates none of it.
	err = s.CreateUsers([]identity.User{{ID: "x1", Username: "x1"}, {ID: "x2", Username: "NEW"}}, nil)
	if !errors.Is(err, identity.ErrDuplicate) {
		t.Fatalf("a taken username: %v", err)
	}
	if _, err := s.UserByUsername("x1"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatal("half a batch was created")
	}
}
