package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/reference"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// The big initial sync of issue 3: a coordinator (samordnare) of four units with 200
// clients and two years of notes, about 150,000 records, pulled whole from an empty
// cursor as a new phone does.
const (
	bigUnits       = 4
	bigClients     = 200
	bigNotesPerDay = 1.02 // about one note a day per client
	bigDays        = 730
)

// BenchmarkBigInitialSync reports the time for the whole pull (pages of 5000, gzip) as
// the client sees it, an upper bound of the server's time, and the compressed bytes on
// the wire.
func BenchmarkBigInitialSync(b *testing.B) {
	s := testserver.Start(b, quiet)
	records := seedBigMunicipality(b, s)
	token := s.Login("samordnare").Token
	transport := &http.Transport{DisableCompression: true} // count the bytes as sent
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}

	var wire, plain, got int
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		wire, plain, got = bigPull(b, hc, s.URL, token)
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if got != records {
		b.Fatalf("pulled %d records, want %d", got, records)
	}
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/sync")
	b.ReportMetric(float64(got), "records")
	b.ReportMetric(float64(wire)/1e6, "MB-gzip")
	b.ReportMetric(float64(plain)/1e6, "MB-json")
}

// bigPull pulls everything from an empty cursor; it returns the bytes on the wire, the
// bytes of JSON and the number of changes.
func bigPull(b *testing.B, hc *http.Client, url, token string) (wire, plain, changes int) {
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", url+"/api/v1/sync/pull?limit=5000&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
			b.Fatalf("pull: %d %v %q", res.StatusCode, err, res.Header.Get("Content-Encoding"))
		}
		wire += len(raw)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		plain += len(body)
		at := bytes.Index(body, []byte(`,"changes":[`))
		var page struct {
			Cursor string `json:"cursor"`
			More   bool   `json:"more"`
		}
		if at < 0 || json.Unmarshal(append(body[:at:at], '}'), &page) != nil {
			b.Fatalf("page: %.200s", body)
		}
		changes += bytes.Count(body[at:], changeStart)
		cursor = page.Cursor
		if !page.More {
			return wire, plain, changes
		}
	}
}

// seedBigMunicipality adds four units, a coordinator of all four, 200 clients and two
// years of notes written by staff of each unit, straight through the engine (as an
// import would), and returns how many records the coordinator can see.
func seedBigMunicipality(b *testing.B, s *testserver.Server) int {
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
	records := 0 // what the coordinator sees: the clients and the notes of the four units
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
	records += bigClients
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
	// and the municipality's reference lists, which everyone in it receives.
	return records + notes + len(reference.Defaults())
}
