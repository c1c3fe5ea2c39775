package browser

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestLogoutLeavesNothing: after a login and a sync the phone holds the vardag database
// and the app's caches; after logging out through the menu, indexedDB.databases() names
// no vardag database, Cache Storage holds only the app shell (no API answer: the shell
// stays, so that the app opens offline) and stats() answers zeros; the login page,
// loaded again, makes no database.
func TestLogoutLeavesNothing(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	if !Eval[bool](anna, `indexedDB.databases().then(l => l.some(d => d.name === 'vardag'))`) {
		t.Fatal("no vardag database after a login and a sync")
	}
	if n := Eval[int](anna, `caches.keys().then(k => k.length)`); n == 0 {
		t.Error("no cache after a login (the service worker keeps the app shell in one)")
	}

	anna.Logout()
	anna.WaitFor("the vardag database to be deleted", `indexedDB.databases().then(l => !l.some(d => d.name === 'vardag'))`)
	anna.WaitFor("only the shell left in the caches", shellOnly)
	if st := anna.Stats(); st.Records != 0 || st.Outbox != 0 || st.Attention != 0 {
		t.Errorf("stats after logout: %+v, want zeros", st)
	}

	anna.Reload()
	anna.WaitScreen("login")
	// The login screen creates no database.
	if names := Eval[[]string](anna, `indexedDB.databases().then(l => l.map(d => d.name))`); slices.Contains(names, "vardag") {
		t.Errorf("after logout and a reload, IndexedDB has %v", names)
	}
}

// TestLogoutSendsWhatWaitsFirst: a note waits in the outbox (the phone's sync is stopped,
// so nothing else sends it) when anna logs out online. The app sends it before asking,
// so the confirmation is the plain one, not the warning about changes that would be
// lost, and the note is on the server for her colleague afterwards.
func TestLogoutSendsWhatWaitsFirst(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	Eval[any](anna, `import(new URL('rounds.js', document.querySelector('script[type=module]').src).href).then(m => { m.stopSync(); return null; })`)
	text := "Skrivet strax före utloggning " + uuids.New()
	anna.WriteNote(astrid, "Kvällsbesök", text)
	if out := anna.Entries("outbox"); Count(out, "journal.note.add") != 1 {
		t.Fatalf("the note is not waiting in the outbox: %+v", out)
	}
	bo := s.Login("bo")
	hasNote := func() bool {
		changes, _ := bo.Pull()
		for _, c := range changes {
			if c.Kind == "journal_note" && strings.Contains(string(c.Data), text) {
				return true
			}
		}
		return false
	}
	if hasNote() {
		t.Fatal("the note reached the server with the sync stopped")
	}

	anna.Logout()
	if log := anna.Log(); !strings.Contains(log, "dialog confirm: Logga ut? Allt som finns sparat i telefonen raderas. (accepted)") {
		t.Errorf("the logout did not ask plainly (the note was not sent first?):\n%s", log)
	}
	if !hasNote() {
		t.Error("the note waiting at the logout is not on the server")
	}
}

// TestLogoutWarnsOfReadsThatWouldBeLost: offline (the server is down), anna opens Astrid;
// the read waits in the outbox for the read log. A logout cannot send it, so it warns
// that reads of clients' data would be lost, rather than asking plainly.
func TestLogoutWarnsOfReadsThatWouldBeLost(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	s.Stop()
	anna.OpenClient(astrid)
	anna.WaitFor("the read of Astrid in the outbox", fmt.Sprintf(`import(new URL('outbox.js', document.querySelector('script[type=module]').src).href).then(m => m.outboxEntries()).then(es => es.some(e => e.name === 'access.viewed' && e.args.client_id === %s))`, js(astrid)))
	anna.Logout()
	if log := anna.Log(); !regexp.MustCompile(`dialog confirm: (En läsning|\d+ läsningar) av brukares? uppgifter har inte skickats till loggen än`).MatchString(log) {
		t.Errorf("the logout did not warn of the unsent read:\n%s", log)
	}
}
