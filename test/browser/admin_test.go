package browser

import (
	"testing"

	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAManagerApprovesAndReviewsAccess: Aspen's manager, at the office computer (a
// desktop-sized window), sees on Today that the unit's access review is overdue, approves
// the grant to Lönnen that waits for him in "Väntar på mitt godkännande", and completes
// the access review, ending one grant; the server has it all. On a phone-sized window the
// same screens work. axe (and the app's other checks) find nothing on the new screens,
// in Swedish and in English.
func TestAManagerApprovesAndReviewsAccess(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, s.Clock.Now().AddDate(0, 11, 0))
	lisa := s.Login("lisa")
	res := s.Do("POST", "/api/v1/admin/grants", lisa.Token, map[string]any{"user_id": demo.UserID("anna"), "unit_id": demo.LonnenID,
		"role": identity.RoleCareStaff, "valid_until": s.Clock.Now().AddDate(0, 3, 0)})
	var pending struct {
		GrantID string `json:"grant_id"`
	}
	res.JSON(t, &pending)
	if res.Status != 201 {
		t.Fatalf("grant: %d %s", res.Status, res.Body)
	}
	// Aspen's last review was seven months ago: the next is overdue.
	if err := s.Identity.RecordReview(identity.Review{ID: uuids.New(), UnitID: demo.AspenID, By: demo.UserID("admin"),
		At: s.Clock.Now().AddDate(0, -7, 0)}, ""); err != nil {
		t.Fatal(err)
	}

	p := NewPhone(t, "david")
	p.Login(s, "david")
	p.WaitFor("the overdue notice", `!!document.querySelector('[data-testid=reviews-overdue]')`)
	checkScreen(t, p, "today with an overdue review (phone)")
	p.run("a desktop window", chromedp.EmulateViewport(1280, 900))
	checkDesktop(t, p, "today with an overdue review")

	p.Open(s.URL + "/#/approvals")
	p.WaitFor("the pending grant", `!!document.querySelector('[data-testid="pending-`+pending.GrantID+`"]')`)
	checkDesktop(t, p, "approvals")
	p.Click("approve-" + pending.GrantID)
	p.WaitFor("the list without it", `document.body.dataset.screen === 'approvals' && !document.querySelector('[data-testid="pending-`+pending.GrantID+`"]')`)
	if g, _ := s.Identity.Grant(pending.GrantID); g.State() != identity.GrantActive {
		t.Fatalf("after the approval the grant is %s", g.State())
	}

	p.Open(s.URL + "/#/today")
	p.WaitFor("the overdue notice", `!!document.querySelector('[data-testid="open-review-`+demo.AspenID+`"]')`)
	p.Click("open-review-" + demo.AspenID)
	p.WaitScreen("review")
	p.WaitFor("the grants", `document.querySelectorAll('tr[data-testid^="review-"]').length >= 4`)
	checkDesktop(t, p, "access review")
	lines := s.Identity.ActiveGrantsOf(demo.AspenID, s.Clock.Now())
	bo := uuids.Named("grant/bo")
	for _, g := range lines {
		choice := "keep"
		if g.ID == bo {
			choice = "end"
		}
		p.run("decide on "+g.ID, chromedp.SetValue(`[data-testid="decision-`+g.ID+`"]`, choice))
	}
	p.Type("review-note", "Bo har slutat.")
	p.Click("review-submit")
	p.WaitFor("the saved review", `!!document.querySelector('[data-testid=review-done]')`)
	r, ok, err := s.Identity.LastReview(demo.AspenID)
	if err != nil || !ok || r.By != demo.UserID("david") || r.Note != "Bo har slutat." || len(r.Ended) != 1 || r.Ended[0] != bo {
		t.Fatalf("the review the server has: %+v %v %v", r, ok, err)
	}
	if g, _ := s.Identity.Grant(bo); g.State() != identity.GrantEnded {
		t.Fatalf("bo's grant is %s after the review", g.State())
	}

	p.Open(s.URL + "/#/today")
	p.WaitFor("Today without the notice", `document.body.dataset.screen === 'today' && !document.querySelector('[data-testid=reviews-overdue]')`)

	// On a phone (where the checks also take 200 % text), in English.
	p.SetScale(1)
	p.Click("menu")
	p.Click("lang-toggle")
	p.Open(s.URL + "/#/review/" + demo.AspenID)
	p.WaitFor("the review in English", `document.body.dataset.screen === 'review' && document.querySelector('main h1').textContent === 'Access review' && document.querySelectorAll('tr[data-testid^="review-"]').length >= 3`)
	checkScreen(t, p, "access review (phone, English)")
	p.Open(s.URL + "/#/approvals")
	p.WaitScreen("approvals")
	checkScreen(t, p, "approvals (phone, English)")
}

// checkDesktop runs the checks that hold on any window — axe's WCAG 2.1 AA rules and the
// keyboard's reach and focus ring, in the light and the dark scheme — on what a
// desktop-sized window shows (the 200 % text checks measure a phone's width).
func checkDesktop(t *testing.T, p *Phone, name string) {
	t.Helper()
	p.Quiet()
	p.Settle()
	for _, scheme := range []string{"light", "dark"} {
		emulateScheme(p, scheme)
		for _, problem := range append(axeProblems(t, p), focusProblems(t, p)...) {
			t.Errorf("%s (desktop, %s): %s", name, scheme, problem)
		}
	}
	emulateScheme(p, "")
}
