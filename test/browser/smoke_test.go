package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"vardag/test/testserver"
)

// TestAppIsInstallable loads / in a fresh browser: the page shows the login and links a
// web app manifest whose icons are served as PNGs of the sizes it declares. The app
// registers its service worker once a user is logged in (the login screen leaves nothing
// on the phone): after a login the worker becomes active and controls the page after a
// reload, and Chromium finds nothing that keeps the app from being installed.
func TestAppIsInstallable(t *testing.T) {
	s := testserver.Start(t)
	p := NewPhone(t, "phone")
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	checkManifest(t, p)

	p.Login(s, "anna")
	p.WaitFor("a service worker registration", `'serviceWorker' in navigator && navigator.serviceWorker.getRegistration().then(r => !!r)`)
	script := Eval[string](p, `navigator.serviceWorker.ready.then(r => r.active.scriptURL)`)
	if !strings.HasPrefix(script, s.URL+"/") {
		t.Errorf("service worker script %q is not the server's", script)
	}
	p.WaitFor("the active service worker", `navigator.serviceWorker.ready.then(r => r.active && r.active.state === 'activated')`)
	p.Reload()
	p.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	p.WaitScreen("today")

	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.InstallabilityErrors {
		t.Errorf("not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}
}

// checkManifest checks the page's web app manifest and its icons.
func checkManifest(t *testing.T, p *Phone) {
	t.Helper()
	href := Eval[string](p, `(document.querySelector('link[rel=manifest]') || {}).href || ''`)
	if href == "" {
		t.Fatal(`index.html has no <link rel="manifest">`)
	}
	raw, ctype := get(t, href)
	var manifest struct {
		Icons []struct{ Src, Sizes, Type, Purpose string }
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("manifest %s (%s) is not JSON: %v", href, ctype, err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if m["name"] == nil || m["start_url"] == nil || m["display"] == nil {
		t.Errorf("manifest lacks name, start_url or display: %s", raw)
	}
	if d, _ := m["display"].(string); d != "standalone" && d != "fullscreen" && d != "minimal-ui" {
		t.Errorf("manifest display %q is not an app's", d)
	}
	sizes := map[string]bool{}
	base, _ := url.Parse(href)
	for _, icon := range manifest.Icons {
		u, err := base.Parse(icon.Src)
		if err != nil {
			t.Errorf("icon %q: %v", icon.Src, err)
			continue
		}
		body, ctype := get(t, u.String())
		cfg, err := png.DecodeConfig(bytes.NewReader(body))
		if err != nil {
			t.Errorf("icon %s (%s) is not a PNG: %v", u, ctype, err)
			continue
		}
		for _, size := range strings.Fields(icon.Sizes) {
			var w, h int
			if _, err := fmt.Sscanf(size, "%dx%d", &w, &h); err != nil || w != cfg.Width || h != cfg.Height {
				t.Errorf("icon %s declares %s and is %d×%d", u, size, cfg.Width, cfg.Height)
			}
			sizes[size] = true
		}
	}
	if !sizes["192x192"] || !sizes["512x512"] {
		t.Errorf("manifest icons %v: want 192x192 and 512x512", sizes)
	}
}

// get fetches a URL from the server, failing the test unless it answers 200.
func get(t testing.TB, u string) ([]byte, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, res.StatusCode, err)
	}
	return body, res.Header.Get("Content-Type")
}
