package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/staffdir"
	"vardag/test/testserver"
)

// staffRecords are the pulled `user` records of user (by user_id in the data), with the
// op of each change.
func staffRecords(t *testing.T, d *testserver.Device, userID string) (records []staffdir.Entry, ops []string) {
	t.Helper()
	changes, _ := d.Pull()
	for _, c := range changes {
		if c.Kind != staffdir.Kind || c.ID != staffdir.RecordID(userID, demo.AspenID) {
			continue
		}
		ops = append(ops, c.Op)
		if len(c.Data) > 0 {
			var e staffdir.Entry
			if err := json.Unmarshal(c.Data, &e); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(c.Data), "username") {
				t.Errorf("the unit's record of a user holds more than id, name and roles: %s", c.Data)
			}
			records = append(records, e)
		}
	}
	return records, ops
}

// An account made through the administration reaches the unit's phones once a grant of
// it is active: david (Aspen's manager) creates nils and gives him care staff in Aspen;
// cecilia's pull (the nurse's delegation picker reads it) brings nils's record in Aspen
// with his name and role there and nothing more, Björken's coordinator gets none, and
// when the grant ends the record goes from cecilia's phone.
func TestAnAccountWithAnActiveGrantReachesTheUnitsPhones(t *testing.T) {
	s := testserver.Start(t)
	david, cecilia, eva := s.Login("david"), s.Login("cecilia"), s.Login("eva")
	cecilia.Pull()
	eva.Pull()
	nils := createUser(t, s, david, "nils", demo.OwnProviderID)
	if got, _ := staffRecords(t, cecilia, nils.UserID); len(got) != 0 {
		t.Fatalf("an account without a grant is on the unit's phones: %+v", got)
	}
	res := s.Do("POST", "/api/v1/admin/grants", david.Token, map[string]any{"user_id": nils.UserID, "unit_id": demo.AspenID,
		"role": identity.RoleCareStaff, "valid_until": s.Clock.Now().AddDate(0, 2, 0)})
	var created struct {
		GrantID string `json:"grant_id"`
		Status  string `json:"status"`
	}
	res.JSON(t, &created)
	if res.Status != 201 || created.Status != "active" {
		t.Fatalf("the grant: %d %s", res.Status, res.Body)
	}
	got, _ := staffRecords(t, cecilia, nils.UserID)
	if len(got) != 1 || got[0].Name != "Ny nils" || got[0].UnitID != demo.AspenID || len(got[0].Roles) != 1 || got[0].Roles[0] != identity.RoleCareStaff {
		t.Fatalf("cecilia's pull of nils: %+v", got)
	}
	if other, _ := staffRecords(t, eva, nils.UserID); len(other) != 0 {
		t.Errorf("Björken's coordinator pulled nils of Aspen: %+v", other)
	}
	if r := s.Do("POST", "/api/v1/admin/grants/"+created.GrantID+"/end", david.Token, map[string]string{"reason": "Slutar"}); r.Status != 200 {
		t.Fatalf("end the grant: %d %s", r.Status, r.Body)
	}
	if _, ops := staffRecords(t, cecilia, nils.UserID); len(ops) != 1 || ops[0] != "delete" {
		t.Errorf("after the grant ended cecilia pulled %v of nils's record, want a delete", ops)
	}
}
