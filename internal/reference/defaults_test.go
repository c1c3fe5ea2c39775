package reference_test

import (
	"slices"
	"testing"

	"vardag/internal/deviations"
	"vardag/internal/reference"
)

// The deviation lists the phone shows must hold exactly the codes deviation.report
// accepts, or staff would pick a type or area the server refuses.
func TestDeviationListsMatchWhatReportsAccept(t *testing.T) {
	byKind := map[string][]reference.Item{}
	for _, l := range reference.Defaults() {
		byKind[l.Kind] = l.Items
	}
	var types []string
	for _, it := range byKind[reference.KindDeviationTypes] {
		types = append(types, it.Code)
	}
	if !slices.Equal(types, deviations.Types) {
		t.Errorf("types %v, reports accept %v", types, deviations.Types)
	}
	areas := map[string][]string{}
	for _, it := range byKind[reference.KindDeviationAreas] {
		if it.LabelSV == "" || it.LabelEN == "" {
			t.Errorf("area %s/%s has no label", it.Activity, it.Code)
		}
		areas[it.Activity] = append(areas[it.Activity], it.Code)
	}
	for _, act := range deviations.Activities {
		if !slices.Equal(areas[act], deviations.Areas[act]) {
			t.Errorf("%s areas %v, reports accept %v", act, areas[act], deviations.Areas[act])
		}
	}
}
