package testserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/server/app"
	"vardag/server/config"
	"vardag/syncengine"
)

// StartAt starts a demo server on the data directory dir that listens on addr
// ("127.0.0.1:0" for a free port). It is StartIn with an address, so that a test can stop
// a server and start it again where its clients (a browser, a service worker) expect it.
func StartAt(t testing.TB, addr, dir string, clock *Clock, edit ...func(*config.Config)) *Server {
	t.Helper()
	return startAt(t, addr, dir, clock, nil, edit)
}

// Restart stops the server (when it still runs) and starts a new one on the same address,
// data directory, clock and configuration edits, and returns it; the old value must not
// be used afterwards. Each before runs on the new server once its store is open and before
// it listens, so that a test can change the data while no client can reach the server.
// The users' used TOTP steps carry over, as they do in the store.
func (s *Server) Restart(before ...func(*Server)) *Server {
	s.t.Helper()
	s.Stop()
	s.mu.Lock()
	used := maps.Clone(s.lastLogin)
	s.mu.Unlock()
	n := startAt(s.t, s.Addr(), s.dir, s.Clock, before, s.edits)
	n.mu.Lock()
	n.lastLogin = used
	n.mu.Unlock()
	return n
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return strings.TrimPrefix(s.URL, "http://") }

func startAt(t testing.TB, addr, dir string, clock *Clock, before []func(*Server), edit []func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Demo, cfg.Now, cfg.JWTSecret = dir, true, clock.Now, Secret
	cfg.KeepAlive = 200 * time.Millisecond
	cfg.LoginLimit = 100000 // tests log in many times from one address; the limit has its own test
	cfg.RefreshLimit = 100000
	// The fake push service (pushtest) listens on 127.0.0.1.
	cfg.PushAllowLoopback = true
	for _, e := range edit {
		e(&cfg)
	}
	logs := &SafeBuffer{}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{App: a, URL: "http://" + addr, Clock: clock, Logs: logs, dir: dir, t: t, edits: edit, lastLogin: map[string]int64{}}
	t.Cleanup(s.Stop)
	for _, b := range before {
		b(s)
	}
	var ln net.Listener
	// The port was just given up by the server before; a moment may pass before the
	// kernel lets it go (it cannot be taken by another listener of ours meanwhile).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ln, err = net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ln)
	s.URL = "http://" + ln.Addr().String()
	return s
}

// Apply applies one mutation as a demo user straight through the engine (from a device
// of its own), as the demo seed does; it works before the server listens. It fails the
// test unless the mutation is applied.
func (s *Server) Apply(username, name string, args any) syncengine.Result {
	s.t.Helper()
	u, acc, err := s.Identity.Access(demo.UserID(username), s.Clock.Now())
	if err != nil {
		s.t.Fatalf("access of %s: %v", username, err)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		s.t.Fatal(err)
	}
	actor := syncengine.Actor{UserID: u.ID, DeviceID: "testserver-" + uuids.New(), Scopes: acc.Scopes, Domain: acc}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.Engine.Push(ctx, actor, []syncengine.Mutation{{ID: 1, Name: name, Args: raw, ClientTime: s.Clock.Now()}})
	if err != nil {
		s.t.Fatalf("%s as %s: %v", name, username, err)
	}
	r := res.Results[0]
	if r.Status != syncengine.StatusApplied {
		s.t.Fatalf("%s as %s: %s %v", name, username, r.Status, r.Error)
	}
	return r
}

// NewClock is a server clock at t (truncated to the second), for StartAt.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC().Truncate(time.Second)} }
