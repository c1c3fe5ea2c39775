package browser

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/signing"
	"vardag/test/testserver"
)

// setValue sets an input's value as a person picking it would (date inputs take no keys
// the same way in every locale).
func (p *Phone) setValue(testid, value string) {
	p.t.Helper()
	Eval[bool](p, fmt.Sprintf(`(e => { e.value = %s; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })(document.querySelector('[data-testid=%s]'))`, js(value), js(testid)))
}

// newSigningList opens the list editor for a new signing list of the client.
func (p *Phone) newSigningList(clientID string) {
	p.t.Helper()
	p.OpenSigning(clientID)
	p.Click("list-new")
	p.WaitScreen("listedit")
}

// serverLists are the signing lists of a client on the server.
func serverLists(t *testing.T, s *testserver.Server, clientID string) []signing.List {
	t.Helper()
	changes, _ := s.Login("cecilia").Pull()
	var out []signing.List
	for _, c := range changes {
		var l signing.List
		if c.Kind == signing.KindList && json.Unmarshal(c.Data, &l) == nil && l.ClientID == clientID {
			out = append(out, l)
		}
	}
	return out
}

// TestTheNurseMakesAndChangesASigningList: cecilia (licensed) makes Bertil's first signing
// list on the phone: wound care at 10:00 and 18:00 and eye drops as needed, valid for a
// month. An incomplete list is not sent. The list is shown as waiting until the server's
// comes back, then today's doses are there. She changes it (one time, the eye drops
// removed): the server keeps the measure's id. Care staff are offered neither. axe finds
// nothing on the editor.
func TestTheNurseMakesAndChangesASigningList(t *testing.T) {
	s := startAtTime(t, 9, 0)
	client := demo.ClientID(2)
	cecilia := loginAt(t, s, "cecilia")
	cecilia.newSigningList(client)
	checkScreen(t, cecilia, "listedit")
	cecilia.Click("list-save")
	cecilia.WaitText("Insats 1: välj slag av insats.")
	cecilia.Fill("measure-kind-1", "Såromläggning")
	cecilia.Type("measure-instruction-1", "Lägg om såret på vänster underben.")
	cecilia.Type("measure-times-1", "10:00, 18:00")
	cecilia.Click("list-add-measure")
	cecilia.Fill("measure-kind-2", "Ögondroppar")
	cecilia.Type("measure-instruction-2", "En droppe i vardera ögat.")
	cecilia.Click("list-save")
	cecilia.WaitText("Insats 2: ange minst en tid, eller kryssa i vid behov.")
	cecilia.Click("measure-prn-2")
	until := time.Now().In(stockholm).AddDate(0, 0, 30).Format("2006-01-02")
	cecilia.setValue("list-until", until)
	if n := Count(cecilia.Entries("outbox"), "signing.list.save"); n != 0 {
		t.Fatalf("an incomplete list put %d saves in the outbox", n)
	}
	cecilia.Click("list-save")
	cecilia.WaitScreen("client")
	cecilia.WaitFor("the list shown as waiting", `!!document.querySelector('[data-testid=list-pending]')`)
	cecilia.SyncNow()
	lists := serverLists(t, s, client)
	if len(lists) != 1 || len(lists[0].Measures) != 2 {
		t.Fatalf("the server holds %+v, want one list of two measures", lists)
	}
	l := lists[0]
	wound, drops := l.Measures[0], l.Measures[1]
	if wound.Kind != "wound_care" || !slices.Equal(wound.Times, []string{"10:00", "18:00"}) || wound.PRN || wound.Instruction != "Lägg om såret på vänster underben." ||
		drops.Kind != "eye_drops" || !drops.PRN || len(drops.Times) != 0 {
		t.Fatalf("the measures: %+v", l.Measures)
	}
	if got := l.ValidUntil.In(stockholm); got.Format("2006-01-02") != time.Now().In(stockholm).AddDate(0, 0, 31).Format("2006-01-02") || got.Hour() != 0 {
		t.Errorf("valid_until %s, want the end of %s", got, until)
	}
	dose := "sign-" + wound.MeasureID + "-" + dueID(today(10, 0))
	cecilia.WaitFor("today's 10:00 wound care", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js(dose)))
	cecilia.WaitFor("the list no longer waiting", `!document.querySelector('[data-testid=list-pending]')`)

	cecilia.Click("list-edit-" + l.ListID)
	cecilia.WaitScreen("listedit")
	cecilia.WaitFor("the saved measures", `document.querySelector('[data-testid=measure-times-1]').value === '10:00, 18:00'`)
	checkScreen(t, cecilia, "listedit with a saved list")
	cecilia.setValue("measure-times-1", "10:00")
	cecilia.Click("measure-remove-2")
	cecilia.Click("list-save")
	cecilia.WaitScreen("client")
	cecilia.SyncNow()
	lists = serverLists(t, s, client)
	if len(lists) != 1 || len(lists[0].Measures) != 1 || lists[0].Measures[0].MeasureID != wound.MeasureID || !slices.Equal(lists[0].Measures[0].Times, []string{"10:00"}) {
		t.Fatalf("after the change the server holds %+v", lists)
	}
	cecilia.WaitFor("18:00 gone from today", fmt.Sprintf(`!document.querySelector('[data-testid=%s]')`, js("sign-"+wound.MeasureID+"-"+dueID(today(18, 0)))))

	anna := loginAt(t, s, "anna")
	anna.OpenSigning(client)
	if anna.Has("list-new") || anna.Has("list-edit-"+l.ListID) {
		t.Error("care staff are offered to make or change a signing list")
	}
}
