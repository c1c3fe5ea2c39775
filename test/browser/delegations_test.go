package browser

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// serverDelegations are the delegations on the server, by id.
func serverDelegations(t *testing.T, s *testserver.Server) map[string]signing.Delegation {
	t.Helper()
	changes, _ := s.Login("cecilia").Pull()
	out := map[string]signing.Delegation{}
	for _, c := range changes {
		var d signing.Delegation
		if c.Kind == signing.KindDelegation && json.Unmarshal(c.Data, &d) == nil {
			out[c.ID] = d
		}
	}
	return out
}

// stockholmDay is the Stockholm day n days from now.
func stockholmDay(n int) string {
	return time.Now().In(stockholm).AddDate(0, 0, n).Format("2006-01-02")
}

// TestTheNurseGrantsRenewsAndRevokesDelegations: cecilia opens Delegeringar: anna's two
// delegations (half a year) are current, none ends within 30 days. She delegates wound
// care to bo for 20 days: it reads as waiting until the server's record is in, then comes
// first, as ending within 30 days. She renews it (a new grant with a later end) and
// revokes anna's medication with a reason (not without one). Care staff have no such
// screen. axe finds nothing on it, with its forms open.
func TestTheNurseGrantsRenewsAndRevokesDelegations(t *testing.T) {
	s := startAtTime(t, 9, 0)
	cecilia := loginAt(t, s, "cecilia")
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	cecilia.Click("open-delegations")
	cecilia.WaitScreen("delegations")
	annaMed := uuids.Named("demo/delegation/anna/medication")
	cecilia.WaitFor("anna's delegations", fmt.Sprintf(`!!document.querySelector('[data-testid=delegations-current] [data-testid=%s]')`, js("delegation-"+annaMed)))
	if cecilia.Has("delegations-soon") {
		t.Error("a delegation reads as ending within 30 days before any does")
	}
	checkScreen(t, cecilia, "delegations")

	cecilia.Click("grant-save")
	cecilia.WaitText("Välj vem som får delegeringen.")
	cecilia.Fill("grant-user", "Bo Ek")
	cecilia.Fill("grant-kind", "Såromläggning")
	cecilia.setValue("grant-until", stockholmDay(20))
	cecilia.Click("grant-save")
	cecilia.WaitFor("the grant waiting", `!!document.querySelector('[data-testid^=delegation-waiting-]')`)
	cecilia.SyncNow()
	var bo signing.Delegation
	for _, d := range serverDelegations(t, s) {
		if d.UserID == demo.UserID("bo") {
			bo = d
		}
	}
	if bo.MeasureKind != "wound_care" || bo.ValidUntil.In(stockholm).Format("2006-01-02") != stockholmDay(21) || bo.RevokedAt != nil {
		t.Fatalf("bo's delegation on the server: %+v", bo)
	}
	soon := fmt.Sprintf(`[data-testid=delegations-soon] [data-testid=%s]`, js("delegation-"+bo.DelegationID))
	cecilia.WaitFor("bo's delegation first, ending soon", fmt.Sprintf(`(e => !!e && e.innerText.includes('Upphör snart') && e.innerText.includes('Bo Ek'))(document.querySelector(%s))`, js(soon)))
	if first := Eval[string](cecilia, `document.querySelector('main [data-testid^=delegation-]').dataset.testid`); first != "delegation-"+bo.DelegationID {
		t.Errorf("the first delegation shown is %s, want bo's, which ends first", first)
	}

	cecilia.Click("renew-" + bo.DelegationID)
	cecilia.setValue("renew-until-"+bo.DelegationID, stockholmDay(200))
	checkScreen(t, cecilia, "delegations with the renewal open")
	cecilia.Click("renew-save-" + bo.DelegationID)
	cecilia.WaitFor("the renewal waiting", fmt.Sprintf(`document.querySelector('[data-testid=%s]').innerText.includes('Väntar på synk')`, js("delegation-"+bo.DelegationID)))
	cecilia.SyncNow()
	renewals := 0
	for _, d := range serverDelegations(t, s) {
		if d.UserID == demo.UserID("bo") && d.DelegationID != bo.DelegationID && d.MeasureKind == "wound_care" && d.ValidUntil.In(stockholm).Format("2006-01-02") == stockholmDay(201) {
			renewals++
		}
	}
	if renewals != 1 {
		t.Fatalf("%d renewals of bo's delegation on the server, want 1", renewals)
	}
	cecilia.WaitFor("the old one marked renewed", fmt.Sprintf(`document.querySelector('[data-testid=%s]').innerText.includes('Förnyad till')`, js("delegation-"+bo.DelegationID)))

	cecilia.Click("revoke-" + annaMed)
	cecilia.Click("revoke-save-" + annaMed)
	cecilia.WaitText("Skriv varför delegeringen återkallas.")
	checkScreen(t, cecilia, "delegations with the revocation open")
	cecilia.Type("revoke-reason-"+annaMed, "Ny bedömning behövs")
	cecilia.Click("revoke-save-" + annaMed)
	cecilia.SyncNow()
	if d := serverDelegations(t, s)[annaMed]; d.RevokedAt == nil || d.Reason != "Ny bedömning behövs" {
		t.Fatalf("anna's medication delegation on the server: %+v", d)
	}
	cecilia.WaitFor("the revoked delegation gone", fmt.Sprintf(`!document.querySelector('[data-testid=%s]')`, js("delegation-"+annaMed)))

	anna := loginAt(t, s, "anna")
	if anna.Has("nav-overview") || anna.Has("open-delegations") {
		t.Error("care staff are offered the signing overview or the delegations")
	}
	Eval[bool](anna, `(location.hash = '#/delegations', true)`)
	anna.WaitScreen("delegations")
	anna.WaitText("Bara legitimerad personal delegerar.")
	if anna.Has("grant-form") {
		t.Error("care staff are offered the grant form")
	}
}
