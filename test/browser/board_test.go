package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/messages"
	"vardag/test/testserver"
)

// setInput puts value into the input of testid as a person would (input and change
// events), for the controls that keys do not fill reliably (datetime-local).
func setInput(p *Phone, testid, value string) {
	p.t.Helper()
	p.WaitFor(testid, fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js(testid)))
	Eval[bool](p, fmt.Sprintf(`(el => {
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})(document.querySelector('[data-testid=%s]'))`, js(value), js(testid)))
}

// boardNotice is the server's notice of the title, or nil.
func boardNotice(t *testing.T, s *testserver.Server, title string) *messages.Bulletin {
	t.Helper()
	var found *messages.Bulletin
	for _, b := range serverBulletins(t, s) {
		if b.Title == title {
			found = &b
		}
	}
	return found
}

// TestAdministratorKeepsTheBulletinBoard: the administrator opens the bulletin board
// from the organisation, posts a notice of planned downtime (from, until, text), which
// the list shows as posted only once the server's record is back, and anna's Today then
// shows it. The administrator changes its title, and anna sees the new one; then ends
// it, and it is gone from both screens. A care worker has no way to the board. axe and
// the screen checks find nothing on it.
func TestAdministratorKeepsTheBulletinBoard(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	admin := NewPhone(t, "admin")
	admin.Desktop()
	admin.Login(s, "admin")
	Eval[bool](admin, `(location.hash = '#/admin', true)`)
	admin.Click("org-bulletins")
	admin.WaitScreen("bulletins")
	admin.WaitFor("the empty board", `!!document.querySelector('[data-testid=board-form-new]')`)
	checkScreen(t, admin, "bulletin board, empty")

	now := time.Now().In(stockholm).Truncate(time.Minute)
	from, until := now.Add(2*time.Hour), now.Add(4*time.Hour)
	local := func(t time.Time) string { return t.In(stockholm).Format("2006-01-02T15:04") }
	// Until before from is said on the screen, and nothing is sent.
	admin.Type("board-title-new", "Uppgradering av Vardag")
	admin.Type("board-text-new", "Vardag synkar inte under uppgraderingen.")
	setInput(admin, "board-from-new", local(until))
	setInput(admin, "board-until-new", local(from))
	admin.Click("board-save-new")
	admin.WaitFor("the refusal", `(e => !!e && !e.hidden && e.innerText.includes('efter'))(document.querySelector('[data-testid=board-error-new]'))`)
	if st := admin.Stats(); st.Outbox != 0 {
		t.Fatalf("a notice with until before from was put in the outbox: %+v", st)
	}
	setInput(admin, "board-from-new", local(from))
	setInput(admin, "board-until-new", local(until))
	admin.Click("board-save-new")
	// Sent, not yet posted: it waits, and is not in the board's list.
	admin.SyncUntil("the notice posted", `s.outbox === 0`)
	b := boardNotice(t, s, "Uppgradering av Vardag")
	if b == nil {
		t.Fatal("the server holds no notice titled Uppgradering av Vardag")
	}
	if !b.From.Equal(from) || !b.Until.Equal(until) || b.Text != "Vardag synkar inte under uppgraderingen." {
		t.Errorf("the server's notice: %s–%s %q, want %s–%s and the text typed", b.From, b.Until, b.Text, from, until)
	}
	id := b.BulletinID
	admin.WaitFor("the posted notice on the board", fmt.Sprintf(`(e => !!e && e.innerText.includes('Uppgradering av Vardag') && !e.innerText.includes('Väntar'))(document.querySelector('[data-testid=%s]'))`, js("board-"+id)))
	if got := Eval[string](admin, fmt.Sprintf(`document.querySelector('[data-testid=%s]').innerText`, js("board-"+id))); !strings.Contains(got, swedishWindow(from, until, time.Now())) {
		t.Errorf("the board's notice reads %q, want its window %q", got, swedishWindow(from, until, time.Now()))
	}
	checkScreen(t, admin, "bulletin board with a notice")

	anna.SyncNow()
	anna.WaitFor("the notice on anna's Today", fmt.Sprintf(`(e => !!e && e.innerText.includes('Uppgradering av Vardag') && e.innerText.includes('Vardag synkar inte'))(document.querySelector('[data-testid=%s]'))`, js("bulletin-"+id)))

	// A change of the title.
	admin.Click("board-change-" + id)
	Eval[bool](admin, fmt.Sprintf(`(el => (el.value = '', true))(document.querySelector('[data-testid=%s]'))`, js("board-title-"+id)))
	admin.Type("board-title-"+id, "Uppgradering flyttad")
	admin.Click("board-save-" + id)
	admin.SyncUntil("the change posted", `s.outbox === 0`)
	admin.WaitFor("the changed notice", fmt.Sprintf(`(e => !!e && e.innerText.includes('Uppgradering flyttad'))(document.querySelector('[data-testid=%s]'))`, js("board-"+id)))
	anna.SyncNow()
	anna.WaitFor("the change on anna's Today", fmt.Sprintf(`(e => !!e && e.innerText.includes('Uppgradering flyttad'))(document.querySelector('[data-testid=%s]'))`, js("bulletin-"+id)))

	// Ended: gone from the board and from Today.
	admin.Click("board-end-" + id)
	admin.SyncUntil("the end applied", `s.outbox === 0`)
	admin.WaitFor("the ended notice gone", fmt.Sprintf(`!document.querySelector('[data-testid=%s]') && !!document.querySelector('[data-testid=board-form-new]')`, js("board-"+id)))
	if b := boardNotice(t, s, "Uppgradering flyttad"); b == nil || b.Until.After(time.Now()) {
		t.Errorf("the server's notice after the end: %+v, want it ended", b)
	}
	anna.SyncNow()
	anna.WaitFor("the notice gone from anna's Today", fmt.Sprintf(`document.body.dataset.screen === 'today' && !document.querySelector('[data-testid=%s]')`, js("bulletin-"+id)))

	// A care worker has no way to the board.
	if anna.Has("nav-admin") {
		t.Error("anna's navigation offers the administration")
	}
	Eval[bool](anna, `(location.hash = '#/bulletins', true)`)
	anna.WaitScreen("bulletins")
	if anna.Has("board-form-new") {
		t.Error("anna is offered a form to post on the bulletin board")
	}
}

// serverBulletins are the notices the server holds, as a phone of bo's pulls them.
func serverBulletins(t *testing.T, s *testserver.Server) []messages.Bulletin {
	t.Helper()
	changes, _ := s.Login("bo").Pull()
	byID := map[string]messages.Bulletin{}
	for _, c := range changes {
		if c.Kind != messages.KindBulletin || c.Op == "delete" {
			continue
		}
		var b messages.Bulletin
		if err := json.Unmarshal(c.Data, &b); err != nil {
			t.Fatalf("a bulletin record: %v", err)
		}
		byID[c.ID] = b
	}
	out := make([]messages.Bulletin, 0, len(byID))
	for _, b := range byID {
		out = append(out, b)
	}
	return out
}
