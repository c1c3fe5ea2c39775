package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
)

// record is one journal note, encoded once for each protocol before anything is timed so
// that both servers get the same bodies and the load generator does not re-encode them.
type record struct {
	id   string
	args []byte // Vardag: journal.note.add arguments
	doc  []byte // CouchDB: the same note as a document
}

// note is a journal note as a phone writes it.
type note struct {
	NoteID     string   `json:"note_id"`
	ClientID   string   `json:"client_id"`
	Heading    string   `json:"heading"`
	Keywords   []string `json:"keywords"`
	Text       string   `json:"text"`
	OccurredAt string   `json:"occurred_at"`
}

// couchNote is the same note as a CouchDB document.
type couchNote struct {
	ID         string   `json:"_id"`
	Type       string   `json:"type"`
	ClientID   string   `json:"client_id"`
	Heading    string   `json:"heading"`
	Keywords   []string `json:"keywords"`
	Text       string   `json:"text"`
	OccurredAt string   `json:"occurred_at"`
}

var (
	headings = []string{"Besök", "Morgonbesök", "Kvällsbesök", "Tillsyn", "Dusch"}
	keywords = [][]string{{"Omvårdnad", "Måltid"}, {"Hygien"}, {"Läkemedel", "Omvårdnad"}, {"Social samvaro"}, {"Måltid", "Nutrition", "Vätska"}}
	texts    = []string{
		"Hjälpte till med frukost och morgonmedicin. Brukaren mådde bra och var glad, pratade om barnbarnen.",
		"Brukaren var trött och ville vila. Hjälpte till med dusch och påklädning. Drack två glas vatten.",
		"Värmde middag, brukaren åt halva portionen. Tömde sopor och bäddade. Larmet testat, fungerar.",
		"Promenad runt kvarteret med rollator i tjugo minuter. Stadig på benen och på gott humör.",
	}
)

// makeRecords makes n notes for the six Aspen demo clients, about 300 bytes each.
func makeRecords(n int, now time.Time) []record {
	at := now.Add(-time.Hour).UTC().Format(time.RFC3339)
	recs := make([]record, n)
	for i := range recs {
		id := uuids.New()
		nt := note{NoteID: id, ClientID: demo.ClientID(1 + i%6), Heading: headings[i%len(headings)],
			Keywords: keywords[i%len(keywords)], Text: texts[i%len(texts)], OccurredAt: at}
		args, _ := json.Marshal(nt)
		doc, _ := json.Marshal(couchNote{ID: id, Type: "journal_note", ClientID: nt.ClientID, Heading: nt.Heading,
			Keywords: nt.Keywords, Text: nt.Text, OccurredAt: nt.OccurredAt})
		recs[i] = record{id: id, args: args, doc: doc}
	}
	return recs
}

// meanSize is the mean size of the records' Vardag arguments and CouchDB documents.
func meanSize(recs []record) (args, doc int) {
	for _, r := range recs {
		args += len(r.args)
		doc += len(r.doc)
	}
	return args / max(1, len(recs)), doc / max(1, len(recs))
}

// target is one server under test.
type target interface {
	// push has writer w send one batch and checks every record was stored.
	push(ctx context.Context, w int, recs []record) error
	// checkpoint has the reader pull everything there is and keep its position.
	checkpoint(ctx context.Context) error
	// pullSince pulls everything after the reader's position in pages of pageSize.
	pullSince(ctx context.Context, pageSize int) (pulled, pages int, wire int64, err error)
	// live measures wake-up latency: one record written per sample.
	live(ctx context.Context, recs []record) ([]time.Duration, error)
	// cpu is the CPU time the server's processes used so far.
	cpu() time.Duration
}

// commits are Vardag's group-commit counters: commits (one fsync each), pushes (and
// server jobs) committed, and the time spent applying and fsyncing them.
type commits struct{ count, jobs, seconds float64 }

// committer is a target that counts its commits.
type committer interface {
	commitStats(ctx context.Context) (commits, error)
}

// result is what one server did.
type result struct {
	pushed     int
	pushWall   time.Duration
	pushCPU    time.Duration // the server's
	pushGenCPU time.Duration // this program's
	pulled     int
	pages      int
	pullWire   int64
	pullWall   time.Duration
	pullCPU    time.Duration
	pullGenCPU time.Duration
	live       []time.Duration // sorted
	commits    *commits        // during the push, if the target counts them
}

func (r result) pushRate() float64 { return float64(r.pushed) / r.pushWall.Seconds() }
func (r result) pullRate() float64 { return float64(r.pulled) / r.pullWall.Seconds() }

// runWorkload runs push, pull and live against t.
func runWorkload(ctx context.Context, name string, t target, o options, recs, live []record) (result, error) {
	var r result
	half := len(recs) / 2
	var c0 commits
	counter, counts := t.(committer)
	if counts {
		var err error
		if c0, err = counter.commitStats(ctx); err != nil {
			return r, err
		}
	}
	cpu0, gen0 := t.cpu(), selfCPU()
	for i, wave := range [][]record{recs[:half], recs[half:]} {
		wall, err := pushWave(ctx, t, wave, o.batch, o.devices)
		if err != nil {
			return r, fmt.Errorf("push: %w", err)
		}
		r.pushWall += wall
		r.pushCPU += t.cpu() - cpu0
		r.pushGenCPU += selfCPU() - gen0
		if i == 0 {
			logf("%s: pushed the first half (%d); the reader catches up and keeps its checkpoint", name, half)
			if err := t.checkpoint(ctx); err != nil {
				return r, fmt.Errorf("checkpoint: %w", err)
			}
		}
		cpu0, gen0 = t.cpu(), selfCPU()
	}
	r.pushed = len(recs)
	if counts {
		c1, err := counter.commitStats(ctx)
		if err != nil {
			return r, err
		}
		r.commits = &commits{count: c1.count - c0.count, jobs: c1.jobs - c0.jobs, seconds: c1.seconds - c0.seconds}
	}
	logf("%s: pushed %d records in %s (%.0f records/s)", name, r.pushed, r.pushWall.Round(time.Millisecond), r.pushRate())

	cpu0, gen0 = t.cpu(), selfCPU()
	start := time.Now()
	pulled, pages, wire, err := t.pullSince(ctx, o.pageSize)
	r.pullWall = time.Since(start)
	r.pullCPU, r.pullGenCPU = t.cpu()-cpu0, selfCPU()-gen0
	if err != nil {
		return r, fmt.Errorf("pull: %w", err)
	}
	if want := len(recs) - half; pulled != want {
		return r, fmt.Errorf("pull: got %d changes after the checkpoint, want %d", pulled, want)
	}
	r.pulled, r.pages, r.pullWire = pulled, pages, wire
	logf("%s: pulled %d records in %d pages in %s (%.0f records/s)", name, pulled, pages, r.pullWall.Round(time.Millisecond), r.pullRate())

	lat, err := t.live(ctx, live)
	if err != nil {
		return r, fmt.Errorf("live: %w", err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.live = lat
	logf("%s: live wake-up: %d samples, p50 %s, p99 %s", name, len(lat), pct(lat, 0.50), pct(lat, 0.99))
	return r, nil
}

// pushWave has writers concurrent writers push recs in batches; each writer takes the next
// unsent batch until none is left. The first error stops the wave.
func pushWave(ctx context.Context, t target, recs []record, batch, writers int) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := (len(recs) + batch - 1) / batch
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= batches {
					return
				}
				if err := t.push(ctx, w, recs[b*batch:min((b+1)*batch, len(recs))]); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}(w)
	}
	wg.Wait()
	wall := time.Since(start)
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return wall, firstErr
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// HTTP. Every request has its own timeout; the live feeds use the run's context alone.

const requestTimeout = 2 * time.Minute

var transport = &http.Transport{
	Proxy:               nil, // loopback only
	DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	MaxIdleConns:        1024,
	MaxIdleConnsPerHost: 1024,
	IdleConnTimeout:     30 * time.Second,
	DisableCompression:  true, // send and undo gzip ourselves, to count the bytes on the wire
}

var client = &http.Client{Transport: transport, Timeout: requestTimeout}

// response is an answer read whole.
type response struct {
	status int
	body   []byte // without gzip
	wire   int64  // body bytes as they came over the wire
}

// do sends a request with a JSON body (or none) and reads the answer whole, asking for
// gzip as phones do.
func do(ctx context.Context, method, url, token string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	out := response{status: res.StatusCode, body: raw, wire: int64(len(raw))}
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return out, fmt.Errorf("%s %s: gzip: %w", method, url, err)
		}
		if out.body, err = io.ReadAll(zr); err != nil {
			return out, fmt.Errorf("%s %s: gzip: %w", method, url, err)
		}
	}
	return out, nil
}

// excerpt is the start of a body, for error messages.
func excerpt(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// freePort is a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// selfCPU is the user and system CPU time this program has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
