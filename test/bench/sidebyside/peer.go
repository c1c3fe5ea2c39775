package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// peer is pouchdb-server, started by the shared script with its on-disk LevelDB store
// (which, unlike Vardag, does not fsync each write).
type peer struct {
	url, logPath string
	cmd          *exec.Cmd
	exited       chan struct{}
	stopOnce     sync.Once
	welcome      string // its answer to GET /
	since        string // the reader's checkpoint (a change sequence)
}

const db = "/notes"

// startPeer runs script PORT DATADIR in its own process group, logging to logPath.
func startPeer(script string, port int, dir, logPath string) (*peer, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	p := &peer{url: "http://127.0.0.1:" + strconv.Itoa(port), logPath: logPath, exited: make(chan struct{})}
	p.cmd = exec.Command(script, strconv.Itoa(port), dir)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", script, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// ready waits until the peer answers GET / (the first start installs it).
func (p *peer) ready(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		res, err := do(short, "GET", p.url+"/", "", nil)
		cancel()
		if err == nil && res.status == 200 {
			p.welcome = string(bytes.TrimSpace(res.body))
			logf("pouchdb-server answers: %s", p.welcome)
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("pouchdb-server exited before answering:\n%s", tail(p.logPath))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("pouchdb-server did not answer within %s:\n%s", wait, tail(p.logPath))
}

// stop ends the peer's process group: SIGTERM, then SIGKILL after 10 s.
func (p *peer) stop() {
	p.stopOnce.Do(func() {
		transport.CloseIdleConnections()
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.exited
		}
		// Anything of the group still alive (a child that outlived the script) goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
}

func (p *peer) cpu() time.Duration { return groupCPU(p.cmd.Process.Pid) }

// createDB creates the database (PUT /notes).
func (p *peer) createDB(ctx context.Context) error {
	res, err := do(ctx, "PUT", p.url+db, "", nil)
	if err != nil {
		return err
	}
	if res.status != 201 {
		return fmt.Errorf("PUT %s: %d %s", db, res.status, excerpt(res.body))
	}
	return nil
}

var stored = []byte(`"ok":true`)

// push sends one batch: POST /notes/_bulk_docs. Every document must come back ok.
func (p *peer) push(ctx context.Context, _ int, recs []record) error {
	b := make([]byte, 0, 16+len(recs)*(len(recs[0].doc)+1))
	b = append(b, `{"docs":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.doc...)
	}
	b = append(b, "]}"...)
	res, err := do(ctx, "POST", p.url+db+"/_bulk_docs", "", b)
	if err != nil {
		return err
	}
	if res.status != 201 {
		return fmt.Errorf("_bulk_docs: %d %s", res.status, excerpt(res.body))
	}
	if n := bytes.Count(res.body, stored); n != len(recs) {
		return fmt.Errorf("_bulk_docs: %d of %d documents stored: %s", n, len(recs), excerpt(res.body))
	}
	return nil
}

// changesPage is a _changes answer; the results are only split, not decoded.
type changesPage struct {
	Results []json.RawMessage `json:"results"`
	LastSeq json.RawMessage   `json:"last_seq"`
}

// seq is a sequence as a query parameter (a number in pouchdb-server, a string in
// CouchDB 2 and later).
func seq(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// changes pulls pages of _changes after p.since with the documents until a page comes
// back short, keeping the checkpoint. Bounded: at most maxPages pages.
func (p *peer) changes(ctx context.Context, pageSize, maxPages int) (changes, pages int, wire int64, err error) {
	for pages < maxPages {
		res, err := do(ctx, "GET", p.url+db+"/_changes?since="+p.since+"&limit="+strconv.Itoa(pageSize)+"&include_docs=true", "", nil)
		if err != nil {
			return changes, pages, wire, err
		}
		if res.status != 200 {
			return changes, pages, wire, fmt.Errorf("_changes: %d %s", res.status, excerpt(res.body))
		}
		var c changesPage
		if err := json.Unmarshal(res.body, &c); err != nil {
			return changes, pages, wire, fmt.Errorf("_changes: %w", err)
		}
		pages++
		changes += len(c.Results)
		wire += res.wire
		p.since = seq(c.LastSeq)
		if len(c.Results) < pageSize {
			return changes, pages, wire, nil
		}
	}
	return changes, pages, wire, fmt.Errorf("_changes: still more after %d pages", maxPages)
}

func (p *peer) checkpoint(ctx context.Context) error {
	p.since = "0"
	_, _, _, err := p.changes(ctx, 5000, 10000)
	return err
}

func (p *peer) pullSince(ctx context.Context, pageSize int) (int, int, int64, error) {
	return p.changes(ctx, pageSize, 10000)
}

// live: the listener holds GET /notes/_changes?feed=longpoll&since=SEQ&include_docs=true;
// the writer posts one document per sample. The latency runs from sending the write to the
// long poll's answer that holds the document.
func (p *peer) live(ctx context.Context, recs []record) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, len(recs))
	for _, r := range recs {
		type answer struct {
			res response
			err error
			at  time.Time
		}
		poll := func() chan answer {
			ch := make(chan answer, 1)
			go func() {
				res, err := do(ctx, "GET", p.url+db+"/_changes?feed=longpoll&since="+p.since+"&include_docs=true&timeout=10000", "", nil)
				ch <- answer{res, err, time.Now()}
			}()
			return ch
		}
		polled := poll()
		time.Sleep(5 * time.Millisecond) // the long poll reaches the server and waits
		pushed := make(chan error, 1)
		start := time.Now()
		go func() { pushed <- p.push(ctx, 0, []record{r}) }()
		got := false
		for tries := 0; !got && tries < 10; tries++ {
			if tries > 0 {
				polled = poll()
			}
			var a answer
			select {
			case a = <-polled:
			case <-ctx.Done():
				return lat, ctx.Err()
			}
			if a.err != nil {
				return lat, a.err
			}
			if a.res.status != 200 {
				return lat, fmt.Errorf("longpoll: %d %s", a.res.status, excerpt(a.res.body))
			}
			var c changesPage
			if err := json.Unmarshal(a.res.body, &c); err != nil {
				return lat, fmt.Errorf("longpoll: %w", err)
			}
			p.since = seq(c.LastSeq)
			if bytes.Contains(a.res.body, []byte(r.id)) {
				got = true
				lat = append(lat, a.at.Sub(start))
			}
		}
		if !got {
			return lat, fmt.Errorf("longpoll: document %s not seen after 10 polls", r.id)
		}
		if err := <-pushed; err != nil {
			return lat, err
		}
	}
	return lat, nil
}
