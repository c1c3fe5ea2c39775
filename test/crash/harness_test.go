package crash

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// options size a run.
type options struct {
	rounds int           // kills and restarts
	batch  int           // notes per push
	storm  time.Duration // the kill comes at a random moment from storm/10 to storm
	seed   uint64        // of the kill moments
}

// The checks, as problems are filed.
const (
	checkFsync   = "fsync before answer"
	checkFile    = "bbolt consistency"
	checkResume  = "resume from last_mutation_id"
	checkPresent = "every sent note present once, nothing else"
	checkAnswers = "push answers"
)

// maxPushesPerStorm bounds a phone's pushes between two kills.
const maxPushesPerStorm = 5000

// report is what a run found: problems by check (counted, the first few kept) and figures.
type report struct {
	problems map[string][]string
	counts   map[string]int

	rounds, phones, pushes, mutations, duplicates, checked, fsyncs, notes int
	unanswered, unansweredApplied, resent                                 int // pushes the kill cut off
	kills                                                                 []time.Duration
	elapsed                                                               time.Duration
}

func (r *report) summary() string {
	sorted := append([]time.Duration(nil), r.kills...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	span := ""
	if len(sorted) > 0 {
		span = fmt.Sprintf(", killed %v to %v into the storm", sorted[0].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
	}
	return fmt.Sprintf("%d rounds, %d phones: %d pushes answered 200 (%d mutations applied, %d duplicates answered), "+
		"%d pushes unanswered at a kill (%d of them applied before it), %d resent; "+
		"%d answered pushes checked against %d traced fsyncs of vardag.db; %d notes in the final pull%s; %v",
		r.rounds, r.phones, r.pushes, r.mutations, r.duplicates, r.unanswered, r.unansweredApplied, r.resent,
		r.checked, r.fsyncs, r.notes, span,
		r.elapsed.Round(100*time.Millisecond))
}

// failures lists each failed check with its count and first problems.
func (r *report) failures() []string {
	var out []string
	for check, n := range r.counts {
		out = append(out, fmt.Sprintf("%s: %d problems, the first:\n\t%s", check, n, strings.Join(r.problems[check], "\n\t")))
	}
	sort.Strings(out)
	return out
}

type pulledNote struct {
	count   int
	version uint64
	text    string
}

type harness struct {
	t      *testing.T
	opt    options
	bin    string
	dir    string
	rng    *rand.Rand
	phones []*phone
	david  *phone // pulls the whole unit
	rep    report

	mu        sync.Mutex
	sent      map[string]bool   // every note a phone sent
	version   map[string]uint64 // note → the version its answer gave it
	byVersion map[uint64]string // and back
	fresh     map[string]bool   // notes answered applied, not as a duplicate
	baseline  map[string]bool   // notes there before the first storm (the demo's)
	timings   []pushTiming      // answered pushes of the running server
}

// run starts the binary, logs the phones in, and runs the rounds: storm, SIGKILL, checks,
// restart, resume, checks. Problems go to the report; only a harness failure (the binary
// does not start, a login fails) stops the test.
func run(t *testing.T, bin string, opt options) *report {
	start := time.Now()
	h := &harness{t: t, opt: opt, bin: bin, dir: t.TempDir(), rng: rand.New(rand.NewPCG(opt.seed, 1)),
		sent: map[string]bool{}, version: map[string]uint64{}, byVersion: map[uint64]string{}, fresh: map[string]bool{},
		rep: report{problems: map[string][]string{}, counts: map[string]int{}}}
	srv := h.start(0)
	c := newClient(srv.url)
	codes := totp{}
	for k := range 3 {
		for _, user := range []string{"anna", "bo", "cecilia", "david"} {
			p, err := login(c, codes, user, len(h.phones))
			if err != nil {
				t.Fatal(err)
			}
			h.phones = append(h.phones, p)
			if user == "david" && k == 0 {
				h.david = p
			}
		}
	}
	h.rep.phones = len(h.phones)
	notes, err := h.pullNotes(c)
	if err != nil {
		t.Fatal(err)
	}
	h.baseline = map[string]bool{}
	for id := range notes {
		h.baseline[id] = true
	}
	for r := 1; r <= opt.rounds; r++ {
		h.storm(srv, c)
		h.afterKill(srv, r)
		srv = h.start(r)
		c = newClient(srv.url)
		h.resume(c)
		h.verify(c, r)
		h.rep.rounds++
		t.Logf("round %d: killed %v into the storm; %d pushes answered so far, %d notes in the pull",
			r, h.rep.kills[r-1].Round(time.Millisecond), h.rep.pushes, h.rep.notes)
	}
	srv.kill(t)
	h.afterKill(srv, opt.rounds+1)
	h.rep.elapsed = time.Since(start)
	return &h.rep
}

func (h *harness) start(r int) *server {
	h.timings = nil
	return startServer(h.t, h.bin, filepath.Join(h.dir, "data"), filepath.Join(h.dir, fmt.Sprintf("strace-%02d.txt", r)))
}

func (h *harness) problem(check, format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.problemLocked(check, format, args...)
}

func (h *harness) problemLocked(check, format string, args ...any) {
	if h.rep.counts[check]++; len(h.rep.problems[check]) < 8 {
		h.rep.problems[check] = append(h.rep.problems[check], fmt.Sprintf(format, args...))
	}
}

// storm lets every phone push until the kill, which comes at a random moment.
func (h *harness) storm(srv *server, c *client) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range h.phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.pushLoop(c, p, stop)
		}()
	}
	wait := h.opt.storm/10 + time.Duration(h.rng.Int64N(int64(h.opt.storm*9/10)+1))
	time.Sleep(wait)
	srv.kill(h.t)
	close(stop)
	wg.Wait()
	h.rep.kills = append(h.rep.kills, wait)
}

func (h *harness) pushLoop(c *client, p *phone, stop <-chan struct{}) {
	for range maxPushesPerStorm {
		select {
		case <-stop:
			return
		default:
		}
		batch := p.newBatch(h.opt.batch)
		h.mu.Lock()
		for _, m := range batch {
			h.sent[m.Args.NoteID] = true
		}
		h.mu.Unlock()
		sent := time.Now()
		status, raw, err := c.do("POST", "/api/v1/sync/push", p.token, pushRequest{p.deviceID, batch})
		recv := time.Now()
		if err != nil {
			return // the kill: the push stays pending, unanswered
		}
		if !h.answered(p, batch, status, raw, batch[0].ID-1, sent, recv) {
			return
		}
	}
}

// answered checks a push's answer: mutations up to dupThrough must come back as
// duplicates of applied ones, the others as applied now. It returns false for a failed
// answer, after which the phone stops.
func (h *harness) answered(p *phone, batch []mutation, status int, raw []byte, dupThrough uint64, sent, recv time.Time) bool {
	first, last := batch[0].ID, batch[len(batch)-1].ID
	var pr pushResult
	if status != 200 || json.Unmarshal(raw, &pr) != nil {
		h.problem(checkAnswers, "phone %d, push of mutations %d..%d: %d %.300s", p.n, first, last, status, raw)
		return false
	}
	if pr.LastMutationID != last || len(pr.Results) != len(batch) {
		h.problem(checkAnswers, "phone %d, push of mutations %d..%d: last_mutation_id %d with %d results", p.n, first, last, pr.LastMutationID, len(pr.Results))
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, r := range pr.Results {
		m := batch[i]
		dup := m.ID <= dupThrough
		if r.ID != m.ID || r.Status != "applied" || r.Duplicate != dup || r.Version == 0 {
			h.problemLocked(checkAnswers, "phone %d, mutation %d: result id %d %s (duplicate %v, version %d, error %s), want applied (duplicate %v)",
				p.n, m.ID, r.ID, r.Status, r.Duplicate, r.Version, r.Error, dup)
			continue
		}
		note := m.Args.NoteID
		if !dup {
			if h.fresh[note] {
				h.problemLocked(checkAnswers, "note %s answered applied twice (phone %d, mutation %d)", note, p.n, m.ID)
			}
			h.fresh[note] = true
			h.rep.mutations++
		} else {
			h.rep.duplicates++
		}
		if v, ok := h.version[note]; ok && v != r.Version {
			h.problemLocked(checkAnswers, "note %s answered with versions %d and %d", note, v, r.Version)
		}
		if other, ok := h.byVersion[r.Version]; ok && other != note {
			h.problemLocked(checkAnswers, "version %d answered for notes %s and %s", r.Version, other, note)
		}
		h.version[note], h.byVersion[r.Version] = r.Version, note
	}
	h.rep.pushes++
	h.timings = append(h.timings, pushTiming{phone: p.n, first: first, sent: sent, recv: recv})
	p.acked, p.pending = last, nil
	return true
}

// afterKill checks a dead server's run: every answered push had its fsync, and the file
// passes bbolt's check (before anything opens it for writing again).
func (h *harness) afterKill(srv *server, r int) {
	syncs, err := readSyncs(srv.trace)
	if err != nil {
		h.t.Fatal(err)
	}
	h.rep.fsyncs += len(syncs)
	h.rep.checked += len(h.timings)
	for _, p := range unsynced(h.timings, syncs) {
		h.problem(checkFsync, "run %d: %s", r, p)
	}
	for _, e := range checkBolt(filepath.Join(h.dir, "data", "vardag.db")) {
		h.problem(checkFile, "after kill %d: %s", r, e)
	}
}

// resume brings every phone back after a restart, as a phone does: it reads the server's
// last_mutation_id and resends what is unanswered.
func (h *harness) resume(c *client) {
	for _, p := range h.phones {
		page, err := c.pull(p, "", 1)
		if err != nil {
			h.problem(checkResume, "phone %d: %v", p.n, err)
			continue
		}
		server := page.LastMutationID
		hi := p.acked
		if p.pending != nil {
			hi = p.pending[len(p.pending)-1].ID
		}
		if server < p.acked || server > hi {
			h.problem(checkResume, "phone %d: last_mutation_id %d after the restart; %d was answered, %d the last sent", p.n, server, p.acked, hi)
		}
		if p.pending == nil {
			continue
		}
		h.rep.unanswered++
		if server == hi {
			h.rep.unansweredApplied++
		}
		if server != p.acked && server != hi {
			h.problem(checkResume, "phone %d: the unanswered push %d..%d is applied up to %d, not whole or not at all", p.n, p.pending[0].ID, hi, server)
		}
		from := p.pending[0].ID // odd phones resend the whole push, even ones what the server lacks
		if p.n%2 == 0 {
			from = max(from, server+1)
		}
		if from > hi {
			p.acked, p.pending = hi, nil // all applied before the kill: nothing to resend
			continue
		}
		batch := p.pending[from-p.pending[0].ID:]
		sent := time.Now()
		status, raw, err := c.do("POST", "/api/v1/sync/push", p.token, pushRequest{p.deviceID, batch})
		if err != nil {
			h.problem(checkResume, "phone %d: resend: %v", p.n, err)
			continue
		}
		if h.answered(p, batch, status, raw, server, sent, time.Now()) {
			h.rep.resent++
		}
	}
}

// pullNotes pulls the whole unit as david, from an empty cursor.
func (h *harness) pullNotes(c *client) (map[string]pulledNote, error) {
	notes := map[string]pulledNote{}
	cursor := ""
	for range 10000 {
		page, err := c.pull(h.david, cursor, 5000)
		if err != nil {
			return nil, err
		}
		for _, ch := range page.Changes {
			if ch.Kind == "journal_note" {
				n := notes[ch.ID]
				n.count++
				n.version, n.text = ch.Version, ch.Data.Text
				notes[ch.ID] = n
			}
		}
		if !page.More {
			return notes, nil
		}
		cursor = page.Cursor
	}
	return nil, fmt.Errorf("the pull did not end within 10000 pages")
}

// verify compares the whole pull with what the phones sent: after the resends every sent
// note is applied, so the two sets are the same, each note once, with its answered version.
func (h *harness) verify(c *client, r int) {
	notes, err := h.pullNotes(c)
	if err != nil {
		h.problem(checkPresent, "round %d: %v", r, err)
		return
	}
	h.rep.notes = len(notes)
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, n := range notes {
		switch v, answered := h.version[id]; {
		case n.count != 1:
			h.problemLocked(checkPresent, "round %d: note %s is %d times in the pull", r, id, n.count)
		case h.baseline[id]:
		case !h.sent[id]:
			h.problemLocked(checkPresent, "round %d: note %s is in the pull but no phone sent it", r, id)
		case n.text != noteText(id):
			h.problemLocked(checkPresent, "round %d: note %s has another text than the one sent", r, id)
		case answered && v != n.version:
			h.problemLocked(checkPresent, "round %d: note %s has version %d, its answer said %d", r, id, n.version, v)
		}
	}
	for id := range h.sent {
		if _, ok := notes[id]; !ok {
			_, answered := h.version[id]
			h.problemLocked(checkPresent, "round %d: note %s is missing (answered 200: %v)", r, id, answered)
		}
	}
}
