package browser

import (
	"fmt"
	"strings"
	"testing"

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
