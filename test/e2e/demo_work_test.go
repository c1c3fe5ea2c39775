package e2e

import (
	"encoding/json"
	"testing"

	"vardag/test/testserver"
)

// kinds counts a user's pulled records by kind.
func kinds(t *testing.T, s *testserver.Server, user string) (map[string]int, []testserver.Change) {
	t.Helper()
	changes, _ := s.Login(user).Pull()
	n := map[string]int{}
	for _, c := range changes {
		n[c.Kind]++
	}
	return n, changes
}

// TestDemoUsersHaveWork: on first login each demo user has the work issue 4 names.
func TestDemoUsersHaveWork(t *testing.T) {
	s := testserver.Start(t)
	anna, _ := kinds(t, s, "anna")
	if anna["assignment"] != 3 || anna["signing_list"] != 1 || anna["delegation"] != 2 || anna["journal_note"] < 2 {
		t.Errorf("anna: %v", anna)
	}
	cecilia, changes := kinds(t, s, "cecilia")
	double := false
	for _, c := range changes {
		var alert struct{ Type string }
		if c.Kind == "signing_alert" && json.Unmarshal(c.Data, &alert) == nil && alert.Type == "double_signing" {
			double = true
		}
	}
	if cecilia["signing_list"] != 1 || !double {
		t.Errorf("cecilia: %v (a double signing to look at: %v)", cecilia, double)
	}
	david, _ := kinds(t, s, "david")
	if david["deviation"] != 1 || david["message"] < 1 {
		t.Errorf("david: %v", david)
	}
	eva, changes := kinds(t, s, "eva")
	newOne := false
	for _, c := range changes {
		var a struct{ Status string }
		if c.Kind == "assignment" && json.Unmarshal(c.Data, &a) == nil && a.Status == "new" {
			newOne = true
		}
	}
	if !newOne || eva["reference_list"] == 0 {
		t.Errorf("eva: %v (a new assignment: %v)", eva, newOne)
	}
}
