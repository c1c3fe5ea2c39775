package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"vardag/internal/demo"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// holdFollowUpPulls is holdPulls for a push of a follow-up: the page's pulls wait once the
// server has answered one, while window.__vardagHoldPulls is set.
var holdFollowUpPulls = strings.ReplaceAll(holdPulls, `"signing.sign"`, `"signing.follow_up"`)

// serverAlert is the signing_alert with the id as the nurse's phone would pull it.
func serverAlert(t *testing.T, s *testserver.Server, id string) signing.Alert {
	t.Helper()
	changes, _ := s.Login("cecilia").Pull()
	for _, c := range changes {
		if c.Kind == signing.KindAlert && c.ID == id {
			var a signing.Alert
			if err := json.Unmarshal(c.Data, &a); err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("no alert %s on the server", id)
	return signing.Alert{}
}

// TestTheNurseFollowsUpADoubleSigning: cecilia opens the overview and finds the demo's
// double signing of this morning's 08:00 medicine, with both signatures. "Följ upp" opens
// a form; without a comment it is not sent. With one it goes to the outbox, and while the
// server's alert has not come back the card reads as waiting, never as followed up. Once
// the pull brings it, the card says who followed it up, when and with what comment, and
// both signatures are still shown; anna's phone shows the follow-up on the dose beside
// both signatures. axe finds nothing on the overview with the form open and after.
func TestTheNurseFollowsUpADoubleSigning(t *testing.T) {
	s := startAtTime(t, 12, 10)
	cecilia := loginAt(t, s, "cecilia")
	alertID := signing.AlertID(signing.AlertDoubleSigning, uuids.Named("demo/list/1"), medicine, today(8, 0))
	first, second := uuids.Named("demo/signature/0"), uuids.Named("demo/signature/1")
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	cecilia.WaitFor("the follow-up button", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("follow-up-"+alertID)))
	bothShown := func(p *Phone) {
		t.Helper()
		for _, id := range []string{first, second} {
			if !p.Has("alert-signature-" + id) {
				t.Errorf("the overview does not show the signature %s", id)
			}
		}
	}
	bothShown(cecilia)
	Eval[bool](cecilia, holdFollowUpPulls)
	Eval[bool](cecilia, `window.__vardagHoldPulls = true`)

	cecilia.Click("follow-up-" + alertID)
	cecilia.WaitFor("the follow-up form", fmt.Sprintf(`document.querySelector('[data-testid=%s]').getClientRects().length > 0`, js("follow-up-form-"+alertID)))
	checkScreen(t, cecilia, "overview with the follow-up form")
	cecilia.Click("follow-up-save-" + alertID)
	cecilia.WaitText("Skriv en kommentar om vad som gjordes.")
	if n := Count(cecilia.Entries("outbox"), "signing.follow_up"); n != 0 {
		t.Fatalf("without a comment the outbox holds %d follow-ups", n)
	}
	comment := "Kontrollerat med Astrid: en dos togs. Inga besvär."
	cecilia.Type("follow-up-comment-"+alertID, comment)
	cecilia.Click("follow-up-save-" + alertID)
	cecilia.WaitFor("the card to read as waiting", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("follow-up-waiting-"+alertID)))
	Eval[bool](cecilia, `(window.vardag.syncNow(), true)`) // not awaited: its pull is held
	cecilia.WaitFor("the push answered and the pull held", `window.__vardagPullHeld === true`)
	testserver.WaitUntil(t, "the follow-up to leave the outbox", func() bool { return Count(cecilia.Entries("outbox"), "signing.follow_up") == 0 })
	if a := serverAlert(t, s, alertID); a.FollowUp == nil || a.FollowUp.Comment != comment || a.FollowUp.By != demo.UserID("cecilia") || len(a.SignatureIDs) != 2 {
		t.Fatalf("the server's alert: %+v", a)
	}
	// The overview drawn afresh while the alert is on its way: still waiting.
	Eval[bool](cecilia, `(location.hash = '#/messages', true)`)
	cecilia.WaitScreen("messages")
	Eval[bool](cecilia, `(location.hash = '#/overview', true)`)
	cecilia.WaitScreen("overview")
	cecilia.WaitFor("the overview drawn", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("follow-up-waiting-"+alertID)))
	if cecilia.Has("followed-up-" + alertID) {
		t.Fatal("applied but not yet pulled, the card reads as followed up")
	}
	Eval[bool](cecilia, `(window.__vardagHoldPulls = false, true)`)
	cecilia.WaitFor("the card to read as followed up", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("followed-up-"+alertID)))
	card := Eval[string](cecilia, fmt.Sprintf(`document.querySelector('[data-testid=%s]').innerText`, js("followed-up-"+alertID)))
	if !strings.Contains(card, "Uppföljd") || !strings.Contains(card, "Cecilia Berg") || !strings.Contains(card, comment) {
		t.Errorf("the followed-up card reads %q, want Uppföljd, who and the comment", card)
	}
	if cecilia.Has("follow-up-" + alertID) {
		t.Error("a followed-up alert still offers Följ upp")
	}
	bothShown(cecilia)
	checkScreen(t, cecilia, "overview followed up")

	anna := loginAt(t, s, "anna")
	anna.OpenSigning(demo.ClientID(1))
	dose := "sign-" + medicine + "-" + dueID(today(8, 0))
	sel := fmt.Sprintf(`document.querySelector('[data-testid=%s]').closest('li')`, js(dose))
	anna.WaitFor("the follow-up on the dose", sel+`.querySelector('[data-testid^=dose-follow-up-]') !== null`)
	text := Eval[string](anna, sel+`.innerText`)
	if !strings.Contains(text, "Uppföljd av Cecilia Berg") || !strings.Contains(text, comment) || !strings.Contains(text, "Anna Lind") {
		t.Errorf("anna's dose reads %q, want both signatures and the follow-up", text)
	}
	if n := Eval[int](anna, sel+`.querySelectorAll('.signature').length`); n != 2 {
		t.Errorf("anna's dose shows %d signatures, want both", n)
	}
}
