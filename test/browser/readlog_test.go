package browser

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/accesslog"
	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// The read log (Patientdatalagen 4 kap. 3 §) as the phone reports it: every screen that
// shows an identified client's data puts access.viewed in the outbox, once per opening
// of the screen and client, and the unit manager's review
// (GET /api/v1/admin/access-log) shows it with source "phone". See mobileweb/README.md
// (the read log) for what each screen logs.

// A read is one kind of data (what) of one client, as the phone reports it.
type read struct{ What, Client string }

func (r read) String() string {
	for i := 1; i <= 12; i++ {
		if demo.ClientID(i) == r.Client {
			return fmt.Sprintf("%s of client %d", r.What, i)
		}
	}
	return r.What + " of " + r.Client
}

// phoneReads are user's reads reported by the phone (source "phone") in the read log of
// Aspen, as its unit manager reviews them.
func phoneReads(t *testing.T, s *testserver.Server, reviewer *testserver.Device, user string) []accesslog.Entry {
	t.Helper()
	q := url.Values{"unit_id": {demo.AspenID}, "user_id": {demo.UserID(user)}, "limit": {"5000"}}
	res := s.Do("GET", "/api/v1/admin/access-log?"+q.Encode(), reviewer.Token, nil)
	if res.Status != 200 {
		t.Fatalf("the read log: %d %s", res.Status, res.Body)
	}
	var page struct {
		Entries []accesslog.Entry `json:"entries"`
		More    bool              `json:"more"`
	}
	res.JSON(t, &page)
	if page.More {
		t.Fatalf("the read log of %s has more than 5000 entries", user)
	}
	var out []accesslog.Entry
	for _, e := range page.Entries {
		if e.Source == accesslog.SourcePhone {
			out = append(out, e)
		}
	}
	return out
}

// tally counts entries by what and client.
func tally(entries []accesslog.Entry) map[read]int {
	n := map[read]int{}
	for _, e := range entries {
		n[read{e.What, e.ClientID}]++
	}
	return n
}

// sendReads sends what the outbox holds: rounds until it is empty. A screen's reads are
// in the outbox before it shows (readlog.js), so once the screen is shown and its reads
// sent, the server's log holds them; checkReads waits for the log all the same.
func (p *Phone) sendReads() {
	p.t.Helper()
	p.Quiet()
	p.SyncUntil("the reads to be sent", `s.outbox === 0`)
}

// readsCeiling is how long checkReads waits for the read log to hold what it should: far
// longer than a round takes on a loaded machine, so that only a read that never comes
// fails.
const readsCeiling = time.Minute

// checkReads waits until the read log holds want of user (each read at least as often
// as in want: the phone sends its outbox by itself soon after a read is queued), within
// readsCeiling, and until the phone's outbox is empty; then it fails unless the log
// holds exactly want (every other read counted zero).
func checkReads(t *testing.T, s *testserver.Server, reviewer *testserver.Device, p *Phone, user, when string, want map[read]int) {
	t.Helper()
	got := tally(phoneReads(t, s, reviewer, user))
	for deadline := time.Now().Add(readsCeiling); !covers(got, want) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the poll's interval
		got = tally(phoneReads(t, s, reviewer, user))
	}
	p.WaitFor(when+": the outbox to be empty", `window.vardag.stats().then(s => s.outbox === 0)`)
	got = tally(phoneReads(t, s, reviewer, user))
	for _, r := range slices.SortedFunc(maps.Keys(merge(got, want)), func(a, b read) int { return strings.Compare(a.String(), b.String()) }) {
		if got[r] != want[r] {
			t.Errorf("%s: the read log holds %s %d times, want %d", when, r, got[r], want[r])
		}
	}
}

// covers tells whether got holds every read of want at least as often.
func covers(got, want map[read]int) bool {
	for r, n := range want {
		if got[r] < n {
			return false
		}
	}
	return true
}

func merge(a, b map[read]int) map[read]int {
	out := maps.Clone(a)
	for k, v := range b {
		out[k] += v
	}
	return out
}

// trackDrawing keeps in the page, once per page, window.__drawn {rounds, before}:
// rounds counts the rounds that draw the screens again (the app's own "synced" event on
// its bus, js/bus.js, but not a round that only delivered reads: readsOnly), before is
// the main heading on the page when the last of them ended. The app's listener starts
// its route before this one runs (it was registered first), and a render that began
// before that route is never shown (ui/view.js): a main heading other than before is a
// screen drawn after the round, from the store as the round left it.
func (p *Phone) trackDrawing() {
	p.t.Helper()
	Eval[bool](p, `window.__drawn ? true : import(new URL('bus.js', document.querySelector('script[type=module]').src).href).then(bus => {
		const d = window.__drawn = { rounds: 0, before: null };
		bus.on('synced', e => {
			if (e.readsOnly) return;
			d.rounds++;
			d.before = document.querySelector('#main h1');
		});
		return true;
	})`)
}

// syncDrawn runs rounds until one draws the screen again (a round that only delivers
// reads draws nothing) and waits until the screen it draws is shown: the screen holds
// what the store holds, and its reads are in the outbox (readlog.js: before it shows).
func (p *Phone) syncDrawn() {
	p.t.Helper()
	p.trackDrawing()
	before := Eval[int](p, `window.__drawn.rounds`)
	p.WaitFor("a round that draws the screen again", fmt.Sprintf(`window.vardag.syncNow().then(() => window.__drawn.rounds > %d, () => false)`, before))
	p.WaitFor("the screen drawn after the round", `document.querySelector('#main h1') !== window.__drawn.before`)
}

// rerender has a sync re-render the screen shown and waits until the re-render is
// shown (syncDrawn) and the page stands still.
func (p *Phone) rerender() {
	p.t.Helper()
	p.syncDrawn()
	p.Quiet()
}

// checkNoReadQueued fails when the outbox holds a read.
func checkNoReadQueued(t *testing.T, p *Phone, when string) {
	t.Helper()
	if out := p.Entries("outbox"); Count(out, "access.viewed") != 0 {
		t.Errorf("%s: the outbox holds %v, want no read", when, names(out))
	}
}

// TestReadLogOfCareStaffScreens: anna (care staff) logs in. Today lists the assignments
// of Astrid, Gösta and Margit and Astrid's signings of the day: one assignment read per
// client listed and one signing_list read for Astrid, from the render after the first
// sync; the list of the unit's clients (name and address) logs nothing. A sync's
// re-render queues no read. She opens Sven: the overview logs "client" (the round that
// sends it does not draw the screen again), his journal
// "journal"; the browser's back and forward open each again and log again (the same
// address, the same length of history). Today again logs its reads again; Astrid's
// signing list and the signing of one occurrence each log signing_list. The log holds
// exactly these, from her phone, at the time the phone read them.
func TestReadLogOfCareStaffScreens(t *testing.T) {
	s := testserver.Start(t)
	david := s.Login("david")
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("today's assignments", `document.querySelectorAll('main [data-testid^=assignment-]').length === 3`)
	anna.sendReads()
	a := func(n int, what string) read { return read{what, demo.ClientID(n)} }
	want := map[read]int{
		a(1, "assignment"): 1, a(2, "assignment"): 1, a(3, "assignment"): 1,
		a(1, "signing_list"): 1,
	}
	checkReads(t, s, david, anna, "anna", "today after the login", want)

	anna.rerender()
	checkNoReadQueued(t, anna, "today after a sync's re-render")
	anna.sendReads()
	checkReads(t, s, david, anna, "anna", "today after a sync's re-render", want)

	sven := demo.ClientID(4)
	anna.Click("client-" + sven)
	anna.WaitFor("Sven's overview", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === ''`)
	want[a(4, "client")]++
	// The round that sends the read by itself (soon after the outbox changed) draws
	// nothing again: a read makes no record.
	Eval[bool](anna, `(window.__readlogBefore = document.querySelector('main h1'), true)`)
	anna.WaitFor("the read to be sent", `window.vardag.stats().then(s => s.outbox === 0)`)
	time.Sleep(time.Second) // a round asked for after the send would have run by now
	anna.Quiet()
	if !Eval[bool](anna, `document.body.contains(window.__readlogBefore)`) {
		t.Error("the round that only sent the overview's read drew the screen again")
	}
	anna.Click("open-journal")
	anna.WaitFor("Sven's journal", `document.body.dataset.clientView === 'journal'`)
	want[a(4, "journal")]++
	anna.rerender()
	checkNoReadQueued(t, anna, "the journal after a sync's re-render")
	Eval[bool](anna, `(history.back(), true)`)
	anna.WaitFor("Sven's overview again", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === ''`)
	want[a(4, "client")]++
	Eval[bool](anna, `(history.forward(), true)`)
	anna.WaitFor("Sven's journal again", `document.body.dataset.clientView === 'journal'`)
	want[a(4, "journal")]++
	anna.sendReads()
	checkReads(t, s, david, anna, "anna", "Sven's overview and journal, back and forward", want)

	anna.OpenSigning(astrid) // through today, opened again
	for _, n := range []int{1, 2, 3} {
		want[a(n, "assignment")]++
	}
	want[a(1, "client")]++
	want[a(1, "signing_list")] += 2 // today's signings, the signing list
	anna.Click(Eval[string](anna, `document.querySelector('main [data-testid^=sign-]').dataset.testid`))
	anna.WaitScreen("sign")
	want[a(1, "signing_list")]++
	anna.sendReads()
	checkReads(t, s, david, anna, "anna", "today again, Astrid's signing list and a signing", want)

	device := Meta[string](anna, "device_id")
	for _, e := range phoneReads(t, s, david, "anna") {
		if e.DeviceID != device || e.ViewedAt == nil || !uuids.Valid(e.ViewID) || !slices.Contains(e.Units, demo.AspenID) {
			t.Errorf("a read in the log: %+v, want anna's phone %s, a view id, the time and the unit", e, device)
		}
	}
}

// TestReadLogOfNurseAndManagerScreens: cecilia (nurse) opens the signing overview, which
// shows Astrid's double signing: one signing_list read of Astrid per opening, none for a
// sync's re-render. david (unit manager) has a deviation on Gösta and one on the unit
// (no client) to analyse: the list logs one deviation read of Gösta, opening Gösta's
// deviation and then the unit's deviation (the list shows Gösta's report on each)
// log one more each; the unit's deviation logs nothing of its own, and nothing is
// refused.
func TestReadLogOfNurseAndManagerScreens(t *testing.T) {
	s := testserver.Start(t)
	unitDeviation := uuids.New()
	if r := s.Login("bo").Push("deviation.report", map[string]any{
		"deviation_id": unitDeviation, "type": "deviation", "activity": "SoL", "area": "fall", "unit_id": demo.AspenID,
		"involved_professions": []string{"care_staff"}, "occurred_at": s.Clock.Now().Add(-time.Hour),
		"course_of_events": "Larmet i trapphuset fungerade inte under kvällen.",
	}); r.Results[0].Status != "applied" {
		t.Fatalf("the unit's deviation: %+v", r.Results[0])
	}
	reviewer := s.Login("david")

	cecilia := NewPhone(t, "cecilia")
	cecilia.Login(s, "cecilia")
	cecilia.syncDrawn() // today, drawn from the whole store: its reads are queued
	cecilia.sendReads()
	want := tally(phoneReads(t, s, reviewer, "cecilia")) // today's
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	cecilia.WaitText("Astrid Nilsson")
	want[read{"signing_list", astrid}]++
	cecilia.rerender()
	checkNoReadQueued(t, cecilia, "the overview after a sync's re-render")
	cecilia.sendReads()
	checkReads(t, s, reviewer, cecilia, "cecilia", "the signing overview", want)

	gosta := demo.ClientID(2)
	fall := uuids.Named("demo/deviation/1") // anna's report of Gösta's fall (internal/demo)
	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.syncDrawn()
	david.sendReads()
	want = tally(phoneReads(t, s, reviewer, "david")) // today's
	if want[read{"deviation", gosta}] != 0 {
		t.Fatalf("a deviation read before the analysis was opened: %v", want)
	}
	david.Click("nav-deviations")
	david.WaitScreen("analyse")
	david.WaitFor("both deviations", fmt.Sprintf(`document.querySelector('[data-testid=%s]') && document.querySelector('[data-testid=%s]')`,
		js("deviation-"+fall), js("deviation-"+unitDeviation)))
	want[read{"deviation", gosta}]++
	david.rerender()
	checkNoReadQueued(t, david, "the deviations after a sync's re-render")
	david.sendReads()
	checkReads(t, s, reviewer, david, "david", "the list of deviations", want)

	// Each step waits for what only the new address shows: the screen before it is an
	// analyse screen too, with the link to click next, and a tap on it before the new
	// screen is shown opens the next address from a list that was never shown (and so
	// never logged).
	david.Click("analyse-" + fall)
	david.WaitFor("Gösta's deviation opened", analysisOpen(fall))
	want[read{"deviation", gosta}]++
	david.sendReads()
	checkReads(t, s, reviewer, david, "david", "Gösta's deviation opened", want)

	david.Click("nav-deviations")
	david.WaitFor("the list", fmt.Sprintf(`document.body.dataset.screen === 'analyse' && location.hash === '#/analyse' && !document.querySelector('[data-testid=ana-consequence]') && !!document.querySelector('[data-testid=%s]')`,
		js("analyse-"+unitDeviation)))
	want[read{"deviation", gosta}]++
	david.Click("analyse-" + unitDeviation)
	david.WaitFor("the unit's deviation opened", analysisOpen(unitDeviation))
	want[read{"deviation", gosta}]++
	david.sendReads()
	checkReads(t, s, reviewer, david, "david", "the unit's deviation opened", want)
	if st := david.Stats(); st.Attention != 0 {
		t.Errorf("david's phone: %+v, want nothing refused", st)
	}
}

// analysisOpen is true once the analyse screen of deviation id is shown: its address,
// and the analysis form in that deviation's card.
func analysisOpen(id string) string {
	return fmt.Sprintf(`location.hash === %s && !!document.querySelector('[data-testid=%s] [data-testid=ana-consequence]')`, js("#/analyse/"+id), js("deviation-"+id))
}

// TestReadLogOffline: anna's phone has no network (the server is down) when she opens
// Yusuf and his journal. Both reads wait in the outbox; back online they reach the log
// with the view_id and viewed_at the phone gave them then, before the server came back.
func TestReadLogOffline(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.sendReads()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)

	s.Stop()
	yusuf := demo.ClientID(6)
	anna.OpenJournal(yusuf)
	queued := map[string]Entry{}
	for _, e := range anna.WaitOutboxShown() {
		if e.Name == "access.viewed" && e.Args["client_id"] == yusuf {
			queued[fmt.Sprint(e.Args["what"])] = e
		}
	}
	if len(queued) != 2 || queued["client"].Name == "" || queued["journal"].Name == "" {
		t.Fatalf("offline, the outbox holds %v, want the reads of Yusuf's overview and journal", queued)
	}
	time.Sleep(1100 * time.Millisecond) // the reads are older than the server's return
	back := time.Now()
	s = s.Restart()
	anna.SyncUntil("the outbox to empty", `s.outbox === 0`)

	entries := phoneReads(t, s, s.Login("david"), "anna")
	for what, q := range queued {
		viewedAt, err := time.Parse(time.RFC3339Nano, fmt.Sprint(q.Args["viewed_at"]))
		if err != nil {
			t.Fatalf("viewed_at %v: %v", q.Args["viewed_at"], err)
		}
		if !viewedAt.Before(back) {
			t.Errorf("the %s read was made at %s, not before the server came back (%s)", what, viewedAt, back)
		}
		n := 0
		for _, e := range entries {
			if e.ViewID != q.Args["view_id"] {
				continue
			}
			n++
			if e.ClientID != yusuf || e.What != what || e.ViewedAt == nil || !e.ViewedAt.Equal(viewedAt) {
				t.Errorf("the log holds the offline %s read as %+v, want Yusuf's %s at %s", what, e, what, viewedAt)
			}
		}
		if n != 1 {
			t.Errorf("the log holds the offline %s read %d times, want once", what, n)
		}
	}
}
