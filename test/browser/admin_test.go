package browser

import (
	"fmt"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// TestPuttingAUnitIntoServiceOnTheScreens: on an office computer's screen the
// administrator creates a unit of the municipality's own provider and its unit manager,
// and is shown the manager's activation code once, with the hand-out. The unit manager of
// Aspen creates a care worker and sees her code; she activates on her phone and sees
// Aspen's clients. The manager then reviews Aspen's grants (behörighetskontroll), keeping
// every one, and finds his acts in the review of Aspen's administration. The server holds what the screens said was done, and the screens' checks
// (axe, focus, targets, 200 % text) find nothing on them.
func TestPuttingAUnitIntoServiceOnTheScreens(t *testing.T) {
	s := testserver.Start(t)

	// The administrator: a unit, and its manager.
	admin := NewPhone(t, "admin")
	admin.Desktop()
	admin.Login(s, "admin")
	admin.WaitFor("the organisation", fmt.Sprintf(`!!document.querySelector('[data-testid=provider-%s]')`, demo.OwnProviderID))
	checkScreen(t, admin, "organisation")
	admin.Click("unit-new-" + demo.OwnProviderID)
	admin.Type("unit-name-"+demo.OwnProviderID, "Hemtjänst Eken")
	admin.Click("unit-create-" + demo.OwnProviderID)
	admin.WaitText("Hemtjänst Eken")
	var eken identity.Unit
	for _, id := range s.Identity.Units() {
		if u, _ := s.Identity.Unit(id); u.Name == "Hemtjänst Eken" && u.ProviderID == demo.OwnProviderID {
			eken = u
		}
	}
	if eken.ID == "" {
		t.Fatal("the screen shows Hemtjänst Eken, but the server holds no such unit")
	}
	admin.Click("unit-" + eken.ID)
	admin.WaitScreen("unit")
	admin.Click("unit-new-person")
	admin.WaitScreen("newuser")
	admin.Type("newuser-username", "erik.chef")
	admin.Type("newuser-name", "Erik Chef")
	Eval[bool](admin, `(s => (s.value = 'unit_manager', s.dispatchEvent(new Event('change')), true))(document.querySelector('[data-testid=newuser-role]'))`)
	admin.Click("newuser-create")
	admin.WaitFor("the activation code", `(e => !!e && e.innerText.length >= 20)(document.querySelector('[data-testid=activation-code]'))`)
	admin.WaitFor("the grant's answer", `!!document.querySelector('[data-testid=newuser-grant]')`)
	if st := Eval[string](admin, `document.querySelector('[data-testid=newuser-grant]').dataset.status`); st != "active" {
		t.Errorf("the new manager's grant reads %q, want active", st)
	}
	checkScreen(t, admin, "new person's code")
	erik, err := s.Identity.UserByUsername("erik.chef")
	if err != nil || !erik.ActivationPending {
		t.Fatalf("the server's erik.chef: %+v (%v), want an account waiting for activation", erik, err)
	}
	if _, acc, err := s.Identity.Access(erik.ID, s.Clock.Now()); err != nil || !acc.Has(eken.ID, identity.RoleUnitManager) {
		t.Errorf("erik.chef is not the unit manager of Eken on the server: %v %v", acc.Roles, err)
	}

	// Aspen's manager: a care worker.
	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.OpenUnitAdmin(demo.AspenID)
	david.WaitFor("Aspen's people", `!!document.querySelector('[data-testid=unit-people]')`)
	checkScreen(t, david, "a unit's people")
	david.Click("unit-new-person")
	david.WaitScreen("newuser")
	david.Type("newuser-username", "sanna.ny")
	david.Type("newuser-name", "Sanna Ny")
	david.Click("newuser-create")
	david.WaitFor("the activation code", `(e => !!e && e.innerText.length >= 20)(document.querySelector('[data-testid=activation-code]'))`)
	code := Eval[string](david, `document.querySelector('[data-testid=activation-code]').innerText`)

	// The care worker, on her phone.
	sanna := NewPhone(t, "sanna")
	activateOnPhone(t, s, sanna, "sanna.ny", code)
	sanna.SyncNow()
	sanna.WaitText("Astrid Nilsson")

	// The access review of Aspen: every grant kept.
	david.OpenUnitAdmin(demo.AspenID)
	david.Click("unit-review")
	david.WaitScreen("review")
	david.WaitFor("the grants to review", `!!document.querySelector('[data-testid=review-grants]')`)
	checkScreen(t, david, "access review")
	david.Click("review-save") // nothing chosen: the screen says what is left, sends nothing
	david.WaitFor("what is left", `(e => !e.hidden && /behörighet/.test(e.innerText))(document.querySelector('[data-testid=review-error]'))`)
	n := Eval[int](david, `(() => { const all = document.querySelectorAll('[data-testid^=review-keep-]'); all.forEach(e => e.click()); return all.length; })()`)
	if n < 5 {
		t.Fatalf("the review lists %d grants of Aspen, want every active one (at least the demo's 5)", n)
	}
	Eval[bool](david, `(document.querySelector('[data-testid=review-note]').value = 'Alla behövs i tjänsten.', true)`)
	david.Click("review-save")
	david.WaitFor("the review saved", `!!document.querySelector('[data-testid=review-saved]')`)
	res := s.Do("GET", "/api/v1/admin/units/"+demo.AspenID+"/access-review", s.Login("david").Token, nil)
	var review struct {
		LastReview *struct{ By string } `json:"last_review"`
		Overdue    bool                 `json:"overdue"`
	}
	res.JSON(t, &review)
	if review.LastReview == nil || review.LastReview.By != demo.UserID("david") || review.Overdue {
		t.Errorf("after the review the server says %s", res.Body)
	}

	// The review of Aspen's administration lists what david did, in words.
	david.Click("back")
	david.WaitScreen("unit")
	david.Click("unit-audit")
	david.WaitScreen("audit")
	david.WaitFor("the acts", `!!document.querySelector('[data-testid=audit-acts]')`)
	acts := Eval[string](david, `document.querySelector('[data-testid=audit-acts]').innerText`)
	for _, want := range []string{"Behörighetskontroll gjordes", "Behörighet gavs", "David Holm", "Sanna Ny"} {
		if !contains(acts, want) {
			t.Errorf("the review of Aspen's administration lacks %q:\n%s", want, acts)
		}
	}
	checkScreen(t, david, "administrative acts")
}

// TestAnOverdueAccessReviewShowsOnTheManagersScreen: seven months after Aspen was set up
// its access review is overdue; Aspen's manager sees it first under Administrera, and the
// link opens the review.
func TestAnOverdueAccessReviewShowsOnTheManagersScreen(t *testing.T) {
	s := testserver.Start(t)
	s.Clock.Advance(7 * 30 * 24 * time.Hour)
	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.Click("nav-admin")
	david.WaitScreen("admin")
	david.WaitFor("the overdue review", fmt.Sprintf(`!!document.querySelector('[data-testid=reviews-overdue] [data-testid=overdue-%s]')`, demo.AspenID))
	if text := Eval[string](david, `document.querySelector('[data-testid=reviews-overdue]').innerText`); !contains(text, "Hemtjänst Aspen") || !contains(text, "försenad") {
		t.Errorf("the overdue notice reads %q", text)
	}
	checkScreen(t, david, "organisation with an overdue review")
	david.Click("overdue-" + demo.AspenID)
	david.WaitScreen("review")
	david.WaitFor("the review's due date", `document.querySelector('[data-testid=review-due]').dataset.overdue === 'true'`)
}

// OpenUnitAdmin opens a unit's people under Administrera (#/unit/<id>), as its manager or
// representative does from the organisation.
func (p *Phone) OpenUnitAdmin(unitID string) {
	p.t.Helper()
	p.Click("nav-admin")
	p.WaitScreen("admin")
	p.Click("unit-" + unitID)
	p.WaitScreen("unit")
}
