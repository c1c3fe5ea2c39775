package browser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// serverAssignment is the assignment as the server holds it.
func serverAssignment(t *testing.T, s *testserver.Server, id string) assignments.Assignment {
	t.Helper()
	var a assignments.Assignment
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		rec, ok, err := r.Record(assignments.Kind, id)
		if err != nil || !ok {
			return fmt.Errorf("assignment %s: %v (found %v)", id, err, ok)
		}
		return json.Unmarshal(rec.Data, &a)
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCoordinatorDistributesAnAssignment: Björken's new assignment from the authority
// (nytt uppdrag). On eva's Today (the coordinator) it shows its client, its measure with
// the time a month and the period, and a choice of Björken's groups with "Fördela" — no
// "Kvittera", which the server refuses for it; farid, care staff, is told it waits for the
// distribution and offered nothing. Eva distributes it to Björken grupp A; once the
// server's record is back it reads distributed to that group, and farid then
// acknowledges it. axe and the screen checks find nothing on eva's Today.
func TestCoordinatorDistributesAnAssignment(t *testing.T) {
	s := testserver.Start(t)
	id := assignments.ID("DEMO-BJORKEN-1")
	card := js("assignment-" + id)
	eva := NewPhone(t, "eva")
	eva.Login(s, "eva")
	eva.SyncNow()
	eva.WaitFor("the new assignment with its distribution", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("distribute-"+id)))
	got := Eval[struct {
		Text    string
		Options []string
		Ack     bool
	}](eva, fmt.Sprintf(`(c => ({ Text: c.innerText, Options: [...c.querySelectorAll('select option')].map(o => o.text),
		Ack: !!c.querySelector('[data-testid^=ack-]') }))(document.querySelector('[data-testid=%s]'))`, card))
	month := time.Now().In(stockholm).Format("2006-01")
	for _, want := range []string{"Nytt", "Måltider", "450 min/månad", "från " + month + "-01", "Fördela"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("eva's new assignment does not say %q:\n%s", want, got.Text)
		}
	}
	if strings.Contains(got.Text, "Okänd brukare") {
		t.Errorf("eva's new assignment does not name its client:\n%s", got.Text)
	}
	if got.Ack {
		t.Error("eva is offered Kvittera on an undistributed assignment")
	}
	if !slices.Equal(got.Options, []string{"Björken grupp A"}) {
		t.Errorf("eva may distribute to %v, want Björken's group [Björken grupp A]", got.Options)
	}
	checkScreen(t, eva, "coordinator's Today")

	farid := NewPhone(t, "farid")
	farid.Login(s, "farid")
	farid.SyncNow()
	farid.WaitFor("the assignment on farid's Today", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("awaits-distribution-"+id)))
	if farid.Has("ack-"+id) || farid.Has("distribute-"+id) {
		t.Error("farid is offered Kvittera or Fördela on an undistributed assignment")
	}

	eva.Click("distribute-" + id)
	eva.SyncUntil("the distribution applied", `s.outbox === 0`)
	eva.WaitFor("the distributed assignment", fmt.Sprintf(`(c => !!c && c.innerText.includes('fördelat') && c.innerText.includes('Björken grupp A') && !c.querySelector('form'))(document.querySelector('[data-testid=%s]'))`, card))
	if a := serverAssignment(t, s, id); a.Status != assignments.StatusDistributed || a.SubUnitID != demo.BjorkenAID || a.Distribution == nil || a.Distribution.UserID != demo.UserID("eva") {
		t.Fatalf("the server's assignment: %s to %s by %+v, want distributed to Björken grupp A by eva", a.Status, a.SubUnitID, a.Distribution)
	}

	farid.SyncNow()
	farid.Click("ack-" + id)
	farid.SyncUntil("the acknowledgment applied", `s.outbox === 0`)
	farid.WaitFor("the acknowledged assignment", fmt.Sprintf(`(c => !!c && !c.querySelector('[data-testid^=ack-]') && !c.innerText.includes('Väntar'))(document.querySelector('[data-testid=%s]'))`, card))
	a := serverAssignment(t, s, id)
	if !slices.ContainsFunc(a.Acknowledgments, func(k assignments.Acknowledgment) bool { return k.UserID == demo.UserID("farid") }) {
		t.Errorf("the server's assignment has no acknowledgment of farid's: %+v", a.Acknowledgments)
	}
}
