package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/journal"
	"vardag/internal/uuids"
)

// pdfText is the text of a PDF as poppler's pdftotext reads it, one string per page.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install poppler-utils (./test.sh --install-only)")
	}
	in := filepath.Join(t.TempDir(), "journal.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Split(strings.TrimRight(string(out), "\f"), "\f")
}

// TestTheJournalAsAPDFForTheArchive: the coordinator exports a client's journal; poppler's
// pdftotext finds every note and every correction (struck text, new text, who), in order,
// and the client's name, personal number and page number on every page. The export is in
// the read log. Care staff, another unit's manager and an unknown client get 403.
func TestTheJournalAsAPDFForTheArchive(t *testing.T) {
	s, devices := authzWorld(t)
	anna, david, alma := devices["anna"], devices["david"], devices["alma"]
	client := demo.ClientID(3)
	now := s.Clock.Now()
	// Enough notes for several pages; the third and the tenth are corrected.
	var ids []string
	for i := range 40 {
		id := uuids.New()
		ids = append(ids, id)
		text := fmt.Sprintf("Besök nummer %d: hjälp med frukost och dusch, brukaren mådde bra.", i+1)
		if r := anna.Push("journal.note.add", map[string]any{"note_id": id, "client_id": client, "heading": fmt.Sprintf("Morgonbesök %d", i+1),
			"keywords": []string{"meal"}, "text": text, "occurred_at": now.Add(time.Duration(i-40) * time.Hour).Format(time.RFC3339)}).Results[0]; r.Status != "applied" {
			t.Fatalf("note %d: %+v", i, r)
		}
	}
	corrections := []struct{ note, struck, new, reason string }{
		{ids[2], "frukost och dusch", "frukost", "Ingen dusch gavs"},
		{ids[2], "mådde bra", "var trött", "Felskrivning"},
		{ids[9], "brukaren mådde bra", "", "Fel brukare"},
	}
	for _, c := range corrections {
		if r := david.Push("journal.note.correct", map[string]any{"correction_id": uuids.New(), "note_id": c.note, "struck_text": c.struck,
			"new_text": c.new, "reason": c.reason}).Results[0]; r.Status != "applied" {
			t.Fatalf("correction: %+v", r)
		}
	}
	path := "/api/v1/clients/" + client + "/journal.pdf"
	res := s.Do("GET", path, alma.Token, nil)
	if res.Status != 200 || !strings.HasPrefix(string(res.Body), "%PDF-") {
		t.Fatalf("the PDF for the coordinator: %d %.200s", res.Status, res.Body)
	}
	pages := pdfText(t, res.Body)
	if len(pages) < 2 {
		t.Fatalf("40 notes on %d page", len(pages))
	}
	// The client as the unit's manager receives them.
	changes, _ := david.Pull()
	got, ok := findChange(changes, clients.Kind, client)
	if !ok {
		t.Fatal("david does not have the client")
	}
	var cl clients.Client
	json.Unmarshal(got.Data, &cl)
	pn := cl.PersonalID[:8] + "-" + cl.PersonalID[8:]
	pageNo := regexp.MustCompile(`Sida (\d+) av (\d+)`)
	var body []string
	for i, p := range pages {
		if !strings.Contains(p, cl.Name) || !strings.Contains(p, pn) {
			t.Errorf("page %d lacks the client's name or personal number:\n%s", i+1, p)
		}
		m := pageNo.FindStringSubmatch(p)
		if m == nil || m[1] != fmt.Sprint(i+1) || m[2] != fmt.Sprint(len(pages)) {
			t.Errorf("page %d is numbered %v", i+1, m)
		}
		for _, line := range strings.Split(p, "\n") {
			if !strings.Contains(line, pn) && !pageNo.MatchString(line) {
				body = append(body, line)
			}
		}
	}
	text := strings.Join(strings.Fields(strings.Join(body, " ")), " ")
	// Every note of the journal (the demo's too), oldest first, each with its corrections.
	var notes []journal.Note
	var corrs []journal.Correction
	for _, c := range changes {
		switch c.Kind {
		case journal.KindNote:
			var n journal.Note
			json.Unmarshal(c.Data, &n)
			if n.ClientID == client {
				notes = append(notes, n)
			}
		case journal.KindNoteCorrection:
			var k journal.Correction
			json.Unmarshal(c.Data, &k)
			if k.ClientID == client {
				corrs = append(corrs, k)
			}
		}
	}
	if len(notes) < 40 || len(corrs) != len(corrections) {
		t.Fatalf("david has %d notes and %d corrections", len(notes), len(corrs))
	}
	slices.SortStableFunc(notes, func(a, b journal.Note) int { return a.OccurredAt.Compare(b.OccurredAt) })
	var want []string
	for _, n := range notes {
		want = append(want, n.Heading, strings.Join(strings.Fields(n.Text), " "))
		for _, c := range corrections {
			if c.note == n.NoteID {
				newText := c.new
				if newText == "" {
					newText = "(ingen)"
				}
				want = append(want, "Rättelse av David", "Struken text: "+c.struck, "Ny text: "+newText, "Skäl: "+c.reason)
			}
		}
	}
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Fatalf("the PDF lacks %q after position %d (or has it out of order):\n%s", w, at, text[at:min(len(text), at+600)])
		}
		at += i + len(w)
	}
	// The export is in the read log.
	_, page := accessLog(t, s, david.Token, url.Values{"client_id": {client}})
	if !slices.ContainsFunc(page.Entries, func(e accesslog.Entry) bool {
		return e.What == accesslog.WhatJournalPDF && e.Source == accesslog.SourceExport && e.UserID == demo.UserID("alma") && e.Count == len(notes)
	}) {
		t.Errorf("the export is not in the read log: %+v", page.Entries)
	}
	for _, who := range []string{"anna", "cecilia", "arvid", "lisa", "eva", "xdavid"} {
		if r := s.Do("GET", path, devices[who].Token, nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Errorf("%s exports the journal: %d %s", who, r.Status, r.Body)
		}
	}
	if r := s.Do("GET", "/api/v1/clients/"+uuids.New()+"/journal.pdf", david.Token, nil); r.Status != 403 {
		t.Errorf("an unknown client: %d", r.Status)
	}
}
