package browser

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/server/config"
	"vardag/test/testserver"
)

// BenchmarkBigInitialSync is issue 3's big initial sync as the phone app lives it: a
// coordinator of four units with 200 clients and two years of notes (about 150,000
// records, seeded as test/bench's BenchmarkBigInitialSync does) logs in on a new phone,
// and the app pulls everything into IndexedDB. It measures from the code's submit until
// window.vardag.syncNow() (called as soon as the app is up, so it runs or joins the
// first round) resolves with every record stored, and reports the seconds, the records
// per second and the longest gap between two ticks of a setTimeout(0) probe in the page
// (how long the app stopped answering the user). Target: 10 s.
func BenchmarkBigInitialSync(b *testing.B) { bigInitialSync(b, 1, 10) }

// BenchmarkBigInitialSyncMidRangePhone is BenchmarkBigInitialSync on a mid-range phone:
// the page's CPU slowed down 4 times (the DevTools protocol's
// Emulation.setCPUThrottlingRate, as Lighthouse's mobile settings do; it slows the
// page's main thread, where the app writes IndexedDB, not the decoding workers).
// Target: 15 s.
func BenchmarkBigInitialSyncMidRangePhone(b *testing.B) { bigInitialSync(b, 4, 15) }

// bigInitialSync measures the big initial sync with the page's CPU slowed cpuRate times
// (1: not at all) and says when it took over target seconds.
func bigInitialSync(b *testing.B, cpuRate float64, target float64) {
	s := testserver.Start(b, func(c *config.Config) { c.LogLevel = "warn" })
	want := s.SeedBigMunicipality()
	var elapsed time.Duration
	var records int
	var maxGap float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := NewPhone(b, fmt.Sprint("phone", i))
		if cpuRate != 1 {
			p.run(fmt.Sprintf("slow the CPU down %g times", cpuRate), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: cpuRate})
				return err
			}))
		}
		p.Open(s.URL + "/")
		p.WaitScreen("login")
		p.Type("login-username", "samordnare")
		p.Type("login-password", demo.Password)
		p.Click("login-submit")
		p.WaitFor("the code screen", `document.querySelector('[data-testid=code-input], [data-testid=method-totp]')`)
		if !p.Has("code-input") {
			p.Click("method-totp")
		}
		p.Type("code-input", s.CodeFor("samordnare"))
		// The probe: a setTimeout(0) chain keeps the longest gap between its ticks.
		Eval[bool](p, `(() => {
			const probe = window.__probe = { start: performance.now(), last: performance.now(), maxGap: 0, ticks: 0, stop: false };
			const tick = () => {
				const now = performance.now();
				probe.maxGap = Math.max(probe.maxGap, now - probe.last);
				probe.last = now;
				probe.ticks++;
				if (!probe.stop) setTimeout(tick, 0);
			};
			setTimeout(tick, 0);
			return true;
		})()`)
		b.StartTimer()
		start := time.Now()
		p.Click("code-submit")
		p.WaitFor("the app after the login", `window.vardag && typeof window.vardag.syncNow === 'function' && !['login', 'code', 'method'].includes(document.body.dataset.screen)`)
		type result struct {
			Seconds float64 `json:"seconds"`
			MaxGap  float64 `json:"maxGap"`
			Records int     `json:"records"`
			Ticks   int     `json:"ticks"`
			Pages   int     `json:"pages"`
			Fetch   float64 `json:"fetch"`
		}
		r := EvalWithin[result](p, 5*time.Minute, `(async () => {
			await window.vardag.syncNow();
			const probe = window.__probe;
			probe.stop = true;
			const s = await window.vardag.stats();
			// The pulls' time on the network (request to the body's last byte), from
			// resource timing: the rest of the time is the app's own (parse, IndexedDB).
			const pulls = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/sync/pull'));
			const fetch = pulls.reduce((sum, e) => sum + e.responseEnd - e.startTime, 0) / 1000;
			return { seconds: (performance.now() - probe.start) / 1000, maxGap: probe.maxGap, records: s.records, ticks: probe.ticks, pages: pulls.length, fetch };
		})()`)
		elapsed += time.Since(start)
		b.StopTimer()
		records = r.Records
		maxGap = max(maxGap, r.MaxGap)
		b.Logf("phone %d: %d records in %.2f s as the page measured (%.0f records/s); longest gap between ticks %.0f ms (%d ticks); %d pulls took %.2f s on the network, the rest is the app's",
			i, r.Records, r.Seconds, float64(r.Records)/r.Seconds, r.MaxGap, r.Ticks, r.Pages, r.Fetch)
		if r.Records < want {
			b.Fatalf("the app holds %d records after the sync, want at least the %d seeded", r.Records, want)
		}
		if i+1 < b.N {
			b.StartTimer()
		}
	}
	secs := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(secs, "s/sync")
	b.ReportMetric(float64(records)/secs, "records/s")
	b.ReportMetric(float64(records), "records")
	b.ReportMetric(maxGap, "ms-max-gap")
	if cpuRate != 1 {
		b.Logf("with the CPU slowed down %g times: %.1f s for the initial sync", cpuRate, secs)
	}
	if secs > target {
		b.Logf("over the target: %.1f s for the initial sync, want at most %g s", secs, target)
	}
}
