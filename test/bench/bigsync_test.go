package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"vardag/test/testserver"
)

// The big initial sync of issue 3: a coordinator (samordnare) of four units with 200
// clients and two years of notes, about 150,000 records, pulled whole from an empty
// cursor as a new phone does.
// BenchmarkBigInitialSync reports the time for the whole pull (pages of 5000, gzip) as
// the client sees it, an upper bound of the server's time, and the compressed bytes on
// the wire.
func BenchmarkBigInitialSync(b *testing.B) {
	s := testserver.Start(b, quiet)
	records := s.SeedBigMunicipality()
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
