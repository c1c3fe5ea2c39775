package browser

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"vardag/internal/accesslog"
	"vardag/internal/demo"
	"vardag/internal/signing"
	"vardag/internal/uuids"
)

// TestTheSigningHistoryByDay: anna signed yesterday's 17:00 medicine (with a comment)
// and nobody signed yesterday's 08:00; this morning's 08:00 is the demo's double signing,
// which cecilia has followed up. From Astrid's signing list cecilia opens the history:
// yesterday comes first, with anna's signature (who, outcome, comment) on the 17:00 and
// the 08:00 read as not signed; choosing today shows the double signing with both
// signatures and the follow-up. axe finds nothing
// on either day.
func TestTheSigningHistoryByDay(t *testing.T) {
	s := startAtTime(t, 12, 10)
	yesterday := today(17, 0).AddDate(0, 0, -1)
	comment := "Tog tabletterna med yoghurt."
	s.Apply("anna", "signing.sign", map[string]any{"signature_id": uuids.New(), "list_id": uuids.Named("demo/list/1"), "measure_id": medicine,
		"due_at": yesterday, "outcome": "given", "comment": comment, "signed_at": yesterday.Add(5 * 60e9)})
	alertID := signing.AlertID(signing.AlertDoubleSigning, uuids.Named("demo/list/1"), medicine, today(8, 0))
	followUp := "Kontrollerat: en dos togs."
	s.Apply("cecilia", "signing.follow_up", map[string]any{"follow_up_id": uuids.New(), "alert_id": alertID, "comment": followUp})

	cecilia := loginAt(t, s, "cecilia")
	cecilia.OpenSigning(demo.ClientID(1))
	cecilia.Click("signing-history")
	cecilia.WaitScreen("history")
	card := func(due string) string {
		t.Helper()
		sel := fmt.Sprintf(`document.querySelector('[data-testid=%s]')`, js("history-"+medicine+"-"+due))
		cecilia.WaitFor("the occurrence "+due, "!!"+sel)
		return Eval[string](cecilia, sel+`.innerText`)
	}
	day := yesterday.In(stockholm).Format("2006-01-02")
	if got := Eval[string](cecilia, `document.querySelector('[data-testid=history-day]').value`); got != day {
		t.Errorf("the history opens on %q, want yesterday %s", got, day)
	}
	if text := card(dueID(yesterday)); !strings.Contains(text, "Anna Lind") || !strings.Contains(text, comment) || !strings.Contains(text, "Given") {
		t.Errorf("yesterday's 17:00 reads %q, want anna's signature with its comment", text)
	}
	if text := card(dueID(today(8, 0).AddDate(0, 0, -1))); !strings.Contains(text, "Ej signerad") || strings.Contains(text, "Anna Lind") {
		t.Errorf("yesterday's 08:00 reads %q, want it not signed", text)
	}
	if cecilia.Has("history-" + medicine + "-" + dueID(today(8, 0))) {
		t.Error("yesterday's history shows today's occurrence")
	}
	checkScreen(t, cecilia, "signing history of yesterday")

	cecilia.setValue("history-day", today(8, 0).Format("2006-01-02"))
	text := card(dueID(today(8, 0)))
	for _, want := range []string{"Anna Lind", "Cecilia Berg", "Dubbelsignerad", "Uppföljd av Cecilia Berg", followUp} {
		if !strings.Contains(text, want) {
			t.Errorf("today's 08:00 in the history reads %q, want %q", text, want)
		}
	}
	sel := fmt.Sprintf(`document.querySelector('[data-testid=%s]')`, js("history-"+medicine+"-"+dueID(today(8, 0))))
	if n := Eval[int](cecilia, sel+`.querySelectorAll('.signature').length`); n != 2 {
		t.Errorf("today's 08:00 shows %d signatures, want both", n)
	}
	if cecilia.Has("history-next") {
		t.Error("today's history offers a next day")
	}
	checkScreen(t, cecilia, "signing history of today")
}

// TestTheNurseDownloadsTheSigningListAsAPDF: on Astrid's signing list cecilia (licensed
// staff) has "Skriv ut (PDF)" beside the list; pressing it fetches the server's PDF with
// her login and saves it; the read log has it. anna (care staff) is not offered it. axe finds nothing.
func TestTheNurseDownloadsTheSigningListAsAPDF(t *testing.T) {
	s := startAtTime(t, 12, 10)
	list := uuids.Named("demo/list/1")
	anna := loginAt(t, s, "anna")
	anna.OpenSigning(demo.ClientID(1))
	anna.WaitFor("the signing list", `!!document.querySelector('[data-testid=signing-history]')`)
	if anna.Has("list-pdf-" + list) {
		t.Error("care staff are offered the PDF of the signing list")
	}
	cecilia := loginAt(t, s, "cecilia")
	cecilia.OpenSigning(demo.ClientID(1))
	Eval[bool](cecilia, `(() => { window.__blobs = []; const make = URL.createObjectURL; URL.createObjectURL = b => (window.__blobs.push(b), make(b)); return true; })()`)
	cecilia.Click("list-pdf-" + list)
	cecilia.WaitFor("the PDF saved", fmt.Sprintf(`document.querySelector('[data-testid=%s]').getClientRects().length > 0`, js("list-pdf-file-"+list)))
	head := Eval[string](cecilia, fmt.Sprintf(`(async () => document.querySelector('[data-testid=%s]').download + ' ' + await window.__blobs[0].slice(0, 5).text())()`, js("list-pdf-file-"+list)))
	if want := "signeringslista-" + list + ".pdf %PDF-"; head != want {
		t.Errorf("the saved file is %q, want %q", head, want)
	}
	checkScreen(t, cecilia, "signing list with the PDF saved")
	q := url.Values{"unit_id": {demo.AspenID}, "user_id": {demo.UserID("cecilia")}, "client_id": {demo.ClientID(1)}}
	res := s.Do("GET", "/api/v1/admin/access-log?"+q.Encode(), s.Login("david").Token, nil)
	var page struct{ Entries []accesslog.Entry }
	res.JSON(t, &page)
	if !slices.ContainsFunc(page.Entries, func(e accesslog.Entry) bool {
		return e.What == accesslog.WhatSigningListPDF && e.Source == accesslog.SourceDownload
	}) {
		t.Errorf("the download is not in the read log: %d %+v", res.Status, page.Entries)
	}
}
