package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/terms"
	"vardag/server/app"
	"vardag/server/config"
)

// vardag is the real server binary, run as a subprocess on its own data directory.
type vardag struct {
	bin, dir, logPath string
	cmd               *exec.Cmd
	exited            chan struct{}
	url               string
	stopOnce          sync.Once

	writers []*device
	reader  *device // the checkpointing reader and the live listener
}

// device is one logged-in phone. Only one goroutine uses a device at a time: mutation ids
// of a device must rise by one, push after push.
type device struct {
	username, token, deviceID string
	next                      uint64 // next mutation id
	cursor                    string
}

// benchUser is the name of the i-th writer's user.
func benchUser(i int) string { return fmt.Sprintf("sbs%02d", i+1) }

// startVardag builds the server, prepares a data directory with the demo municipality
// and one care-staff user per writer, and starts the binary on a free loopback port.
//
// Why extra users: a TOTP code (one 30 s time step) is accepted once per user and the
// server allows one step of skew, so the four Aspen demo users could log in at most 12
// devices without waiting minutes. Writers that shared a device would have to push one
// after another (its mutation ids rise by one), which would not be 50 concurrent writers.
// So, as an administrator would, the data directory gets one care-staff user per writer
// (grant in Aspen, where the six demo clients are) before the server starts; each logs in
// once over HTTP with password and TOTP, and each writer pushes from its own device.
func startVardag(ctx context.Context, tmp string, writers int) (*vardag, error) {
	v := &vardag{bin: filepath.Join(tmp, "vardag"), dir: filepath.Join(tmp, "vardag-data"),
		logPath: filepath.Join(tmp, "vardag.log"), exited: make(chan struct{})}
	build := exec.CommandContext(ctx, "go", "build", "-o", v.bin, "vardag/server")
	build.Dir = moduleRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build vardag/server: %v\n%s", err, out)
	}
	if err := prepareData(v.dir, writers); err != nil {
		return nil, err
	}
	logFile, err := os.Create(v.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	// The default log level (info): a production server logs each request, here to a
	// file, as pouchdb-server logs to its log.txt.
	v.cmd = exec.Command(v.bin, "-demo", "-data", v.dir, "-addr", "127.0.0.1:0")
	v.cmd.Stdout, v.cmd.Stderr = logFile, logFile
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := v.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = v.cmd.Wait(); close(v.exited) }()
	addr, err := v.listenAddr(ctx, 30*time.Second)
	if err != nil {
		v.stop()
		return nil, err
	}
	v.url = "http://" + addr
	logf("vardag listening on %s (data %s)", addr, v.dir)
	return v, nil
}

// moduleRoot is the directory of this Go module's go.mod.
func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod)
	}
	return "."
}

// prepareData seeds the demo municipality into dir and adds the writers' users.
func prepareData(dir string, writers int) error {
	cfg := config.Default()
	cfg.DataDir, cfg.Demo, cfg.LogLevel = dir, true, "warn"
	a, err := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return fmt.Errorf("prepare vardag data: %w", err)
	}
	hash, err := auth.HashPassword(demo.Password)
	for i := 0; i < writers && err == nil; i++ {
		name := benchUser(i)
		id := demo.UserID(name)
		err = a.Identity.CreateUser(identity.User{ID: id, Username: name, Name: "Bench " + name,
			MunicipalityID: demo.MunicipalityID, PasswordHash: hash, TOTPSecret: demo.TOTPSecret,
			TermsVersion: terms.Version, TermsAcceptedAt: time.Now()})
		if err == nil {
			err = a.Identity.PutGrant(identity.Grant{ID: "grant-" + name, UserID: id, UnitID: demo.AspenID,
				Role: identity.RoleCareStaff, ValidUntil: time.Now().Add(7 * 24 * time.Hour)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if serr := a.Shutdown(ctx); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("prepare vardag data: %w", err)
	}
	return nil
}

// listenAddr reads the address from the server's JSON log line "vardag: listening".
func (v *vardag) listenAddr(ctx context.Context, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		raw, _ := os.ReadFile(v.logPath)
		for _, line := range bytes.Split(raw, []byte("\n")) {
			var l struct{ Msg, Addr string }
			if json.Unmarshal(line, &l) == nil && l.Msg == "vardag: listening" && l.Addr != "" {
				return l.Addr, nil
			}
		}
		select {
		case <-v.exited:
			return "", fmt.Errorf("vardag exited before listening:\n%s", tail(v.logPath))
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("vardag did not log its address within %s:\n%s", wait, tail(v.logPath))
}

// stop ends the server gracefully (SIGTERM), or kills it after 30 s.
func (v *vardag) stop() {
	v.stopOnce.Do(func() {
		transport.CloseIdleConnections()
		_ = v.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-v.exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-v.cmd.Process.Pid, syscall.SIGKILL)
			<-v.exited
		}
	})
}

func (v *vardag) cpu() time.Duration { return groupCPU(v.cmd.Process.Pid) }

// login logs in one device per writer and the reader (demo user david, Aspen's unit
// manager, who sees every note written there), four at a time.
func (v *vardag) login(ctx context.Context, writers int) error {
	v.writers = make([]*device, writers)
	names := make([]string, writers+1)
	for i := range writers {
		names[i] = benchUser(i)
	}
	names[writers] = "david"
	devs := make([]*device, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			devs[i], errs[i] = v.loginOne(ctx, name)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	copy(v.writers, devs[:writers])
	v.reader = devs[writers]
	logf("vardag: %d writers and the reader logged in, each on its own device", writers)
	return nil
}

// loginOne logs a user in with password and then the TOTP code of the current time step.
func (v *vardag) loginOne(ctx context.Context, username string) (*device, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": demo.Password})
	res, err := do(ctx, "POST", v.url+"/api/v1/auth/login", "", body)
	if err != nil || res.status != 200 {
		return nil, fmt.Errorf("login %s: %d %v %s", username, res.status, err, excerpt(res.body))
	}
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	if err := json.Unmarshal(res.body, &ch); err != nil {
		return nil, fmt.Errorf("login %s: %w", username, err)
	}
	code, err := auth.TOTPCode(demo.TOTPSecret, time.Now())
	if err != nil {
		return nil, err
	}
	body, _ = json.Marshal(map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": code})
	res, err = do(ctx, "POST", v.url+"/api/v1/auth/verify", "", body)
	if err != nil || res.status != 200 {
		return nil, fmt.Errorf("verify %s: %d %v %s", username, res.status, err, excerpt(res.body))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		DeviceID    string `json:"device_id"`
	}
	if err := json.Unmarshal(res.body, &tok); err != nil || tok.AccessToken == "" || tok.DeviceID == "" {
		return nil, fmt.Errorf("verify %s: no tokens in %s", username, excerpt(res.body))
	}
	return &device{username: username, token: tok.AccessToken, deviceID: tok.DeviceID, next: 1}, nil
}

// pushBody is a push request for recs as journal.note.add mutations, numbered from the
// device's next mutation id. The arguments are already JSON.
func (d *device) pushBody(recs []record) []byte {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	b := make([]byte, 0, 64+len(recs)*(len(recs[0].args)+100))
	b = append(b, `{"device_id":"`...)
	b = append(b, d.deviceID...)
	b = append(b, `","mutations":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, d.next+uint64(i), 10)
		b = append(b, `,"name":"journal.note.add","client_time":"`...)
		b = append(b, now...)
		b = append(b, `","args":`...)
		b = append(b, r.args...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

var applied = []byte(`"status":"applied"`)

// push sends one batch from writer w's device: POST /api/v1/sync/push, answered after the
// commit is fsynced. Every mutation must come back applied.
func (v *vardag) push(ctx context.Context, w int, recs []record) error {
	return v.pushFrom(ctx, v.writers[w], recs)
}

func (v *vardag) pushFrom(ctx context.Context, d *device, recs []record) error {
	res, err := do(ctx, "POST", v.url+"/api/v1/sync/push", d.token, d.pushBody(recs))
	if err != nil {
		return err
	}
	if res.status != 200 {
		return fmt.Errorf("push: %d %s", res.status, excerpt(res.body))
	}
	if n := bytes.Count(res.body, applied); n != len(recs) {
		return fmt.Errorf("push: %d of %d mutations applied: %s", n, len(recs), excerpt(res.body))
	}
	d.next += uint64(len(recs))
	return nil
}

// commitStats reads the group-commit counters from /metrics (zero before the first commit).
func (v *vardag) commitStats(ctx context.Context) (commits, error) {
	res, err := do(ctx, "GET", v.url+"/metrics", "", nil)
	if err != nil {
		return commits{}, err
	}
	var c commits
	for _, line := range strings.Split(string(res.body), "\n") {
		name, val, ok := strings.Cut(line, " ")
		f, _ := strconv.ParseFloat(val, 64)
		switch {
		case !ok:
		case name == "vardag_sync_commit_jobs_sum":
			c.jobs = f
		case name == "vardag_sync_commit_jobs_count":
			c.count = f
		case name == "vardag_sync_commit_seconds_sum":
			c.seconds = f
		}
	}
	return c, nil
}

// pullPage is the envelope of a pull answer; the changes are only split, not decoded (a
// phone decodes them on its own CPU).
type pullPage struct {
	Cursor  string            `json:"cursor"`
	More    bool              `json:"more"`
	Changes []json.RawMessage `json:"changes"`
}

// pull pulls pages after the reader's cursor until there are no more, keeping the cursor.
// Bounded: at most maxPages pages.
func (v *vardag) pull(ctx context.Context, pageSize, maxPages int, visit func(body []byte)) (changes, pages int, wire int64, err error) {
	for pages < maxPages {
		res, err := do(ctx, "GET", v.url+"/api/v1/sync/pull?limit="+strconv.Itoa(pageSize)+"&cursor="+url.QueryEscape(v.reader.cursor), v.reader.token, nil)
		if err != nil {
			return changes, pages, wire, err
		}
		if res.status != 200 {
			return changes, pages, wire, fmt.Errorf("pull: %d %s", res.status, excerpt(res.body))
		}
		var p pullPage
		if err := json.Unmarshal(res.body, &p); err != nil {
			return changes, pages, wire, fmt.Errorf("pull: %w", err)
		}
		if visit != nil {
			visit(res.body)
		}
		pages++
		changes += len(p.Changes)
		wire += res.wire
		v.reader.cursor = p.Cursor
		if !p.More {
			return changes, pages, wire, nil
		}
	}
	return changes, pages, wire, fmt.Errorf("pull: still more after %d pages", maxPages)
}

func (v *vardag) checkpoint(ctx context.Context) error {
	_, _, _, err := v.pull(ctx, 5000, 10000, nil)
	return err
}

func (v *vardag) pullSince(ctx context.Context, pageSize int) (int, int, int64, error) {
	return v.pull(ctx, pageSize, 10000, nil)
}

// live: the reader holds GET /api/v1/sync/events (server-sent events); writer 0 pushes one
// note per sample; on "event: poke" the reader pulls with its cursor. The latency runs
// from sending the push to the pull answer that holds the note.
func (v *vardag) live(ctx context.Context, recs []record) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", v.url+"/api/v1/sync/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+v.reader.token)
	req.Header.Set("Accept", "text/event-stream")
	stream := &http.Client{Transport: transport} // no timeout: the context ends it
	res, err := stream.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("events: %d", res.StatusCode)
	}
	connected := make(chan struct{})
	pokes := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		first := true
		for sc.Scan() {
			line := sc.Text()
			if first && line == ": connected" {
				first = false
				close(connected)
			}
			if line == "event: poke" {
				select {
				case pokes <- struct{}{}:
				default: // one pending poke is enough
				}
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("events: not connected within 10 s")
	}

	writer := v.writers[0]
	lat := make([]time.Duration, 0, len(recs))
	for _, r := range recs {
		time.Sleep(5 * time.Millisecond) // let the last sample's stragglers settle
		select {
		case <-pokes: // a stale poke would only cost a pull
		default:
		}
		pushed := make(chan error, 1)
		start := time.Now()
		go func() { pushed <- v.pushFrom(ctx, writer, []record{r}) }()
		got := false
		for tries := 0; !got && tries < 10; tries++ {
			select {
			case <-pokes:
			case <-time.After(10 * time.Second):
				return lat, fmt.Errorf("events: no poke within 10 s")
			case <-ctx.Done():
				return lat, ctx.Err()
			}
			id := []byte(r.id)
			if _, _, _, err := v.pull(ctx, 5000, 100, func(body []byte) { got = got || bytes.Contains(body, id) }); err != nil {
				return lat, err
			}
		}
		if !got {
			return lat, fmt.Errorf("events: note %s not pulled after 10 pokes", r.id)
		}
		lat = append(lat, time.Since(start))
		if err := <-pushed; err != nil {
			return lat, err
		}
	}
	return lat, nil
}
