package browser

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// The demo's signing list for Astrid (client 1) and its measures (internal/demo/work.go).
var (
	astrid  = demo.ClientID(1)
	insulin = uuids.Named("demo/measure/insulin")
)

// TestOfflineWorkReachesServerAndColleague is issue 6's main story: anna logs in and
// syncs; the network goes (the server stops); she writes a note and signs a measure;
// the page reloads while still offline and opens from the service worker with both
// changes waiting in the outbox (the outbox store, window.vardag.stats() and the sync
// status agree); the
// network comes back (the server starts again on the same port and data); both changes
// reach the server with anna as author, and bo's phone shows anna's note in Astrid's
// journal.
func TestOfflineWorkReachesServerAndColleague(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.sendReads() // today's, logged when its data came
	if st := anna.Stats(); st.Records == 0 || st.Outbox != 0 || st.Attention != 0 {
		t.Fatalf("after the first sync: %+v, want records, an empty outbox and nothing to attend to", st)
	}
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)

	s.Stop() // the network is gone

	noteText := fmt.Sprintf("Skrivet i källaren utan täckning (%d).", time.Now().UnixNano())
	anna.WriteNote(astrid, "Morgonbesök", noteText)
	due := anna.SignFirst(insulin, "given")
	checkWaiting := func(when string) {
		t.Helper()
		// Opening the journal and the signing list put reads (access.viewed) in the
		// outbox too: every read is logged.
		out := anna.WaitOutboxShown()
		if Count(out, "journal.note.add") != 1 || Count(out, "signing.sign") != 1 {
			t.Fatalf("%s: the outbox holds %v, want the note and the signature", when, names(out))
		}
	}
	checkWaiting("offline")

	anna.Reload() // still offline: the app comes from the service worker
	anna.ResumeAfterReload()
	checkWaiting("after an offline reload")
	anna.WaitFor("the sync status to show the server unreachable", `(e => e && e.dataset.online === 'false')(document.querySelector('[data-testid=sync-status]'))`)
	anna.OpenJournal(astrid)
	anna.WaitText(noteText) // the waiting note shows in the journal

	s = s.Restart() // the network is back
	anna.SyncUntil("the outbox to empty", `s.outbox === 0`)
	if st := anna.Stats(); st.Attention != 0 {
		t.Fatalf("after reconnecting: %+v, want nothing in needs attention", st)
	}
	anna.WaitFor("the sync status to show nothing waiting", `(e => e && e.dataset.pending === '0' && e.dataset.online === 'true')(document.querySelector('[data-testid=sync-status]'))`)

	// On the server, with anna as author.
	changes, _ := s.Login("anna").Pull()
	var gotNote, gotSignature bool
	for _, c := range changes {
		var d map[string]any
		_ = json.Unmarshal(c.Data, &d)
		switch {
		case c.Kind == "journal_note" && d["text"] == noteText:
			gotNote = true
			if d["author_id"] != demo.UserID("anna") || d["client_id"] != astrid {
				t.Errorf("the note on the server: %s", c.Data)
			}
		case c.Kind == "signature" && d["measure_id"] == insulin && d["author_id"] == demo.UserID("anna") && d["outcome"] == "given":
			if at, _ := d["due_at"].(string); sameInstant(due, at) {
				gotSignature = true
			}
		}
	}
	if !gotNote {
		t.Error("anna's offline note is not on the server")
	}
	if !gotSignature {
		t.Errorf("anna's offline signature of the insulin (due %s) is not on the server", due)
	}

	// And on bo's phone, in Astrid's journal.
	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.SyncNow()
	bo.OpenJournal(astrid)
	bo.WaitText(noteText)
}

// sameInstant tells whether a due time as the app names it in sign-<measure_id>-<due_at>
// (UTC, RFC 3339 without milliseconds) and the server's RFC 3339 time are one instant.
func sameInstant(app, server string) bool {
	a, err1 := time.Parse(time.RFC3339, app)
	b, err2 := time.Parse(time.RFC3339, server)
	return err1 == nil && err2 == nil && a.Equal(b)
}

// names lists the mutation names of entries.
func names(entries []Entry) []string {
	var n []string
	for _, e := range entries {
		n = append(n, e.Name)
	}
	return n
}
