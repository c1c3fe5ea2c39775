package browser

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// The unit manager's work on the screens (issue 15 item 3): correcting a saved note,
// closing a journal, and the read-log review with the client's extract.

// addNote saves a note of a care worker's in a client's journal on the server and
// returns its id.
func addNote(t *testing.T, s *testserver.Server, writer, client, text string) string {
	t.Helper()
	id := uuids.New()
	if r := s.Apply(writer, journal.MutationNoteAdd, map[string]any{"note_id": id, "client_id": client, "heading": "Morgonbesök",
		"keywords": []string{}, "text": text, "occurred_at": s.Clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}); r.Status != "applied" {
		t.Fatalf("the note: %+v", r)
	}
	return id
}

// noteShown is what the journal shows of a note: its struck text (<del>), its new text
// (<ins>) and its correction lines.
type noteShown struct {
	Del, Ins, Corrections, Pending string
	Correct                        bool
}

func shownNote(p *Phone, noteID string) noteShown {
	p.t.Helper()
	return Eval[noteShown](p, fmt.Sprintf(`(li => li ? {
		del: [...li.querySelectorAll('del')].map(e => e.textContent).join('|'),
		ins: [...li.querySelectorAll('ins')].map(e => e.textContent.trim()).join('|'),
		corrections: [...li.querySelectorAll('.correction')].map(e => e.textContent).join('|'),
		pending: (li.querySelector('[data-testid^=correction-pending-]') || {}).textContent || '',
		correct: !!li.querySelector('[data-testid^=correct-]'),
	} : {})(document.querySelector('[data-testid=%s]'))`, js("note-"+noteID)))
}

// TestTheManagerCorrectsANoteAndEveryPhoneShowsIt: david, Aspen's unit manager, opens
// Astrid's journal, taps "Rätta" on anna's note, strikes a part of its text, writes the
// new text and the reason. His phone says the correction waits until the server has it,
// then shows it done; bo's phone shows the original with the struck part struck through
// but legible, the new text, who corrected and when. bo, a care worker, is offered no
// correction, no closing and no read-log review.
func TestTheManagerCorrectsANoteAndEveryPhoneShowsIt(t *testing.T) {
	s := testserver.Start(t)
	const text = "Astrid fick 2 tabletter Alvedon kl 8. Hon åt frukost."
	const struck, fresh = "2 tabletter", "1 tablett"
	noteID := addNote(t, s, "anna", astrid, text)

	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.SyncNow()
	bo.OpenJournal(astrid)
	bo.WaitFor("anna's note on bo's phone", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("note-"+noteID)))
	for _, id := range []string{"correct-" + noteID, "journal-close", "client-readlog"} {
		if bo.Has(id) {
			t.Errorf("bo, a care worker, is offered %s", id)
		}
	}

	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.SyncNow()
	david.OpenJournal(astrid)
	david.Click("correct-" + noteID)
	david.WaitScreen("correct")
	if got := Eval[string](david, `document.querySelector('[data-testid=correct-struck]').value`); got != text {
		t.Errorf("the text to strike starts as %q, want the note's text %q", got, text)
	}
	checkScreen(t, david, "correct a note")
	// A part that is not in the note is not sent: the server would refuse it.
	retype(david, "correct-struck", "3 tabletter")
	david.Fill("correct-new", fresh)
	david.Fill("correct-reason", "Fel antal tabletter")
	david.Click("correct-save")
	david.WaitFor("the refusal of a text not in the note", `!document.querySelector('[data-testid=correct-error]').hidden`)
	if out := david.Entries("outbox"); Count(out, journal.MutationNoteCorrect) != 0 {
		t.Fatalf("a correction the server would refuse is in the outbox: %v", names(out))
	}
	// The part marked in the note's text becomes the text to strike.
	Eval[bool](david, fmt.Sprintf(`(p => {
		const node = p.firstChild, i = node.textContent.indexOf(%s);
		const r = document.createRange();
		r.setStart(node, i);
		r.setEnd(node, i + %d);
		const sel = getSelection();
		sel.removeAllRanges();
		sel.addRange(r);
		return true;
	})(document.querySelector('[data-testid=correct-original-text]'))`, js(struck), len([]rune(struck))))
	david.WaitFor("the marking to be seen", `getSelection().toString().length > 0`)
	david.Click("correct-use-selection")
	david.WaitFor("the marked text in the field", fmt.Sprintf(`document.querySelector('[data-testid=correct-struck]').value === %s`, js(struck)))
	david.Click("correct-save")
	david.WaitFor("the journal again", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === 'journal'`)
	out := david.Entries("outbox")
	if Count(out, journal.MutationNoteCorrect) == 1 {
		// Not yet sent: the journal says it waits, and shows nothing struck.
		if n := shownNote(david, noteID); n.Del != "" && n.Pending == "" {
			t.Errorf("the correction in the outbox shows as done: %+v", n)
		}
	}
	david.SyncUntil("the correction to be sent and its record pulled", `s.outbox === 0`)
	david.OpenJournal(astrid)
	david.WaitFor("the correction shown done on david's phone", fmt.Sprintf(`!!document.querySelector('[data-testid=%s] del')`, js("note-"+noteID)))
	if n := shownNote(david, noteID); n.Del != struck || n.Ins != fresh || n.Pending != "" {
		t.Errorf("david's journal shows %+v", n)
	}
	checkScreen(t, david, "the journal as its unit manager")

	bo.SyncNow()
	bo.OpenJournal(astrid)
	bo.WaitFor("the correction on bo's phone", fmt.Sprintf(`!!document.querySelector('[data-testid=%s] del')`, js("note-"+noteID)))
	n := shownNote(bo, noteID)
	if n.Del != struck || n.Ins != fresh {
		t.Errorf("bo's phone shows struck %q and new %q, want %q and %q", n.Del, n.Ins, struck, fresh)
	}
	if !strings.Contains(n.Corrections, "David Holm") || !contains(n.Corrections, "enhetschef") || !strings.Contains(n.Corrections, "Fel antal tabletter") {
		t.Errorf("bo's phone does not say who corrected, in which role and why: %q", n.Corrections)
	}
	if !regexp.MustCompile(`\d{1,2}[:.]\d{2}`).MatchString(n.Corrections) {
		t.Errorf("bo's phone does not say when it was corrected: %q", n.Corrections)
	}
	// The original stays legible: the whole text is there, the struck part in <del>.
	if whole := Eval[string](bo, fmt.Sprintf(`document.querySelector('[data-testid=%s] .note-text').textContent`, js("note-"+noteID))); !strings.Contains(whole, "Astrid fick ") || !strings.Contains(whole, struck) || !strings.Contains(whole, "Hon åt frukost.") {
		t.Errorf("the note's text reads %q", whole)
	}
	if n.Correct {
		t.Errorf("bo, a care worker, is offered to correct the note")
	}
	checkScreen(t, bo, "journal with a correction")
}

// TestTheManagerClosesAJournal: david closes Astrid's journal after confirming; once the
// server has it, his phone and bo's show the journal closed and offer no new note.
func TestTheManagerClosesAJournal(t *testing.T) {
	s := testserver.Start(t)
	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.SyncNow()
	david.OpenJournal(astrid)
	david.Click("journal-close")
	david.WaitFor("the confirmation", `!!document.querySelector('[data-testid=confirm-dialog]')`)
	checkScreen(t, david, "confirm closing a journal")
	david.Click("confirm-ok")
	david.WaitFor("the close to be queued", `!document.querySelector('[data-testid=journal-close]') && !document.querySelector('[data-testid=note-new]')`)
	david.SyncUntil("the close to be sent", `s.outbox === 0`)
	david.OpenJournal(astrid)
	david.WaitFor("the journal shown closed", `!!document.querySelector('[data-testid=journal-closed]')`)
	if david.Has("note-new") || david.Has("journal-close") {
		t.Errorf("a closed journal still offers a new note or closing")
	}
	checkScreen(t, david, "a closed journal on a phone")
	// The review on a phone: the table stacks into cards.
	david.Click("client-readlog")
	david.WaitScreen("readlog")
	david.WaitFor("Astrid's reads", fmt.Sprintf(`(f => !!f && f.dataset.client === %s && !!document.querySelector('[data-testid=readlog-entries]'))(document.querySelector('[data-testid=readlog-filters]'))`, js(astrid)))
	checkScreen(t, david, "read-log review on a phone")

	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.SyncNow()
	bo.OpenJournal(astrid)
	bo.WaitFor("the journal shown closed on bo's phone", `!!document.querySelector('[data-testid=journal-closed]')`)
	if bo.Has("note-new") {
		t.Errorf("bo's phone offers a new note in a closed journal")
	}
}

// TestACoordinatorClosesAJournalButCorrectsNothing: eva, Björken's coordinator
// (samordnare), may close a journal of her unit but not correct a note or review the read
// log: she is offered only the closing. She sees nothing of Aspen's clients.
func TestACoordinatorClosesAJournalButCorrectsNothing(t *testing.T) {
	s := testserver.Start(t)
	client := demo.ClientID(9) // in Björken
	noteID := addNote(t, s, "farid", client, "Hjälp med dusch.")
	eva := NewPhone(t, "eva")
	eva.Login(s, "eva")
	eva.SyncNow()
	eva.GoToday()
	if eva.Has("client-" + astrid) {
		t.Errorf("eva, of Björken, is shown Aspen's Astrid")
	}
	eva.OpenJournal(client)
	eva.WaitFor("farid's note", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("note-"+noteID)))
	if eva.Has("correct-"+noteID) || eva.Has("client-readlog") {
		t.Errorf("eva, a coordinator, is offered to correct the note or review the read log")
	}
	eva.Click("journal-close")
	eva.Click("confirm-ok")
	eva.SyncUntil("the close to be sent", `s.outbox === 0`)
	eva.OpenJournal(client)
	eva.WaitFor("the journal shown closed", `!!document.querySelector('[data-testid=journal-closed]')`)
	if eva.Has("note-new") || eva.Has("journal-close") {
		t.Errorf("a closed journal still offers a new note or closing")
	}
	// The note form, reached by its address, takes no note either.
	eva.Open(s.URL + "/#/note/" + client)
	eva.ResumeAfterReload()
	eva.WaitFor("the note form's refusal", `!!document.querySelector('[data-testid=note-journal-closed]')`)
	if eva.Has("note-save") {
		t.Errorf("the note form of a closed journal offers to save a note")
	}
}

// TestTheManagerReviewsTheReadLog: cecilia, the nurse, opens Astrid on her phone; david
// reviews Aspen's read log from the administration, by person, and finds her read of
// Astrid in words; from Astrid's screen ("Vem har läst") he downloads her log extract,
// a CSV whose rows hold cecilia's read. bo is offered no review.
func TestTheManagerReviewsTheReadLog(t *testing.T) {
	s := testserver.Start(t)
	cecilia := NewPhone(t, "cecilia")
	cecilia.Login(s, "cecilia")
	cecilia.SyncNow()
	cecilia.OpenClient(astrid)
	cecilia.SyncUntil("cecilia's read to be sent", `s.outbox === 0`)

	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.OpenUnitAdmin(demo.AspenID)
	david.Click("unit-readlog")
	david.WaitScreen("readlog")
	david.Fill("readlog-user", "Cecilia Berg")
	david.Click("readlog-show")
	david.WaitFor("cecilia's reads", fmt.Sprintf(`(f => !!f && f.dataset.user === %s && !!document.querySelector('[data-testid=readlog-entries]'))(document.querySelector('[data-testid=readlog-filters]'))`, js(demo.UserID("cecilia"))))
	rows := Eval[[]string](david, `[...document.querySelectorAll('[data-testid=readlog-entries] tbody tr')].map(r => r.innerText.replace(/\s+/g, ' '))`)
	found := false
	for _, r := range rows {
		if strings.Contains(r, "Cecilia Berg") && strings.Contains(r, "Astrid Nilsson") && strings.Contains(r, "Brukarens översikt") && strings.Contains(r, "Öppnade i appen") && strings.Contains(r, "Telefon …") {
			found = true
		}
		if !strings.Contains(r, "Cecilia Berg") {
			t.Errorf("the review of cecilia's reads shows another's: %q", r)
		}
	}
	if !found {
		t.Errorf("the review does not show cecilia's opening of Astrid in words: %q", rows)
	}
	checkScreen(t, david, "read-log review")

	// From the client: who read Astrid, and her extract.
	david.OpenClient(astrid)
	david.Click("client-readlog")
	david.WaitScreen("readlog")
	david.WaitFor("Astrid's reads", fmt.Sprintf(`(f => !!f && f.dataset.client === %s && !!document.querySelector('[data-testid=readlog-entries]'))(document.querySelector('[data-testid=readlog-filters]'))`, js(astrid)))
	if rows := Eval[string](david, `document.querySelector('[data-testid=readlog-entries]').innerText`); !strings.Contains(rows, "Cecilia Berg") || strings.Contains(rows, "Gösta Karlsson") {
		t.Errorf("who read Astrid reads %q", rows)
	}
	dir := t.TempDir()
	events := true
	david.run("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events})
		return err
	}))
	// The browser tells when the download has begun (its file name) and is complete.
	names, done := make(chan string, 1), make(chan struct{}, 1)
	if err := chromedp.ListenBrowser(david.ctx, func(ev any) {
		switch e := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select {
			case names <- e.SuggestedFilename:
			default:
			}
		case *browser.EventDownloadProgress:
			if e.State == browser.DownloadProgressStateCompleted {
				select {
				case done <- struct{}{}:
				default:
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	david.Click("readlog-extract")
	var name string
	select {
	case name = <-names:
	case <-time.After(30 * time.Second):
		t.Fatal("no download began")
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the download did not complete")
	}
	if !strings.HasPrefix(name, "registerutdrag-"+astrid+"-") || !strings.HasSuffix(name, ".csv") {
		t.Errorf("the extract is named %s", name)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(matches) != 1 {
		t.Fatalf("the download folder holds %q", matches)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the extract is not CSV: %v", err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "at,user_id,device_id,client_id,units,what,count,source,view_id,viewed_at" {
		t.Fatalf("the extract's header or rows: %q", recs)
	}
	var cecilias int
	for _, r := range recs[1:] {
		if r[3] != astrid {
			t.Errorf("a row of another client in Astrid's extract: %q", r)
		}
		if r[1] == demo.UserID("cecilia") && r[5] == "client" && r[7] == "phone" {
			cecilias++
		}
	}
	if cecilias != 1 {
		t.Errorf("the extract holds %d rows of cecilia opening Astrid, want 1: %q", cecilias, recs)
	}
	checkScreen(t, david, "who read a client")

	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.OpenClient(astrid)
	if bo.Has("client-readlog") {
		t.Errorf("bo, a care worker, is offered the read-log review")
	}
	if bo.Has("nav-admin") {
		t.Errorf("bo, a care worker, is offered the administration")
	}
}
