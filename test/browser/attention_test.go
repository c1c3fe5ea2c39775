package browser

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/demo"
	"vardag/internal/journal"
	"vardag/test/testserver"
)

// TestRejectedNoteNeedsAttention: anna writes a note for Astrid while the server is
// down; before it comes back, the unit manager closes Astrid's journal. The server
// refuses the note (journal_closed), and the app keeps it, with its text, in "needs
// attention" rather than losing it: stats() counts it, the outbox is empty, and the
// attention screen shows the note's text, the server's reason and the actions.
func TestRejectedNoteNeedsAttention(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()

	s.Stop()
	const noteText = "Astrid ville inte äta lunch idag. Ringde hennes dotter, som kommer i morgon."
	anna.WriteNote(astrid, "Kvällsbesök", noteText)
	if out := anna.Entries("outbox"); Count(out, "journal.note.add") != 1 {
		t.Fatalf("the outbox holds %v, want the note", names(out))
	}

	s = s.Restart(func(s *testserver.Server) {
		s.Apply("david", journal.MutationClose, map[string]any{"journal_id": journal.JournalID(astrid), "client_id": astrid})
	})
	anna.SyncUntil("the rejected note to move to needs attention", `s.outbox === 0 && s.attention > 0`)
	att := anna.Entries("attention")
	if len(att) != 1 || att[0].Name != "journal.note.add" || att[0].Args["text"] != noteText || att[0].Error["code"] != "journal_closed" {
		t.Fatalf("needs attention holds %+v, want only the note, refused as journal_closed", att)
	}

	anna.Click("nav-attention")
	anna.WaitScreen("attention")
	anna.WaitFor("an attention item", `document.querySelector('[data-testid^=attention-item-]')`)
	id := Eval[string](anna, `document.querySelector('[data-testid^=attention-item-]').dataset.testid.slice('attention-item-'.length)`)
	// The item's text, with what its fields hold (the app offers the change for editing).
	item := Eval[string](anna, fmt.Sprintf(`(e => [e.innerText, ...[...e.querySelectorAll('input, textarea, select')].map(f => f.value)].join('\n'))(document.querySelector('[data-testid=%s]'))`, js("attention-item-"+id)))
	if !contains(item, noteText) {
		t.Errorf("the attention item does not show the note's text %q:\n%s", noteText, item)
	}
	if text := Eval[string](anna, fmt.Sprintf(`(e => e ? e.value || e.textContent : '')(document.querySelector('[data-testid=%s]'))`, js("attention-field-"+id+"-text"))); text != noteText {
		t.Errorf("attention-field-%s-text holds %q, want the note's text %q", id, text, noteText)
	}
	if !contains(item, "journal") && !contains(item, "stängd") && !contains(item, "closed") {
		t.Errorf("the attention item does not say why the server refused it (the journal is closed):\n%s", item)
	}
	for _, action := range []string{"attention-resend-" + id, "attention-discard-" + id} {
		if !anna.Has(action) {
			t.Errorf("no %s on the attention item", action)
		}
	}
	shoot(t, anna, "attention")
}

// contains tells whether s contains sub, ignoring case.
func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

// TestRejectedReadResentKeepsItsTime: anna's phone clock runs an hour ahead, so the
// server refuses the reads her screens log (access.viewed sent with a client_time
// in its future: invalid_client_time): today's, Astrid's overview and, the one followed here, Astrid's journal. The
// reads land in needs attention. Once the server's clock has caught up she sends the
// journal's again from there: the change sent is the same read — its view_id and
// viewed_at as they were (the read happened then, not when it was sent again) — and the
// server's read log holds it once, at that time.
func TestRejectedReadResentKeepsItsTime(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.InitScript(clockShift)
	anna.InitScript(netRecorder)
	anna.Open(s.URL + "/")
	anna.ShiftClock(time.Hour)
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.OpenJournal(astrid)
	anna.SyncUntil("the reads to be refused", `s.outbox === 0 && s.attention > 0`)
	att := anna.Entries("attention")
	var orig map[string]any
	for _, e := range att {
		if e.Name != "access.viewed" || e.Error["code"] != "invalid_client_time" {
			t.Fatalf("needs attention holds %+v, want only reads, refused for their time", att)
		}
		if e.Args["what"] == "journal" && e.Args["client_id"] == astrid {
			orig = e.Args
		}
	}
	if orig == nil {
		t.Fatalf("needs attention holds %+v, want the read of Astrid's journal among them", att)
	}
	viewedAt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(orig["viewed_at"]))
	if err != nil {
		t.Fatalf("viewed_at %v: %v", orig["viewed_at"], err)
	}

	s.Clock.Advance(time.Hour + time.Minute) // the server's clock has caught up
	mark := len(anna.Requests())
	anna.Click("nav-attention")
	anna.WaitScreen("attention")
	anna.WaitFor("an attention item", `document.querySelector('[data-testid^=attention-resend-]')`)
	local := Eval[int](anna, `(async () => {
		const d = await (await import(new URL('db.js', document.querySelector('script[type=module]').src).href)).db();
		return (await d.getAll('attention')).find(e => e.args.what === 'journal').local_id;
	})()`)
	anna.Click(fmt.Sprintf("attention-resend-%d", local))
	anna.SyncUntil("the read to be sent again", fmt.Sprintf(`s.outbox === 0 && s.attention === %d`, len(att)-1))

	want, _ := json.Marshal(orig)
	var sent []string
	for _, r := range anna.Requests()[mark:] {
		for _, m := range r.Mutations {
			if m.Name == "access.viewed" && r.Status == 200 {
				sent = append(sent, m.Args)
			}
		}
	}
	if len(sent) == 0 || !sameJSON(sent[0], string(want)) {
		t.Fatalf("the read sent again: %v, want its arguments as they were: %s", sent, want)
	}
	entries, _, err := accesslog.Query(s.Engine, accesslog.Filter{ClientID: astrid, UserID: demo.UserID("anna")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.ViewID == orig["view_id"] {
			n++
			if e.ViewedAt == nil || !e.ViewedAt.Equal(viewedAt) {
				t.Errorf("the read log has the read at %v, want %v (when anna opened the journal)", e.ViewedAt, viewedAt)
			}
		}
	}
	if n != 1 {
		t.Errorf("the read log holds the read %d times, want once", n)
	}
}

// sameJSON tells whether two JSON texts hold the same value.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// TestNeedsAttentionSpeaksSwedishForEveryCode: a refused change shows the server's reason
// in the phone's own words, never the server's English. Every code of the catalogue
// (internal/codes) is planted in needs attention with an English message and English
// words on a field; the screen shows each code's Swedish text and the field by its
// Swedish name, and none of the server's English.
func TestNeedsAttentionSpeaksSwedishForEveryCode(t *testing.T) {
	src, err := os.ReadFile("../../internal/codes/codes.go")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range regexp.MustCompile(`(?m)^\s+[A-Z]\w*\s*=\s*"([a-z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		all = append(all, m[1])
	}
	if len(all) < 50 {
		t.Fatalf("only %d codes found in internal/codes/codes.go; is the pattern right?", len(all))
	}
	var sv map[string]string
	if b, err := os.ReadFile("../../mobileweb/static/i18n/sv.json"); err != nil || json.Unmarshal(b, &sv) != nil {
		t.Fatalf("sv.json: %v", err)
	}

	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.Quiet()
	var entries []map[string]any
	for i, code := range all {
		entries = append(entries, map[string]any{
			"local_id": fmt.Sprintf("planted-%03d", i), "name": "journal.note.add", "client_time": time.Now().UTC().Format(time.RFC3339),
			"args":   map[string]any{"note_id": "x", "client_id": astrid, "text": "Text " + code},
			"status": "rejected", "record": nil,
			"error": map[string]any{"code": code, "message": "SERVER ENGLISH for " + code, "fields": map[string]string{"signed_at": "must be at most 12 hours before the due time"}},
		})
	}
	planted, _ := json.Marshal(entries)
	Eval[bool](anna, fmt.Sprintf(`(async entries => {
		const db = await new Promise((ok, fail) => { const r = indexedDB.open('vardag'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
		const tx = db.transaction('attention', 'readwrite');
		for (const e of entries) tx.objectStore('attention').put(e);
		await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
		db.close();
		return true;
	})(%s)`, planted))
	anna.Click("nav-attention")
	anna.WaitScreen("attention")
	anna.WaitFor("every planted item", fmt.Sprintf(`document.querySelectorAll('[data-testid^=attention-item-planted-]').length === %d`, len(all)))
	texts := Eval[map[string]string](anna, `Object.fromEntries([...document.querySelectorAll('[data-testid^=attention-item-planted-]')].map(e => [e.dataset.testid, e.innerText]))`)
	for i, code := range all {
		text := texts[fmt.Sprintf("attention-item-planted-%03d", i)]
		if strings.Contains(text, "SERVER ENGLISH") || strings.Contains(text, "must be") {
			t.Errorf("%s: the item shows the server's English:\n%s", code, text)
		}
		if want := sv["error."+code]; code != "conflict" && (want == "" || !strings.Contains(text, want)) {
			t.Errorf("%s: the item does not show the Swedish text %q:\n%s", code, want, text)
		}
		if !strings.Contains(text, sv["attention.field.signed_at"]) {
			t.Errorf("%s: the field signed_at is not named in Swedish (%q):\n%s", code, sv["attention.field.signed_at"], text)
		}
	}
}
