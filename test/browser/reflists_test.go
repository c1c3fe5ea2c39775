package browser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"vardag/internal/demo"
	"vardag/internal/reference"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// serverList is the municipality's reference list of a kind as the server holds it.
func serverList(t *testing.T, s *testserver.Server, kind string) reference.List {
	t.Helper()
	var l reference.List
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		rec, ok, err := r.Record(reference.Kind, reference.ListID(demo.MunicipalityID, kind))
		if err != nil || !ok {
			return fmt.Errorf("the %s list: %v (found %v)", kind, err, ok)
		}
		return json.Unmarshal(rec.Data, &l)
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

// reasonOptions are the texts of the sign screen's reasons, or of the preview's.
const reasonOptions = `[...document.querySelectorAll('%s option')].map(o => o.text).filter(x => x)`

// TestAdministratorEditsAReferenceList: the administrator opens the reference lists from
// the organisation and chooses the reasons a measure was not given. The preview shows
// them as the sign screen's choice. A new reason is added and "Brukaren sov" retired;
// the preview follows at once, the list is saved (reference.list.save) and shows as saved
// only when the server's record is back. anna's sign screen then offers the new reason
// and not the retired one. axe and the screen checks find nothing on the screen.
func TestAdministratorEditsAReferenceList(t *testing.T) {
	s := testserver.Start(t)
	admin := NewPhone(t, "admin")
	admin.Desktop()
	admin.Login(s, "admin")
	Eval[bool](admin, `(location.hash = '#/admin', true)`)
	admin.Click("org-reflists")
	admin.WaitScreen("reflists")
	admin.Click("reflist-not_given_reasons")
	admin.WaitFor("the reasons' editor", `(f => !!f && f.dataset.kind === 'not_given_reasons')(document.querySelector('[data-testid=reflist-form]'))`)
	preview := func() []string {
		return Eval[[]string](admin, fmt.Sprintf(reasonOptions, `[data-testid=reflist-preview]`))
	}
	before := preview()
	if !slices.Contains(before, "Brukaren sov") || !slices.Contains(before, "Brukaren avböjde") {
		t.Fatalf("the preview offers %v, want the municipality's reasons:\n%s", before, Eval[string](admin, `document.querySelector("main").innerHTML`))
	}
	checkScreen(t, admin, "reference lists")

	// Retire "Brukaren sov", add "Brukaren hade besök".
	n := Eval[int](admin, `[...document.querySelectorAll('[data-testid^=reflist-sv-]')].findIndex(e => e.value === 'Brukaren sov')`)
	admin.Click(fmt.Sprintf("reflist-retire-%d", n))
	admin.Click("reflist-add")
	last := Eval[int](admin, `document.querySelectorAll('[data-testid^=reflist-sv-]').length - 1`)
	admin.Type(fmt.Sprintf("reflist-sv-%d", last), "Brukaren hade besök")
	admin.Type(fmt.Sprintf("reflist-en-%d", last), "The client had visitors")
	admin.WaitFor("the preview to follow", fmt.Sprintf(`(o => o.includes('Brukaren hade besök') && !o.includes('Brukaren sov'))(%s)`, fmt.Sprintf(reasonOptions, `[data-testid=reflist-preview]`)))
	checkScreen(t, admin, "reference list being edited")
	admin.Click("reflist-save")
	admin.SyncUntil("the list saved", `s.outbox === 0`)
	admin.WaitFor("the saved list", fmt.Sprintf(`!document.querySelector('[data-testid=reflist-pending]') && [...document.querySelectorAll('[data-testid^=reflist-sv-]')].some(e => e.value === %s)`, js("Brukaren hade besök")))

	l := serverList(t, s, reference.KindNotGivenReasons)
	var labels []string
	for _, it := range l.Items {
		labels = append(labels, it.LabelSV)
		if it.LabelSV == "Brukaren hade besök" && (it.LabelEN != "The client had visitors" || it.Code == "") {
			t.Errorf("the new reason on the server: %+v", it)
		}
	}
	if !slices.Contains(labels, "Brukaren hade besök") || slices.Contains(labels, "Brukaren sov") || !slices.Contains(labels, "Brukaren avböjde") {
		t.Fatalf("the server's reasons: %v, want the new one, not the retired one, the others kept", labels)
	}

	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.StartSigning(astrid, medicine, "not_given")
	got := Eval[[]string](anna, fmt.Sprintf(reasonOptions, `[data-testid=sign-reason]`))
	if !slices.Contains(got, "Brukaren hade besök") || slices.Contains(got, "Brukaren sov") {
		t.Errorf("anna's sign screen offers the reasons %s, want the new one and not the retired one", strings.Join(got, ", "))
	}
}
