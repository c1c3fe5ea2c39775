package identity_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

func TestScopesFollowValidGrants(t *testing.T) {
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
	must(s.PutProvider(identity.Provider{ID: "p", MunicipalityID: "m", Name: "Egen regi"}))
	must(s.PutUnit(identity.Unit{ID: "u1", ProviderID: "p", Name: "Aspen"}))
	must(s.PutUnit(identity.Unit{ID: "u2", ProviderID: "p", Name: "Lönnen"}))
	must(s.CreateUser(identity.User{ID: "cecilia", Username: "Cecilia", MunicipalityID: "m"}))
	if err := s.CreateUser(identity.User{ID: "x", Username: "cecilia"}); err == nil {
		t.Fatal("a username taken in another case was accepted")
	}
	must(s.PutGrant(identity.Grant{ID: "g1", UserID: "cecilia", UnitID: "u1", Role: identity.RoleLicensed, ValidUntil: now.Add(time.Hour)}))
	must(s.PutGrant(identity.Grant{ID: "g2", UserID: "cecilia", UnitID: "u2", Role: identity.RoleCareStaff, ValidUntil: now}))
	if err := s.PutGrant(identity.Grant{ID: "g3", UserID: "cecilia", UnitID: "u1", Role: "boss", ValidUntil: now}); err == nil {
		t.Fatal("unknown role accepted")
	}
	_, a, err := s.Access("cecilia", now)
	must(err)
	want := []string{"user:cecilia", "org:m", "unit:u1", "unit:u1:managers"}
	if !slices.Equal(a.Scopes, want) {
		t.Fatalf("scopes %v, want %v (a grant valid until now has expired)", a.Scopes, want)
	}
	if !a.Has("u1", identity.RoleLicensed) || a.Has("u2", identity.RoleCareStaff) {
		t.Fatalf("roles %v", a.Roles)
	}
	_, later, _ := s.Access("cecilia", now.Add(2*time.Hour))
	if !slices.Equal(later.Scopes, []string{"user:cecilia", "org:m"}) {
		t.Fatalf("expired grants must give nothing, got %v", later.Scopes)
	}
	u, _ := s.UserByUsername("CECILIA")
	if u.ID != "cecilia" {
		t.Fatal("username lookup must ignore case")
	}
}

func TestUnitsAndGrantsInMemorySurviveReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id.db")
	db, err := syncengine.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := identity.NewStore(identityStorage(t, db))
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	s.PutProvider(identity.Provider{ID: "p"})
	s.PutUnit(identity.Unit{ID: "aspen", ProviderID: "p"})
	s.PutUnit(identity.Unit{ID: "norr", ProviderID: "p", ParentID: "aspen"})
	s.PutUnit(identity.Unit{ID: "lonnen", ProviderID: "p"})
	for _, u := range []string{"anna", "bo", "lars"} {
		s.CreateUser(identity.User{ID: u, Username: u})
	}
	s.PutGrant(identity.Grant{ID: "1", UserID: "anna", UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: now.Add(time.Hour)})
	s.PutGrant(identity.Grant{ID: "2", UserID: "bo", UnitID: "aspen", Role: identity.RoleCareStaff, ValidUntil: now.Add(time.Hour)})
	s.PutGrant(identity.Grant{ID: "3", UserID: "lars", UnitID: "lonnen", Role: identity.RoleCareStaff, ValidUntil: now.Add(time.Hour)})
	db.Close()
	db, _ = syncengine.OpenBolt(path)
	defer db.Close()
	s, err = identity.NewStore(identityStorage(t, db))
	if err != nil {
		t.Fatal(err)
	}
	if !s.SubunitOf("norr", "aspen") || s.SubunitOf("lonnen", "aspen") {
		t.Fatal("sub-units after reopening")
	}
	if !s.Colleagues("anna", "bo", now) || s.Colleagues("anna", "lars", now) || s.Colleagues("anna", "bo", now.Add(2*time.Hour)) {
		t.Fatal("colleagues: same unit yes, other unit no, expired grants no")
	}
}
