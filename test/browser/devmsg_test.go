package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// Deviations and messages (issue 13, items 8 and 9): the reporter's confirmation and
// "Mina avvikelser", the manager's message that names the client and opens the
// deviation, read receipts for the sender and the unread count on the Messages tab.

// reportDeviation fills the deviation form on Astrid and sends it; it returns the
// deviation's id, from the address the app opens ("Mina avvikelser" on that report).
func (p *Phone) reportDeviation(course string) string {
	p.t.Helper()
	p.OpenClient(astrid)
	p.Click("deviation-new")
	p.WaitScreen("deviation")
	for _, f := range []string{"dev-type", "dev-person_alone", "dev-activity", "dev-area"} {
		p.Fill(f, "")
	}
	p.Click("dev-involved_professions-care_staff")
	p.Type("dev-course_of_events", course)
	p.Click("dev-submit")
	p.WaitScreen("reports")
	return Eval[string](p, `location.hash.split('/')[2] || ''`)
}

// reportState is the confirmation's state and the report's status in the list.
func reportState(p *Phone, id string) (confirmation, status string) {
	p.t.Helper()
	got := Eval[[]string](p, fmt.Sprintf(`[
		(document.querySelector('[data-testid=report-confirmation]') || {dataset: {}}).dataset.state || '',
		(document.querySelector('[data-testid="report-status-%s"]') || {dataset: {}}).dataset.status || '']`, id))
	return got[0], got[1]
}

// TestADeviationIsConfirmedSentOnlyOnceTheServerHasIt: with the server down, anna sends
// a deviation: "Mina avvikelser" opens on it, confirmed as saved and on its way
// ("väntar"), and stays so through a sync that cannot reach the server. The server comes
// back: once it has the report the confirmation says "skickad" and the report is new. A
// recorder of every state the confirmation showed proves that "sent" never came before
// the store held the server's record. The manager analyses: the report reads "under
// utredning", then "avslutad" — without the analysis' text on anna's phone. axe and the
// other checks find nothing on the screen.
func TestADeviationIsConfirmedSentOnlyOnceTheServerHasIt(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("the service worker to control the page", `!!navigator.serviceWorker.controller`)
	// Every state the confirmation shows, with whether the store held the record then.
	Eval[bool](anna, `(() => {
		window.__states = [];
		new MutationObserver(async () => {
			const e = document.querySelector('[data-testid=report-confirmation]');
			if (!e) return;
			const state = e.dataset.state;
			const db = await import(new URL('db.js', document.querySelector('script[type=module]').src).href);
			const rec = await db.getRecord('deviation', location.hash.split('/')[2]);
			window.__states.push(state + (rec ? '+record' : ''));
		}).observe(document.body, { subtree: true, childList: true, attributes: true });
		return true;
	})()`)

	s.Stop()
	course := fmt.Sprintf("Astrid halkade på badrumsmattan (%d).", time.Now().UnixNano())
	id := anna.reportDeviation(course)
	if id == "" {
		t.Fatal("the app did not open the report it sent")
	}
	anna.WaitFor("the confirmation", `!!document.querySelector('[data-testid=report-confirmation]')`)
	if c, st := reportState(anna, id); c != "waiting" || st != "waiting" {
		t.Fatalf("offline: confirmation %q, status %q; want waiting, waiting", c, st)
	}
	anna.WaitText("Avvikelsen är sparad och skickas när telefonen har kontakt med servern.")
	// A sync that cannot reach the server changes nothing.
	Eval[bool](anna, `window.vardag.syncNow().then(() => true, () => true)`)
	if c, _ := reportState(anna, id); c != "waiting" {
		t.Fatalf("after a failed sync the confirmation is %q", c)
	}
	checkScreen(t, anna, "reports")

	s = s.Restart()
	anna.SyncUntil("the report to reach the server", `s.outbox === 0 || s.attention > 0`)
	anna.WaitFor("the confirmation to say sent", `(e => e && e.dataset.state === 'sent')(document.querySelector('[data-testid=report-confirmation]'))`)
	anna.WaitText("Avvikelsen är skickad.")
	if _, st := reportState(anna, id); st != "new" {
		t.Fatalf("sent: status %q, want new", st)
	}
	states := Eval[[]string](anna, `window.__states || []`)
	for _, st := range states {
		if st == "sent" {
			t.Fatalf("the confirmation said sent without the server's record: %v", states)
		}
	}
	if len(states) == 0 || !strings.HasPrefix(states[0], "waiting") {
		t.Fatalf("the states shown: %v, want waiting first", states)
	}
	var onServer bool
	changes, _ := s.Login("david").Pull()
	for _, c := range changes {
		onServer = onServer || (c.Kind == "deviation" && c.ID == id && strings.Contains(string(c.Data), course))
	}
	if !onServer {
		t.Fatal("the manager does not have the report")
	}

	david := s.Login("david")
	for _, step := range []struct{ status, want, text string }{{"investigating", "investigating", "Under utredning"}, {"closed", "closed", "Avslutad"}} {
		r := david.Push("deviation.analyse", map[string]any{"deviation_id": id, "consequence": "Blåmärke på armen", "analysis": "Mattan saknade halkskydd",
			"actions": "Ny matta med halkskydd", "lex_sarah_or_maria": "none", "status": step.status}).Results[0]
		if r.Status != "applied" {
			t.Fatalf("the analysis (%s): %+v", step.status, r)
		}
		anna.SyncUntil("the analysis' status on the phone", `true`)
		anna.WaitFor("the report to read "+step.want, fmt.Sprintf(`(e => e && e.dataset.status === %s)(document.querySelector('[data-testid="report-status-%s"]'))`, js(step.want), id))
		anna.WaitText(step.text)
	}
	if text := Eval[string](anna, storeText); strings.Contains(text, "halkskydd") || strings.Contains(text, "Blåmärke") {
		t.Fatal("the analysis' text reached the reporter's phone")
	}
	anna.Click("back")
	anna.WaitScreen("messages")
	anna.Click("my-reports")
	anna.WaitScreen("reports")
	if c, _ := reportState(anna, id); c != "" {
		t.Fatalf("the list opened from Messages shows a confirmation %q", c)
	}
	checkScreen(t, anna, "reports")
}

// TestTheManagersMessageNamesTheClientAndOpensTheDeviation: the demo's deviation (anna,
// on Gösta) sent david, the manager, a message. On his phone it names Gösta, in Swedish,
// and its link opens the analyse screen on that deviation, first, with its form; opening
// it marks the message read. axe and the other checks find nothing on Messages.
func TestTheManagersMessageNamesTheClientAndOpensTheDeviation(t *testing.T) {
	s := testserver.Start(t)
	devID := uuids.Named("demo/deviation/1")
	msgID := uuids.Named("deviation-message/" + devID)
	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.SyncNow()
	david.Click("nav-messages")
	david.WaitScreen("messages")
	david.WaitFor("the deviation's message", fmt.Sprintf(`!!document.querySelector('[data-testid="message-%s"]')`, msgID))
	text := Eval[string](david, fmt.Sprintf(`document.querySelector('[data-testid="message-%s"]').innerText`, msgID))
	if !strings.Contains(text, "Ny avvikelse") || !strings.Contains(text, "Gösta Karlsson") {
		t.Fatalf("the message reads %q: want it to name Gösta Karlsson", text)
	}
	checkScreen(t, david, "messages")
	david.Click("message-open-" + msgID)
	david.WaitScreen("analyse")
	if h := Eval[string](david, `location.hash`); h != "#/analyse/"+devID {
		t.Fatalf("the link opened %q", h)
	}
	david.WaitFor("the deviation's form, first", fmt.Sprintf(`(c => !!c && c.dataset.testid === 'deviation-%s' && !!c.querySelector('[data-testid=ana-consequence]'))(document.querySelector('main [data-testid^=deviation-]'))`, devID))
	if !strings.Contains(Eval[string](david, fmt.Sprintf(`document.querySelector('[data-testid="deviation-%s"]').innerText`, devID)), "Gösta Karlsson") {
		t.Fatal("the deviation opened does not name the client")
	}
	david.SyncUntil("the message's receipt", `s.outbox === 0`)
	var read bool
	dchanges, _ := s.Login("david").Pull()
	for _, c := range dchanges {
		read = read || (c.Kind == "message_receipt" && c.ID == uuids.Named("receipt/"+msgID+"/"+demo.UserID("david")))
	}
	if !read {
		t.Fatal("opening the deviation from its message did not mark the message read")
	}
}

// accessibleName is the accessible name Chromium computes for the element with the
// data-testid: what a screen reader says (CDP Accessibility.getPartialAXTree).
func accessibleName(p *Phone, testid string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	c := chromedp.FromContext(ctx)
	res, err := cdp.Call(ctx, c.Target, runtime.Evaluate, runtime.EvaluateParams{Expression: fmt.Sprintf(`document.querySelector('[data-testid=%s]')`, js(testid))})
	if err != nil || res.Result == nil || res.Result.ObjectID == "" {
		p.fail("find "+testid, fmt.Errorf("%v", err))
	}
	no := false
	tree, err := cdp.Call(ctx, c.Target, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: res.Result.ObjectID, FetchRelatives: &no})
	if err != nil || len(tree.Nodes) == 0 || tree.Nodes[0].Name == nil {
		p.fail("the accessible name of "+testid, fmt.Errorf("%v", err))
	}
	var name string
	if err := json.Unmarshal(tree.Nodes[0].Name.Value, &name); err != nil {
		p.fail("decode the accessible name of "+testid, err)
	}
	return name
}

// TestTheMessagesTabCountsUnreadMessages: anna writes bo two messages; after a sync bo's
// Messages tab shows 2 and is named "Meddelanden 2 olästa"; he reads one and it shows 1
// ("Meddelanden 1 oläst"); with the other read, no count.
func TestTheMessagesTabCountsUnreadMessages(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	first, second := uuids.New(), uuids.New()
	for _, id := range []string{first, second} {
		if r := anna.Push("message.send", map[string]any{"message_id": id, "to_user_id": demo.UserID("bo"), "text": "Kan du ta kvällsbesöket?"}).Results[0]; r.Status != "applied" {
			t.Fatalf("send: %+v", r)
		}
	}
	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.SyncNow()
	bo.WaitFor("the count 2 on the tab", `(b => b && !b.hidden && b.textContent === '2')(document.getElementById('messages-badge'))`)
	if name := accessibleName(bo, "nav-messages"); name != "Meddelanden 2 olästa" {
		t.Fatalf("the tab's accessible name is %q, want it to say 2 olästa", name)
	}
	bo.Click("nav-messages")
	bo.WaitScreen("messages")
	bo.Click("message-read-" + first)
	bo.WaitFor("the count 1 on the tab", `(b => b && !b.hidden && b.textContent === '1')(document.getElementById('messages-badge'))`)
	if name := accessibleName(bo, "nav-messages"); name != "Meddelanden 1 oläst" {
		t.Fatalf("the tab's accessible name is %q, want \"Meddelanden 1 oläst\"", name)
	}
	bo.Click("message-read-" + second)
	bo.WaitFor("no count on the tab", `(b => b && b.hidden)(document.getElementById('messages-badge'))`)
	if name := accessibleName(bo, "nav-messages"); name != "Meddelanden" {
		t.Fatalf("with nothing unread the tab's accessible name is %q", name)
	}
}

// TestAReadReceiptReachesTheSender: anna writes to bo on her phone; it says "Inte läst
// ännu". Bo reads it on his phone; after both sync, anna's message says "Läst av Bo Ek"
// with the day and time.
func TestAReadReceiptReachesTheSender(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.Click("nav-messages")
	anna.WaitScreen("messages")
	anna.Click("message-new")
	anna.Fill("message-to", "Bo Ek")
	text := fmt.Sprintf("Nyckeln till Astrid ligger i skåpet (%d).", time.Now().UnixNano())
	anna.Type("message-text", text)
	anna.Click("message-send")
	anna.SyncUntil("the message to be sent", `s.outbox === 0`)
	id := Eval[string](anna, fmt.Sprintf(`([...document.querySelectorAll('[data-testid^=message-]')].find(e => e.innerText.includes(%s)) || {dataset: {testid: ''}}).dataset.testid.replace('message-', '')`, js(text)))
	anna.WaitFor("not read yet", fmt.Sprintf(`(e => e && e.innerText === 'Inte läst ännu')(document.querySelector('[data-testid="receipts-%s"]'))`, id))

	bo := NewPhone(t, "bo")
	bo.Login(s, "bo")
	bo.SyncNow()
	bo.Click("nav-messages")
	bo.WaitScreen("messages")
	bo.WaitText(text)
	bo.Click("message-read-" + id)
	bo.SyncUntil("the read to reach the server", `s.outbox === 0`)

	anna.SyncNow()
	anna.WaitFor("the receipt", fmt.Sprintf(`(e => e && e.innerText.startsWith('Läst av Bo Ek '))(document.querySelector('[data-testid="receipts-%s"]'))`, id))
	got := Eval[string](anna, fmt.Sprintf(`document.querySelector('[data-testid="receipts-%s"]').innerText`, id))
	// The day and month, and the time, of the read by the server's clock, in Stockholm.
	at := s.Clock.Now().In(stockholm)
	months := []string{"jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec."}
	if want := fmt.Sprintf("%d %s", at.Day(), months[at.Month()-1]); !strings.Contains(got, want) || !regexp.MustCompile(`\d\d:\d\d$`).MatchString(got) {
		t.Fatalf("the receipt reads %q: want the day (%s) and time of the read", got, want)
	}
	checkScreen(t, anna, "messages")
}
