package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The message the tests send: a code, and every character that needs escaping in JSON
// or in a form, and Swedish letters.
const (
	testCode  = "482913"
	testPhone = "+46701234567"
	testText  = "Din kod är " + testCode + ".\n\"Dela den inte\" & logga in: a=b; 50%+ <å ä ö Å Ä Ö>\t\\ slut\u2028"
)

// Templates as real gateways want them.
const (
	elksTemplate = "from={{.From}}&to={{.To}}&message={{.Text}}"                 // 46elks
	jsonTemplate = `{"to":"{{.To}}","message":"{{.Text}}","sender":"{{.From}}"}` // a JSON gateway
)

// gateway is what a fake SMS gateway insists on, as strictly as a real provider.
type gateway struct {
	path        string
	mediaType   string            // Content-Type without parameters
	user, pass  string            // basic auth, if user is set
	bearer      string            // bearer token, if set
	fields      map[string]string // exactly the fields the body must hold
	status      int               // answer on success; 200 if zero
	answer      string            // body of the answer
	requests    atomic.Int32      // requests received
	newConns    atomic.Int32      // TCP connections opened to it
	delivered   atomic.Int32      // requests that passed every check
	handlerHook func(w http.ResponseWriter, r *http.Request) bool
}

// start runs the fake gateway on 127.0.0.1 and returns its base URL.
func (g *gateway) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(g.serve(t)))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			g.newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func (g *gateway) serve(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g.requests.Add(1)
		if g.handlerHook != nil && g.handlerHook(w, r) {
			return
		}
		fail := func(code int, format string, args ...any) {
			t.Errorf("gateway: "+format, args...)
			http.Error(w, http.StatusText(code), code)
		}
		if r.Method != http.MethodPost {
			fail(http.StatusMethodNotAllowed, "method %s, want POST", r.Method)
			return
		}
		if r.URL.Path != g.path {
			fail(http.StatusNotFound, "path %q, want %q", r.URL.Path, g.path)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != g.mediaType {
			fail(http.StatusUnsupportedMediaType, "Content-Type %q, want %s", r.Header.Get("Content-Type"), g.mediaType)
			return
		}
		switch {
		case g.user != "":
			if u, p, ok := r.BasicAuth(); !ok || u != g.user || p != g.pass {
				fail(http.StatusUnauthorized, "basic auth %q/%q, want %q/%q", u, p, g.user, g.pass)
				return
			}
		case g.bearer != "":
			if got := r.Header.Get("Authorization"); got != "Bearer "+g.bearer {
				fail(http.StatusUnauthorized, "Authorization %q, want bearer %q", got, g.bearer)
				return
			}
		default:
			if got := r.Header.Get("Authorization"); got != "" {
				fail(http.StatusBadRequest, "unexpected Authorization %q", got)
				return
			}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			fail(http.StatusBadRequest, "reading body: %v", err)
			return
		}
		got, err := parseBody(g.mediaType, body)
		if err != nil {
			fail(http.StatusBadRequest, "body %q: %v", body, err)
			return
		}
		if !maps.Equal(got, g.fields) {
			fail(http.StatusBadRequest, "body fields\n%q\nwant\n%q", got, g.fields)
			return
		}
		g.delivered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if g.status != 0 {
			w.WriteHeader(g.status)
		}
		io.WriteString(w, g.answer)
	}
}

// parseBody reads a JSON object of strings or a form with one value per key.
func parseBody(mediaType string, body []byte) (map[string]string, error) {
	if mediaType == "application/x-www-form-urlencoded" {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		m := make(map[string]string)
		for k, vs := range q {
			if len(vs) != 1 {
				return nil, errors.New("field " + k + " given more than once")
			}
			m[k] = vs[0]
		}
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	var m map[string]string
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// noSecrets fails the test if err's message holds the number, the code, the text or
// anything else that must not reach a log.
func noSecrets(t *testing.T, err error, more ...string) {
	t.Helper()
	msg := err.Error()
	for _, s := range append([]string{testCode, testPhone, "701234567", "Dela den inte"}, more...) {
		if strings.Contains(msg, s) {
			t.Errorf("error %q holds %q", msg, s)
		}
	}
}

func TestHTTPSenderDelivers(t *testing.T) {
	cases := []struct {
		name string
		gw   *gateway
		cfg  HTTPConfig
		to   string
	}{{
		name: "46elks form with basic auth",
		gw: &gateway{
			path: "/a1/sms", mediaType: "application/x-www-form-urlencoded",
			user: "u1234abcd", pass: "hemligt&lösen=1",
			fields: map[string]string{"from": "Vardag", "to": testPhone, "message": testText},
			answer: `{"status":"created","id":"s17a6dafb12d6b1cabc053d57dac2b9d8"}`,
		},
		cfg: HTTPConfig{
			Username: "u1234abcd", Password: "hemligt&lösen=1",
			ContentType:  "application/x-www-form-urlencoded",
			BodyTemplate: elksTemplate, From: "Vardag",
		},
		to: "070-123 45 67", // normalised before sending
	}, {
		name: "JSON with bearer token",
		gw: &gateway{
			path: "/v1/messages", mediaType: "application/json", bearer: "tok_3f9a.b-c",
			fields: map[string]string{"to": testPhone, "message": testText, "sender": "Hemtjänst \"Syd\""},
			status: http.StatusAccepted, answer: `{"id":"42"}`,
		},
		cfg: HTTPConfig{
			BearerToken:  "tok_3f9a.b-c",
			ContentType:  "application/json; charset=utf-8",
			BodyTemplate: jsonTemplate, From: "Hemtjänst \"Syd\"",
		},
		to: testPhone,
	}, {
		name: "JSON by default, no auth",
		gw: &gateway{
			path: "/relay", mediaType: "application/json",
			fields: map[string]string{"to": testPhone, "message": testText, "sender": ""},
		},
		cfg: HTTPConfig{BodyTemplate: jsonTemplate},
		to:  "0046 70 123 45 67",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.URL = c.gw.start(t) + c.gw.path
			s, err := NewHTTPSender(c.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), c.to, testText); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if n := c.gw.delivered.Load(); n != 1 {
				t.Errorf("gateway accepted %d messages, want 1", n)
			}
		})
	}
}

func TestHTTPSenderErrorStatus(t *testing.T) {
	gw := &gateway{
		path: "/sms", mediaType: "application/json",
		fields: map[string]string{"to": testPhone, "message": testText, "sender": ""},
		status: http.StatusInternalServerError,
	}
	// Like some real gateways, the error answer repeats the request.
	gw.answer = `{"error":"internal","echo":"to ` + testPhone + ` message ` + testCode + `"}`
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testPhone, testText)
	if err == nil {
		t.Fatal("Send succeeded on a 500 answer")
	}
	if !errors.Is(err, ErrGateway) || !strings.Contains(err.Error(), "500") {
		t.Errorf("error %q: want ErrGateway naming status 500", err)
	}
	noSecrets(t, err, "internal", "echo")
}

// TestHTTPSenderNoRedirect checks that the default client does not follow a redirect,
// which would carry the code to another address.
func TestHTTPSenderNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	gw := &gateway{handlerHook: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/elsewhere" {
			elsewhere.Add(1)
			return true
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		return true
	}}
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testPhone, testText)
	if !errors.Is(err, ErrGateway) {
		t.Errorf("Send on a redirect: %v, want ErrGateway", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("redirect followed %d times", n)
	}
}

// TestHTTPSenderTimeout runs against a gateway that never answers, with the default
// client and with a caller's client that has no timeout of its own: Send's per-request
// deadline must end both.
func TestHTTPSenderTimeout(t *testing.T) {
	release := make(chan struct{})
	gw := &gateway{handlerHook: func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}}
	base := gw.start(t)                  // its Cleanup, srv.Close, waits for the handler...
	t.Cleanup(func() { close(release) }) // ...so this one, which runs first, releases it

	const timeout = 200 * time.Millisecond
	clients := map[string]*http.Client{"default client": nil, "client without timeout": {}}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			s, err := NewHTTPSender(HTTPConfig{URL: base + "/sms", BodyTemplate: jsonTemplate, Timeout: timeout}, client)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = s.Send(context.Background(), testPhone, testText)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Send succeeded against a gateway that never answers")
			}
			var nerr net.Error
			if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &nerr) && nerr.Timeout()) {
				t.Errorf("error %q is not a timeout", err)
			}
			if elapsed < timeout-20*time.Millisecond || elapsed > 5*time.Second {
				t.Errorf("Send returned after %v, want about %v", elapsed, timeout)
			}
			noSecrets(t, err, base)
		})
	}
}

func TestHTTPSenderCancelled(t *testing.T) {
	gw := &gateway{}
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, testPhone, testText); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestHTTPSenderRefusesBadInput checks that nothing is posted for a bad number or an
// empty text.
func TestHTTPSenderRefusesBadInput(t *testing.T) {
	gw := &gateway{}
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), "08-123 456 78", testText); !errors.Is(err, ErrInvalidPhone) {
		t.Errorf("Send to a landline: %v, want ErrInvalidPhone", err)
	}
	if err := s.Send(context.Background(), testPhone, ""); err == nil {
		t.Error("Send of an empty text succeeded")
	}
	if n := gw.requests.Load(); n != 0 {
		t.Errorf("gateway got %d requests, want 0", n)
	}
}

// TestHTTPSenderReusesConnection checks that Send reads and closes each answer: only then
// does the client put the connection back for the next message.
func TestHTTPSenderReusesConnection(t *testing.T) {
	gw := &gateway{
		path: "/sms", mediaType: "application/json",
		fields: map[string]string{"to": testPhone, "message": testText, "sender": ""},
		answer: `{"status":"created","parts":1,"cost":3500}` + strings.Repeat(" ", 4096),
	}
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	for range n {
		if err := s.Send(context.Background(), testPhone, testText); err != nil {
			t.Fatal(err)
		}
	}
	if got := gw.delivered.Load(); got != n {
		t.Errorf("gateway accepted %d messages, want %d", got, n)
	}
	if got := gw.newConns.Load(); got != 1 {
		t.Errorf("%d connections for %d messages, want 1", got, n)
	}
}

// TestHTTPSenderLargeAnswer checks that an oversized answer neither hangs Send nor is read
// in full.
func TestHTTPSenderLargeAnswer(t *testing.T) {
	gw := &gateway{handlerHook: func(w http.ResponseWriter, r *http.Request) bool {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 1024 { // 32 MiB, unless the client hangs up first
			if _, err := w.Write(chunk); err != nil {
				break
			}
		}
		return true
	}}
	s, err := NewHTTPSender(HTTPConfig{URL: gw.start(t) + "/sms", BodyTemplate: jsonTemplate, Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testPhone, testText); err != nil {
		t.Errorf("Send: %v", err)
	}
}

func TestNewHTTPSenderValidation(t *testing.T) {
	ok := HTTPConfig{URL: "https://api.46elks.com/a1/sms", BodyTemplate: jsonTemplate}
	with := func(f func(*HTTPConfig)) HTTPConfig { c := ok; f(&c); return c }

	good := map[string]HTTPConfig{
		"https":             ok,
		"http to 127.0.0.1": with(func(c *HTTPConfig) { c.URL = "http://127.0.0.1:8080/sms" }),
		"http to ::1":       with(func(c *HTTPConfig) { c.URL = "http://[::1]:8080/sms" }),
		"http to localhost": with(func(c *HTTPConfig) { c.URL = "http://localhost/sms" }),
		"form": with(func(c *HTTPConfig) {
			c.ContentType = "application/x-www-form-urlencoded"
			c.BodyTemplate = elksTemplate
		}),
		"+json content type": with(func(c *HTTPConfig) { c.ContentType = "application/vnd.sms+json" }),
		"basic auth":         with(func(c *HTTPConfig) { c.Username, c.Password = "u", "p" }),
		"bearer":             with(func(c *HTTPConfig) { c.BearerToken = "t" }),
	}
	for name, cfg := range good {
		if _, err := NewHTTPSender(cfg, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	bad := map[string]HTTPConfig{
		"http to a remote host":  with(func(c *HTTPConfig) { c.URL = "http://api.46elks.com/a1/sms" }),
		"http to a private host": with(func(c *HTTPConfig) { c.URL = "http://10.0.0.5/sms" }),
		"other scheme":           with(func(c *HTTPConfig) { c.URL = "ftp://api.46elks.com/sms" }),
		"URL does not parse":     with(func(c *HTTPConfig) { c.URL = "https://[::1/sms" }),
		"relative URL":           with(func(c *HTTPConfig) { c.URL = "/a1/sms" }),
		"empty URL":              with(func(c *HTTPConfig) { c.URL = "" }),
		"credentials in URL":     with(func(c *HTTPConfig) { c.URL = "https://u:p@api.46elks.com/a1/sms" }),
		"template without .Text": with(func(c *HTTPConfig) { c.BodyTemplate = `{"to":"{{.To}}"}` }),
		"template without .To":   with(func(c *HTTPConfig) { c.BodyTemplate = `{"message":"{{.Text}}"}` }),
		".To only in a dead branch": with(func(c *HTTPConfig) {
			c.BodyTemplate = `{"message":"{{.Text}}"{{if false}},"to":"{{.To}}"{{end}}}`
		}),
		"template does not parse": with(func(c *HTTPConfig) { c.BodyTemplate = `{"to":"{{.To}","message":"{{.Text}}"}` }),
		"unknown template field":  with(func(c *HTTPConfig) { c.BodyTemplate = `{"to":"{{.To}}","message":"{{.Text}}","x":"{{.Phone}}"}` }),
		"JSON without quotes":     with(func(c *HTTPConfig) { c.BodyTemplate = `{"to":{{.To}},"message":{{.Text}}}` }),
		"empty template":          with(func(c *HTTPConfig) { c.BodyTemplate = "" }),
		"both kinds of auth":      with(func(c *HTTPConfig) { c.Username, c.Password, c.BearerToken = "u", "pw-secret", "tok-secret" }),
		"bearer with a newline":   with(func(c *HTTPConfig) { c.BearerToken = "t\r\nX-Evil: 1" }),
		"unsupported type":        with(func(c *HTTPConfig) { c.ContentType = "text/plain" }),
		"bad content type":        with(func(c *HTTPConfig) { c.ContentType = "application/json;;" }),
		"negative timeout":        with(func(c *HTTPConfig) { c.Timeout = -time.Second }),
	}
	for name, cfg := range bad {
		s, err := NewHTTPSender(cfg, nil)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if s != nil {
			t.Errorf("%s: a sender returned with the error", name)
		}
		if cfg.Password != "" && strings.Contains(err.Error(), cfg.Password) || cfg.BearerToken != "" && strings.Contains(err.Error(), cfg.BearerToken) {
			t.Errorf("%s: error %q holds a credential", name, err)
		}
	}
}
