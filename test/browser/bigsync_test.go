package browser

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/reference"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// BenchmarkBigInitialSync is issue 3's big initial sync as the phone app lives it: a
// coordinator of four units with 200 clients and two years of notes (about 150,000
// records, seeded as test/bench's BenchmarkBigInitialSync does) logs in on a new phone,
// and the app pulls everything into IndexedDB. It measures from the code's submit until
// window.vardag.syncNow() (called as soon as the app is up, so it runs or joins the
// first round) resolves with every record stored, and reports the seconds, the records
// per second and the longest gap between two ticks of a setTimeout(0) probe in the page
// (how long the app stopped answering the user). Target: 10 s.
func BenchmarkBigInitialSync(b *testing.B) {
	s := testserver.Start(b, func(c *config.Config) { c.LogLevel = "warn" })
	want := seedBigMunicipality(b, s)
	var elapsed time.Duration
	var records int
	var maxGap float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := NewPhone(b, fmt.Sprint("phone", i))
		p.Open(s.URL + "/")
		p.WaitScreen("login")
		p.Type("login-username", "samordnare")
		p.Type("login-password", demo.Password)
		p.Click("login-submit")
		p.WaitFor("the code screen", `document.querySelector('[data-testid=code-input], [data-testid=method-totp]')`)
		if !p.Has("code-input") {
			p.Click("method-totp")
		}
		p.Type("code-input", s.CodeFor("samordnare"))
		// The probe: a setTimeout(0) chain keeps the longest gap between its ticks.
		Eval[bool](p, `(() => {
			const probe = window.__probe = { start: performance.now(), last: performance.now(), maxGap: 0, ticks: 0, stop: false };
			const tick = () => {
				const now = performance.now();
				probe.maxGap = Math.max(probe.maxGap, now - probe.last);
				probe.last = now;
				probe.ticks++;
				if (!probe.stop) setTimeout(tick, 0);
			};
			setTimeout(tick, 0);
			return true;
		})()`)
		b.StartTimer()
		start := time.Now()
		p.Click("code-submit")
		p.WaitFor("the app after the login", `window.vardag && typeof window.vardag.syncNow === 'function' && !['login', 'code', 'method'].includes(document.body.dataset.screen)`)
		type result struct {
			Seconds float64 `json:"seconds"`
			MaxGap  float64 `json:"maxGap"`
			Records int     `json:"records"`
			Ticks   int     `json:"ticks"`
			Pages   int     `json:"pages"`
			Fetch   float64 `json:"fetch"`
		}
		r := EvalWithin[result](p, 5*time.Minute, `(async () => {
			await window.vardag.syncNow();
			const probe = window.__probe;
			probe.stop = true;
			const s = await window.vardag.stats();
			// The pulls' time on the network (request to the body's last byte), from
			// resource timing: the rest of the time is the app's own (parse, IndexedDB).
			const pulls = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/sync/pull'));
			const fetch = pulls.reduce((sum, e) => sum + e.responseEnd - e.startTime, 0) / 1000;
			return { seconds: (performance.now() - probe.start) / 1000, maxGap: probe.maxGap, records: s.records, ticks: probe.ticks, pages: pulls.length, fetch };
		})()`)
		elapsed += time.Since(start)
		b.StopTimer()
		records = r.Records
		maxGap = max(maxGap, r.MaxGap)
		b.Logf("phone %d: %d records in %.2f s as the page measured (%.0f records/s); longest gap between ticks %.0f ms (%d ticks); %d pulls took %.2f s on the network, the rest is the app's",
			i, r.Records, r.Seconds, float64(r.Records)/r.Seconds, r.MaxGap, r.Ticks, r.Pages, r.Fetch)
		if r.Records < want {
			b.Fatalf("the app holds %d records after the sync, want at least the %d seeded", r.Records, want)
		}
		if i+1 < b.N {
			b.StartTimer()
		}
	}
	secs := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(secs, "s/sync")
	b.ReportMetric(float64(records)/secs, "records/s")
	b.ReportMetric(float64(records), "records")
	b.ReportMetric(maxGap, "ms-max-gap")
	if secs > 10 {
		b.Logf("over the target: %.1f s for the initial sync, want at most 10 s", secs)
	}
}

// The big municipality of test/bench's BenchmarkBigInitialSync (test/bench/bigsync_test.go;
// a test package cannot import another's test files): keep the two alike.
const (
	bigUnits       = 4
	bigClients     = 200
	bigNotesPerDay = 1.02
	bigDays        = 730
)

// seedBigMunicipality adds four units, a coordinator of all four ("samordnare"), 200
// clients and two years of notes, straight through the engine, and returns how many
// records the coordinator can see.
func seedBigMunicipality(b testing.TB, s *testserver.Server) int {
	units := make([]string, bigUnits)
	for i := range units {
		units[i] = uuids.Named(fmt.Sprintf("bench/unit/%d", i))
		if err := s.Identity.PutUnit(identity.Unit{ID: units[i], ProviderID: demo.OwnProviderID, Name: fmt.Sprintf("Hemtjänst Bänk %d", i+1)}); err != nil {
			b.Fatal(err)
		}
	}
	s.AddUser("samordnare", units[0], identity.RoleCoordinator, s.Clock.Now().Add(24*time.Hour))
	for i, u := range units[1:] {
		if err := s.Identity.PutGrant(identity.Grant{ID: fmt.Sprint("bench-grant-", i), UserID: demo.UserID("samordnare"), UnitID: u,
			Role: identity.RoleCoordinator, ValidUntil: s.Clock.Now().Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	clientIDs := make([]string, bigClients)
	err := s.Engine.Do(ctx, func(tx *syncengine.Tx) error {
		for i := range clientIDs {
			clientIDs[i] = uuids.Named(fmt.Sprint("bench/client/", i))
			c := clients.Client{ClientID: clientIDs[i], Name: fmt.Sprintf("Brukare %03d", i), PersonalID: demo.PersonalNumber("19400101", i),
				UnitID: units[i%bigUnits], Address: fmt.Sprintf("Bänkgatan %d", i), JournalOpen: true}
			if err := clients.Put(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	notes := int(bigClients * bigDays * bigNotesPerDay)
	start := s.Clock.Now().AddDate(-2, 0, 0)
	staff := []string{uuids.Named("bench/staff/1"), uuids.Named("bench/staff/2"), uuids.Named("bench/staff/3")}
	texts := []string{
		"Hjälpte till med morgonhygien och påklädning. Brukaren var pigg och åt frukost med god aptit.",
		"Delade ut kvällsmedicin enligt signeringslistan. Brukaren klagade på ont i höger knä, meddelat sjuksköterskan.",
		"Promenad runt kvarteret i 20 minuter. Brukaren ville gärna prata om sitt gamla arbete på varvet.",
		"Städning av kök och badrum. Bytte sängkläder. Brukaren trött idag, sov middag.",
	}
	for done := 0; done < notes; {
		err := s.Engine.Do(ctx, func(tx *syncengine.Tx) error {
			for k := 0; k < 5000 && done < notes; k++ {
				client := done % bigClients
				at := start.Add(time.Duration(done/bigClients) * 24 * time.Hour).Add(time.Duration(client%12) * time.Hour)
				note := journal.Note{
					NoteAddArgs: journal.NoteAddArgs{NoteID: uuids.New(), ClientID: clientIDs[client],
						Heading: "Besök", Keywords: []string{"Omvårdnad"}, Text: texts[done%len(texts)], OccurredAt: at},
					NoteServerFields: journal.NoteServerFields{UnitID: units[client%bigUnits], AuthorID: staff[client%len(staff)],
						AuthorRole: identity.RoleCareStaff, ClientTime: at, ServerTime: at.Add(time.Minute)},
				}
				if err := tx.Put(journal.KindNote, note.NoteID, []string{identity.UnitScope(units[client%bigUnits])}, note); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return bigClients + notes + len(reference.Defaults())
}
