package e2e

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/demo"
	"vardag/test/testserver"
)

// overdueGauge reads vardag_access_reviews_overdue from /metrics.
func overdueGauge(t *testing.T, s *testserver.Server) int {
	t.Helper()
	res := s.Do("GET", "/metrics", "", nil)
	m := regexp.MustCompile(`(?m)^vardag_access_reviews_overdue (\S+)$`).FindSubmatch(res.Body)
	if res.Status != 200 || m == nil {
		t.Fatalf("/metrics: %d, no vardag_access_reviews_overdue", res.Status)
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type reviewLine struct {
	GrantID     string     `json:"grant_id"`
	UserID      string     `json:"user_id"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	LastLoginAt *time.Time `json:"last_login_at"`
	LastReadAt  *time.Time `json:"last_read_at"`
}

type reviewPage struct {
	LastReview *struct {
		By     string    `json:"by"`
		ByName string    `json:"by_name"`
		At     time.Time `json:"at"`
	} `json:"last_review"`
	DueAt   time.Time    `json:"due_at"`
	Overdue bool         `json:"overdue"`
	Grants  []reviewLine `json:"grants"`
}

// TestTheAccessReviewDecidesOnEveryGrantTwiceAYear (behörighetskontroll, seed 003): six
// months after a unit was added its review is overdue, in the metric and in its manager's
// /me. The review shows every active grant with the person's last login and last read of
// the unit's client data; one that leaves a grant out is refused and changes nothing; a
// complete one ends the grants it ends at once, is recorded with who, when and the note,
// is in the audit trail, and moves the next review six months on. The metric goes down
// with each unit reviewed, to 0.
func TestTheAccessReviewDecidesOnEveryGrantTwiceAYear(t *testing.T) {
	s := testserver.Start(t)
	if n := overdueGauge(t, s); n != 0 {
		t.Fatalf("%d reviews overdue on a new server", n)
	}
	s.Clock.Advance(6*31*24*time.Hour + time.Hour)
	if n := overdueGauge(t, s); n != 3 {
		t.Fatalf("%d reviews overdue after six months, want 3 (Aspen, Lönnen, Björken)", n)
	}
	anna, bo, david, admin := s.Login("anna"), s.Login("bo"), s.Login("david"), s.Login("admin")
	anna.Pull() // a read of Aspen's clients; bo has logged in but read nothing

	var me struct {
		Overdue []struct {
			UnitID string    `json:"unit_id"`
			DueAt  time.Time `json:"due_at"`
		} `json:"access_reviews_overdue"`
	}
	s.Do("GET", "/api/v1/me", david.Token, nil).JSON(t, &me)
	if len(me.Overdue) != 1 || me.Overdue[0].UnitID != demo.AspenID {
		t.Fatalf("david's /me: %+v, want Aspen overdue", me)
	}
	s.Do("GET", "/api/v1/me", anna.Token, nil).JSON(t, &me)
	if len(me.Overdue) != 0 {
		t.Fatalf("anna's /me lists overdue reviews: %+v", me)
	}

	var page reviewPage
	path := "/api/v1/admin/units/" + demo.AspenID + "/access-review"
	s.Do("GET", path, david.Token, nil).JSON(t, &page)
	if page.LastReview != nil || !page.Overdue || len(page.Grants) != 4 {
		t.Fatalf("Aspen's review: %+v, want no last review, overdue, the four demo grants", page)
	}
	lines := map[string]reviewLine{}
	for _, l := range page.Grants {
		lines[l.UserID] = l
	}
	switch a, b, c := lines[demo.UserID("anna")], lines[demo.UserID("bo")], lines[demo.UserID("cecilia")]; {
	case a.Name != "Anna Lind" || a.LastLoginAt == nil || a.LastReadAt == nil:
		t.Fatalf("anna's line: %+v, want her last login and read", a)
	case b.LastLoginAt == nil || b.LastReadAt != nil:
		t.Fatalf("bo's line: %+v, want a login and no read", b)
	case c.LastLoginAt != nil || c.LastReadAt != nil:
		t.Fatalf("cecilia's line: %+v, want neither", c)
	}

	// Incomplete: bo's grant left out. Refused, nothing changes.
	keep := []string{lines[demo.UserID("anna")].GrantID, lines[demo.UserID("cecilia")].GrantID, lines[demo.UserID("david")].GrantID}
	res := s.Do("POST", path, david.Token, map[string]any{"keep": keep, "end": []string{}, "note": "Första kontrollen."})
	var refused struct {
		Missing []string `json:"missing"`
	}
	res.JSON(t, &refused)
	if res.Status != 400 || res.ErrorCode() != "review_incomplete" || !slices.Equal(refused.Missing, []string{lines[demo.UserID("bo")].GrantID}) {
		t.Fatalf("incomplete review: %d %s", res.Status, res.Body)
	}
	s.Do("GET", path, david.Token, nil).JSON(t, &page)
	if page.LastReview != nil || len(page.Grants) != 4 {
		t.Fatalf("a refused review changed the unit: %+v", page)
	}
	if n := overdueGauge(t, s); n != 3 {
		t.Fatalf("%d overdue after a refused review", n)
	}

	// Complete: bo's grant ends (he has synced by then: his phone holds Aspen's data).
	bo.Pull()
	res = s.Do("POST", path, david.Token, map[string]any{"keep": keep, "end": []string{lines[demo.UserID("bo")].GrantID}, "note": "Bo har slutat."})
	if res.Status != 201 {
		t.Fatalf("review: %d %s", res.Status, res.Body)
	}
	at := s.Clock.Now()
	s.Do("GET", path, david.Token, nil).JSON(t, &page)
	if page.LastReview == nil || page.LastReview.By != demo.UserID("david") || page.LastReview.ByName != "David Holm" || !page.LastReview.At.Equal(at) || page.Overdue ||
		!page.DueAt.Equal(at.AddDate(0, 6, 0)) || len(page.Grants) != 3 {
		t.Fatalf("after the review: %+v", page)
	}
	if _, drops := bo.Pull(); !slices.Contains(drops, "unit:"+demo.AspenID) {
		t.Fatalf("bo's pull after his grant ended dropped %v", drops)
	}
	review, ok, err := s.Identity.LastReview(demo.AspenID)
	if err != nil || !ok || review.Note != "Bo har slutat." || !slices.Equal(review.Kept, keep) {
		t.Fatalf("the recorded review: %+v %v %v", review, ok, err)
	}
	acts, err := adminlog.OnUnit(s.Engine, demo.AspenID)
	if err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, a := range acts {
		whats = append(whats, a.What)
		if a.ByUserID != demo.UserID("david") {
			t.Fatalf("an act on Aspen by %s", a.ByUserID)
		}
	}
	if !slices.Equal(whats, []string{adminlog.WhatAccessReview, adminlog.WhatGrantEnd}) || acts[1].UserID != demo.UserID("bo") {
		t.Fatalf("Aspen's acts: %+v", acts)
	}
	if n := overdueGauge(t, s); n != 2 {
		t.Fatalf("%d overdue after Aspen's review, want 2", n)
	}
	s.Do("GET", "/api/v1/me", david.Token, nil).JSON(t, &me)
	if len(me.Overdue) != 0 {
		t.Fatalf("david's /me after the review: %+v", me)
	}

	// The administrator reviews the other two: the metric goes 1, then 0.
	for i, unit := range []string{demo.LonnenID, demo.BjorkenID} {
		p := "/api/v1/admin/units/" + unit + "/access-review"
		s.Do("GET", p, admin.Token, nil).JSON(t, &page)
		var ids []string
		for _, l := range page.Grants {
			ids = append(ids, l.GrantID)
		}
		if res := s.Do("POST", p, admin.Token, map[string]any{"keep": ids, "end": []string{}, "note": ""}); res.Status != 201 {
			t.Fatalf("review of %s: %d %s", unit, res.Status, res.Body)
		}
		if n := overdueGauge(t, s); n != 1-i {
			t.Fatalf("%d overdue, want %d", n, 1-i)
		}
	}
	// Six months on, all three are due again.
	s.Clock.Advance(6*31*24*time.Hour + time.Hour)
	if n := overdueGauge(t, s); n != 3 {
		t.Fatalf("%d overdue six months after the reviews, want 3", n)
	}
}
