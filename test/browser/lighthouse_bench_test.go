package browser

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/remote"

	"vardag/server/config"
	"vardag/test/testserver"
)

// lighthouseDir holds the npm package lighthouse at the version its lockfile names;
// `npm ci` there installs it (./test.sh --install-only does).
const lighthouseDir = "lighthouse"

// lighthouseFlags are Chromium's flags for a Lighthouse run: headless Debian chromium as
// the tests run it, asking nothing of the network but the server.
var lighthouseFlags = []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
	"--no-default-browser-check", "--disable-extensions", "--lang=sv-SE", "--accept-lang=sv-SE,sv"}

// lighthouseResult is what the benchmark reads of a Lighthouse report (its JSON).
type lighthouseResult struct {
	Score    float64 // performance, 0–100
	LCP      float64 // ms, simulated
	FCP      float64 // ms, simulated
	TBT      float64 // ms, simulated
	Requests int
	Bytes    float64 // transferred
}

// BenchmarkLighthouse runs Lighthouse (the npm package, in test/browser/lighthouse, on
// Debian's chromium) on Lighthouse's mobile settings (its default: a Moto G Power's
// screen, simulated "slow 4G" throttling of 150 ms RTT and 1.6 Mbit/s, 4× CPU slowdown)
// on the phone app's two first screens and prints the performance score and the largest
// contentful paint of each:
//
//   - login: a first visit, nothing cached (Lighthouse's own fresh profile);
//   - today: anna's phone after her login and first sync (the app and its store kept:
//     Lighthouse opens a tab in that browser and keeps its storage), the app opened again.
//
// Targets (issue 13 item 11): LCP of the login at most 2.5 s, performance at least 95
// on both.
func BenchmarkLighthouse(b *testing.B) {
	cli, err := filepath.Abs(filepath.Join(lighthouseDir, "node_modules", "lighthouse", "cli", "index.js"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		b.Fatalf("no Lighthouse at %s: run npm ci in test/browser/lighthouse (./test.sh --install-only does)", cli)
	}
	s := testserver.Start(b, func(c *config.Config) { c.LogLevel = "warn" })
	var login, today lighthouseResult
	for i := 0; i < b.N; i++ {
		login = runLighthouse(b, cli, s.URL+"/", 0)
		b.Logf("login (first visit): performance %.0f, LCP %.0f ms, FCP %.0f ms, TBT %.0f ms, %d requests, %.0f KB",
			login.Score, login.LCP, login.FCP, login.TBT, login.Requests, login.Bytes/1024)

		// A DevTools port (not chromedp's pipe), for Lighthouse to connect to.
		anna := NewPhone(b, "anna"+strconv.Itoa(i), remote.WebSocket)
		anna.Login(s, "anna")
		anna.SyncNow()
		anna.WaitFor("a dose or an assignment on today", `!!document.querySelector('main [data-testid]')`)
		anna.Open("about:blank") // Lighthouse opens the app in a tab of its own
		today = runLighthouse(b, cli, s.URL+"/#/today", anna.devToolsPort())
		b.Logf("today (anna, the app opened again): performance %.0f, LCP %.0f ms, FCP %.0f ms, TBT %.0f ms, %d requests, %.0f KB",
			today.Score, today.LCP, today.FCP, today.TBT, today.Requests, today.Bytes/1024)
	}
	b.ReportMetric(login.Score, "score-login")
	b.ReportMetric(login.LCP, "ms-lcp-login")
	b.ReportMetric(float64(login.Requests), "requests-login")
	b.ReportMetric(today.Score, "score-today")
	b.ReportMetric(today.LCP, "ms-lcp-today")
	if login.LCP > 2500 || login.Score < 95 || today.Score < 95 {
		b.Logf("under the target: login LCP %.0f ms (want ≤ 2500), performance login %.0f and today %.0f (want ≥ 95)", login.LCP, login.Score, today.Score)
	}
}

// runLighthouse runs the Lighthouse CLI on url: in a Chromium of its own (port 0), or in
// the browser listening on port, keeping its storage.
func runLighthouse(b *testing.B, cli, url string, port int) lighthouseResult {
	b.Helper()
	out := filepath.Join(b.TempDir(), "report.json")
	args := []string{cli, url, "--only-categories=performance", "--output=json", "--output-path=" + out, "--quiet"}
	if port != 0 {
		args = append(args, "--port="+strconv.Itoa(port), "--disable-storage-reset")
	} else {
		args = append(args, "--chrome-flags="+strings.Join(lighthouseFlags, " "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumPath(), "TZ=Europe/Stockholm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("lighthouse %s: %v\n%s", url, err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var report struct {
		RuntimeError *struct{ Code, Message string } `json:"runtimeError"`
		Categories   struct {
			Performance struct {
				Score *float64 `json:"score"`
			} `json:"performance"`
		} `json:"categories"`
		Audits map[string]struct {
			NumericValue float64         `json:"numericValue"`
			Details      json.RawMessage `json:"details"`
		} `json:"audits"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		b.Fatalf("lighthouse %s: the report does not read: %v", url, err)
	}
	if report.RuntimeError != nil || report.Categories.Performance.Score == nil {
		b.Fatalf("lighthouse %s: no performance score (%+v)", url, report.RuntimeError)
	}
	var requests struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(report.Audits["network-requests"].Details, &requests); err != nil {
		b.Fatalf("lighthouse %s: the network requests do not read: %v", url, err)
	}
	return lighthouseResult{
		Score:    *report.Categories.Performance.Score * 100,
		LCP:      report.Audits["largest-contentful-paint"].NumericValue,
		FCP:      report.Audits["first-contentful-paint"].NumericValue,
		TBT:      report.Audits["total-blocking-time"].NumericValue,
		Requests: len(requests.Items),
		Bytes:    report.Audits["total-byte-weight"].NumericValue,
	}
}

// devToolsPort is the port the phone's browser takes DevTools connections on (Chromium
// writes it into the profile's DevToolsActivePort).
func (p *Phone) devToolsPort() int {
	p.t.Helper()
	raw, err := os.ReadFile(filepath.Join(p.profile, "DevToolsActivePort"))
	if err != nil {
		p.t.Fatalf("%s: no DevTools port: %v", p.name, err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		p.t.Fatalf("%s: DevToolsActivePort %q", p.name, raw)
	}
	return port
}
