// Package testserver starts a real Vardag server on a random loopback port with a fresh
// data directory and the demo municipality, and talks HTTP to it as phones would.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/terms"
	"vardag/server/app"
	"vardag/server/config"
	"vardag/syncengine"
)

// Secret is the JWT key of test servers, so tests can forge tokens to prove they fail.
var Secret = []byte("test-secret-test-secret-test-secret!")

// Clock is a server clock tests can move.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Server is a running test server.
type Server struct {
	*app.App
	URL   string
	Clock *Clock
	Logs  *SafeBuffer
	dir   string
	t     testing.TB
	edits []func(*config.Config) // the configuration edits it started with, for Restart

	mu        sync.Mutex
	lastLogin map[string]int64 // TOTP step of each user's last login
	stopOnce  sync.Once
}

// SafeBuffer is a log sink that can be read while the server writes.
type SafeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SafeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *SafeBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// Start starts a demo server; edit may change the configuration.
func Start(t testing.TB, edit ...func(*config.Config)) *Server {
	t.Helper()
	return StartIn(t, t.TempDir(), &Clock{t: time.Now().UTC().Truncate(time.Second)}, edit...)
}

// StartIn starts a server on an existing data directory (to restart one).
func StartIn(t testing.TB, dir string, clock *Clock, edit ...func(*config.Config)) *Server {
	t.Helper()
	return startAt(t, "127.0.0.1:0", dir, clock, nil, edit)
}

// Dir is the data directory.
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down gracefully (once).
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			var stacks strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			s.t.Errorf("shutdown: %v; goroutines:\n%s", err, stacks.String())
		}
	})
}

// Head is the last sequence of the change log.
func (s *Server) Head() uint64 {
	var head uint64
	_ = s.Engine.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
	return head
}

var sharedHash struct {
	once sync.Once
	hash string
}

// AddUser creates a user (as an administrator would) with the demo password and TOTP
// secret and, unless role is empty, a grant in unit valid until validUntil.
func (s *Server) AddUser(username string, unitID string, role identity.Role, validUntil time.Time) string {
	s.t.Helper()
	sharedHash.once.Do(func() { sharedHash.hash, _ = auth.HashPassword(demo.Password) })
	id := demo.UserID(username)
	u := identity.User{ID: id, Username: username, Name: "Test " + username, MunicipalityID: demo.MunicipalityID,
		PasswordHash: sharedHash.hash, TOTPSecret: demo.TOTPSecret,
		TermsVersion: terms.Version, TermsAcceptedAt: s.Clock.Now(), TrainedAt: s.Clock.Now(), TrainedBy: "test"}
	if err := s.Identity.CreateUser(u); err != nil {
		s.t.Fatal(err)
	}
	if role != "" {
		if err := s.Identity.PutGrant(identity.Grant{ID: "grant-" + username, UserID: id, UnitID: unitID, Role: role, ValidUntil: validUntil}); err != nil {
			s.t.Fatal(err)
		}
	}
	return id
}

// Response is an HTTP answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %s", r.Status, r.Body)
	}
}

// ErrorCode is the error.code of an error answer.
func (r Response) ErrorCode() string {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request; body may be nil, []byte, string or a value to encode as JSON.
func (s *Server) Do(method, path, token string, body any) Response {
	s.t.Helper()
	return s.DoWith(method, path, token, nil, body)
}

// DoWith is Do with extra request headers (which win over Do's own).
func (s *Server) DoWith(method, path, token string, headers map[string]string, body any) Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// Device is a logged-in phone.
type Device struct {
	s            *Server
	Username     string
	Token        string
	RefreshToken string
	DeviceID     string
	next         uint64
	Cursor       string
}

// Code is the TOTP code for the demo secret at the server's time.
func (s *Server) Code() string {
	code, err := auth.TOTPCode(demo.TOTPSecret, s.Clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// CodeFor is the TOTP code for a login the test makes itself (in a browser, say) as
// username: it moves the clock on 30 s first when the user already used this time step,
// and marks the step used, as Login does.
func (s *Server) CodeFor(username string) string {
	s.t.Helper()
	s.mu.Lock()
	step := s.Clock.Now().Unix() / 30
	if last, ok := s.lastLogin[username]; ok && last >= step {
		s.Clock.Advance(time.Duration(last-step+1) * 30 * time.Second)
		step = s.Clock.Now().Unix() / 30
	}
	s.lastLogin[username] = step
	s.mu.Unlock()
	return s.Code()
}

// Login logs a user in with password and TOTP, moving the clock on 30 s first when the
// user already used this time step (a code is accepted once).
func (s *Server) Login(username string) *Device {
	s.t.Helper()
	code := s.CodeFor(username)
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": demo.Password})
	if res.Status != 200 {
		s.t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	res.JSON(s.t, &ch)
	res = s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": code})
	if res.Status != 200 {
		s.t.Fatalf("verify %s: %d %s", username, res.Status, res.Body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		DeviceID     string `json:"device_id"`
	}
	res.JSON(s.t, &tok)
	return &Device{s: s, Username: username, Token: tok.AccessToken, RefreshToken: tok.RefreshToken, DeviceID: tok.DeviceID, next: 1}
}

// Mutation is what a test pushes.
type Mutation struct {
	ID         uint64    `json:"id"`
	Name       string    `json:"name"`
	Args       any       `json:"args"`
	ClientTime time.Time `json:"client_time"`
}

// Result is one mutation's outcome.
type Result struct {
	ID        uint64          `json:"id"`
	Status    string          `json:"status"`
	Duplicate bool            `json:"duplicate"`
	Version   uint64          `json:"version"`
	Record    json.RawMessage `json:"record"`
	Error     *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// PushResult is a push answer.
type PushResult struct {
	LastMutationID uint64   `json:"last_mutation_id"`
	Results        []Result `json:"results"`
}

// Batch numbers mutations from the device's next id (without sending them).
func (d *Device) Batch(namesArgs ...any) []Mutation {
	var ms []Mutation
	for i := 0; i+1 < len(namesArgs); i += 2 {
		ms = append(ms, Mutation{ID: d.next, Name: namesArgs[i].(string), Args: namesArgs[i+1], ClientTime: d.s.Clock.Now()})
		d.next++
	}
	return ms
}

// Send pushes mutations as they are and returns the raw answer.
func (d *Device) Send(ms []Mutation) Response {
	return d.s.Do("POST", "/api/v1/sync/push", d.Token, map[string]any{"device_id": d.DeviceID, "mutations": ms})
}

// Push numbers and pushes mutations, failing the test unless the answer is 200.
func (d *Device) Push(namesArgs ...any) PushResult {
	d.s.t.Helper()
	res := d.Send(d.Batch(namesArgs...))
	if res.Status != 200 {
		d.s.t.Fatalf("push: %d %s", res.Status, res.Body)
	}
	var pr PushResult
	res.JSON(d.s.t, &pr)
	return pr
}

// Change is one pulled change.
type Change = syncengine.Change

// PullPage is one pull answer.
type PullPage struct {
	Cursor         string   `json:"cursor"`
	More           bool     `json:"more"`
	LastMutationID uint64   `json:"last_mutation_id"`
	DropScopes     []string `json:"drop_scopes"`
	Changes        []Change `json:"changes"`
}

// Pull pulls every page from the device's cursor, keeps the new cursor and returns the
// changes and every scope dropped on the way.
func (d *Device) Pull() ([]Change, []string) {
	d.s.t.Helper()
	var all []Change
	var drops []string
	for {
		res := d.s.Do("GET", "/api/v1/sync/pull?limit=100&cursor="+d.Cursor, d.Token, nil)
		if res.Status != 200 {
			d.s.t.Fatalf("pull: %d %s", res.Status, res.Body)
		}
		var p PullPage
		res.JSON(d.s.t, &p)
		all = append(all, p.Changes...)
		drops = append(drops, p.DropScopes...)
		d.Cursor = p.Cursor
		if !p.More {
			return all, drops
		}
	}
}

// Refresh rotates the device's tokens.
func (d *Device) Refresh() Response {
	res := d.s.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": d.RefreshToken})
	if res.Status == 200 {
		var tok struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		res.JSON(d.s.t, &tok)
		d.Token, d.RefreshToken = tok.AccessToken, tok.RefreshToken
	}
	return res
}

// Note makes journal.note.add arguments for a client.
func Note(noteID, clientID, text string, at time.Time) map[string]any {
	return map[string]any{"note_id": noteID, "client_id": clientID, "heading": "Besök", "keywords": []string{"Omvårdnad"}, "text": text, "occurred_at": at.Format(time.RFC3339)}
}

// WaitUntil polls cond until it holds, for at most 20 s, and fails the test otherwise.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
