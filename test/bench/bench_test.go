// Package bench measures Vardag's sync throughput over HTTP against a real server with a
// real, fsynced bbolt file. Run: go test ./test/bench -run '^$' -bench . -benchtime 200000x
// (Push counts mutations; Pull counts passes over 100,000 notes: use -benchtime 5x for it.)
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/server/app"
	"vardag/server/config"
	"vardag/test/testserver"
)

const (
	devices   = 50
	batchSize = 20
)

// client keeps connections alive across pushes, as phones do.
// TestMain runs the benchmarks with the binary's runtime settings.
func TestMain(m *testing.M) {
	app.TuneRuntime(os.Getenv)
	os.Exit(m.Run())
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}

func quiet(c *config.Config) { c.LogLevel = "warn" }

func login(b *testing.B, s *testserver.Server, n int) []*testserver.Device {
	phones := make([]*testserver.Device, n)
	for i := range phones {
		name := fmt.Sprintf("bench%02d", i)
		s.AddUser(name, demo.AspenID, identity.RoleCareStaff, s.Clock.Now().Add(24*time.Hour))
		phones[i] = s.Login(name)
	}
	return phones
}

// noteArgs are journal.note.add's arguments; a struct marshals faster than a map, which
// matters here because the load generator shares the server's two cores.
type noteArgs struct {
	NoteID     string   `json:"note_id"`
	ClientID   string   `json:"client_id"`
	Heading    string   `json:"heading"`
	Keywords   []string `json:"keywords"`
	Text       string   `json:"text"`
	OccurredAt string   `json:"occurred_at"`
}

// aspenClients are Aspen's six demo clients, where the bench users have their grants.
var aspenClients = []string{demo.ClientID(1), demo.ClientID(2), demo.ClientID(3), demo.ClientID(4), demo.ClientID(5), demo.ClientID(6)}

// pushAll has every device push batches of notes until total mutations are sent.
func pushAll(b *testing.B, s *testserver.Server, phones []*testserver.Device, total int) {
	var sent atomic.Int64
	var wg sync.WaitGroup
	at := s.Clock.Now().Add(-time.Minute).Format(time.RFC3339)
	for _, d := range phones {
		wg.Add(1)
		go func(d *testserver.Device) {
			defer wg.Done()
			for {
				n := sent.Add(batchSize)
				if n-batchSize >= int64(total) {
					return
				}
				ms := make([]testserver.Mutation, 0, batchSize)
				for k := 0; k < batchSize; k++ {
					ms = append(ms, d.Batch("journal.note.add", noteArgs{
						NoteID: uuids.New(), ClientID: aspenClients[k%len(aspenClients)], Heading: "Besök",
						Keywords: []string{"Omvårdnad", "Måltid"}, OccurredAt: at,
						Text: "Hjälpte till med frukost och morgonmedicin. Brukaren mådde bra och var glad.",
					})...)
				}
				body, _ := json.Marshal(map[string]any{"device_id": d.DeviceID, "mutations": ms})
				req, _ := http.NewRequest("POST", s.URL+"/api/v1/sync/push", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+d.Token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("push: %d", res.StatusCode)
					return
				}
			}
		}(d)
	}
	wg.Wait()
}

// BenchmarkPush: mutations per second through /api/v1/sync/push, 50 devices, batches of 20,
// each push answered only after its group commit is fsynced.
func BenchmarkPush(b *testing.B) {
	s := testserver.Start(b, quiet)
	phones := login(b, s, devices)
	jobs0, commits0 := commitStats(b, s)
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	pushAll(b, s, phones, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	jobs, commits := commitStats(b, s)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "mutations/s")
	b.ReportMetric((jobs-jobs0)/(commits-commits0), "pushes/commit")
	// CPU time (server and load generator) per mutation: steadier than the rate on a
	// shared machine, and what decides the rate when both cores are busy.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/mutation")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// commitStats reads the server's group-commit counters from /metrics: pushes (and other
// jobs) committed, and commits (one fsync each).
func commitStats(b *testing.B, s *testserver.Server) (jobs, commits float64) {
	res, err := client.Get(s.URL + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "vardag_sync_commit_jobs_sum "); ok {
			jobs, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "vardag_sync_commit_jobs_count "); ok {
			commits, _ = strconv.ParseFloat(v, 64)
		}
	}
	if commits == 0 {
		b.Fatalf("no commit counters in /metrics")
	}
	return jobs, commits
}

// BenchmarkPull: records per second through /api/v1/sync/pull, pages of 5000, gzip on.
// A phone decodes on its own CPU; here the client shares the server's two cores, so the
// timed passes read every page whole but decode only its envelope (cursor, more) and count
// the change objects. An untimed first pass decodes every change in full and checks that
// the cheap count agrees.
func BenchmarkPull(b *testing.B) {
	s := testserver.Start(b, quiet)
	phones := login(b, s, devices)
	const notes = 100000
	pushAll(b, s, phones, notes)
	reader := s.Login("david")
	full, cheap := pullEverything(b, s, reader.Token, true)
	if full < notes || full != cheap {
		b.Fatalf("full decode found %d changes, cheap count %d, want at least %d", full, cheap, notes)
	}
	b.ResetTimer()
	records := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		_, n := pullEverything(b, s, reader.Token, false)
		records += n
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if records != b.N*full {
		b.Fatalf("pulled %d records, want %d", records, b.N*full)
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
}

var changeStart = []byte(`{"kind":`)

// pullEverything pulls from an empty cursor to the end, returning the changes counted by a
// full decode (when full) and by counting change objects.
func pullEverything(b *testing.B, s *testserver.Server, token string, full bool) (decoded, counted int) {
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/sync/pull?limit=5000&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("pull: %d %v", res.StatusCode, err)
		}
		at := bytes.Index(body, []byte(`,"changes":[`))
		if at < 0 {
			b.Fatalf("no changes in %.200s", body)
		}
		var page struct {
			Cursor string `json:"cursor"`
			More   bool   `json:"more"`
		}
		if err := json.Unmarshal(append(body[:at:at], '}'), &page); err != nil {
			b.Fatalf("envelope: %v", err)
		}
		counted += bytes.Count(body[at:], changeStart)
		if full {
			var all struct{ Changes []struct{ Kind, ID string } }
			if err := json.Unmarshal(body, &all); err != nil {
				b.Fatal(err)
			}
			decoded += len(all.Changes)
		}
		cursor = page.Cursor
		if !page.More {
			return decoded, counted
		}
	}
}
