package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestCoordinatorEndsAMeasureAndTheClientIsToEnd: eva, Björken's coordinator, opens the
// client of Björken's only assignment on the desktop, chooses "Avsluta insats", ends its
// measure today with "Behov upphört" from the municipality's list; it waits for the server
// and then reads ended. Under "Ej aktuella" the client is listed, with "Journal som PDF",
// which downloads the journal. David reads his unit's list on a phone. farid, care staff, is offered none of it. axe and the
// screen checks find nothing on either new screen.
func TestCoordinatorEndsAMeasureAndTheClientIsToEnd(t *testing.T) {
	s := testserver.Start(t)
	client := demo.ClientID(9)
	measure := uuids.Named("demo/measure/bjorken/9")
	eva := NewPhone(t, "eva")
	eva.Desktop()
	eva.Login(s, "eva")
	eva.SyncNow()
	eva.OpenClient(client)
	eva.Click("end-measure")
	eva.WaitScreen("endmeasure")
	eva.WaitFor("the end form", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("end-form-"+measure)))
	reasons := Eval[[]string](eva, fmt.Sprintf(`[...document.querySelector('[data-testid=%s]').options].map(o => o.text)`, js("end-reason-"+measure)))
	if !strings.Contains(strings.Join(reasons, "|"), "Behov upphört") {
		t.Errorf("the end reasons offered: %v", reasons)
	}
	checkScreen(t, eva, "Avsluta insats")
	eva.Fill("end-reason-"+measure, "Behov upphört")
	eva.Click("end-submit-" + measure)
	eva.WaitFor("the end waiting or applied", fmt.Sprintf(`!!document.querySelector('[data-testid=%s], [data-testid=%s]')`, js("end-pending-"+measure), js("end-done-"+measure)))
	eva.SyncUntil("the end applied", `s.outbox === 0`)
	eva.WaitFor("the measure ended", fmt.Sprintf(`(e => !!e && e.innerText.includes('Behov upphört'))(document.querySelector('[data-testid=%s]'))`, js("end-done-"+measure)))
	a := serverAssignment(t, s, assignments.ID("DEMO-BJORKEN-1"))
	today := time.Now().In(stockholm).Format("2006-01-02")
	if len(a.Ends) != 1 || a.Ends[0].EndReason != "no_longer_needed" || a.Ends[0].EndsOn != today || a.Ends[0].EndedBy != demo.UserID("eva") {
		t.Fatalf("the server's ends: %+v", a.Ends)
	}

	eva.Click("nav-today") // the list opens from Today (no tab of its own: the tab bar keeps one row)
	eva.WaitScreen("today")
	eva.Click("nav-ending")
	eva.WaitScreen("ending")
	eva.WaitFor("the client on the list", fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, js("ending-"+client)))
	checkScreen(t, eva, "Ej aktuella – att avsluta")
	eva.Click("ending-pdf-" + client)
	eva.WaitFor("the PDF downloaded", fmt.Sprintf(`document.querySelector('[data-testid=%s]').dataset.done === 'true'`, js("ending-pdf-"+client)))
	if eva.Visible("ending-pdf-" + client + "-error") {
		t.Error("the PDF download shows a refusal")
	}

	// David, Aspen's manager, on a phone: the list of his unit, with nobody to end.
	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.WaitScreen("today")
	david.Click("nav-ending")
	david.WaitScreen("ending")
	david.WaitFor("Aspen's list", `!!document.querySelector('[data-testid=ending-none], [data-testid=ending-list]')`)
	checkScreen(t, david, "Ej aktuella on a phone")

	farid := NewPhone(t, "farid")
	farid.Login(s, "farid")
	farid.SyncNow()
	farid.OpenClient(client)
	if farid.Has("end-measure") || farid.Has("journal-pdf") || farid.Has("nav-ending") {
		t.Error("farid, care staff, is offered ending a measure, the journal PDF or the ending list")
	}
}
