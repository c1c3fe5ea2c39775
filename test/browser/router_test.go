package browser

import (
	"fmt"
	"testing"

	"vardag/test/testserver"
)

// TestRouterShowsTheLatestNavigation: a screen render reads IndexedDB before it shows
// anything, so a render that began before a navigation can end after it (seen: the
// address #/overview with the today screen). The test makes that happen every time: it
// holds a write transaction on the records ("frags") while anna navigates from a screen
// that reads records to one that does not (needs attention), so the first render waits
// until the second has shown. The app must drop the first: the screen stays needs
// attention.
func TestRouterShowsTheLatestNavigation(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	for _, from := range []string{"#/today", "#/client/" + astrid + "/journal", "#/messages", "#/client/" + astrid + "/signing"} {
		anna.GoToday()
		anna.Quiet()
		got := Eval[string](anna, fmt.Sprintf(`(async () => {
			const db = await import(new URL('db.js', document.querySelector('script[type=module]').src).href);
			const d = await db.db();
			const tx = d.transaction('frags', 'readwrite');
			const until = performance.now() + 500;
			(async () => { while (performance.now() < until) await tx.store.count(); })();
			location.hash = %s;
			await new Promise(r => setTimeout(r, 100)); // its render now waits for the records
			location.hash = '#/attention';
			await tx.done;
			await new Promise(r => setTimeout(r, 300)); // the first render ends
			return document.body.dataset.screen + ' ' + location.hash;
		})()`, js(from)))
		if got != "attention #/attention" {
			t.Errorf("%s, then #/attention while the first still rendered: the screen and address are %q", from, got)
		}
		anna.WaitScreen("attention")
	}
}
