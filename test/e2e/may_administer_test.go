package e2e

import (
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// TestPeopleListSaysWhoMayAdministerWhom: the unit's people list tells, per person,
// may_administer and may_end_sessions, and they match what the account routes answer the
// same caller: an administrator, the unit's manager and its representative over another
// manager of the unit and over a care worker of it.
func TestPeopleListSaysWhoMayAdministerWhom(t *testing.T) {
	s, devices, malin := accountsWorld(t)
	maja := s.AddUser("maja", demo.AspenID, identity.RoleUnitManager, s.Clock.Now().Add(24*time.Hour))
	type flags struct{ administer, sessions bool }
	listed := func(who string) map[string]flags {
		var items []struct {
			UserID         string `json:"user_id"`
			MayAdminister  bool   `json:"may_administer"`
			MayEndSessions bool   `json:"may_end_sessions"`
		}
		res := s.Do("GET", "/api/v1/admin/users?unit_id="+demo.AspenID, devices[who].Token, nil)
		if res.Status != 200 {
			t.Fatalf("%s lists: %d %s", who, res.Status, res.Body)
		}
		res.JSON(t, &items)
		out := map[string]flags{}
		for _, i := range items {
			out[i.UserID] = flags{i.MayAdminister, i.MayEndSessions}
		}
		return out
	}
	ok := func(res testserver.Response) bool {
		if res.Status != 200 && res.Status != 204 && res.Status != 403 {
			t.Fatalf("neither done nor refused: %d %s", res.Status, res.Body)
		}
		return res.Status != 403
	}
	cases := []struct {
		who, target, name string
		want              flags
	}{
		{"admin", maja, "a manager", flags{true, true}},
		{"david", maja, "a manager", flags{false, false}},
		{"arvid", maja, "a manager", flags{false, false}},
		{"admin", malin, "a care worker", flags{true, true}},
		{"david", malin, "a care worker", flags{true, true}},
		{"arvid", malin, "a care worker", flags{true, false}},
	}
	for _, c := range cases {
		t.Run(c.who+" over "+c.name, func(t *testing.T) {
			got, in := listed(c.who)[c.target]
			if !in {
				t.Fatalf("%s does not see the account in the unit's people", c.who)
			}
			if got != c.want {
				t.Fatalf("listed %+v, want %+v", got, c.want)
			}
			tok := devices[c.who].Token
			routes := map[string]bool{
				"unlock":   ok(s.Do("POST", "/api/v1/admin/users/"+c.target+"/unlock", tok, nil)),
				"training": ok(s.Do("POST", "/api/v1/admin/users/"+c.target+"/training", tok, nil)),
			}
			for name, done := range routes {
				if done != got.administer {
					t.Fatalf("%s answered done=%v, the list said may_administer=%v", name, done, got.administer)
				}
			}
			if done := ok(s.Do("GET", "/api/v1/admin/users/"+c.target+"/sessions", tok, nil)); done != got.sessions {
				t.Fatalf("sessions answered done=%v, the list said may_end_sessions=%v", done, got.sessions)
			}
		})
	}
	// Nobody administers themselves: listed, never offered.
	if self := listed("david")[demo.UserID("david")]; self.administer || self.sessions {
		t.Fatalf("david over himself: %+v", self)
	}
}
