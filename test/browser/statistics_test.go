package browser

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/plans"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestStatisticsShowTheRoutesNumbers: Björken has its new meals assignment and one more
// whose measure ended this month (moved). Eva, its coordinator, opens Statistik: the
// persons, each type's new, ongoing and ended measures, their bars, the split by sex and
// age band and the end reasons are the numbers GET /api/v1/units/{id}/statistics answers
// her, and the CSV download holds the same. David, Aspen's manager, reads Aspen's on a
// phone. anna, care staff, has no Statistik. axe and the screen checks find nothing on
// the screen, on the desktop and on the phone.
func TestStatisticsShowTheRoutesNumbers(t *testing.T) {
	s := testserver.Start(t)
	month := time.Now().In(stockholm).Format("2006-01")
	if _, _, err := assignments.Deliver(context.Background(), s.Engine, assignments.Delivery{
		AuthorityID: "TEST-BJORKEN-ENDED", ClientID: demo.ClientID(10), UnitID: demo.BjorkenID, DecidedAt: time.Now().AddDate(0, -2, 0), Municipality: demo.MunicipalityID,
		Measures: []assignments.Measure{{MeasureID: "test-ended", Type: "cleaning", MinutesPerMonth: 120, Start: month + "-01", End: month + "-01", EndReason: "moved"}},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// One implementation plan of Björken, established and followed up today.
	plan, today := uuids.New(), time.Now().UTC().Format("2006-01-02")
	s.Apply("eva", plans.MutationSave, map[string]any{"plan_id": plan, "client_id": demo.ClientID(9), "assignment_id": assignments.ID("DEMO-BJORKEN-1"), "version": 1,
		"parts": []map[string]any{{"part_id": uuids.New(), "measure_id": uuids.Named("demo/measure/bjorken/9"), "what": "Lunch varje dag"}}})
	s.Apply("eva", plans.MutationEstablish, map[string]any{"plan_id": plan, "established_on": today, "with_client": true})
	s.Apply("eva", plans.MutationFollowUp, map[string]any{"plan_id": plan, "followed_up_on": today, "outcome": "Fungerar"})
	eva := NewPhone(t, "eva")
	eva.Desktop()
	eva.Login(s, "eva")
	eva.Click("nav-statistics")
	eva.WaitScreen("statistics")
	eva.WaitFor("the statistics", `!!document.querySelector('[data-testid=stats-persons]')`)

	token := Meta[struct {
		AccessToken string `json:"access_token"`
	}](eva, "tokens").AccessToken
	res := s.Do("GET", "/api/v1/units/"+demo.BjorkenID+"/statistics?month="+month, token, nil)
	if res.Status != 200 {
		t.Fatalf("the statistics route: %d %s", res.Status, res.Body)
	}
	var want assignments.Statistics
	res.JSON(t, &want)
	if want.ByType["cleaning"] == nil || want.ByType["cleaning"].Ended.Total != 1 || want.ByType["meals"] == nil || want.Plans != (assignments.PlanCounts{Established: 1, FollowedUp: 1}) {
		t.Fatalf("the route's statistics lack the test's measures: %s", res.Body)
	}

	text := func(testid string) string {
		return strings.TrimSpace(Eval[string](eva, fmt.Sprintf(`(e => e ? e.innerText : '(none)')(document.querySelector('[data-testid=%s]'))`, js(testid))))
	}
	if got := text("stats-persons"); !strings.HasPrefix(got, strconv.Itoa(want.Persons.Total)+" ") {
		t.Errorf("the screen says %q, want %d persons", got, want.Persons.Total)
	}
	var wantCSV []string
	split := 0
	for ty, ts := range want.ByType {
		for c, n := range map[string]assignments.Count{"new": ts.New, "ongoing": ts.Ongoing, "ended": ts.Ended} {
			if got := text(fmt.Sprintf("stats-%s-%s", ty, c)); got != strconv.Itoa(n.Total) {
				t.Errorf("%s %s: the screen shows %q, the route %d", ty, c, got, n.Total)
			}
			for _, bands := range n.BySexAge {
				for _, k := range bands {
					if k > 0 {
						split++
					}
				}
			}
		}
		for reason, n := range ts.EndReasons {
			wantCSV = append(wantCSV, fmt.Sprintf(";%d", n))
			if reason == "moved" {
				wantCSV = append(wantCSV, "Flyttat;"+strconv.Itoa(n))
			}
		}
	}
	for _, bands := range want.Persons.BySexAge {
		for _, k := range bands {
			if k > 0 {
				split++
			}
		}
	}
	if got := Eval[int](eva, `document.querySelectorAll('[data-testid^=stats-split-]').length`); got != split {
		t.Errorf("the split by sex and age band has %d rows, the route %d non-zero numbers", got, split)
	}
	// The bars: one per type and count, the number as text beside each.
	bars := Eval[[]string](eva, `[...document.querySelectorAll('[data-testid=stats-bars-ended] .stat-bar')].map(b => b.innerText.replace(/\s+/g, ' ').trim())`)
	if !strings.Contains(strings.Join(bars, "|"), "Städning 1") {
		t.Errorf("the bars of ended measures read %q, want Städning 1", bars)
	}
	if got := text("stats-reason-0"); !strings.Contains(got, "Flyttat") {
		t.Errorf("the end reasons read %q, want Flyttat", got)
	}
	// The implementation plans established and followed up, as the route counts them.
	for c, n := range map[string]int{"established": want.Plans.Established, "followed_up": want.Plans.FollowedUp} {
		if got := text("stats-plans-" + c); got != strconv.Itoa(n) {
			t.Errorf("plans %s: the screen shows %q, the route %d", c, got, n)
		}
	}
	checkScreen(t, eva, "statistics")

	href := Eval[string](eva, `document.querySelector('[data-testid=stats-csv]').href`)
	csv, err := url.PathUnescape(strings.TrimPrefix(href, "data:text/csv;charset=utf-8,"))
	if err != nil {
		t.Fatal(err)
	}
	wantCSV = append(wantCSV, fmt.Sprintf("Totalt;Personer;;;;;%d", want.Persons.Total),
		fmt.Sprintf("Totalt;Avslutade insatser;Städning;;;;%d", want.ByType["cleaning"].Ended.Total),
		fmt.Sprintf("Totalt;Nya insatser;Måltider;;;;%d", want.ByType["meals"].New.Total),
		fmt.Sprintf("Genomförandeplaner;Upprättade genomförandeplaner;;;;;%d", want.Plans.Established))
	for _, w := range wantCSV {
		if !strings.Contains(csv, w) {
			t.Errorf("the CSV lacks %q:\n%s", w, csv)
		}
	}
	if lines := strings.Count(csv, "\r\n"); lines != 2+3*len(want.ByType)+split+1+2 {
		t.Errorf("the CSV has %d lines, want the head, the totals, %d split rows, the end reason and the two plan counts:\n%s", lines, split, csv)
	}

	// David, Aspen's manager, on a phone: Aspen's statistics, the tables stacked.
	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.Click("nav-statistics")
	david.WaitScreen("statistics")
	david.WaitFor("Aspen's statistics", `!!document.querySelector('[data-testid=stats-type-personal_care]')`)
	if got := Eval[string](david, `document.querySelector('[data-testid=stats-unit-name]').innerText`); got != "Hemtjänst Aspen" {
		t.Errorf("david's statistics are of %q, want Hemtjänst Aspen", got)
	}
	checkScreen(t, david, "statistics on a phone")

	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	if anna.Has("nav-statistics") {
		t.Error("anna, care staff, is offered Statistik")
	}
}
