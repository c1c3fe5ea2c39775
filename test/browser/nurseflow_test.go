package browser

import (
	"fmt"
	"strings"
	"testing"

	"vardag/internal/demo"
	"vardag/internal/signing"
)

// signNow signs the dose with the data-testid on the client's signing list as given,
// accepting the app's question when it asks (a dose signed already), and syncs it.
func (p *Phone) signNow(clientID, dose string) {
	p.t.Helper()
	p.OpenSigning(clientID)
	p.Click(dose)
	p.WaitScreen("sign")
	p.WaitFor("the outcome buttons enabled", `!document.querySelector('[data-testid=outcome-given]').disabled`)
	p.Click("outcome-given")
	p.WaitFor("the signature to be saved or a confirmation", `document.body.dataset.screen !== 'sign' || !!document.querySelector('[data-testid=confirm-ok]')`)
	if p.Has("confirm-ok") {
		p.Click("confirm-ok")
	}
	p.WaitFor("the signature to be saved", `document.body.dataset.screen !== 'sign'`)
	p.SyncUntil("the signing to reach the server", `s.outbox === 0 && s.attention === 0`)
}

// TestTheNurseFlowFromListToFollowUp is issue 15's nurse flow, on the phones alone:
// cecilia makes Bertil's signing list (medication at 12:00) and delegates medication to
// bo; bo signs the 12:00 dose on his phone; anna (who holds the demo's medication
// delegation) signs the same dose; cecilia's overview shows the double signing with both
// signatures and she follows it up; afterwards every phone shows both signatures and the
// follow-up on the dose.
func TestTheNurseFlowFromListToFollowUp(t *testing.T) {
	s := startAtTime(t, 12, 10)
	client := demo.ClientID(2)
	cecilia := loginAt(t, s, "cecilia")

	cecilia.newSigningList(client)
	cecilia.Fill("measure-kind-1", "Läkemedel")
	cecilia.Type("measure-instruction-1", "Alvedon 500 mg, 1 tablett")
	cecilia.Type("measure-times-1", "12:00")
	cecilia.setValue("list-until", stockholmDay(30))
	cecilia.Click("list-save")
	cecilia.WaitScreen("client")
	cecilia.SyncUntil("the list to reach the server", `s.outbox === 0 && s.attention === 0`)
	lists := serverLists(t, s, client)
	if len(lists) != 1 || len(lists[0].Measures) != 1 {
		t.Fatalf("the server holds %+v", lists)
	}
	list, measure := lists[0].ListID, lists[0].Measures[0].MeasureID
	dose := "sign-" + measure + "-" + dueID(today(12, 0))

	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	cecilia.Click("open-delegations")
	cecilia.WaitScreen("delegations")
	cecilia.Fill("grant-user", "Bo Ek")
	cecilia.Fill("grant-kind", "Läkemedel")
	cecilia.Click("grant-save")
	cecilia.SyncUntil("the delegation to reach the server", `s.outbox === 0 && s.attention === 0`)

	bo := loginAt(t, s, "bo")
	bo.signNow(client, dose)
	anna := loginAt(t, s, "anna")
	anna.signNow(client, dose)
	sigs := serverSignatures(t, s, measure, today(12, 0))
	if len(sigs) != 2 || sigs[0]["author_id"] == sigs[1]["author_id"] {
		t.Fatalf("the server holds %v, want bo's and anna's signatures", sigs)
	}

	alertID := signing.AlertID(signing.AlertDoubleSigning, list, measure, today(12, 0))
	cecilia.SyncNow()
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	cecilia.WaitFor("the double signing", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("follow-up-"+alertID)))
	for _, sg := range sigs {
		if id, _ := sg["signature_id"].(string); !cecilia.Has("alert-signature-" + id) {
			t.Errorf("the overview does not show the signature %s", id)
		}
	}
	cecilia.Click("follow-up-" + alertID)
	comment := "Pratat med Bertil och personalen: en tablett togs."
	cecilia.Type("follow-up-comment-"+alertID, comment)
	cecilia.Click("follow-up-save-" + alertID)
	cecilia.SyncUntil("the follow-up to reach the server", `s.outbox === 0 && s.attention === 0`)
	cecilia.WaitFor("the card followed up", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("followed-up-"+alertID)))

	for _, p := range []*Phone{cecilia, bo, anna} {
		p.SyncNow()
		p.OpenSigning(client)
		card := fmt.Sprintf(`document.querySelector('[data-testid=%s]').closest('li')`, js(dose))
		p.WaitFor("the follow-up on the dose", card+`.querySelector('[data-testid^=dose-follow-up-]') !== null`)
		text := Eval[string](p, card+`.innerText`)
		if n := Eval[int](p, card+`.querySelectorAll('.signature').length`); n != 2 || !strings.Contains(text, "Bo Ek") || !strings.Contains(text, "Anna Lind") ||
			!strings.Contains(text, "Uppföljd av Cecilia Berg") || !strings.Contains(text, comment) {
			t.Errorf("%s's phone shows the dose as %q (%d signatures), want both signatures and the follow-up", p.name, text, n)
		}
	}
}
