package browser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// Signing that cannot mislead (issue 13, items 1–5). Each test's server clock stands at a
// set Stockholm time of today and the phone's clock runs from there, so that the demo's
// doses (medicine 08:00, 12:00, 17:00, 21:00; insulin 07:30, 19:30) are due now, ahead or
// overdue whatever time the test runs.

var medicine = uuids.Named("demo/measure/medicine")

// today is hh:mm of today in Stockholm.
func today(hh, mm int) time.Time {
	n := time.Now().In(stockholm)
	return time.Date(n.Year(), n.Month(), n.Day(), hh, mm, 0, 0, stockholm)
}

// dueID is a due time as the app names it in data-testids (UTC, no milliseconds).
func dueID(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// startAtTime starts a demo server whose clock stands at today's hh:mm in Stockholm.
func startAtTime(t *testing.T, hh, mm int) *testserver.Server {
	t.Helper()
	return testserver.StartIn(t, t.TempDir(), testserver.NewClock(today(hh, mm)))
}

// loginAt logs a demo user in on a new phone whose clock runs from the server's time,
// and syncs.
func loginAt(t *testing.T, s *testserver.Server, username string) *Phone {
	t.Helper()
	p := NewPhone(t, username)
	p.InitScript(clockShift)
	p.Open(s.URL + "/")
	p.ShiftClock(time.Until(s.Clock.Now()))
	p.Login(s, username)
	p.SyncNow()
	return p
}

// doseRow is the text of a dose's row on Today.
func (p *Phone) doseRow(measureID string, due time.Time) string {
	p.t.Helper()
	id := "dose-" + measureID + "-" + dueID(due)
	p.WaitFor("the dose "+id+" on today", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js(id)))
	return Eval[string](p, fmt.Sprintf(`document.querySelector('[data-testid=%s]').innerText`, js(id)))
}

// pills are the state words shown in an element (its .pill texts).
func (p *Phone) pills(selector string) []string {
	p.t.Helper()
	return Eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%s)].flatMap(e => [...e.querySelectorAll('.pill')].map(x => x.innerText.trim()))`, js(selector)))
}

// serverSignatures are the signatures on the server of one dose.
func serverSignatures(t *testing.T, s *testserver.Server, measureID string, due time.Time) []map[string]any {
	t.Helper()
	changes, _ := s.Login("cecilia").Pull()
	var out []map[string]any
	for _, c := range changes {
		var d map[string]any
		_ = json.Unmarshal(c.Data, &d)
		if at, _ := d["due_at"].(string); c.Kind == "signature" && d["measure_id"] == measureID && sameInstant(dueID(due), at) {
			out = append(out, d)
		}
	}
	return out
}

// TestWithoutADelegationGivenCannotBePressed: bo (care staff, no delegation) opens a
// dose from Today: the screen says he has no valid delegation and every outcome button
// is disabled, so nothing can be signed that the server would refuse.
func TestWithoutADelegationGivenCannotBePressed(t *testing.T) {
	s := startAtTime(t, 12, 10)
	bo := loginAt(t, s, "bo")
	bo.doseRow(medicine, today(12, 0))
	bo.Click("dose-" + medicine + "-" + dueID(today(12, 0)))
	bo.WaitScreen("sign")
	bo.WaitFor("the reason signing is not offered", `!!document.querySelector('[data-testid=sign-blocked]')`)
	if why := Eval[string](bo, `document.querySelector('[data-testid=sign-blocked]').innerText`); !contains(why, "delegering") {
		t.Errorf("the sign screen says %q, want that bo has no valid delegation", why)
	}
	for _, o := range []string{"given", "partly_given", "not_given", "self_administered"} {
		if !Eval[bool](bo, fmt.Sprintf(`document.querySelector('[data-testid=outcome-%s]').disabled`, o)) {
			t.Errorf("outcome-%s can be pressed without a delegation", o)
		}
	}
	Eval[bool](bo, `(document.querySelector('[data-testid=outcome-given]').click(), true)`) // a forced tap does nothing
	if out := bo.Entries("outbox"); Count(out, "signing.sign") != 0 {
		t.Fatalf("the outbox holds a signing: %v", names(out))
	}
}

// TestTodayToSignedInTwoTaps: at 12:10 the 12:00 medicine is due now; anna taps it on
// Today and taps "Given": no question asked, back on Today the dose waits to be sent
// (never "Given" before the server has it), and after the sync the server has it and
// Today says "Given".
func TestTodayToSignedInTwoTaps(t *testing.T) {
	s := startAtTime(t, 12, 10)
	anna := loginAt(t, s, "anna")
	due := today(12, 0)
	if row := anna.doseRow(medicine, due); !contains(row, "Dags nu") {
		t.Errorf("the 12:00 dose at 12:10 reads %q, want due now (Dags nu)", row)
	}
	anna.Click("dose-" + medicine + "-" + dueID(due)) // tap 1
	anna.WaitScreen("sign")
	anna.Click("outcome-given") // tap 2
	anna.WaitScreen("today")
	if anna.Has("confirm-dialog") {
		t.Fatal("signing a dose due now asked for a confirmation")
	}
	sel := fmt.Sprintf("[data-testid=%q]", "dose-"+medicine+"-"+dueID(due))
	// The phone may send it at once: until the outbox is empty the dose reads only
	// "Väntar på att skickas", never "Given" (and after it, until the pull has brought the
	// signature: TestASentSigningReadsAsWaitingUntilItsSignatureArrives).
	testserver.WaitUntil(t, "the signing to leave the outbox", func() bool {
		got := anna.pills(sel)
		waiting := Count(anna.Entries("outbox"), "signing.sign") > 0
		if waiting && strings.Join(got, "|") != "Väntar på att skickas" {
			t.Fatalf("the dose waiting in the outbox reads %v, want only Väntar på att skickas", got)
		}
		return !waiting
	})
	anna.SyncUntil("the signing to reach the server", `s.outbox === 0`)
	anna.WaitFor("today to show the dose given", fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.innerText.includes('Given'))`, js(sel+" .pill")))
	sigs := serverSignatures(t, s, medicine, due)
	if len(sigs) != 1 || sigs[0]["outcome"] != "given" || sigs[0]["author_id"] != demo.UserID("anna") || sigs[0]["double_signed"] != false {
		t.Fatalf("the server holds %v, want anna's one signature, given", sigs)
	}
}

// noonMedicine starts the server at 12:10 with anna logged in: the 12:00 medicine's due
// time, its row's data-testid on Today and a selector of the row.
func noonMedicine(t *testing.T) (s *testserver.Server, anna *Phone, due time.Time, id, sel string) {
	t.Helper()
	s = startAtTime(t, 12, 10)
	anna = loginAt(t, s, "anna")
	due = today(12, 0)
	id = "dose-" + medicine + "-" + dueID(due)
	return s, anna, due, id, fmt.Sprintf("[data-testid=%q]", id)
}

// holdPulls makes the page's pulls wait, once a push of a signing has been answered, while
// window.__vardagHoldPulls is set (window.__vardagPullHeld tells that one waits); every
// other request goes through.
const holdPulls = `(() => {
	const orig = window.fetch.bind(window);
	window.fetch = async (input, init) => {
		const u = new URL(typeof input === 'string' ? input : input.url, location.href);
		while (u.pathname === '/api/v1/sync/pull' && window.__vardagHoldPulls && window.__vardagPushed) {
			window.__vardagPullHeld = true;
			await new Promise(r => setTimeout(r, 20));
		}
		const res = await orig(input, init);
		if (u.pathname === '/api/v1/sync/push' && res.ok && String(init && init.body).includes('"signing.sign"')) window.__vardagPushed = true;
		return res;
	};
	return true;
})()`

// TestASentSigningReadsAsWaitingUntilItsSignatureArrives: the server has applied anna's
// signing, but the pull that brings the signature has not come back yet. Today, drawn
// afresh in between, shows the dose as waiting, never as due again (which would invite a
// second dose); once the pull is in, it reads Given.
func TestASentSigningReadsAsWaitingUntilItsSignatureArrives(t *testing.T) {
	s, anna, due, id, sel := noonMedicine(t)
	anna.doseRow(medicine, due)
	Eval[bool](anna, holdPulls)
	Eval[bool](anna, `window.__vardagHoldPulls = true`)
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Click("outcome-given")
	anna.WaitScreen("today")
	anna.WaitFor("the push answered and the pull held", `window.__vardagPullHeld === true`)
	testserver.WaitUntil(t, "the signing to leave the outbox", func() bool { return Count(anna.Entries("outbox"), "signing.sign") == 0 })
	if sigs := serverSignatures(t, s, medicine, due); len(sigs) != 1 {
		t.Fatalf("the server holds %d signatures of the dose, want anna's one", len(sigs))
	}
	// Today drawn afresh while the signature is on its way.
	Eval[bool](anna, `(location.hash = '#/messages', true)`)
	anna.WaitScreen("messages")
	Eval[bool](anna, `(location.hash = '#/today', true)`)
	anna.WaitScreen("today")
	row := anna.doseRow(medicine, due)
	if got := anna.pills(sel); strings.Join(got, "|") != "Väntar på att skickas" || contains(row, "Dags nu") {
		t.Errorf("applied, its signature not yet pulled, the dose reads %q (pills %v), want only Väntar på att skickas", row, got)
	}
	Eval[bool](anna, `(window.__vardagHoldPulls = false, true)`)
	anna.WaitFor("today to show the dose given", fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.innerText.includes('Given'))`, js(sel+" .pill")))
	if got := anna.pills(sel); slices.Contains(got, "Väntar på att skickas") {
		t.Errorf("with its signature in, the dose still reads %v", got)
	}
}

// TestARefusalShowsOnTheDoseNeverAsSigned: anna signs the 12:00 medicine offline; while
// the phone is offline the nurse revokes her delegation on the server. When the phone
// syncs the server refuses the signing (delegation_revoked): Today and the sign screen
// show it in red on that dose with the reason in Swedish and what to do, never as
// given or signed; the outcome buttons are no longer offered; needs attention keeps it
// without "Skicka igen" (it can never succeed). Once anna has seen it, the dose no
// longer shows the refusal, which stays in needs attention.
func TestARefusalShowsOnTheDoseNeverAsSigned(t *testing.T) {
	s, anna, due, id, sel := noonMedicine(t)
	s.Stop()
	anna.doseRow(medicine, due)
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Click("outcome-given")
	anna.WaitScreen("today")
	if got := anna.pills(sel); strings.Join(got, "|") != "Väntar på att skickas" {
		t.Errorf("offline, the dose reads %v, want Väntar på att skickas", got)
	}
	s = s.Restart(func(s *testserver.Server) {
		s.Apply("cecilia", "delegation.revoke", map[string]any{"delegation_id": uuids.Named("demo/delegation/anna/medication"), "reason": "Utbildning saknas"})
	})
	anna.SyncUntil("the refusal", `s.outbox === 0 && s.attention === 1`)
	anna.WaitFor("the refusal on the dose", fmt.Sprintf(`(e => e && e.innerText.includes('Inte sparad'))(document.querySelector(%s))`, js(sel)))
	row := anna.doseRow(medicine, due)
	if !contains(row, "återkallades") {
		t.Errorf("the refused dose reads %q, want the reason (the delegation was revoked) in Swedish", row)
	}
	for _, p := range anna.pills(sel) {
		if p == "Given" || contains(p, "Signerad") || contains(p, "Väntar") {
			t.Errorf("the refused dose reads %q among %v", p, anna.pills(sel))
		}
	}
	if red := Eval[string](anna, fmt.Sprintf(`getComputedStyle(document.querySelector(%s)).backgroundColor`, js(sel+" .pill.refused"))); red != "rgb(164, 22, 26)" {
		t.Errorf("the refusal's badge is %s, want the red of --danger", red)
	}

	anna.Click(id)
	anna.WaitScreen("sign")
	anna.WaitFor("the refusal on the sign screen", `!!document.querySelector('main [data-testid^=refusal-][role=alert]')`)
	text := Eval[string](anna, `document.querySelector('main [data-testid^=refusal-]').innerText`)
	if !contains(text, "återkallades") || !contains(text, "sjuksköterskan") {
		t.Errorf("the refusal on the sign screen reads %q, want the reason and what to do", text)
	}
	if !Eval[bool](anna, `document.querySelector('[data-testid=outcome-given]').disabled`) {
		t.Error("after the revocation reached the phone, Given can still be pressed")
	}
	seen := Eval[string](anna, `document.querySelector('[data-testid^=refusal-seen-]').dataset.testid`)

	anna.Click("nav-attention")
	anna.WaitScreen("attention")
	anna.WaitFor("the refused signing", `!!document.querySelector('[data-testid^=attention-item-]')`)
	local := strings.TrimPrefix(Eval[string](anna, `document.querySelector('[data-testid^=attention-item-]').dataset.testid`), "attention-item-")
	if anna.Has("attention-resend-" + local) {
		t.Error("needs attention offers Skicka igen for a signing refused as delegation_revoked")
	}
	if item := Eval[string](anna, `document.querySelector('[data-testid^=attention-item-]').innerText`); !contains(item, "återkallades") || contains(item, "revoked") {
		t.Errorf("needs attention reads %q, want the Swedish text of delegation_revoked", item)
	}

	anna.GoToday()
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Click(seen)
	anna.WaitFor("the refusal to go once seen", `!document.querySelector('main [data-testid^=refusal-]')`)
	anna.GoToday()
	if row := anna.doseRow(medicine, due); contains(row, "Inte sparad") {
		t.Errorf("after anna saw it, the dose still reads %q", row)
	}
	if st := anna.Stats(); st.Attention != 1 {
		t.Errorf("after seeing it, needs attention holds %d, want the refused signing still", st.Attention)
	}
	if sigs := serverSignatures(t, s, medicine, due); len(sigs) != 0 {
		t.Errorf("the server holds %v, want no signature", sigs)
	}
}

// TestANotGivenDoseReadsAsNotGivenEverywhere: anna signs the 12:00 medicine "not given"
// with a reason and a comment. Today, the client's signing list and the dose's sign
// screen each say "Ej given" (never "Given" or a plain "Signerad") with the reason and
// the comment.
func TestANotGivenDoseReadsAsNotGivenEverywhere(t *testing.T) {
	s := startAtTime(t, 12, 10)
	anna := loginAt(t, s, "anna")
	due := today(12, 0)
	id := "dose-" + medicine + "-" + dueID(due)
	const comment = "Sov djupt, försöker igen vid nästa besök."
	anna.doseRow(medicine, due)
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Type("sign-comment", comment)
	anna.Click("outcome-not_given")
	anna.Fill("sign-reason", "")
	reason := Eval[string](anna, `document.querySelector('[data-testid=sign-reason]').value`)
	anna.Click("sign-submit")
	anna.WaitScreen("today")
	anna.SyncUntil("the signing to reach the server", `s.outbox === 0`)
	if sigs := serverSignatures(t, s, medicine, due); len(sigs) != 1 || sigs[0]["outcome"] != "not_given" {
		t.Fatalf("the server holds %v, want one not_given", sigs)
	}
	check := func(screen, sel string) {
		t.Helper()
		anna.WaitFor(screen+" to show the signing", fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.innerText.includes('Ej given'))`, js(sel)))
		text := Eval[string](anna, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.innerText).join('\n')`, js(sel)))
		pills := anna.pills(sel)
		for _, p := range pills {
			if p == "Given" || contains(p, "Signerad") {
				t.Errorf("%s: the not-given dose reads %q (%v)", screen, p, pills)
			}
		}
		if !strings.Contains(text, reason) || !strings.Contains(text, comment) {
			t.Errorf("%s reads %q, want the reason %q and the comment", screen, text, reason)
		}
	}
	check("today", fmt.Sprintf("[data-testid=%q]", id))
	anna.OpenSigning(astrid)
	check("the signing list", fmt.Sprintf("li:has([data-testid=%q])", "sign-"+medicine+"-"+dueID(due)))
	anna.Click("sign-" + medicine + "-" + dueID(due))
	anna.WaitScreen("sign")
	check("the sign screen", "main")
}

// TestSigningAgainAsksAndIsFlaggedDouble: anna has signed the 12:00 medicine; its sign
// screen shows her signature (who, when, outcome). Signing again asks first, saying it
// will be flagged to the nurse as a double signing; cancelling signs nothing, confirming
// makes the server's second signature double_signed, and Today says so.
func TestSigningAgainAsksAndIsFlaggedDouble(t *testing.T) {
	s := startAtTime(t, 12, 10)
	anna := loginAt(t, s, "anna")
	due := today(12, 0)
	id := "dose-" + medicine + "-" + dueID(due)
	anna.doseRow(medicine, due)
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Click("outcome-given")
	anna.WaitScreen("today")
	anna.SyncUntil("the first signing to reach the server", `s.outbox === 0`)

	anna.Click(id)
	anna.WaitScreen("sign")
	anna.WaitFor("the signature shown", `!!document.querySelector('main .signatures')`)
	shown := Eval[string](anna, `document.querySelector('main .signatures').innerText`)
	signedAt := Eval[string](anna, `(async () => { const m = await import(new URL('db.js', document.querySelector('script[type=module]').src).href); return (await m.byKind('signature')).map(r => r.data).find(s => s.author_id === `+js(demo.UserID("anna"))+` && s.measure_id === `+js(medicine)+` && Date.parse(s.due_at) === `+fmt.Sprint(due.UnixMilli())+`).signed_at; })()`)
	at, _ := time.Parse(time.RFC3339Nano, signedAt)
	if !strings.Contains(shown, "Anna") || !strings.Contains(shown, "Given") || !strings.Contains(shown, at.In(stockholm).Format("15:04")) {
		t.Errorf("the signed dose shows %q, want who (Anna), the outcome and the time %s", shown, at.In(stockholm).Format("15:04"))
	}
	anna.Click("outcome-given")
	anna.WaitFor("the confirmation", `!!document.querySelector('dialog[open] [data-testid=confirm-ok]')`)
	if text := Eval[string](anna, `document.querySelector('[data-testid=confirm-dialog]').innerText`); !contains(text, "dubbelsignering") || !contains(text, "sjuksköterskan") {
		t.Errorf("the confirmation reads %q, want that it is flagged to the nurse as a double signing", text)
	}
	anna.Click("confirm-cancel")
	anna.WaitFor("the dialog to close", `!document.querySelector('[data-testid=confirm-dialog]')`)
	if out := anna.Entries("outbox"); Count(out, "signing.sign") != 0 {
		t.Fatalf("cancelled, the outbox holds %v", names(out))
	}
	anna.Click("outcome-given")
	anna.WaitFor("the confirmation", `!!document.querySelector('dialog[open] [data-testid=confirm-ok]')`)
	anna.Click("confirm-ok")
	anna.WaitScreen("today")
	anna.SyncUntil("the second signing to reach the server", `s.outbox === 0 && s.attention === 0`)
	sigs := serverSignatures(t, s, medicine, due)
	doubles := 0
	for _, sg := range sigs {
		if sg["double_signed"] == true {
			doubles++
		}
	}
	if len(sigs) != 2 || doubles != 1 {
		t.Fatalf("the server holds %v, want two signatures, the second double_signed", sigs)
	}
	anna.WaitFor("today to flag the double signing", fmt.Sprintf(`(e => e && e.innerText.includes('Dubbelsignerad'))(document.querySelector(%s))`, js("[data-testid=\""+id+"\"]")))
}

// TestSigningThreeHoursAheadAsks: at 09:00 anna opens the 12:00 medicine (later today)
// and taps "Given": the app asks first, saying the dose is due at 12:00, in 3 h;
// cancelling signs nothing, confirming signs.
func TestSigningThreeHoursAheadAsks(t *testing.T) {
	s := startAtTime(t, 9, 0)
	anna := loginAt(t, s, "anna")
	due := today(12, 0)
	id := "dose-" + medicine + "-" + dueID(due)
	if row := anna.doseRow(medicine, due); !contains(row, "Senare idag") {
		t.Errorf("the 12:00 dose at 09:00 reads %q, want later today (Senare idag)", row)
	}
	if row := anna.doseRow(insulin, today(7, 30)); !contains(row, "Försenad") {
		t.Errorf("the unsigned 07:30 insulin at 09:00 reads %q, want overdue (Försenad)", row)
	}
	anna.Click(id)
	anna.WaitScreen("sign")
	anna.Click("outcome-given")
	anna.WaitFor("the confirmation", `!!document.querySelector('dialog[open] [data-testid=confirm-ok]')`)
	// In 3 h by the phone's clock, which has run on since 09:00 (2 h 5x min on a slow machine).
	text := Eval[string](anna, `document.querySelector('[data-testid=confirm-dialog]').innerText`)
	if !strings.Contains(text, "kl. 12:00") || !(strings.Contains(text, "om 3 tim") || strings.Contains(text, "om 2 tim 5")) || !strings.Contains(text, "mer än 1 tim") {
		t.Errorf("the confirmation reads %q, want the due time 12:00, in 3 tim, more than 1 tim (the server's 60 minutes)", text)
	}
	anna.Click("confirm-cancel")
	anna.WaitFor("the dialog to close", `!document.querySelector('[data-testid=confirm-dialog]')`)
	if out := anna.Entries("outbox"); Count(out, "signing.sign") != 0 {
		t.Fatalf("cancelled, the outbox holds %v", names(out))
	}
	anna.Click("outcome-given")
	anna.Click("confirm-ok")
	anna.WaitScreen("today")
	anna.SyncUntil("the signing to reach the server", `s.outbox === 0 && s.attention === 0`)
	if sigs := serverSignatures(t, s, medicine, due); len(sigs) != 1 {
		t.Fatalf("the server holds %v, want the signing", sigs)
	}
}

// TestResendOfferedOnlyWhereItCanSucceed: the one list of what may be sent again
// (outbox.js canResend): a failure of the server, a conflict, a wrong clock, a closed
// journal, a field the person can correct; never a refusal of the change itself.
func TestResendOfferedOnlyWhereItCanSucceed(t *testing.T) {
	s := testserver.Start(t)
	p := NewPhone(t, "phone")
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	for _, tc := range []struct {
		entry    string
		editable string
		want     bool
	}{
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'internal_error'}}`, `[]`, true},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'network'}}`, `[]`, true},
		{`{name: 'journal.note.add', status: 'conflict', error: {code: 'note_exists'}}`, `[]`, true},
		{`{name: 'journal.note.add', status: 'rejected', error: {code: 'invalid_client_time'}}`, `[]`, true},
		{`{name: 'journal.note.add', status: 'rejected', error: {code: 'journal_closed'}}`, `[]`, true},
		{`{name: 'journal.note.add', status: 'rejected', error: {code: 'invalid_args', fields: {text: 'x'}}}`, `['heading', 'text']`, true},
		{`{name: 'access.viewed', status: 'rejected', error: {code: 'invalid_client_time', fields: {client_time: 'x'}}}`, `[]`, true},
		{`{name: 'access.viewed', status: 'rejected', error: {code: 'invalid_args', fields: {viewed_at: 'x'}}}`, `[]`, false},
		{`{name: 'journal.note.add', status: 'rejected', error: {code: 'invalid_args', fields: {text: 'x', note_id: 'y'}}}`, `['heading', 'text']`, false},
		{`{name: 'signing.sign', status: 'conflict', error: {code: 'signature_exists'}}`, `['comment']`, false},
		{`{name: 'signing.follow_up', status: 'conflict', error: {code: 'already_followed_up'}}`, `['comment']`, false},
		{`{name: 'signing.follow_up', status: 'rejected', error: {code: 'nothing_to_follow_up'}}`, `['comment']`, false},
		{`{name: 'signing.follow_up', status: 'rejected', error: {code: 'network'}}`, `[]`, true},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'no_delegation'}}`, `['comment']`, false},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'delegation_revoked'}}`, `['comment']`, false},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'forbidden'}}`, `['comment']`, false},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'invalid_args', fields: {signed_at: 'x'}}}`, `['comment']`, false},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'invalid_args'}}`, `['comment']`, false},
		{`{name: 'signing.sign', status: 'rejected', error: {code: 'list_not_found'}}`, `['comment']`, false},
		{`{name: 'assignment.acknowledge', status: 'rejected', error: {code: 'assignment_not_distributed'}}`, `[]`, false},
	} {
		if got := Eval[bool](p, fmt.Sprintf(`import(new URL('outbox.js', document.querySelector('script[type=module]').src).href).then(m => m.canResend(%s, %s))`, tc.entry, tc.editable)); got != tc.want {
			t.Errorf("canResend(%s) = %v, want %v", tc.entry, got, tc.want)
		}
	}
}
