package e2e

import (
	"slices"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAProviderEndsOnlyWithItsWorkClosedAndThenItsPeopleLoseAccess (seed 002): ending a
// provider is refused while its deviations or journals are open, with the open ones
// listed and nothing changed; once they are closed it ends at the date given. Until then
// its people work as before; after it their next pull drops the provider's units and the
// municipality's data, their refresh is refused and they cannot log in. Nothing new can
// be added to an ended provider.
func TestAProviderEndsOnlyWithItsWorkClosedAndThenItsPeopleLoseAccess(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("bertil", demo.BjorkenID, identity.RoleUnitManager, s.Clock.Now().AddDate(0, 11, 0))
	admin, eva, farid, bertil := s.Login("admin"), s.Login("eva"), s.Login("farid"), s.Login("bertil")
	anna := s.Login("anna") // of the municipality's own provider, which goes on
	for _, d := range []*testserver.Device{eva, farid, anna} {
		d.Pull()
	}
	deviation := uuids.New()
	if r := farid.Push("deviation.report", map[string]any{"deviation_id": deviation, "client_id": demo.ClientID(9), "type": "deviation",
		"person_alone": true, "activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
		"occurred_at": s.Clock.Now().Add(-time.Hour), "course_of_events": "Brukaren föll i köket."}).Results[0]; r.Status != "applied" {
		t.Fatalf("report: %+v", r)
	}
	var journals []string
	for n := 9; n <= 12; n++ {
		journals = append(journals, journal.JournalID(demo.ClientID(n)))
	}
	slices.Sort(journals)
	endsAt := s.Clock.Now().Add(5 * time.Minute) // the tokens live 15 minutes

	end := func() testserver.Response {
		return s.Do("POST", "/api/v1/admin/providers/"+demo.NorrProviderID+"/end", admin.Token, map[string]any{"ends_at": endsAt})
	}
	grantsBefore := s.Identity.Grants(demo.UserID("farid"))

	res := end()
	var open struct {
		Deviations []string `json:"open_deviations"`
		Journals   []string `json:"open_journals"`
	}
	res.JSON(t, &open)
	if res.Status != 409 || res.ErrorCode() != "provider_has_open_work" || !slices.Equal(open.Deviations, []string{deviation}) || !slices.Equal(open.Journals, journals) {
		t.Fatalf("ending with open work: %d %s, want 409 listing deviation %s and journals %v", res.Status, res.Body, deviation, journals)
	}
	if p, _ := s.Identity.Provider(demo.NorrProviderID); !p.EndsAt.IsZero() {
		t.Fatal("a refused end set the provider's end")
	}
	if !slicesEqualGrants(grantsBefore, s.Identity.Grants(demo.UserID("farid"))) {
		t.Fatal("a refused end changed grants")
	}

	// The work is closed: the deviation's analysis, then every journal (two are left for
	// a second refusal that lists only what is still open).
	if r := bertil.Push("deviation.analyse", map[string]any{"deviation_id": deviation, "consequence": "Inga skador", "analysis": "Halt golv",
		"actions": "Halkskydd", "lex_sarah_or_maria": "none", "status": "closed"}).Results[0]; r.Status != "applied" {
		t.Fatalf("analyse: %+v", r)
	}
	for n := 9; n <= 10; n++ {
		if r := eva.Push("journal.close", map[string]any{"journal_id": journal.JournalID(demo.ClientID(n)), "client_id": demo.ClientID(n)}).Results[0]; r.Status != "applied" {
			t.Fatalf("close: %+v", r)
		}
	}
	res = end()
	res.JSON(t, &open)
	if res.Status != 409 || len(open.Deviations) != 0 || len(open.Journals) != 2 {
		t.Fatalf("ending with two journals open: %d %s", res.Status, res.Body)
	}
	for n := 11; n <= 12; n++ {
		if r := eva.Push("journal.close", map[string]any{"journal_id": journal.JournalID(demo.ClientID(n)), "client_id": demo.ClientID(n)}).Results[0]; r.Status != "applied" {
			t.Fatalf("close: %+v", r)
		}
	}
	if res := end(); res.Status != 200 {
		t.Fatalf("ending with the work closed: %d %s", res.Status, res.Body)
	}
	if res := end(); res.Status != 409 || res.ErrorCode() != "provider_ended" {
		t.Fatalf("ending twice: %d %s", res.Status, res.Body)
	}
	for _, g := range s.Identity.Grants(demo.UserID("farid")) {
		if g.ValidUntil.After(endsAt) {
			t.Fatalf("farid's grant runs to %v, past the end %v", g.ValidUntil, endsAt)
		}
	}
	var org struct {
		Providers []struct {
			ProviderID string     `json:"provider_id"`
			EndsAt     *time.Time `json:"ends_at"`
		} `json:"providers"`
	}
	s.Do("GET", "/api/v1/admin/org", admin.Token, nil).JSON(t, &org)
	for _, p := range org.Providers {
		if (p.ProviderID == demo.NorrProviderID) != (p.EndsAt != nil) || p.EndsAt != nil && !p.EndsAt.Equal(endsAt) {
			t.Fatalf("the org tree shows %s ending at %v", p.ProviderID, p.EndsAt)
		}
	}
	// Nothing new for an ended provider.
	if res := s.Do("POST", "/api/v1/admin/units", admin.Token, map[string]any{"provider_id": demo.NorrProviderID, "name": "Ny"}); res.Status != 409 || res.ErrorCode() != "provider_ended" {
		t.Fatalf("a unit for an ended provider: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/grants", admin.Token, map[string]any{"user_id": demo.UserID("anna"), "unit_id": demo.BjorkenID,
		"role": identity.RoleCareStaff, "valid_until": s.Clock.Now().AddDate(0, 1, 0)}); res.Status != 409 || res.ErrorCode() != "provider_ended" {
		t.Fatalf("a grant at an ended provider: %d %s", res.Status, res.Body)
	}

	// Before the end, nothing is dropped.
	if _, drops := farid.Pull(); len(drops) != 0 {
		t.Fatalf("before the end farid's pull dropped %v", drops)
	}
	s.Clock.Advance(endsAt.Sub(s.Clock.Now()) + time.Second) // past the end, within the access tokens' life
	for _, d := range []*testserver.Device{farid, eva} {
		_, drops := d.Pull()
		for _, want := range []string{identity.UnitScope(demo.BjorkenID), identity.OrgScope(demo.MunicipalityID)} {
			if !slices.Contains(drops, want) {
				t.Fatalf("%s's pull after the end dropped %v, want %s among them", d.Username, drops, want)
			}
		}
		if res := d.Refresh(); res.Status != 401 || res.ErrorCode() != "session_expired" {
			t.Fatalf("%s's refresh after the end: %d %s", d.Username, res.Status, res.Body)
		}
		res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": d.Username, "password": demo.Password})
		if res.Status != 401 || res.ErrorCode() != "invalid_credentials" {
			t.Fatalf("%s's login after the end: %d %s", d.Username, res.Status, res.Body)
		}
	}
	// The municipality's own provider goes on.
	if _, drops := anna.Pull(); len(drops) != 0 {
		t.Fatalf("anna's pull dropped %v", drops)
	}
	s.Login("anna")
}

func slicesEqualGrants(a, b []identity.Grant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || !a[i].ValidUntil.Equal(b[i].ValidUntil) || a[i].State() != b[i].State() {
			return false
		}
	}
	return true
}
