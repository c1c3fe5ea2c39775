package browser

import (
	"slices"
	"testing"

	"vardag/test/testserver"
)

// TestLogoutLeavesNothing: after a login and a sync the phone holds the vardag database
// and the app's caches; after logging out through the menu, indexedDB.databases() names
// no vardag database, caches.keys() is empty, the service worker is unregistered and
// stats() answers zeros; the login page, loaded again, makes no database.
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
	anna.WaitFor("the caches to be deleted", `caches.keys().then(k => k.length === 0)`)
	anna.WaitFor("the service worker to be unregistered", `navigator.serviceWorker.getRegistrations().then(r => r.length === 0)`)
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
