package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// The paths of the sync that a phone meets rarely: a unit dropped when a grant ends,
// cursor_expired, a revoked device, the offline wipe, and two tabs sharing one store.

// NewTab opens another tab in the phone's browser: the same profile, so the same
// IndexedDB, caches and service worker, as a second tab of the app on one phone.
func (p *Phone) NewTab(name string) *Phone {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx)
	q := &Phone{t: p.t, name: name, ctx: ctx}
	p.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Func(func(context.Context, *chromedp.Target) error { return nil })); err != nil {
		p.t.Fatalf("%s: open a tab: %v", name, err)
	}
	if err := chromedp.Listen(ctx, q.record); err != nil {
		p.t.Fatal(err)
	}
	q.SetScale(1)
	return q
}

// InitScript makes the tab run src at the start of every document it loads, before the
// page's own scripts.
func (p *Phone) InitScript(src string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		p.fail("add an init script", err)
	}
}

// netRecorder (an init script) keeps in window.__vardagNet every API request the page
// makes: method, path, status (-1 when it failed at the network), the error code of an
// error answer, and for a push the mutations sent (id, name, args as JSON). It only
// watches: the request and its answer go through unchanged.
const netRecorder = `(() => {
	const orig = window.fetch.bind(window);
	const log = window.__vardagNet = [];
	window.fetch = async (input, init = {}) => {
		const u = new URL(typeof input === 'string' ? input : input.url, location.href);
		const e = { method: init.method || 'GET', path: u.pathname + u.search, status: 0, code: '' };
		if (u.pathname === '/api/v1/sync/push' && typeof init.body === 'string') {
			try { e.mutations = JSON.parse(init.body).mutations.map(m => ({ id: m.id, name: m.name, args: JSON.stringify(m.args) })); } catch { /* not JSON */ }
		}
		if (u.pathname.startsWith('/api/')) log.push(e);
		try {
			const res = await orig(input, init);
			e.status = res.status;
			if (!res.ok) { try { const b = await res.clone().json(); e.code = (b.error && b.error.code) || ''; } catch { /* no body */ } }
			return res;
		} catch (err) {
			e.status = -1;
			throw err;
		}
	};
})()`

// Request is one API request as netRecorder saw it.
type Request struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Mutations []struct {
		ID   uint64 `json:"id"`
		Name string `json:"name"`
		Args string `json:"args"`
	} `json:"mutations"`
}

// Requests is what netRecorder saw since the page loaded.
func (p *Phone) Requests() []Request {
	p.t.Helper()
	return Eval[[]Request](p, `window.__vardagNet || []`)
}

// clockShift (an init script) moves the page's clock (Date, Date.now) on by the number
// of milliseconds in sessionStorage "vardag-test-clock-offset-ms", as a phone whose
// owner comes back after days: set it, then reload. Nothing else of the page changes.
const clockShift = `(() => {
	const off = Number(sessionStorage.getItem('vardag-test-clock-offset-ms') || 0);
	if (!off) return;
	const Real = Date;
	class Shifted extends Real {
		constructor(...a) { if (a.length === 0) super(Real.now() + off); else super(...a); }
		static now() { return Real.now() + off; }
	}
	globalThis.Date = Shifted;
})()`

// ShiftClock moves the page's clock d ahead from the next load on (see clockShift).
func (p *Phone) ShiftClock(d time.Duration) {
	p.t.Helper()
	Eval[bool](p, fmt.Sprintf(`(sessionStorage.setItem('vardag-test-clock-offset-ms', '%d'), true)`, d.Milliseconds()))
}

// Meta reads one of the app's meta values through the app's own module (js/db.js).
func Meta[T any](p *Phone, key string) T {
	p.t.Helper()
	return Eval[T](p, fmt.Sprintf(`import(new URL('db.js', document.querySelector('script[type=module]').src).href).then(m => m.getMeta(%s)).then(v => v === undefined ? null : v)`, js(key)))
}

// waitWiped waits until the phone holds nothing of the user's: no vardag database, no
// cache but the app shell's (it holds no API answer), the login screen showing the
// reason's text.
func (p *Phone) waitWiped(reason string) {
	p.t.Helper()
	p.WaitScreen("login")
	p.WaitFor("the vardag database to be deleted", `indexedDB.databases().then(l => !l.some(d => d.name === 'vardag'))`)
	p.WaitFor("only the shell left in the caches", shellOnly)
	p.WaitText(reason)
	if st := p.Stats(); st.Records != 0 || st.Outbox != 0 || st.Attention != 0 {
		p.t.Errorf("%s: stats after the wipe: %+v, want zeros", p.name, st)
	}
	// Still nothing a moment later: no part of the app opened the store again.
	time.Sleep(500 * time.Millisecond)
	if Eval[bool](p, `indexedDB.databases().then(l => l.some(d => d.name === 'vardag'))`) {
		p.t.Errorf("%s: a vardag database came back after the wipe", p.name)
	}
}

// liveRecords is what a phone of username holds after a full pull from empty: the
// records ("kind/id") the server gives that user now.
func liveRecords(s *testserver.Server, username string) []string {
	changes, _ := s.Login(username).Pull()
	live := map[string]bool{}
	for _, c := range changes {
		live[c.Kind+"/"+c.ID] = c.Op != "delete"
	}
	var out []string
	for k, ok := range live {
		if ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// phoneRecords is every record the app reads from its store ("kind/id"), through its
// own read functions (js/db.js).
func phoneRecords(p *Phone) []string {
	p.t.Helper()
	out := Eval[[]string](p, `(async () => {
		const db = await import(new URL('db.js', document.querySelector('script[type=module]').src).href);
		const d = await db.db();
		const kinds = new Set((await d.getAllKeys('frags')).map(k => k[0].split('/')[0]));
		const out = [];
		for (const k of kinds) for (const r of await db.byKind(k)) out.push(r.kind + '/' + r.id);
		return out;
	})()`)
	slices.Sort(out)
	return out
}

// storeText is every fragment of the phone's store as text, read through the app's own
// modules (js/db.js, js/zip.js): the fragments' plain fields (bucket, ids, scopes,
// tombstones) and their records' data, deflated or not.
const storeText = `(async () => {
	const db = await import(new URL('db.js', document.querySelector('script[type=module]').src).href);
	const zip = await import(new URL('zip.js', document.querySelector('script[type=module]').src).href);
	const d = await db.db();
	const texts = [];
	for (const f of await d.getAll('frags')) {
		texts.push(JSON.stringify({ b: f.b, ids: f.ids, ss: f.ss, recs: f.recs }));
		if (f.z) texts.push(await zip.inflate(f.z)); else if (f.json) texts.push(f.json);
	}
	return texts.join('\n');
})()`

// TestGrantEndedDropsTheUnit: anna is synced and holds Aspen's clients; her grant in
// Aspen ends. Her next sync (drop_scopes) takes Aspen off the phone at once: the screens
// show none of Aspen's clients, stats().records falls to what the server still gives her
// (her own profile, her own reports, the reference lists), the app's read functions
// find exactly those records, and no fragment in IndexedDB holds anything of what went
// (its data decompressed and searched, and the plain ids and scopes), not even hidden
// behind tombstones.
func TestGrantEndedDropsTheUnit(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	before := anna.Stats()
	// What only the records that go hold: the clients' names and addresses, bo's note,
	// the colleagues' user scopes. (The unit's scope stays on records anna keeps: her
	// own profile names it.)
	gone := []string{"Astrid Nilsson", "Gösta Karlsson", "Margit Olsson", "Sven Persson",
		"Ingrid Johansson", "Yusuf Demir", "Storgatan", "Värmde middag", identity.UserScope(demo.UserID("bo")), identity.UserScope(demo.UserID("david"))}
	text := Eval[string](anna, storeText)
	for _, x := range gone {
		if !strings.Contains(text, x) {
			t.Fatalf("before the grant ends the store should hold %s (the search below would prove nothing)", x)
		}
	}
	anna.OpenJournal(astrid)
	anna.WaitText("Värmde middag")

	err := s.Identity.PutGrant(identity.Grant{ID: uuids.Named("grant/anna"), UserID: demo.UserID("anna"), UnitID: demo.AspenID,
		Role: identity.RoleCareStaff, ValidUntil: s.Clock.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want := liveRecords(s, "anna")
	anna.SyncNow()

	if st := anna.Stats(); st.Records != len(want) || st.Records >= before.Records {
		t.Errorf("after the grant ended: %d records, want %d (what the server gives anna now; %d before)", st.Records, len(want), before.Records)
	}
	if got := phoneRecords(anna); !slices.Equal(got, want) {
		t.Errorf("the app reads %v\nthe server gives %v", got, want)
	}
	// The journal on the screen re-renders without the client.
	anna.WaitFor("the journal to go", `document.body.dataset.screen === 'client' && !document.querySelector('[data-testid=journal]') && !document.body.innerText.includes('Värmde middag')`)
	anna.GoToday()
	anna.WaitFor("today without clients", `!document.querySelector('[data-testid^="client-"]')`)
	if shown := Eval[string](anna, `document.body.innerText`); strings.Contains(shown, "Astrid") || strings.Contains(shown, "Storgatan") {
		t.Errorf("the today screen still shows Aspen's clients:\n%s", shown)
	}
	text = Eval[string](anna, storeText)
	for _, x := range gone {
		if i := strings.Index(text, x); i >= 0 {
			t.Errorf("IndexedDB still holds %s: …%s…", x, text[max(0, i-80):min(len(text), i+80)])
		}
	}
	if held := Meta[[]string](anna, "held_scopes"); slices.Contains(held, identity.UnitScope(demo.AspenID)) || len(held) == 0 {
		t.Errorf("held_scopes after the drop: %v", held)
	}
	if n := len(Meta[[]string](anna, "purge_buckets")); n != 0 {
		t.Errorf("%d buckets still wait to be purged", n)
	}
}

// TestCursorExpiredPushesThenPullsFromEmpty: while anna's phone is offline with a note
// in its outbox, the server compacts its log past her cursor (a record made and removed,
// its tombstone older than the retention). Back online, the app pushes the outbox first,
// then gets 409 cursor_expired, pulls again from empty, and ends with the outbox sent
// and exactly the records the server gives her, her note among them.
func TestCursorExpiredPushesThenPullsFromEmpty(t *testing.T) {
	s := testserver.StartAt(t, "127.0.0.1:0", t.TempDir(), testserver.NewClock(time.Now()), func(c *config.Config) { c.Retention = time.Minute })
	anna := NewPhone(t, "anna")
	anna.InitScript(netRecorder)
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)

	s.Stop()
	noteText := fmt.Sprintf("Skrivet medan loggen komprimerades (%d).", time.Now().UnixNano())
	anna.WriteNote(astrid, "Eftermiddag", noteText)
	if out := anna.Entries("outbox"); Count(out, "journal.note.add") != 1 {
		t.Fatalf("the outbox holds %v, want the note", names(out))
	}
	mark := len(anna.Requests())

	gone := uuids.New()
	s = s.Restart(func(s *testserver.Server) {
		s.Apply("bo", journal.MutationNoteAdd, testserver.Note(gone, astrid, "Skrivs och tas bort", s.Clock.Now()))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Engine.Do(ctx, func(tx *syncengine.Tx) error { return tx.Delete("journal_note", gone) }); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(2 * time.Minute) // past the retention
		if n, err := s.Engine.Compact(ctx); err != nil || n == 0 {
			t.Fatalf("compaction: %d tombstones, %v", n, err)
		}
	})
	anna.SyncUntil("the outbox to empty", `s.outbox === 0`)
	want := liveRecords(s, "anna")
	anna.SyncNow()

	// The order: the push, then the pull that meets cursor_expired, then a pull from empty.
	var seen []string
	for _, r := range anna.Requests()[mark:] {
		if r.Status == -1 || !strings.HasPrefix(r.Path, "/api/v1/sync/p") {
			continue
		}
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/sync/push") && r.Status == 200 && len(r.Mutations) > 0:
			seen = append(seen, "push")
		case strings.HasPrefix(r.Path, "/api/v1/sync/pull") && r.Code == "cursor_expired":
			seen = append(seen, "expired")
		case strings.HasPrefix(r.Path, "/api/v1/sync/pull") && r.Status == 200 && !strings.Contains(r.Path, "cursor=") && r.Method == "GET":
			seen = append(seen, "pull from empty")
		}
	}
	i := slices.Index(seen, "push")
	j := slices.Index(seen, "expired")
	k := slices.Index(seen, "pull from empty")
	if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
		t.Fatalf("sync requests after the restart: %v, want a push, then cursor_expired, then a pull from empty", seen)
	}

	st := anna.Stats()
	if st.Outbox != 0 || st.Attention != 0 || st.Records != len(want) || string(st.Cursor) == `""` {
		t.Fatalf("after the pull from empty: %+v, want an empty outbox, nothing to attend to, %d records and a cursor", st, len(want))
	}
	if got := phoneRecords(anna); !slices.Equal(got, want) {
		t.Errorf("the app reads %v\nthe server gives %v", got, want)
	}
	changes, _ := s.Login("bo").Pull()
	found := 0
	for _, c := range changes {
		var d map[string]any
		_ = json.Unmarshal(c.Data, &d)
		if c.Kind == "journal_note" && d["text"] == noteText {
			found++
		}
	}
	if found != 1 {
		t.Errorf("anna's note is on the server %d times, want once", found)
	}
	if n := Eval[int](anna, fmt.Sprintf(`import(new URL('db.js', document.querySelector('script[type=module]').src).href).then(m => m.byKind('journal_note')).then(l => l.filter(r => r.id === %s).length)`, js(gone))); n != 0 {
		t.Error("the removed note is on the phone")
	}
	anna.OpenJournal(astrid)
	anna.WaitText(noteText)
	anna.WaitText("Värmde middag") // and what was there before, pulled again
}

// TestRevokedDeviceWipes: an administrator revokes anna's phone through the API; the
// app's next request is answered 401 device_revoked, and the app wipes: no vardag
// database, no cache, no service worker, the login screen saying why.
func TestRevokedDeviceWipes(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.InitScript(netRecorder)
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	device := Meta[string](anna, "device_id")
	if device == "" {
		t.Fatal("no device_id in meta")
	}

	admin := s.Login("admin")
	// Counted before the revocation: the live stream ends with it and its reconnect can be
	// answered device_revoked before the test looks again.
	mark := len(anna.Requests())
	if res := s.Do("POST", "/api/v1/admin/devices/"+device+"/revoke", admin.Token, nil); res.Status != 200 {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	// The user taps "sync now" (the live stream may have met the revocation already).
	if anna.Screen() != "login" {
		Eval[bool](anna, `(window.vardag.syncNow().catch(() => {}), true)`)
	}
	anna.waitWiped("Telefonen har spärrats")
	revoked := false
	for _, r := range anna.Requests()[mark:] {
		if r.Status == 401 && r.Code == "device_revoked" {
			revoked = true
		}
	}
	if !revoked {
		t.Errorf("no request was answered 401 device_revoked: %+v", anna.Requests()[mark:])
	}
}

// TestOfflineTooLongWipes: the server tells the phone (GET /api/v1/me,
// offline_wipe_after_s) to wipe after one hour without a sync. anna syncs, the network
// goes, and her phone's clock moves on: 50 minutes later the app still opens with her
// data; two hours later it wipes at start, before anything else, and says why.
func TestOfflineTooLongWipes(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.PhoneWipeAfter = time.Hour })
	anna := NewPhone(t, "anna")
	anna.InitScript(clockShift)
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	if after := Meta[map[string]any](anna, "me")["offline_wipe_after_s"]; after != float64(3600) {
		t.Fatalf("me.offline_wipe_after_s is %v, want 3600", after)
	}
	s.Stop() // offline

	anna.ShiftClock(50 * time.Minute)
	anna.Reload()
	anna.ResumeAfterReload()
	if st := anna.Stats(); st.Records == 0 {
		t.Fatalf("50 minutes without a sync: %+v, want the data kept", st)
	}

	anna.ShiftClock(2 * time.Hour)
	anna.Reload()
	anna.waitWiped("Telefonen har inte kunnat synka på länge")
}

// TestTwoTabsOneOutbox: anna has the app open in two tabs of one browser (one store).
// Offline, each tab writes a note. Back online, both tabs sync at once: each note reaches
// the server exactly once, the mutation ids sent are consecutive from the server's last
// one (given at push time, one round at a time across tabs), and nothing needs attention.
func TestTwoTabsOneOutbox(t *testing.T) {
	s := testserver.Start(t)
	one := NewPhone(t, "tab1")
	one.InitScript(netRecorder)
	one.Login(s, "anna")
	one.SyncNow()
	one.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	two := one.NewTab("tab2")
	two.InitScript(netRecorder)
	two.Open(s.URL + "/")
	two.WaitScreen("today")
	two.SyncNow()
	device := Meta[string](one, "device_id")
	last := func() uint64 {
		var st syncengine.DeviceState
		if err := s.Engine.View(func(r syncengine.ReadTx) error {
			var err error
			st, err = r.Device(device)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return st.LastMutationID
	}
	first := last()

	s.Stop()
	stamp := time.Now().UnixNano()
	texts := []string{fmt.Sprintf("Från första fliken (%d).", stamp), fmt.Sprintf("Från andra fliken (%d).", stamp)}
	one.WriteNote(astrid, "Flik ett", texts[0])
	two.WriteNote(demo.ClientID(2), "Flik två", texts[1])
	out := one.Entries("outbox")
	if Count(out, "journal.note.add") != 2 {
		t.Fatalf("the shared outbox holds %v, want both notes", names(out))
	}

	s = s.Restart()
	Eval[bool](two, `(window.vardag.syncNow().catch(() => {}), true)`) // both at once
	one.SyncUntil("the outbox to empty", `s.outbox === 0`)
	two.SyncUntil("the outbox to empty", `s.outbox === 0`)
	for _, p := range []*Phone{one, two} {
		if st := p.Stats(); st.Attention != 0 {
			t.Errorf("%s: %+v, want nothing in needs attention", p.name, st)
		}
	}

	changes, _ := s.Login("bo").Pull()
	for _, text := range texts {
		n := 0
		for _, c := range changes {
			var d map[string]any
			_ = json.Unmarshal(c.Data, &d)
			if c.Kind == "journal_note" && d["text"] == text {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the note %q is on the server %d times, want once", text, n)
		}
	}

	// Every id sent, from both tabs: first+1 … first+len(out), each always with the same
	// change (a push that died in flight may be sent again, unchanged).
	sent := map[uint64]string{}
	for _, p := range []*Phone{one, two} {
		for _, r := range p.Requests() {
			for _, m := range r.Mutations {
				if m.ID <= first {
					continue // applied before the server stopped (the reads of today's screens)
				}
				if prev, ok := sent[m.ID]; ok && prev != m.Name+m.Args {
					t.Errorf("mutation id %d was sent for two changes: %s and %s", m.ID, prev, m.Name+m.Args)
				}
				sent[m.ID] = m.Name + m.Args
			}
		}
	}
	var ids []uint64
	for id := range sent {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) != len(out) || len(ids) == 0 || ids[0] != first+1 || ids[len(ids)-1] != first+uint64(len(out)) {
		t.Errorf("mutation ids sent: %v, want %d consecutive ids from %d", ids, len(out), first+1)
	}
	if got := last(); got != first+uint64(len(out)) {
		t.Errorf("the server's last mutation id of the phone is %d, want %d", got, first+uint64(len(out)))
	}
}
