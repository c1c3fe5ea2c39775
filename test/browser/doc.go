// Package browser tests the phone app (mobileweb) in headless Chromium against a real
// Vardag server, as issue 6 asks: installable, works with the network off, reconciles
// when it comes back, keeps what the server refused, leaves nothing behind at logout, and
// applies a big initial sync in time; and the rare paths of the sync (a unit dropped
// when a grant ends, cursor_expired, a revoked device, the offline wipe, two tabs sharing
// one outbox), see mobileweb/TESTING.md. It drives Debian's /usr/bin/chromium (or the browser
// named by VARDAG_CHROMIUM) with chromedp and fails, never skips, when there is none.
//
// Run: go test ./test/browser (-update-screenshots writes docs/screenshots/*.png);
// the benchmark: go test ./test/browser -run '^$' -bench . -benchtime 1x.
package browser
