package browser

import (
	"testing"

	"vardag/internal/demo"
	"vardag/internal/reference"
	"vardag/test/testserver"
)

// TestMeasureKindsAreNamedByTheMunicipalitysList: the kind of a dose is shown by the
// label the municipality gave it in its reference list (reference.list.save), in the
// user's language, not by the app's built-in word or by its code; a kind the list does not
// have keeps the app's word.
func TestMeasureKindsAreNamedByTheMunicipalitysList(t *testing.T) {
	s := testserver.Start(t)
	var items []reference.Item
	for _, l := range reference.Defaults() {
		if l.Kind != reference.KindMeasureKinds {
			continue
		}
		for _, it := range l.Items {
			if it.Code == "medication" {
				it.LabelSV, it.LabelEN = "Tabletter ur dosett", "Tablets from the dispenser"
			}
			if it.Code != "insulin" { // insulin is left out: the app's own word names it
				items = append(items, it)
			}
		}
	}
	if r := s.Apply("admin", reference.MutationSave, reference.SaveArgs{ListID: reference.ListID(demo.MunicipalityID, reference.KindMeasureKinds), Kind: reference.KindMeasureKinds, Items: items}); r.Status != "applied" {
		t.Fatalf("reference.list.save: %+v", r)
	}
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitScreen("today")
	anna.WaitText("Tabletter ur dosett")
	doses := Eval[string](anna, `[...document.querySelectorAll('[data-testid^=dose-]')].map(e => e.innerText).join('\n')`)
	if contains(doses, "Läkemedel") || contains(doses, "medication") {
		t.Errorf("a dose is named by the app's word or the code, not the municipality's label:\n%s", doses)
	}
	if !contains(doses, "Insulin") {
		t.Errorf("insulin, not on the list, is not named by the app's word:\n%s", doses)
	}
}
