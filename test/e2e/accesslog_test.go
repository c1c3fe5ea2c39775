package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

type accessLogAnswer struct {
	Entries []accesslog.Entry `json:"entries"`
	More    bool              `json:"more"`
}

func accessLog(t *testing.T, s *testserver.Server, token string, query url.Values) (testserver.Response, accessLogAnswer) {
	t.Helper()
	res := s.Do("GET", "/api/v1/admin/access-log?"+query.Encode(), token, nil)
	var page accessLogAnswer
	if res.Status == 200 {
		res.JSON(t, &page)
	}
	return res, page
}

// The read log end to end: what a pull sends and what the phone reports reading are
// logged with who, which client, what, when and from which device — never the data
// itself — and the unit's manager, and only they, reviews it and takes a client's extract
// (loggranskning, registerutdrag: Patientdatalagen 4 kap. 3 §; OWASP ASVS 5.0 V16).
func TestAccessLogOfPullsAndPhoneReads(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, s.Clock.Now().Add(24*time.Hour))
	anna, david, lisa := s.Login("anna"), s.Login("david"), s.Login("lisa")
	astrid := demo.ClientID(1) // in Aspen
	annaID := demo.UserID("anna")

	secret := "Astrid berättade i förtroende om sin son " + uuids.New()
	if r := anna.Push("journal.note.add", testserver.Note(uuids.New(), astrid, secret, s.Clock.Now().Add(-time.Minute))); r.Results[0].Status != "applied" {
		t.Fatalf("note: %+v", r.Results[0])
	}
	changes, _ := anna.Pull()
	received := map[string]bool{} // the clients whose records anna received
	for _, c := range changes {
		var d struct {
			ClientID string `json:"client_id"`
		}
		json.Unmarshal(c.Data, &d)
		if c.Kind == "client" || (d.ClientID != "" && c.Kind != "message") {
			received[d.ClientID] = true
		}
	}
	if len(received) < 2 || !received[astrid] {
		t.Fatalf("anna received the records of %d clients: %v", len(received), received)
	}
	viewedAt := s.Clock.Now().Add(-10 * time.Minute) // read offline, delivered now
	viewID := uuids.New()
	view := map[string]any{"view_id": viewID, "client_id": astrid, "what": "journal", "viewed_at": viewedAt.Format(time.RFC3339)}
	if r := anna.Push("access.viewed", view); r.Results[0].Status != "applied" {
		t.Fatalf("access.viewed: %+v", r.Results[0].Error)
	}

	// Every client anna received is in Aspen's log, read by her on her device.
	res, page := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "user_id": {annaID}})
	if res.Status != 200 {
		t.Fatalf("review: %d %s", res.Status, res.Body)
	}
	for client := range received {
		if !slices.ContainsFunc(page.Entries, func(e accesslog.Entry) bool {
			return e.ClientID == client && e.Source == accesslog.SourcePull && e.UserID == annaID && e.DeviceID == anna.DeviceID &&
				slices.Contains(e.Units, demo.AspenID) && e.Count > 0 && !e.At.IsZero()
		}) {
			t.Errorf("no pull of client %s by anna in the log", client)
		}
	}
	// The review itself is logged: who read a client's data is the client's data too. One
	// entry per client shown, with how many of its entries were shown.
	shown := map[string]int{}
	for _, e := range page.Entries {
		shown[e.ClientID]++
	}
	res, reviews := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "user_id": {demo.UserID("david")}})
	if res.Status != 200 || len(reviews.Entries) != len(shown) {
		t.Fatalf("david's review logged %d entries for %d clients shown: %s", len(reviews.Entries), len(shown), res.Body)
	}
	for _, e := range reviews.Entries {
		if e.Source != accesslog.SourceReview || e.What != accesslog.WhatAccessLog || e.Count != shown[e.ClientID] ||
			e.DeviceID != david.DeviceID || !slices.Equal(e.Units, []string{demo.AspenID}) {
			t.Errorf("a review's entry: %+v (shown %d)", e, shown[e.ClientID])
		}
	}

	// David's review of Astrid: his own reviews, then the phone's read and the pull of her
	// note, newest first.
	res, page = accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "client_id": {astrid}})
	if res.Status != 200 || len(page.Entries) == 0 || page.More {
		t.Fatalf("review of astrid: %d %s", res.Status, res.Body)
	}
	reads := slices.DeleteFunc(slices.Clone(page.Entries), func(e accesslog.Entry) bool { return e.Source == accesslog.SourceReview })
	if len(page.Entries)-len(reads) != 2 {
		t.Errorf("astrid's log shows %d reviews, want david's 2: %s", len(page.Entries)-len(reads), res.Body)
	}
	first := reads[0]
	if first.Source != accesslog.SourcePhone || first.ViewID != viewID || first.What != "journal" || first.UserID != annaID ||
		first.DeviceID != anna.DeviceID || first.ViewedAt == nil || !first.ViewedAt.Equal(viewedAt) || !slices.Equal(first.Units, []string{demo.AspenID}) {
		t.Errorf("the phone's read: %+v", first)
	}
	if !slices.ContainsFunc(page.Entries, func(e accesslog.Entry) bool {
		return e.Source == accesslog.SourcePull && e.What == "journal_note" && e.UserID == annaID && e.ClientID == astrid
	}) {
		t.Errorf("no pull of astrid's notes: %s", res.Body)
	}
	for i := 1; i < len(page.Entries); i++ {
		if page.Entries[i].At.After(page.Entries[i-1].At) {
			t.Errorf("entries are not newest first: %s", res.Body)
		}
	}
	if bytes.Contains(res.Body, []byte(secret)) || bytes.Contains(res.Body, []byte("Astrid")) {
		t.Error("the review answer holds the note's text or the client's name")
	}

	// Only the unit's manager reviews its log.
	for _, c := range []struct {
		who  *testserver.Device
		unit string
	}{{anna, demo.AspenID}, {lisa, demo.AspenID}, {david, demo.LonnenID}} {
		if res, _ := accessLog(t, s, c.who.Token, url.Values{"unit_id": {c.unit}}); res.Status != 403 || res.ErrorCode() != "forbidden" {
			t.Errorf("%s reviewing %s: %d %s", c.who.Username, c.unit, res.Status, res.Body)
		}
	}
	if res, page := accessLog(t, s, lisa.Token, url.Values{"unit_id": {demo.LonnenID}}); res.Status != 200 || len(page.Entries) != 0 {
		t.Errorf("Lönnen's log holds Aspen's reads: %d %s", res.Status, res.Body)
	}

	// The extract: every access to Astrid, as CSV, for her unit's manager only.
	res = s.Do("GET", "/api/v1/admin/access-log/export?client_id="+astrid, david.Token, nil)
	if res.Status != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="registerutdrag-`) {
		t.Fatalf("export: %d %v %s", res.Status, res.Header, res.Body)
	}
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 || rows[0][0] != "at" || len(rows)-1 < len(page.Entries) {
		t.Fatalf("extract rows: %q", rows)
	}
	// The extract is logged too; the next extract lists it.
	res2 := s.Do("GET", "/api/v1/admin/access-log/export?client_id="+astrid, david.Token, nil)
	rows2, err := csv.NewReader(bytes.NewReader(res2.Body)).ReadAll()
	if err != nil || len(rows2) != len(rows)+1 {
		t.Fatalf("the second extract has %d rows, want %d (%v)", len(rows2), len(rows)+1, err)
	}
	if last := rows2[len(rows2)-1]; last[1] != demo.UserID("david") || last[5] != accesslog.WhatAccessLogExtract || last[6] != fmt.Sprint(len(rows)-1) || last[7] != accesslog.SourceReview {
		t.Errorf("the first extract's entry: %q", last)
	}
	phone := slices.IndexFunc(rows, func(r []string) bool { return r[1] == annaID && r[7] == "phone" && r[8] == viewID })
	pull := slices.IndexFunc(rows, func(r []string) bool { return r[1] == annaID && r[7] == "pull" && r[5] == "journal_note" })
	if phone < 0 || pull < 0 || pull > phone {
		t.Errorf("the extract lacks anna's reads, oldest first (pull row %d, phone row %d): %q", pull, phone, rows)
	}
	if bytes.Contains(res.Body, []byte(secret)) {
		t.Error("the extract holds the note's text")
	}
	for _, c := range []struct {
		who    *testserver.Device
		client string
		status int
		code   string
	}{
		{anna, astrid, 403, "forbidden"},
		{lisa, astrid, 404, "client_not_found"},            // another unit's client…
		{david, uuids.New(), 404, "client_not_found"},      // …answers as no client at all
		{david, demo.ClientID(7), 404, "client_not_found"}, // Lönnen's
		{david, "astrid", 400, "invalid_request"},
	} {
		res := s.Do("GET", "/api/v1/admin/access-log/export?client_id="+c.client, c.who.Token, nil)
		if res.Status != c.status || res.ErrorCode() != c.code {
			t.Errorf("export of %s by %s: %d %s, want %d %s", c.client, c.who.Username, res.Status, res.Body, c.status, c.code)
		}
	}

	// The stored entries hold ids, never the note's text, names or personal numbers.
	n := 0
	err = s.Engine.View(func(r syncengine.ReadTx) error {
		return r.AuditScan("", time.Time{}, time.Time{}, func(_ time.Time, v []byte) bool {
			n++
			for _, s := range []string{secret, "Astrid", "Nilsson", "19340212", "Anna Lind", "Storgatan"} {
				if bytes.Contains(v, []byte(s)) {
					t.Errorf("a stored entry holds %q: %s", s, v)
				}
			}
			return true
		})
	})
	if err != nil || n == 0 {
		t.Fatalf("stored entries: %d (%v)", n, err)
	}
}

// A pull that sends no client data logs nothing; a page with some logs it before it is
// sent; a repeated phone read is logged once.
func TestAccessLogOnlyWhatWasSent(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	anna.Pull()
	count := func() int {
		n := 0
		s.Engine.View(func(r syncengine.ReadTx) error {
			return r.AuditScan("user:"+demo.UserID("anna"), time.Time{}, time.Time{}, func(time.Time, []byte) bool { n++; return true })
		})
		return n
	}
	before := count()
	if before == 0 {
		t.Fatal("the first pull logged nothing")
	}
	if changes, _ := anna.Pull(); len(changes) != 0 || count() != before {
		t.Fatalf("an empty pull (%d changes) logged %d entries", len(changes), count()-before)
	}
	bo := s.Login("bo")
	bo.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("anna"), "text": "Kaffe?"})
	if changes, _ := anna.Pull(); len(changes) != 1 || count() != before {
		t.Fatalf("a pull of a message (%d changes) logged %d entries", len(changes), count()-before)
	}
	view := map[string]any{"view_id": uuids.New(), "client_id": demo.ClientID(2), "what": "client", "viewed_at": s.Clock.Now().Format(time.RFC3339)}
	anna.Push("access.viewed", view)
	anna.Push("access.viewed", view) // the phone lost its numbering and sends it again
	if got := count() - before; got != 1 {
		t.Fatalf("one read logged %d times", got)
	}
	r := anna.Push("access.viewed", map[string]any{"view_id": uuids.New(), "client_id": uuids.New(), "what": "client", "viewed_at": s.Clock.Now().Format(time.RFC3339)})
	if r.Results[0].Status != "rejected" || r.Results[0].Error.Code != "client_not_found" {
		t.Fatalf("a read of no client: %+v", r.Results[0])
	}
}

func TestAccessLogRefusesBadQueries(t *testing.T) {
	s := testserver.Start(t)
	david := s.Login("david")
	for _, q := range []url.Values{
		{"unit_id": {demo.AspenID}, "client_id": {"astrid"}},
		{"unit_id": {demo.AspenID}, "user_id": {strings.ToUpper(demo.UserID("anna"))}},
		{"unit_id": {demo.AspenID}, "from": {"yesterday"}},
		{"unit_id": {demo.AspenID}, "to": {"2026-11-23"}},
		{"unit_id": {demo.AspenID}, "limit": {"0"}},
		{"unit_id": {demo.AspenID}, "limit": {"5001"}},
		{"unit_id": {demo.AspenID}, "limit": {"many"}},
	} {
		if res, _ := accessLog(t, s, david.Token, q); res.Status != 400 || res.ErrorCode() != "invalid_request" {
			t.Errorf("%s: %d %s", q.Encode(), res.Status, res.Body)
		}
	}
	// Without unit_id (the route as the shared contract API.md has it): the one unit the caller manages; care
	// staff are refused; a manager of several units must name one.
	if res, page := accessLog(t, s, david.Token, url.Values{}); res.Status != 200 || page.Entries == nil {
		t.Errorf("the review without unit_id: %d %s", res.Status, res.Body)
	} else {
		for _, e := range page.Entries {
			if !slices.Contains(e.Units, demo.AspenID) {
				t.Errorf("david's review without unit_id holds another unit's entry: %+v", e)
			}
		}
	}
	if res, _ := accessLog(t, s, s.Login("anna").Token, url.Values{}); res.Status != 403 {
		t.Errorf("care staff without unit_id: %d %s", res.Status, res.Body)
	}
	majaID := s.AddUser("maja", demo.AspenID, identity.RoleUnitManager, s.Clock.Now().Add(24*time.Hour))
	if err := s.Identity.PutGrant(identity.Grant{ID: "grant-maja-bjorken", UserID: majaID, UnitID: demo.BjorkenID, Role: identity.RoleUnitManager, ValidUntil: s.Clock.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	maja := s.Login("maja")
	if res, _ := accessLog(t, s, maja.Token, url.Values{}); res.Status != 400 || res.ErrorCode() != "invalid_request" {
		t.Errorf("a manager of two units without unit_id: %d %s", res.Status, res.Body)
	}
	if res, _ := accessLog(t, s, maja.Token, url.Values{"unit_id": {demo.BjorkenID}}); res.Status != 200 {
		t.Errorf("a manager of two units naming one: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/admin/access-log?unit_id="+demo.AspenID, "", nil); res.Status != 401 {
		t.Errorf("without a token: %d", res.Status)
	}
	res, page := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "limit": {"1"},
		"from": {s.Clock.Now().Add(-time.Hour).Format(time.RFC3339)}, "to": {s.Clock.Now().Add(time.Hour).Format(time.RFC3339)}})
	if res.Status != 200 || page.Entries == nil {
		t.Errorf("a valid query: %d %s", res.Status, res.Body)
	}
}

// A backup holds every client's data: taking one is logged as a read of each client, in
// the client's unit, before the file is sent; the unit's review and each client's extract
// show it.
func TestBackupIsLoggedAsAReadOfEveryClient(t *testing.T) {
	s := testserver.Start(t)
	admin, anna, david := s.Login("admin"), s.Login("anna"), s.Login("david")
	changes, _ := anna.Pull()
	aspen := map[string]bool{} // Aspen's clients, as its staff receive them
	for _, c := range changes {
		if c.Kind == "client" {
			aspen[c.ID] = true
		}
	}
	if len(aspen) < 2 {
		t.Fatalf("Aspen has %d clients", len(aspen))
	}
	if res := s.Do("GET", "/api/v1/admin/backup", admin.Token, nil); res.Status != 200 {
		t.Fatalf("backup: %d", res.Status)
	}
	res, page := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "user_id": {demo.UserID("admin")}})
	if res.Status != 200 {
		t.Fatalf("review: %d %s", res.Status, res.Body)
	}
	logged := map[string]bool{}
	for _, e := range page.Entries {
		if e.Source != accesslog.SourceBackup || e.What != "backup" || e.DeviceID != admin.DeviceID || !slices.Equal(e.Units, []string{demo.AspenID}) || logged[e.ClientID] {
			t.Errorf("a backup's entry: %+v", e)
		}
		logged[e.ClientID] = true
	}
	for id := range aspen {
		if !logged[id] {
			t.Errorf("the backup is not logged as a read of Aspen's client %s", id)
		}
	}
	if len(logged) != len(aspen) {
		t.Errorf("the backup logged %d clients in Aspen, which has %d", len(logged), len(aspen))
	}
	extract := s.Do("GET", "/api/v1/admin/access-log/export?client_id="+demo.ClientID(1), david.Token, nil)
	if !bytes.Contains(extract.Body, []byte(","+accesslog.SourceBackup+",")) {
		t.Errorf("Astrid's extract lacks the backup: %s", extract.Body)
	}
}
