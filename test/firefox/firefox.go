// Package firefox drives Debian's Firefox ESR headless over WebDriver BiDi (the W3C
// protocol Firefox's remote agent speaks on a WebSocket) for the phone app's tests that
// Chromium cannot run here: Firefox takes its push service from a preference
// (dom.push.serverURL), so a test can give it a local one, where Chromium's is always
// Google's FCM.
//
// Only what the tests use is here: start with a fresh profile and preferences, evaluate
// script in the page, real pointer clicks and key presses (input.performActions), and
// permissions.setPermission. The WebSocket is github.com/coder/websocket's (small, no
// dependencies of its own; pushtest's WebSocket push protocol uses it too).
package firefox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Path is Debian's firefox-esr, or $VARDAG_FIREFOX.
func Path() string {
	if p := os.Getenv("VARDAG_FIREFOX"); p != "" {
		return p
	}
	return "/usr/bin/firefox-esr"
}

// StepTimeout bounds one command or wait.
const StepTimeout = 30 * time.Second

// Browser is one running Firefox with one BiDi session and its first tab.
type Browser struct {
	t       testing.TB
	conn    *websocket.Conn
	Context string // the tab's browsing context id

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	closed  chan struct{}
	readErr error
	log     *lineLog
}

type reply struct {
	Type    string          `json:"type"`
	ID      *int            `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// lineLog keeps the browser's output for a failure's report.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	if len(l.lines) > 400 {
		l.lines = l.lines[len(l.lines)-400:]
	}
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var listening = regexp.MustCompile(`WebDriver BiDi listening on (ws://127\.0\.0\.1:\d+)`)

// Start runs Firefox headless on a new profile whose user.js holds prefs (on top of the
// quiet defaults below), opens a BiDi session and finds its tab. Firefox stops when the
// test ends. A missing browser fails the test: ./test.sh installs firefox-esr.
func Start(t testing.TB, prefs map[string]any) *Browser {
	t.Helper()
	path := Path()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no browser at %s (%v): install Debian's firefox-esr (apt-get install firefox-esr) or set VARDAG_FIREFOX; ./test.sh installs it", path, err)
	}
	profile := t.TempDir()
	all := map[string]any{
		// Nothing of Mozilla's own on a machine without the internet.
		"app.update.disabledForTesting":              true,
		"browser.shell.checkDefaultBrowser":          false,
		"browser.startup.homepage_override.mstone":   "ignore",
		"datareporting.policy.dataSubmissionEnabled": false,
		"toolkit.telemetry.reportingpolicy.firstRun": false,
		"browser.safebrowsing.update.enabled":        false,
		"network.captive-portal-service.enabled":     false,
		"network.connectivity-service.enabled":       false,
		"extensions.update.enabled":                  false,
		"services.settings.server":                   "http://127.0.0.1:9/", // remote settings: refused at once
		// Tests talk to 127.0.0.1 only: anything else goes to a proxy that refuses at once
		// (a proxy also resolves the names, so no DNS either).
		"network.proxy.type":          1,
		"network.proxy.http":          "127.0.0.1",
		"network.proxy.http_port":     9,
		"network.proxy.ssl":           "127.0.0.1",
		"network.proxy.ssl_port":      9,
		"network.proxy.no_proxies_on": "127.0.0.1",
		"network.dns.disablePrefetch": true,
		"network.dns.forceResolve":    "127.0.0.1", // every name is loopback, no query leaves
		"intl.accept_languages":       "sv-SE, sv",
		"intl.locale.requested":       "sv-SE",
	}
	for k, v := range prefs {
		all[k] = v
	}
	var js strings.Builder
	for k, v := range all {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("pref %s: %v", k, err)
		}
		fmt.Fprintf(&js, "user_pref(%q, %s);\n", k, raw)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(js.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path, "--headless", "--no-remote", "--profile", profile,
		"--remote-debugging-port=0", "--remote-allow-hosts=127.0.0.1", "about:blank")
	cmd.Env = append(os.Environ(), "TZ=Europe/Stockholm", "MOZ_CRASHREPORTER_DISABLE=1", "LANG=sv_SE.UTF-8")
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", path, err)
	}
	b := &Browser{t: t, pending: map[int]chan reply{}, closed: make(chan struct{}), log: &lineLog{}}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			b.log.add(line)
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		if b.conn != nil {
			cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
			b.call(cctx, "browser.close", map[string]any{}, nil) // the session ends, Firefox quits
			ccancel()
			b.conn.CloseNow()
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		cancel()
		<-done
	})

	var ws string
	select {
	case ws = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatalf("Firefox did not start its BiDi server in 60 s:\n%s", b.log)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), StepTimeout)
	defer dcancel()
	conn, _, err := websocket.Dial(dctx, ws+"/session", nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", ws, err)
	}
	conn.SetReadLimit(32 << 20)
	b.conn = conn
	go b.read()

	if err := b.call(dctx, "session.new", map[string]any{"capabilities": map[string]any{
		// Dialogs are left to event(), which accepts them; the default would dismiss them.
		"alwaysMatch": map[string]any{"unhandledPromptBehavior": map[string]any{"default": "ignore"}},
	}}, nil); err != nil {
		t.Fatalf("session.new: %v", err)
	}
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := b.call(dctx, "browsingContext.getTree", map[string]any{"maxDepth": 0}, &tree); err != nil || len(tree.Contexts) == 0 {
		t.Fatalf("browsingContext.getTree: %v (%d tabs)", err, len(tree.Contexts))
	}
	b.Context = tree.Contexts[0].Context
	if err := b.call(dctx, "session.subscribe", map[string]any{"events": []string{"browsingContext.userPromptOpened"}}, nil); err != nil {
		t.Fatalf("session.subscribe: %v", err)
	}
	return b
}

// Log is what Firefox printed (its last 400 lines), for a failure's report.
func (b *Browser) Log() string { return b.log.String() }

func (b *Browser) read() {
	for {
		_, raw, err := b.conn.Read(context.Background())
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			b.mu.Unlock()
			close(b.closed)
			return
		}
		var r reply
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		if r.Type == "event" {
			b.event(r.Method, r.Params)
			continue
		}
		if r.ID == nil {
			continue
		}
		b.mu.Lock()
		ch := b.pending[*r.ID]
		delete(b.pending, *r.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// event handles what the session subscribed to: a confirm() or alert() would stop the
// page, so it is accepted, as the user would, and logged.
func (b *Browser) event(method string, params json.RawMessage) {
	if method != "browsingContext.userPromptOpened" {
		return
	}
	var p struct {
		Context string `json:"context"`
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	json.Unmarshal(params, &p)
	b.log.add(fmt.Sprintf("dialog %s: %s (accepted)", p.Type, p.Message))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), StepTimeout)
		defer cancel()
		if err := b.call(ctx, "browsingContext.handleUserPrompt", map[string]any{"context": p.Context, "accept": true}, nil); err != nil {
			b.log.add("accept the dialog: " + err.Error())
		}
	}()
}

// call sends one command and decodes its result into out (when not nil).
func (b *Browser) call(ctx context.Context, method string, params any, out any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan reply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	raw, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := b.conn.Write(ctx, websocket.MessageText, raw); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, r.Error, r.Message)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: the connection closed: %v", method, b.readErr)
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Call sends one BiDi command; the test fails if it fails.
func (b *Browser) Call(method string, params any, out any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StepTimeout)
	defer cancel()
	if err := b.call(ctx, method, params, out); err != nil {
		b.t.Fatalf("%v\nFirefox's output:\n%s", err, b.Log())
	}
}

// Navigate loads url in the tab and waits for its load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Call("browsingContext.navigate", map[string]any{"context": b.Context, "url": url, "wait": "complete"}, nil)
}

// Grant sets a permission for origin as the user's choice would
// (permissions.setPermission; "notifications" also governs push in Firefox).
func (b *Browser) Grant(origin, name string) {
	b.t.Helper()
	b.Call("permissions.setPermission", map[string]any{
		"descriptor": map[string]any{"name": name}, "state": "granted", "origin": origin,
	}, nil)
}

// errScript is an exception the evaluated script threw.
var errScript = errors.New("script threw")

// evaluate runs expr (awaited when a promise) in the tab and decodes its JSON value.
func (b *Browser) evaluate(ctx context.Context, expr string, out any) error {
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := b.call(ctx, "script.evaluate", map[string]any{
		"expression":      "(async () => JSON.stringify(await (" + expr + ")) ?? 'null')()",
		"target":          map[string]any{"context": b.Context},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}, &res)
	if err != nil {
		return err
	}
	if res.Type == "exception" {
		return fmt.Errorf("%w: %s", errScript, res.ExceptionDetails.Text)
	}
	if res.Result.Type != "string" {
		return fmt.Errorf("script gave a %s, not JSON text", res.Result.Type)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal([]byte(res.Result.Value), out)
}

// Eval evaluates expr in the page and returns its value decoded as T.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	var v T
	ctx, cancel := context.WithTimeout(context.Background(), StepTimeout)
	defer cancel()
	if err := b.evaluate(ctx, expr, &v); err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls expr until it is truthy (script errors count as not yet: the page may be
// loading), for at most timeout.
func (b *Browser) WaitFor(what, expr string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), StepTimeout)
		var ok bool
		last = b.evaluate(ctx, "!!("+expr+")", &ok)
		cancel()
		if last == nil && ok {
			return
		}
		select {
		case <-b.closed:
			b.t.Fatalf("waiting for %s: Firefox's connection closed: %v\n%s", what, b.readErr, b.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
	b.t.Fatalf("waiting for %s: not within %s (last error: %v)", what, timeout, last)
}

// visibleJS is true when the element with data-testid is laid out and not hidden.
func visibleJS(testid string) string {
	return fmt.Sprintf(`(e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')(document.querySelector('[data-testid=%q]'))`, testid)
}

// Visible tells whether the element with data-testid is shown now.
func (b *Browser) Visible(testid string) bool {
	b.t.Helper()
	return Eval[bool](b, visibleJS(testid))
}

// element waits until the element with data-testid is shown and gives a reference to
// it, for input actions.
func (b *Browser) element(testid string) map[string]any {
	b.t.Helper()
	b.WaitFor("[data-testid="+testid+"] shown", visibleJS(testid), StepTimeout)
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Type     string `json:"type"`
			SharedID string `json:"sharedId"`
		} `json:"result"`
	}
	b.Call("script.evaluate", map[string]any{
		"expression":      fmt.Sprintf(`(e => (e && e.scrollIntoView({block: 'center'}), e))(document.querySelector('[data-testid=%q]'))`, testid),
		"target":          map[string]any{"context": b.Context},
		"awaitPromise":    false,
		"resultOwnership": "root",
	}, &res)
	if res.Type != "success" || res.Result.Type != "node" || res.Result.SharedID == "" {
		b.t.Fatalf("no element [data-testid=%s] (%s %s)", testid, res.Type, res.Result.Type)
	}
	return map[string]any{"sharedId": res.Result.SharedID}
}

// Click taps the element with data-testid: a real pointer press at its centre, which
// gives the page the user activation a permission prompt or a subscription may need.
func (b *Browser) Click(testid string) {
	b.t.Helper()
	el := b.element(testid)
	b.Call("input.performActions", map[string]any{"context": b.Context, "actions": []any{map[string]any{
		"type": "pointer", "id": "finger", "parameters": map[string]any{"pointerType": "mouse"},
		"actions": []any{
			map[string]any{"type": "pointerMove", "x": 0, "y": 0, "origin": map[string]any{"type": "element", "element": el}},
			map[string]any{"type": "pointerDown", "button": 0},
			map[string]any{"type": "pointerUp", "button": 0},
		},
	}}}, nil)
}

// Type focuses the element with data-testid (by tapping it) and types text key by key.
func (b *Browser) Type(testid, text string) {
	b.t.Helper()
	b.Click(testid)
	var keys []any
	for _, r := range text {
		keys = append(keys, map[string]any{"type": "keyDown", "value": string(r)}, map[string]any{"type": "keyUp", "value": string(r)})
	}
	b.Call("input.performActions", map[string]any{"context": b.Context, "actions": []any{map[string]any{
		"type": "key", "id": "keyboard", "actions": keys,
	}}}, nil)
}
