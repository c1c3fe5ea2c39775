package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// pdfPages are the text of each page of a PDF, as poppler's pdftotext reads it.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "list.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (Debian poppler-utils; ./test.sh --install-only installs it): %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	return pages
}

// The signing list as a printable PDF: cecilia (licensed staff of Aspen) downloads a
// list of many measures; every page has the client's name and personal number, and the
// list's period, each measure's kind, times (or "vid behov") and instruction are in it.
// The download is in the read log (who, which client, what, source), and the server's
// log names neither the client nor the number. Care staff, the unit's manager, another
// unit's coordinator and another unit's licensed staff are forbidden, alike for a list
// that exists, one that does not and a client that does not; cecilia gets not_found for
// a list her client does not have.
func TestTheSigningListAsAPDF(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("lisa", demo.BjorkenID, identity.RoleLicensed, s.Clock.Now().Add(24*time.Hour))
	cecilia := s.Login("cecilia")
	astrid := demo.ClientID(1)
	listID := uuids.New()
	var measures []map[string]any
	for i := 0; i < 14; i++ {
		m := map[string]any{"measure_id": uuids.New(), "kind": "medication", "instruction": fmt.Sprintf("Åtgärd nummer %d: tabletter ur dosett, ge med ett glas vatten.", i+1), "times": []string{"08:00", "20:00"}, "prn": false}
		if i == 3 {
			m["kind"], m["times"], m["prn"] = "insulin", []string{}, true
		}
		measures = append(measures, m)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if r := cecilia.Push("signing.list.save", map[string]any{"list_id": listID, "client_id": astrid, "measures": measures,
		"valid_from": from, "valid_until": from.AddDate(0, 3, 0)}); r.Results[0].Status != "applied" {
		t.Fatalf("the list was not saved: %+v", r.Results[0])
	}
	var client clients.Client
	changes, _ := cecilia.Pull()
	for _, c := range changes {
		if c.Kind == clients.Kind && c.ID == astrid {
			if err := json.Unmarshal(c.Data, &client); err != nil {
				t.Fatal(err)
			}
		}
	}
	if client.Name == "" || len(client.PersonalID) != 12 {
		t.Fatalf("astrid as pulled: %+v", client)
	}
	path := func(clientID, list string) string {
		return "/api/v1/clients/" + clientID + "/signing-lists/" + list + ".pdf"
	}

	res := s.Do("GET", path(astrid, listID), cecilia.Token, nil)
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(res.Body), "%PDF-") {
		t.Fatalf("cecilia's PDF: %d %s %.60q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	if d := res.Header.Get("Content-Disposition"); !strings.Contains(d, "attachment") || strings.Contains(d, client.PersonalID) {
		t.Errorf("Content-Disposition %q", d)
	}
	pages := pdfPages(t, res.Body)
	if len(pages) < 2 {
		t.Fatalf("14 measures fit on %d page", len(pages))
	}
	pn := client.PersonalID[:8] + "-" + client.PersonalID[8:]
	for i, p := range pages {
		if !strings.Contains(p, client.Name) || !strings.Contains(p, pn) {
			t.Errorf("page %d lacks the client's name or personal number:\n%s", i+1, p)
		}
	}
	all := strings.Join(pages, "\n")
	for _, want := range []string{"Signeringslista", "Gäller 2026-12-01 – 2027-03-01", "Tider: 08:00, 20:00", "Tider: vid behov", "Insulin", "Läkemedel",
		"Åtgärd nummer 1: tabletter ur dosett", "Åtgärd nummer 14: tabletter ur dosett", "Cecilia Berg"} {
		if !strings.Contains(all, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, all)
		}
	}

	// Nobody else: forbidden before anything says whether it exists.
	anna, david, eva, lisa := s.Login("anna"), s.Login("david"), s.Login("eva"), s.Login("lisa")
	for _, who := range []*testserver.Device{anna, david, eva, lisa} {
		for _, p := range []string{path(astrid, listID), path(astrid, uuids.New()), path(uuids.New(), listID)} {
			if r := s.Do("GET", p, who.Token, nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
				t.Errorf("%s GET %s: %d %s, want 403 forbidden", who.Username, p, r.Status, r.Body)
			}
		}
	}
	if r := s.Do("GET", path(uuids.New(), listID), cecilia.Token, nil); r.Status != 403 {
		t.Errorf("cecilia, an unknown client: %d, want 403 like any other unit's", r.Status)
	}
	if r := s.Do("GET", path(astrid, uuids.New()), cecilia.Token, nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("cecilia, a list astrid does not have: %d %s", r.Status, r.Body)
	}
	if r := s.Do("GET", path(astrid, "not-a-uuid"), cecilia.Token, nil); r.Status != 400 {
		t.Errorf("a list id that is no UUID: %d", r.Status)
	}
	if r := s.Do("GET", path(astrid, listID), "", nil); r.Status != 401 {
		t.Errorf("without a login: %d", r.Status)
	}

	// In the read log, for the unit's manager to review.
	_, page := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "client_id": {astrid}, "user_id": {demo.UserID("cecilia")}})
	found := 0
	for _, e := range page.Entries {
		if e.What == accesslog.WhatSigningListPDF && e.Source == accesslog.SourceDownload && e.ClientID == astrid && e.DeviceID == cecilia.DeviceID {
			found++
		}
	}
	if found != 1 {
		t.Errorf("the read log holds %d downloads of the PDF by cecilia, want 1: %+v", found, page.Entries)
	}
	if logs := s.Logs.String(); strings.Contains(logs, client.Name) || strings.Contains(logs, client.PersonalID) || strings.Contains(logs, "Åtgärd nummer") {
		t.Error("the server's log names the client or the list's text")
	}
}
