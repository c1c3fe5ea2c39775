package identity_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/boltstore"
	"vardag/internal/identity"
	"vardag/syncengine"
)

func openStore(t *testing.T) (*syncengine.BoltStore, *identity.Store) {
	t.Helper()
	db, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "id.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := identity.NewStore(identityStorage(t, db))
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

func TestAnOrganisationNumberIsCheckedByItsLuhnDigit(t *testing.T) {
	for in, want := range map[string]string{
		"559900-1004": "559900-1004", "5599001004": "559900-1004", " 212000-9002 ": "212000-9002",
		"559900-1005": "", "55990-01004": "", "559900-100": "", "55990A-1004": "", "": "",
		"400101-1230":   "", // Luhn-right, but a personnummer's shape (third digit 0): not a legal person's
		"16559900-1004": "", // the twelve-digit form is not taken
	} {
		got, err := identity.ParseOrgNumber(in)
		if (err == nil) != (want != "") || got != want {
			t.Errorf("ParseOrgNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestRecordsStoredBeforeKindsAndStatusesStillRead: a provider stored with the boolean
// "private" reads as the kind it meant, and a grant stored without a status is active.
func TestRecordsStoredBeforeKindsAndStatusesStillRead(t *testing.T) {
	db, _ := openStore(t)
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	err := db.DB().Update(func(tx *bolt.Tx) error {
		for bucket, kv := range map[string][2]string{
			"id_providers": {"p1", `{"id":"p1","municipality_id":"m","name":"Omsorg Norr AB","private":true}`},
			"id_units":     {"u1", `{"id":"u1","provider_id":"p1","name":"Björken"}`},
			"id_users":     {"x", `{"id":"x","username":"x","name":"X"}`},
			"id_grants":    {"x\x00g1", `{"id":"g1","user_id":"x","unit_id":"u1","role":"care_staff","valid_until":"` + until + `"}`},
		} {
			if err := tx.Bucket([]byte(bucket)).Put([]byte(kv[0]), []byte(kv[1])); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("id_providers")).Put([]byte("p2"), []byte(`{"id":"p2","municipality_id":"m","name":"Egen regi","private":false}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := identity.NewStore(identityStorage(t, db))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Provider("p1"); p.Kind != identity.ProviderPrivate {
		t.Fatalf("p1 reads as %q, want private", p.Kind)
	}
	if p, _ := s.Provider("p2"); p.Kind != identity.ProviderOwn {
		t.Fatalf("p2 reads as %q, want own", p.Kind)
	}
	_, a, err := s.Access("x", time.Now())
	if err != nil || !a.Has("u1", identity.RoleCareStaff) {
		t.Fatalf("a grant stored without a status gives nothing: %+v %v", a, err)
	}
}

// TestTwoManagersApprovingAtOnceBothCount: the managers of the two units involved approve
// at the same moment; both approvals are kept and the grant ends active, whatever the
// order.
func TestTwoManagersApprovingAtOnceBothCount(t *testing.T) {
	_, s := openStore(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutProvider(identity.Provider{ID: "p", MunicipalityID: "m"}))
	for _, u := range []string{"a", "b", "c"} {
		must(s.PutUnit(identity.Unit{ID: u, ProviderID: "p"}))
	}
	soon := now.AddDate(0, 6, 0)
	for user, g := range map[string]identity.Grant{
		"worker": {UnitID: "a", Role: identity.RoleCareStaff}, "ma": {UnitID: "a", Role: identity.RoleUnitManager},
		"mb": {UnitID: "b", Role: identity.RoleUnitManager}, "mc": {UnitID: "c", Role: identity.RoleUnitManager},
	} {
		must(s.CreateUser(identity.User{ID: user, Username: user}))
		g.ID, g.UserID, g.ValidUntil = "g-"+user, user, soon
		must(s.PutGrant(g))
	}
	access := func(user string) identity.Access {
		_, a, err := s.Access(user, now)
		must(err)
		return a
	}
	worker := identity.GrantRequest{UserID: "worker", UnitID: "b", Role: identity.RoleCareStaff, ValidUntil: soon}
	// Unit c's manager asks; a and b decide. c is not involved, and may not ask for b.
	if _, err := s.CreateGrant(access("mc"), worker, now); !errors.Is(err, identity.ErrForbidden) {
		t.Fatalf("a manager of another unit gave a grant in b: %v", err)
	}
	g, err := s.CreateGrant(identity.Access{UserID: "root", Admin: true}, worker, now)
	must(err)
	if g.State() != identity.GrantPending || len(g.Awaiting) != 2 {
		t.Fatalf("the grant: %+v, want pending awaiting a and b", g)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, m := range []string{"ma", "mb"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ApproveGrant(access(m), g.ID, now)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(err)
	}
	got, _ := s.Grant(g.ID)
	if got.State() != identity.GrantActive || len(got.Approvals) != 2 || len(got.Awaiting) != 0 {
		t.Fatalf("after both approvals: %+v", got)
	}
	if !access("worker").Has("b", identity.RoleCareStaff) {
		t.Fatal("the approved grant gives nothing")
	}
}

// identityStorage keeps the identity records in db, a real bbolt file, as the server does.
func identityStorage(t *testing.T, db *syncengine.BoltStore) identity.Storage {
	t.Helper()
	st, err := boltstore.New(db).Identity()
	if err != nil {
		t.Fatal(err)
	}
	return st
}
