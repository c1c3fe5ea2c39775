package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/test/testserver"
)

// Phone size: an ordinary phone in portrait, in CSS pixels.
const (
	phoneWidth  = 390
	phoneHeight = 844
)

// stepTimeout bounds every step a test waits for (a screen, a condition, a sync); the
// race detector and a busy two-core CI machine make steps slow, never this slow.
const stepTimeout = 30 * time.Second

// chromiumPath is Debian's chromium, or the browser named by VARDAG_CHROMIUM.
func chromiumPath() string {
	if p := os.Getenv("VARDAG_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Phone is one phone: a Chromium process of its own with a fresh profile (so its own
// IndexedDB, caches and service worker), showing one tab.
type Phone struct {
	t       testing.TB
	name    string
	ctx     context.Context // the tab's chromedp context
	profile string          // the browser's profile folder
	desktop bool            // the window is an office computer's (Desktop), not a phone's

	mu  sync.Mutex
	log []string // console messages and uncaught exceptions, for failures
}

// NewPhone starts a headless Chromium at phone size, with extra allocator options if
// any. The test fails (not skips) when there is no browser. It is stopped when the test
// ends.
func NewPhone(t testing.TB, name string, extra ...chromedp.ExecAllocatorOption) *Phone {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no browser at %s (%v): install Debian's chromium (apt-get install chromium) or set VARDAG_CHROMIUM; ./test.sh installs it", path, err)
	}
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		// Timers of a page that is not in front must keep running: the app syncs in them.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", "sv-SE"),
		chromedp.Flag("accept-lang", "sv-SE,sv"), // the app speaks the phone's language
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(phoneWidth, phoneHeight),
		chromedp.Env("TZ=Europe/Stockholm"), // the demo's "today" is Stockholm's
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	p := &Phone{t: t, name: name, profile: profile}
	ctx, cancel := chromedp.NewContext(allocCtx)
	p.ctx = ctx
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it must have no timeout (that would stop it).
	if err := chromedp.Do(ctx, chromedp.Func(func(context.Context, *chromedp.Target) error { return nil })); err != nil {
		t.Fatalf("%s: start %s: %v", name, path, err)
	}
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatal(err)
	}
	p.SetScale(1)
	return p
}

// SetScale sets the device pixels per CSS pixel (the phone stays 390 × 844 CSS pixels).
func (p *Phone) SetScale(scale float64) {
	p.t.Helper()
	p.run("set the phone's viewport", chromedp.EmulateViewport(phoneWidth, phoneHeight,
		chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateScale(scale)))
}

// record keeps the page's console output and exceptions (it runs in chromedp's reader).
func (p *Phone) record(ev any) {
	var line string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range e.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		line = fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " "))
	case *page.EventJavascriptDialogOpening:
		// A confirm() or alert() would stop the page: accept it, as the user would
		// (from another goroutine: this one reads the browser's messages).
		line = fmt.Sprintf("dialog %s: %s (accepted)", e.Type, e.Message)
		go func() {
			ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
			defer cancel()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}()
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		line = "exception: " + d.Text
		if d.Exception != nil {
			line += " " + d.Exception.Description
		}
	default:
		return
	}
	p.mu.Lock()
	p.log = append(p.log, line)
	p.mu.Unlock()
}

// Log is what the page wrote on its console so far.
func (p *Phone) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

// fail ends the test with what the phone showed and logged.
func (p *Phone) fail(what string, err error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href, screen: document.body && document.body.dataset.screen,
		testids: [...document.querySelectorAll('[data-testid]')].map(e => e.dataset.testid).slice(0, 80),
		text: document.body ? document.body.innerText.slice(0, 1500) : ''})`))
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil && len(shot) > 0 {
		name := filepath.Join(os.TempDir(), fmt.Sprintf("vardag-%s-%s-%d.png", strings.ReplaceAll(p.t.Name(), "/", "_"), p.name, time.Now().UnixNano()))
		if os.WriteFile(name, shot, 0o644) == nil {
			state += "\nscreenshot: " + name
		}
	}
	p.t.Fatalf("%s: %s: %v\npage: %s\nconsole:\n%s", p.name, what, err, state, p.Log())
}

// run runs actions as one step, within stepTimeout.
func (p *Phone) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise) and decodes its
// value into T.
func Eval[T any](p *Phone, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fail("evaluate "+expr, err)
	}
	return v
}

// EvalWithin is Eval with a timeout of its own (a long sync).
func EvalWithin[T any](p *Phone, timeout time.Duration, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fail("evaluate "+expr, err)
	}
	return v
}

// Open navigates to url and waits for the page to load.
func (p *Phone) Open(url string) { p.t.Helper(); p.run("open "+url, chromedp.Navigate(url)) }

// Reload reloads the page and waits for it to load.
func (p *Phone) Reload() { p.t.Helper(); p.run("reload", chromedp.Reload()) }

// WaitFor waits until a JavaScript expression is truthy (chromedp.Poll, stepTimeout).
func (p *Phone) WaitFor(what, expr string) {
	p.t.Helper()
	if err := p.poll(expr); err != nil {
		p.fail("wait for "+what, err)
	}
}

// poll waits until a JavaScript expression is truthy, within stepTimeout.
func (p *Phone) poll(expr string) error {
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(stepTimeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	return err
}

// sel is the CSS selector of a data-testid.
func sel(testid string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, testid)) }

// js quotes a Go string for JavaScript.
func js(s string) string { b, _ := json.Marshal(s); return string(b) }

// Click clicks the element with the data-testid once it is shown and nothing covers
// it: it scrolls the element to the middle of the screen (clear of the fixed bars),
// checks that the element is what a finger would touch there, and clicks it, all in one
// turn of the page's event loop, so a screen that re-renders after a sync cannot move
// it in between. It waits (stepTimeout) until that succeeds.
func (p *Phone) Click(testid string) {
	p.t.Helper()
	p.Quiet()
	err := p.poll(fmt.Sprintf(`(e => {
		const why = w => { window.__vardagWhy = w; return false; };
		if (!e) return why('no such element');
		if (e.getClientRects().length === 0 || getComputedStyle(e).visibility === 'hidden') return why('not shown');
		if (e.disabled) return why('disabled');
		e.scrollIntoView({ block: 'center', inline: 'center' });
		const b = e.getBoundingClientRect();
		const top = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
		const label = top && top.closest('label');
		if (!top || !(top === e || e.contains(top) || (label && label.contains(e)))) {
			return why('covered by ' + (top ? (top.dataset.testid || top.tagName + '.' + top.className) : 'nothing'));
		}
		e.click();
		return true;
	})(document.querySelector('[data-testid=%s]'))`, js(testid)))
	if err != nil {
		why, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`window.__vardagWhy || ''`))
		p.fail("click "+testid, fmt.Errorf("%w (%s)", err, why))
	}
}

// Quiet waits until no screen is rendering (<body data-routing>, main.js) and the page
// has not changed for 250 ms (no DOM mutation): a screen the app is still rendering, as
// after a sync, has finished, even one that read the store for longer than that. A person taps what they
// see once it stands still; so do the tests.
func (p *Phone) Quiet() {
	p.t.Helper()
	p.WaitFor("the page to stand still", `(() => {
		if (!document.body) return false;
		if (!window.__vardagQuiet) {
			const q = window.__vardagQuiet = { last: performance.now() };
			new MutationObserver(() => { q.last = performance.now(); }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
		}
		// A screen still rendering (reading the store) changes nothing until it shows.
		return !document.body.dataset.routing && performance.now() - window.__vardagQuiet.last > 250;
	})()`)
}

// retry runs an action until it succeeds, trying again while it fails on a node that a
// re-render replaced, within stepTimeout.
func (p *Phone) retry(what string, action chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	for {
		err := chromedp.Do(ctx, action)
		if err == nil {
			return
		}
		if ctx.Err() != nil || !staleNode(err) {
			p.fail(what, err)
		}
	}
}

// staleNode tells whether err is about a node the page has since removed.
func staleNode(err error) bool {
	m := err.Error()
	for _, s := range []string{"Could not find node", "No node with given id", "Node is detached", "node not found", "Cannot find context with specified id", "Node does not have a layout object"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// Visible tells whether the element with the data-testid is shown now.
func (p *Phone) Visible(testid string) bool {
	p.t.Helper()
	return Eval[bool](p, fmt.Sprintf(`(e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')(document.querySelector('[data-testid=%s]'))`, js(testid)))
}

// Type types text into the element with the data-testid (keys, as a person types).
func (p *Phone) Type(testid, text string) {
	p.t.Helper()
	p.retry("type into "+testid, chromedp.Steps(chromedp.WaitVisible(sel(testid)), chromedp.Focus(sel(testid)), chromedp.SendKeys(sel(testid), text)))
}

// Has tells whether an element with the data-testid is in the page now.
func (p *Phone) Has(testid string) bool {
	p.t.Helper()
	return Eval[bool](p, fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js(testid)))
}

// WaitScreen waits until document.body.dataset.screen is name. The app shows a screen
// only for the navigation that asked for it (a render that began before a later
// navigation is dropped), so the screen and the address agree: no redraw here.
func (p *Phone) WaitScreen(name string) {
	p.t.Helper()
	p.WaitFor("screen "+name, fmt.Sprintf(`document.body && document.body.dataset.screen === %s`, js(name)))
}

// Screen is document.body.dataset.screen now.
func (p *Phone) Screen() string {
	p.t.Helper()
	return Eval[string](p, `(document.body && document.body.dataset.screen) || ''`)
}

// WaitText waits until the page shows text.
func (p *Phone) WaitText(text string) {
	p.t.Helper()
	p.WaitFor(fmt.Sprintf("the text %q", text), fmt.Sprintf(`document.body && document.body.innerText.includes(%s)`, js(text)))
}

// Stats is what window.vardag.stats() tells.
type Stats struct {
	Records   int             `json:"records"`
	Outbox    int             `json:"outbox"`
	Attention int             `json:"attention"`
	Cursor    json.RawMessage `json:"cursor"`
}

// Stats reads window.vardag.stats().
func (p *Phone) Stats() Stats {
	p.t.Helper()
	p.WaitFor("window.vardag.stats", `window.vardag && typeof window.vardag.stats === 'function'`)
	return Eval[Stats](p, `window.vardag.stats()`)
}

// SyncNow runs window.vardag.syncNow() and waits for it to resolve.
func (p *Phone) SyncNow() {
	p.t.Helper()
	p.WaitFor("window.vardag.syncNow", `window.vardag && typeof window.vardag.syncNow === 'function'`)
	Eval[chromedp.Void](p, `window.vardag.syncNow().then(() => true)`)
}

// Screenshot takes a PNG of the viewport.
func (p *Phone) Screenshot() []byte {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot", err)
	}
	return shot
}

// Login logs a demo user in through the app's screens: password, then a TOTP code at the
// server's clock, then terms and a new password when the app asks; it returns when the
// today screen shows.
func (p *Phone) Login(s *testserver.Server, username string) {
	p.t.Helper()
	p.LoginAt(s.URL, s, username)
}

// LoginAt is Login through the app at url (a proxy in front of s, say).
func (p *Phone) LoginAt(url string, s *testserver.Server, username string) {
	p.t.Helper()
	p.Open(url + "/")
	p.WaitScreen("login")
	p.Type("login-username", username)
	p.Type("login-password", demo.Password)
	p.Click("login-submit")
	p.EnterCode(s, username)
	if username == "admin" { // municipal IT, in no unit: the organisation is its home
		p.WaitScreen("admin")
		return
	}
	p.WaitScreen("today")
}

// Desktop makes the window an office computer's screen (1280 × 800, no touch), for the
// administration's screens.
func (p *Phone) Desktop() {
	p.t.Helper()
	p.run("set a desktop viewport", chromedp.EmulateViewport(desktopWidth, 800, chromedp.EmulateLandscape, chromedp.EmulateScale(1)))
	p.desktop = true
}

const desktopWidth = 1280

// width is the window's width in CSS pixels: the phone's, or the desktop's.
func (p *Phone) width() int {
	if p.desktop {
		return desktopWidth
	}
	return phoneWidth
}

// EnterCode picks TOTP when the app offers a choice of method, and enters the code.
func (p *Phone) EnterCode(s *testserver.Server, username string) {
	p.t.Helper()
	p.WaitFor("the code screen", `['code', 'method'].includes(document.body.dataset.screen) || document.querySelector('[data-testid=code-input], [data-testid=method-totp]')`)
	if !p.Has("code-input") && p.Has("method-totp") {
		p.Click("method-totp")
	}
	p.Type("code-input", s.CodeFor(username))
	p.Click("code-submit")
}

// checkPNG fails unless shot is a PNG of width × height device pixels at any scale.
func checkPNG(t testing.TB, name string, shot []byte, scale float64) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", name, err)
	}
	if want := int(phoneWidth * scale); cfg.Width != want {
		t.Errorf("%s: %d px wide, want %d (390 × %.0f)", name, cfg.Width, want, scale)
	}
	if want := int(phoneHeight * scale); cfg.Height != want {
		t.Errorf("%s: %d px high, want %d", name, cfg.Height, want)
	}
	if len(shot) < 2000 {
		t.Errorf("%s: only %d bytes: an empty screen?", name, len(shot))
	}
}
