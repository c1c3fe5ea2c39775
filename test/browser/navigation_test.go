package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
)

// officeTabs are the tabs of the office screens, which only some roles in a unit get.
var officeTabs = []string{"nav-overview", "nav-deviations", "nav-statistics", "nav-admin"}

// tabs are the office tabs the phone shows.
func (p *Phone) tabs() []string {
	p.t.Helper()
	var out []string
	for _, id := range officeTabs {
		if p.Has(id) {
			out = append(out, id)
		}
	}
	return out
}

// chooseUnit picks a unit in the menu's unit chooser.
func (p *Phone) chooseUnit(unitID string) {
	p.t.Helper()
	p.Click("menu")
	p.setValue("unit-choice", unitID)
	p.WaitScreen("today")
}

// TestTheTabsAreTheRolesOfTheCurrentUnit: mia is licensed staff in Aspen and coordinator
// in Björken. The menu offers the two units; in Aspen her tabs are the nurse's overview
// and nothing else of the office, in Björken the statistics and not the overview, and
// the choice holds after a reload. bo (care staff) sees no office tab and no chooser;
// greta, Björken's manager, has Björken's tabs and nothing of Aspen: neither its clients
// on Today nor Astrid's record, nor Aspen among her statistics. axe finds nothing on the
// menu with the chooser.
func TestTheTabsAreTheRolesOfTheCurrentUnit(t *testing.T) {
	s := startAtTime(t, 12, 10)
	until := s.Clock.Now().Add(24 * time.Hour)
	mia := s.AddUser("mia", demo.AspenID, identity.RoleLicensed, until)
	if err := s.Identity.PutGrant(identity.Grant{ID: "grant-mia-bjorken", UserID: mia, UnitID: demo.BjorkenID, Role: identity.RoleCoordinator, ValidUntil: until}); err != nil {
		t.Fatal(err)
	}
	s.AddUser("greta", demo.BjorkenID, identity.RoleUnitManager, until)

	p := loginAt(t, s, "mia")
	options := Eval[[]string](p, `[...document.querySelectorAll('[data-testid=unit-choice] option')].map(o => o.textContent)`)
	if strings.Join(options, ",") != "Hemtjänst Aspen,Hemtjänst Björken" {
		t.Fatalf("the unit chooser offers %q", options)
	}
	want := func(where string, tabs ...string) {
		t.Helper()
		if got := p.tabs(); strings.Join(got, ",") != strings.Join(tabs, ",") {
			t.Errorf("%s: the office tabs are %v, want %v", where, got, tabs)
		}
	}
	want("in Aspen", "nav-overview")
	p.Click("menu")
	checkScreen(t, p, "menu with the unit chooser")
	p.Click("menu")
	p.chooseUnit(demo.BjorkenID)
	want("in Björken", "nav-statistics")
	p.Click("nav-statistics")
	p.WaitScreen("statistics")
	p.WaitText("Hemtjänst Björken")
	p.Reload()
	p.WaitScreen("statistics")
	want("in Björken after a reload", "nav-statistics")
	p.chooseUnit(demo.AspenID)
	want("back in Aspen", "nav-overview")
	p.Click("nav-overview")
	p.WaitScreen("overview")

	bo := loginAt(t, s, "bo")
	if got := bo.tabs(); len(got) != 0 {
		t.Errorf("care staff see the office tabs %v", got)
	}
	if bo.Has("unit-choice") {
		t.Error("a person in one unit is offered a unit chooser")
	}

	greta := loginAt(t, s, "greta")
	if got := greta.tabs(); strings.Join(got, ",") != "nav-deviations,nav-statistics,nav-admin" {
		t.Errorf("Björken's manager has the tabs %v", got)
	}
	if text := Eval[string](greta, `document.body.innerText`); strings.Contains(text, "Astrid Nilsson") || strings.Contains(text, "Aspen") {
		t.Errorf("Björken's manager sees Aspen on Today:\n%s", text)
	}
	Eval[bool](greta, fmt.Sprintf(`(location.hash = '#/client/%s', true)`, demo.ClientID(1)))
	greta.WaitScreen("client")
	greta.WaitText("Brukaren finns inte i telefonen.")
	greta.Click("nav-statistics")
	greta.WaitScreen("statistics")
	greta.WaitText("Hemtjänst Björken")
	if text := Eval[string](greta, `document.querySelector('main').innerText`); strings.Contains(text, "Aspen") {
		t.Errorf("Björken's manager is offered Aspen's statistics:\n%s", text)
	}
}
