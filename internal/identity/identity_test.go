package identity_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/identity"
)

func TestScopesFollowValidGrants(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "id.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := identity.NewStore(db)
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
	ok, _ := s.AcceptTOTPStep("cecilia", 10)
	again, _ := s.AcceptTOTPStep("cecilia", 10)
	if !ok || again {
		t.Fatalf("a TOTP step must be accepted once: %v %v", ok, again)
	}
}
