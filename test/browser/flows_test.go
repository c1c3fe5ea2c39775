package browser

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
)

// The app's flows as a user goes through them, by the test contract's data-testids and
// screens (mobileweb/TESTING.md).

// GoToday shows the today screen.
func (p *Phone) GoToday() {
	p.t.Helper()
	if p.Screen() != "today" {
		p.Click("nav-today")
	}
	p.WaitScreen("today")
}

// OpenClient opens a client from the today screen.
func (p *Phone) OpenClient(clientID string) {
	p.t.Helper()
	p.GoToday()
	p.Click("client-" + clientID)
	p.WaitScreen("client")
}

// OpenJournal opens a client's journal.
func (p *Phone) OpenJournal(clientID string) {
	p.t.Helper()
	p.OpenClient(clientID)
	p.Click("open-journal")
	p.WaitFor("the journal", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === 'journal'`)
}

// Fill puts text into a field: types into an input or a text area, or picks the option
// of a select whose text contains text (the first real option when none does).
func (p *Phone) Fill(testid, text string) {
	p.t.Helper()
	p.WaitFor(testid, fmt.Sprintf(`document.querySelector('[data-testid=%s]')`, js(testid)))
	if Eval[string](p, fmt.Sprintf(`document.querySelector('[data-testid=%s]').tagName`, js(testid))) != "SELECT" {
		p.Type(testid, text)
		return
	}
	Eval[bool](p, fmt.Sprintf(`(sel => {
		const opts = [...sel.options].filter(o => o.value !== '');
		const o = opts.find(o => o.text.includes(%s)) || opts[0];
		sel.value = o.value;
		sel.dispatchEvent(new Event('input', {bubbles: true}));
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})(document.querySelector('[data-testid=%s]'))`, js(text), js(testid)))
}

// StartNote opens the note form for a client and fills it in, without saving.
func (p *Phone) StartNote(clientID, heading, text string) {
	p.t.Helper()
	p.OpenJournal(clientID)
	p.Click("note-new")
	p.WaitScreen("note")
	p.Fill("note-heading", heading)
	if p.Has("note-keyword-0") {
		p.Click("note-keyword-0")
	}
	p.Fill("note-text", text)
}

// WriteNote writes and saves a journal note for a client.
func (p *Phone) WriteNote(clientID, heading, text string) {
	p.t.Helper()
	p.StartNote(clientID, heading, text)
	p.Click("note-save")
	p.WaitFor("the note to be saved", `document.body.dataset.screen !== 'note'`)
}

// OpenSigning opens a client's signing list.
func (p *Phone) OpenSigning(clientID string) {
	p.t.Helper()
	p.OpenClient(clientID)
	p.Click("open-signing")
	p.WaitFor("the signing list", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === 'signing'`)
}

// StartSigning opens the first occurrence of a measure that can still be signed and,
// for "not given" and "partly given", picks the outcome and a reason, without
// submitting ("given" and "self-administered" sign at the tap: see SignFirst); it
// returns the occurrence's due time as the app names it in the data-testid
// sign-<measure_id>-<due>.
func (p *Phone) StartSigning(clientID, measureID, outcome string) string {
	p.t.Helper()
	p.OpenSigning(clientID)
	prefix := "sign-" + measureID + "-"
	pick := fmt.Sprintf(`[...document.querySelectorAll('[data-testid^=%s]')].find(e => !e.disabled && e.getAttribute('aria-disabled') !== 'true')`, js(prefix))
	p.WaitFor("an occurrence of "+measureID+" to sign", pick)
	id := Eval[string](p, pick+`.dataset.testid`)
	p.Click(id)
	p.WaitScreen("sign")
	if outcome == "not_given" || outcome == "partly_given" {
		p.Click("outcome-" + outcome)
		p.Fill("sign-reason", "Brukaren avböjde")
	}
	return strings.TrimPrefix(id, prefix)
}

// SignFirst signs the first occurrence of a measure that can still be signed and
// returns its due time as the app names it; a confirmation the app asks for (a dose
// signed early) is accepted.
func (p *Phone) SignFirst(measureID, outcome string) string {
	p.t.Helper()
	due := p.StartSigning(astrid, measureID, outcome)
	if outcome == "not_given" || outcome == "partly_given" {
		p.Click("sign-submit")
	} else {
		p.Click("outcome-" + outcome)
	}
	p.WaitFor("the signature to be saved or a confirmation", `document.body.dataset.screen !== 'sign' || !!document.querySelector('[data-testid=confirm-ok]')`)
	if p.Has("confirm-ok") {
		p.Click("confirm-ok")
	}
	p.WaitFor("the signature to be saved", `document.body.dataset.screen !== 'sign'`)
	return due
}

// ResumeAfterReload waits for the app to come up after a reload and unlocks it when it
// asks for the password; the user must still be logged in.
func (p *Phone) ResumeAfterReload() {
	p.t.Helper()
	p.WaitFor("the app after a reload", `window.vardag && document.body.dataset.screen`)
	if s := p.Screen(); s == "login" || s == "code" {
		p.fail("reload", fmt.Errorf("the app asks for a new login (screen %q)", s))
	}
	if p.Screen() == "locked" {
		p.Type("unlock-password", demo.Password)
		p.Click("unlock-submit")
	}
	p.WaitFor("the app to open", `!['login', 'locked', 'code'].includes(document.body.dataset.screen)`)
}

// SyncUntil runs window.vardag.syncNow() rounds (a round that fails, as while the server
// comes back, is tried again) until cond, an expression of the stats s, holds.
func (p *Phone) SyncUntil(what, cond string) {
	p.t.Helper()
	p.WaitFor("window.vardag.syncNow", `window.vardag && typeof window.vardag.syncNow === 'function'`)
	p.WaitFor(what, fmt.Sprintf(`(async () => {
		try { await window.vardag.syncNow(); } catch (e) { await new Promise(r => setTimeout(r, 200)); }
		const s = await window.vardag.stats();
		return %s;
	})()`, cond))
}

// Logout logs out through the menu and waits for the login screen.
func (p *Phone) Logout() {
	p.t.Helper()
	if !p.Visible("logout") {
		p.Click("menu")
	}
	p.Click("logout")
	p.WaitScreen("login")
}

// Settle waits until the page has laid out and painted what it shows (fonts loaded, two
// animation frames), before a screenshot.
func (p *Phone) Settle() {
	p.t.Helper()
	p.run("settle", chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))`, chromedp.EvalAwaitPromise))
}

// Entry is a change in the outbox or in "needs attention", as IndexedDB holds it.
type Entry struct {
	Name  string         `json:"name"`
	Args  map[string]any `json:"args"`
	Error map[string]any `json:"error"`
}

// readStore is a JavaScript function that reads a store of the app's IndexedDB
// ("outbox" or "attention") straight from the database, without creating it when there
// is none.
const readStore = `(async store => {
	if (!(await indexedDB.databases()).some(d => d.name === 'vardag')) return [];
	const db = await new Promise((ok, fail) => { const r = indexedDB.open('vardag'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
	try {
		return await new Promise((ok, fail) => {
			const q = db.transaction(store).objectStore(store).getAll();
			q.onsuccess = () => ok(q.result.map(e => ({ name: e.name, args: e.args, error: e.error || null })));
			q.onerror = () => fail(q.error);
		});
	} finally { db.close(); }
})`

// Entries reads the outbox or the attention store.
func (p *Phone) Entries(store string) []Entry {
	p.t.Helper()
	return Eval[[]Entry](p, fmt.Sprintf(`%s(%s)`, readStore, js(store)))
}

// WaitOutboxShown waits until window.vardag.stats(), the outbox store and the sync
// status agree on the number of waiting entries (the status's changes plus its reads),
// with records kept; it returns the outbox.
func (p *Phone) WaitOutboxShown() []Entry {
	p.t.Helper()
	p.WaitFor("stats, the outbox and the sync status to agree", fmt.Sprintf(`(async () => {
		const s = await window.vardag.stats();
		const n = (await %s('outbox')).length;
		const e = document.querySelector('[data-testid=sync-status]');
		const reads = (await %s('outbox')).filter(x => x.name === 'access.viewed').length;
		return s.records > 0 && s.outbox === n && !!e && e.dataset.pending === String(n - reads) && e.dataset.reads === String(reads);
	})()`, readStore, readStore))
	return p.Entries("outbox")
}

// Count counts the entries of a mutation name.
func Count(entries []Entry, name string) int {
	n := 0
	for _, e := range entries {
		if e.Name == name {
			n++
		}
	}
	return n
}
