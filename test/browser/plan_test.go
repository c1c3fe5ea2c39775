package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/plans"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// TestPlanDraftedOnThePhoneEstablishedOnTheDesktop: anna, care staff, drafts Astrid's
// implementation plan on her phone; it waits in the outbox and shows as a draft only once
// the server has it. alma, the coordinator, finds it on a desktop-sized window through
// Today's list of plans to establish, and establishes it. anna's client screen then shows
// the established plan (what to do at this visit) before the journal and signing buttons;
// she is never offered to establish. She then drafts version 2, which the client's screen
// shows only once alma has established it, version 1 still legible among the earlier
// versions. axe and the screen checks find nothing on the plan
// screen (phone and desktop) and the coordinator's list.
func TestPlanDraftedOnThePhoneEstablishedOnTheDesktop(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, time.Now().AddDate(0, 1, 0))
	astrid, measure := demo.ClientID(1), uuids.Named("demo/measure/aspen/1")
	what := "Hjälp med dusch och påklädning"

	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.OpenClient(astrid)
	anna.WaitFor("no plan yet", `!!document.querySelector('[data-testid=client-no-plan]')`)
	anna.Click("open-plan")
	anna.WaitScreen("plan")
	if anna.Has("plan-establish") {
		t.Fatal("anna, care staff, is offered to establish a plan")
	}
	checkScreen(t, anna, "the plan screen with a new draft")
	anna.Fill("plan-edit-"+measure+"-what", what)
	anna.Fill("plan-edit-"+measure+"-how", "Med rollator, i lugn takt")
	anna.Fill("plan-edit-"+measure+"-when", "Varje morgon")
	anna.Fill("plan-edit-"+measure+"-goal", "Astrid klarar mer själv")
	anna.Fill("plan-edit-participation", "Astrid berättade själv hur hon vill ha det")
	anna.Click("plan-save")
	anna.WaitFor("the draft waiting for the server", `!!document.querySelector('[data-testid=plan-pending]') && !document.querySelector('[data-testid=plan-draft-what]')`)
	anna.SyncUntil("the draft to reach the server", `s.outbox === 0`)
	anna.WaitFor("the saved draft", `(e => !!e && e.textContent === `+js(what)+`)(document.querySelector('[data-testid=plan-draft-what]'))`)
	planID := Eval[string](anna, `([...document.querySelectorAll('section.plan')].map(e => e.dataset.testid).find(x => /^plan-[0-9a-f-]{36}$/.test(x)) || '').slice(5)`)
	if !uuids.Valid(planID) {
		t.Fatalf("no plan on anna's screen: %s", Eval[string](anna, `document.querySelector('main').innerText`))
	}
	if Eval[bool](anna, `!!document.querySelector('[data-testid=plan-establish]')`) {
		t.Fatal("anna is offered to establish the draft")
	}

	alma := NewPhone(t, "alma")
	alma.Desktop()
	alma.Login(s, "alma")
	alma.SyncNow()
	alma.GoToday()
	alma.Click("today-plans")
	alma.WaitScreen("plans")
	alma.WaitFor("anna's draft to establish", `!!document.querySelector('[data-testid=plans-draft-`+planID+`]')`)
	checkScreen(t, alma, "the coordinator's plans")
	alma.Click("plans-draft-" + planID)
	alma.WaitScreen("plan")
	alma.WaitFor("the draft", `!!document.querySelector('[data-testid=plan-establish]')`)
	checkScreen(t, alma, "the plan screen on a desktop")
	alma.Click("plan-establish")
	alma.SyncUntil("the establishment to reach the server", `s.outbox === 0`)
	alma.WaitFor("the established plan", `(e => !!e && e.textContent === `+js(what)+`)(document.querySelector('[data-testid=plan-established-what]'))`)

	var v plans.Version
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		rec, ok, err := r.Record(plans.KindVersion, plans.VersionID(planID, 1))
		if err != nil || !ok {
			t.Fatalf("version 1 is not on the server: %v", err)
		}
		return json.Unmarshal(rec.Data, &v)
	}); err != nil {
		t.Fatal(err)
	}
	if v.Status != plans.StatusEstablished || v.EstablishedBy != demo.UserID("alma") || v.SavedBy != demo.UserID("anna") || v.Parts[0].What != what || v.WithClient == nil || !*v.WithClient {
		t.Fatalf("the server's version: %+v", v)
	}

	// anna's client screen: the established plan first, before the journal's buttons.
	anna.SyncNow()
	anna.OpenClient(astrid)
	sel := `[data-testid=plan-established-` + planID + `-what]`
	anna.WaitFor("the established plan on the client's screen", `(e => !!e && e.textContent === `+js(what)+`)(document.querySelector('`+sel+`'))`)
	if !Eval[bool](anna, `(() => { const p = document.querySelector('[data-testid=client-plan]'), j = document.querySelector('[data-testid=open-journal]');
		return !!p && !!j && !!(p.compareDocumentPosition(j) & Node.DOCUMENT_POSITION_FOLLOWING); })()`) {
		t.Fatalf("the plan is not before the journal: %s", Eval[string](anna, `document.querySelector('main').innerText`))
	}
	if text := Eval[string](anna, `document.querySelector('[data-testid=client-plan]').innerText`); !strings.Contains(text, "Varje morgon") || !strings.Contains(text, "Astrid klarar mer själv") {
		t.Fatalf("the plan on the client's screen lacks how, when or the goal: %q", text)
	}
	checkScreen(t, anna, "the client's screen with an established plan")

	// anna changes the plan: the next version is a draft, and until alma establishes it
	// the client's screen keeps the established version; then version 1 stays legible
	// among the earlier versions.
	changed := "Hjälp med dusch, påklädning och frukost"
	anna.Click("open-plan")
	anna.WaitScreen("plan")
	anna.WaitFor("the form of the next version", `(e => !!e && e.value === `+js(what)+`)(document.querySelector('[data-testid=plan-edit-`+measure+`-what]'))`)
	retype(anna, "plan-edit-"+measure+"-what", changed)
	anna.Click("plan-save")
	anna.SyncUntil("the next version to reach the server", `s.outbox === 0`)
	anna.WaitFor("the draft of version 2", `(e => !!e && e.textContent === `+js(changed)+`)(document.querySelector('[data-testid=plan-draft-what]'))`)
	anna.OpenClient(astrid)
	anna.WaitFor("the established version still first", `(e => !!e && e.textContent === `+js(what)+`)(document.querySelector('`+sel+`'))`)

	alma.SyncNow()
	Eval[bool](alma, `(location.hash = '#/plan/`+astrid+`', true)`)
	alma.WaitScreen("plan")
	alma.WaitFor("version 2 to establish", `(e => !!e && e.textContent === `+js(changed)+`)(document.querySelector('[data-testid=plan-draft-what]')) && !!document.querySelector('[data-testid=plan-establish]')`)
	alma.Click("plan-establish")
	alma.SyncUntil("version 2 established", `s.outbox === 0`)
	alma.WaitFor("version 2 established and version 1 legible", `(e => !!e && e.textContent === `+js(changed)+`)(document.querySelector('[data-testid=plan-established-what]'))
		&& (e => !!e && e.textContent === `+js(what)+`)(document.querySelector('[data-testid=plan-version-1-parts-what]'))`)
	anna.SyncNow()
	anna.GoToday()
	anna.OpenClient(astrid)
	anna.WaitFor("version 2 on the client's screen", `(e => !!e && e.textContent === `+js(changed)+`)(document.querySelector('`+sel+`'))`)
}

// TestCoordinatorsPlanListShowsWhatIsDue: alma's list (from Today) holds the follow-up due
// in three days and not the one due in two months, nor a plan with an end date; she follows
// the due one up on its plan screen, and it leaves the list once the server has the
// follow-up. anna, care staff, has no such list. axe finds nothing on the list.
func TestCoordinatorsPlanListShowsWhatIsDue(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, time.Now().AddDate(0, 1, 0))
	day := func(n int) string { return time.Now().AddDate(0, 0, n).Format("2006-01-02") }
	plan := func(client int, next string, ends bool) string {
		id := uuids.New()
		s.Apply("anna", plans.MutationSave, map[string]any{"plan_id": id, "client_id": demo.ClientID(client), "assignment_id": assignments.ID(fmt.Sprint("DEMO-ASPEN-", client)), "version": 1,
			"parts": []map[string]any{{"part_id": uuids.New(), "measure_id": uuids.Named(fmt.Sprint("demo/measure/aspen/", client)), "what": "Hjälp"}}})
		s.Apply("alma", plans.MutationEstablish, map[string]any{"plan_id": id, "established_on": day(-30), "with_client": true})
		s.Apply("alma", plans.MutationFollowUp, map[string]any{"plan_id": id, "followed_up_on": day(-1), "outcome": "Fungerar", "next_follow_up_by": next})
		if ends {
			s.Apply("alma", plans.MutationEnd, map[string]any{"plan_id": id, "ends_on": day(20)})
		}
		return id
	}
	due, later, ended := plan(1, day(3), false), plan(2, day(60), false), plan(3, day(2), true)

	alma := NewPhone(t, "alma")
	alma.Desktop()
	alma.Login(s, "alma")
	alma.SyncNow()
	alma.GoToday()
	alma.Click("today-plans")
	alma.WaitScreen("plans")
	alma.WaitFor("the follow-up due", `!!document.querySelector('[data-testid=plans-due-`+due+`]')`)
	if alma.Has("plans-due-"+later) || alma.Has("plans-due-"+ended) {
		t.Fatalf("the list holds a follow-up not due or of an ended plan: %s", Eval[string](alma, `document.querySelector('main').innerText`))
	}
	checkScreen(t, alma, "the coordinator's plans with a follow-up due")
	alma.Click("plans-due-" + due)
	alma.WaitScreen("plan")
	alma.Fill("plan-follow-up-outcome", "Astrid är nöjd")
	setInput(alma, "plan-follow-up-next", day(90))
	alma.Click("plan-follow-up")
	alma.SyncUntil("the follow-up to reach the server", `s.outbox === 0`)
	alma.WaitFor("the second follow-up", `document.querySelectorAll('[data-testid=plan-follow-ups] li').length === 2`)
	var p plans.Plan
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		rec, _, err := r.Record(plans.KindPlan, due)
		if err != nil {
			return err
		}
		return json.Unmarshal(rec.Data, &p)
	}); err != nil {
		t.Fatal(err)
	}
	if len(p.FollowUps) != 2 || p.FollowUps[1].Outcome != "Astrid är nöjd" || p.NextFollowUpBy != day(90) || p.FollowUps[1].By != demo.UserID("alma") {
		t.Fatalf("the server's plan: %+v", p)
	}
	Eval[bool](alma, `(location.hash = '#/plans', true)`)
	alma.WaitScreen("plans")
	alma.WaitFor("no follow-up due", `!document.querySelector('[data-testid^=plans-due-]')`)

	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	if anna.Has("today-plans") {
		t.Fatal("anna, care staff, is offered the coordinator's plans")
	}
}
