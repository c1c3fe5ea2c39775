package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// postBulletin posts a notice of planned downtime on the bulletin board as the
// administrator (bulletin.post, admin: s.Login("admin")) and returns its id.
func postBulletin(t *testing.T, admin *testserver.Device, title, text string, from, until time.Time) string {
	t.Helper()
	id := uuids.New()
	r := admin.Push("bulletin.post", map[string]any{"bulletin_id": id, "title": title, "text": text,
		"from": from.UTC().Format(time.RFC3339), "until": until.UTC().Format(time.RFC3339)})
	if r.Results[0].Status != "applied" {
		t.Fatalf("bulletin.post: %+v", r.Results[0].Error)
	}
	return id
}

// stockholm is the municipality's time zone: the app shows times in it.
var stockholm = func() *time.Location {
	l, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return l
}()

// swedishWindow is how the app words a notice's window the same day in Swedish:
// "I dag kl. 14:00–16:00", "I morgon kl. …" (from Stockholm's today), else the weekday.
func swedishWindow(from, until, now time.Time) string {
	day := func(t time.Time) string {
		t, n := t.In(stockholm), now.In(stockholm)
		switch {
		case t.Format(time.DateOnly) == n.Format(time.DateOnly):
			return "i dag"
		case t.Format(time.DateOnly) == n.AddDate(0, 0, 1).Format(time.DateOnly):
			return "i morgon"
		}
		return ""
	}
	hm := func(t time.Time) string { return t.In(stockholm).Format("15:04") }
	if d := day(from); d != "" && d == day(until) {
		return fmt.Sprintf("%s kl. %s–%s", strings.ToUpper(d[:1])+d[1:], hm(from), hm(until))
	}
	return fmt.Sprintf("kl. %s – ", hm(from)) // over two days, or a weekday: the start's time
}

// TestBulletinBoard: the administrator posts three notices of planned downtime: one from
// an hour from now, one going on now, one that has ended by the time the phone shows
// them (the server took it while it still ran). After anna's next sync, Today and
// Messages show, at their top, the coming one and the one going on — "Planerat avbrott",
// the title, the text and the window in Stockholm time, the one going on first and
// marked "Pågår nu" — and not the ended one.
func TestBulletinBoard(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	if Eval[bool](anna, `!!document.querySelector('[data-testid^=bulletin-]')`) {
		t.Fatal("a notice on today before any was posted")
	}

	now := time.Now().Truncate(time.Minute)
	from, until := now.Add(time.Hour), now.Add(3*time.Hour)
	admin := s.Login("admin")
	coming := postBulletin(t, admin, "Treserva uppgraderas", "Vardag synkar inte under uppgraderingen. Skriv som vanligt, allt skickas efteråt.", from, until)
	onNow := postBulletin(t, admin, "Nätverksarbete", "Mobilnätet kan vara långsamt.", now.Add(-10*time.Minute), now.Add(50*time.Minute))
	endedUntil := s.Clock.Now().Add(2 * time.Second) // the server's clock: still to come when posted
	ended := postBulletin(t, admin, "Byte av server", "Klart.", endedUntil.Add(-time.Hour), endedUntil)
	time.Sleep(time.Until(endedUntil) + 100*time.Millisecond)

	anna.SyncNow()
	for _, screen := range []string{"today", "messages"} {
		if screen == "messages" {
			anna.Click("nav-messages")
		}
		anna.WaitScreen(screen)
		anna.WaitFor("the notices on "+screen, fmt.Sprintf(`document.querySelector('[data-testid=%s]') && document.querySelector('[data-testid=%s]')`,
			js("bulletin-"+coming), js("bulletin-"+onNow)))
		got := Eval[struct {
			Coming, OnNow string
			Ended         bool
			Order         []string
			FirstInMain   bool
		}](anna, fmt.Sprintf(`(() => {
			const q = id => document.querySelector('[data-testid=' + JSON.stringify('bulletin-' + id) + ']');
			const cards = [...document.querySelectorAll('main [data-testid^=bulletin-]')];
			const h1 = document.querySelector('main h1');
			// the board comes right after the heading (and today's date), before the screen's own content
			const board = cards.length && cards[0].closest('section');
			const before = [...document.querySelectorAll('main > *')].indexOf(board);
			return { Coming: q(%s).innerText, OnNow: q(%s).innerText, Ended: !!q(%s),
				Order: cards.map(c => c.dataset.testid.slice('bulletin-'.length)),
				FirstInMain: before > 0 && before <= 2 && !!h1 };
		})()`, js(coming), js(onNow), js(ended)))
		if got.Ended {
			t.Errorf("%s shows the ended notice", screen)
		}
		for _, want := range []string{"Planerat avbrott", "Treserva uppgraderas", "Vardag synkar inte under uppgraderingen", swedishWindow(from, until, time.Now())} {
			if !strings.Contains(got.Coming, want) {
				t.Errorf("%s: the coming notice does not say %q:\n%s", screen, want, got.Coming)
			}
		}
		if strings.Contains(got.Coming, "Pågår nu") {
			t.Errorf("%s: the coming notice says it is going on:\n%s", screen, got.Coming)
		}
		for _, want := range []string{"Planerat avbrott", "Pågår nu", "Nätverksarbete", "Mobilnätet kan vara långsamt.", now.Add(50 * time.Minute).In(stockholm).Format("15:04")} {
			if !strings.Contains(got.OnNow, want) {
				t.Errorf("%s: the notice going on does not say %q:\n%s", screen, want, got.OnNow)
			}
		}
		if len(got.Order) != 2 || got.Order[0] != onNow || got.Order[1] != coming {
			t.Errorf("%s: the notices in the order %v, want the one going on (%s), then the coming one (%s)", screen, got.Order, onNow, coming)
		}
		if !got.FirstInMain {
			t.Errorf("%s: the notices are not at the top, under the heading", screen)
		}
	}
}
