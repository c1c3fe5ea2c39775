package e2e

import (
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/test/testserver"
)

// TestAUnitsAdministrationIsReviewedLikeTheReadLog: the unit manager of Aspen creates a
// care worker and grants her Aspen; the review of Aspen's administration lists both acts,
// who did them and on whom, with names; a period before them lists nothing; a care worker,
// a nurse and another unit's coordinator are refused alike for Aspen and a made-up unit.
func TestAUnitsAdministrationIsReviewedLikeTheReadLog(t *testing.T) {
	s := testserver.Start(t)
	david := s.Login("david")
	before := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	nu := createUser(t, s, david, "nora.ny", demo.OwnProviderID)
	res := s.Do("POST", "/api/v1/admin/grants", david.Token, map[string]string{"user_id": nu.UserID, "unit_id": demo.AspenID, "role": "care_staff", "valid_until": s.Clock.Now().AddDate(0, 6, 0).Format(time.RFC3339)})
	if res.Status != 201 {
		t.Fatalf("grant: %d %s", res.Status, res.Body)
	}
	type acts struct {
		Acts []struct {
			Act      string `json:"act"`
			ByUserID string `json:"by_user_id"`
			ByName   string `json:"by_name"`
			UserID   string `json:"user_id"`
			UserName string `json:"user_name"`
		} `json:"acts"`
	}
	var got acts
	res = s.Do("GET", "/api/v1/admin/units/"+demo.AspenID+"/audit", david.Token, nil)
	res.JSON(t, &got)
	if res.Status != 200 {
		t.Fatalf("the review: %d %s", res.Status, res.Body)
	}
	var granted bool
	for _, a := range got.Acts {
		if a.Act == "grant.create" && a.ByUserID == demo.UserID("david") && a.ByName == "David Holm" && a.UserID == nu.UserID && a.UserName == "Ny nora.ny" {
			granted = true
		}
	}
	if !granted {
		t.Errorf("the review of Aspen does not list david's grant to nora.ny: %s", res.Body)
	}
	res = s.Do("GET", "/api/v1/admin/units/"+demo.AspenID+"/audit?to="+before.Format(time.RFC3339), david.Token, nil)
	got = acts{}
	res.JSON(t, &got)
	for _, a := range got.Acts {
		if a.UserID == nu.UserID {
			t.Errorf("a period before the acts lists %+v", a)
		}
	}
	if res := s.Do("GET", "/api/v1/admin/units/"+demo.AspenID+"/audit?from=yesterday", david.Token, nil); res.Status != 400 || res.ErrorCode() != "invalid_request" {
		t.Errorf("a from that is no time: %d %s", res.Status, res.Body)
	}
	for _, who := range []string{"anna", "cecilia", "eva"} {
		d := s.Login(who)
		for _, unit := range []string{demo.AspenID, "0195a3b1-2c4d-7e8f-9a0b-1c2d3e4f5a6b"} {
			if res := s.Do("GET", "/api/v1/admin/units/"+unit+"/audit", d.Token, nil); res.Status != 403 || res.ErrorCode() != "forbidden" {
				t.Errorf("%s reviewing unit %s: %d %s, want 403 forbidden", who, unit, res.Status, res.Body)
			}
		}
	}
}
