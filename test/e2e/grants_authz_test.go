package e2e

import (
	"fmt"
	"testing"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// The people of the organisation and grant table: an administrator; Aspen's manager
// (david); the manager of Lönnen, another unit of the same provider (lisa); the manager of
// Björken, at another provider (bertil); Aspen's unit representative (arvid), nurse
// (cecilia) and care worker (anna); and a manager of Aspen whose account is disabled after
// login (xdis).
var orgActors = []string{"admin", "david", "lisa", "bertil", "arvid", "cecilia", "anna", "xdis"}

// orgWorld starts a demo server with the table's people logged in (xdis then disabled).
func orgWorld(t *testing.T) (*testserver.Server, map[string]*testserver.Device) {
	t.Helper()
	s := testserver.Start(t)
	year := s.Clock.Now().AddDate(0, 11, 0)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, year)
	s.AddUser("bertil", demo.BjorkenID, identity.RoleUnitManager, year)
	s.AddUser("arvid", demo.AspenID, identity.RoleUnitRep, year)
	s.AddUser("xdis", demo.AspenID, identity.RoleUnitManager, year)
	devices := map[string]*testserver.Device{}
	for _, name := range orgActors {
		devices[name] = s.Login(name)
	}
	if res := s.Do("POST", "/api/v1/admin/users/"+demo.UserID("xdis")+"/disable", devices["admin"].Token, nil); res.Status != 204 {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	return s, devices
}

// newcomer adds an account without grants that names the provider as its own (as
// account creation does), for a grant to be given to.
func newcomer(t *testing.T, s *testserver.Server, name, providerID string) string {
	t.Helper()
	id := s.AddUser(name, "", "", time.Time{})
	if _, err := s.Identity.ModifyUser(id, func(u *identity.User) error { u.ProviderID = providerID; return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// grantAs gives a grant through the route and returns its id, failing unless it answers
// 201 with the status wanted.
func grantAs(t *testing.T, s *testserver.Server, token, userID, unitID string, role identity.Role, status string) string {
	t.Helper()
	res := s.Do("POST", "/api/v1/admin/grants", token, map[string]any{"user_id": userID, "unit_id": unitID, "role": role,
		"valid_until": s.Clock.Now().AddDate(0, 6, 0)})
	var out struct {
		GrantID  string   `json:"grant_id"`
		Status   string   `json:"status"`
		Awaiting []string `json:"awaiting"`
	}
	res.JSON(t, &out)
	if res.Status != 201 || out.Status != status {
		t.Fatalf("grant %s in %s: %d %s, want 201 %s", role, unitID, res.Status, res.Body, status)
	}
	return out.GrantID
}

// orgRoute is one route of the table. do sends it as the actor, on the real target or on
// a made-up one; n numbers the row, so that each row may make its own target.
type orgRoute struct {
	name string
	act  string // the act a done request records in the audit trail ("" for a read)
	do   func(t *testing.T, s *testserver.Server, token string, n int, madeUp bool) testserver.Response
	// want: per actor allowed, the status when done ("200") or the status and code of the
	// refusal; everyone else gets "403 forbidden".
	want map[string]string
}

// TestOrganisationAndGrantRoutesFollowWhoAdministersWhom: every organisation, grant and
// access review route × administrator, manager of that unit, manager of another unit,
// manager at another provider, unit representative, nurse, care worker and a disabled
// account, asserting the status and the code. Every refusal answers the same for a target
// that exists and one that does not, so that a 403 never tells which ids exist.
func TestOrganisationAndGrantRoutesFollowWhoAdministersWhom(t *testing.T) {
	s, devices := orgWorld(t)
	admin := devices["admin"].Token
	david := devices["david"].Token
	made := uuids.New
	people := 0
	person := func(providerID string) string {
		people++
		return newcomer(t, s, fmt.Sprintf("t-person-%d", people), providerID)
	}
	// A care worker of Lönnen given Aspen by Aspen's manager: pending, awaiting Lönnen.
	pendingForLisa := func() string {
		id := person(demo.OwnProviderID)
		grantAs(t, s, admin, id, demo.LonnenID, identity.RoleCareStaff, "active")
		return grantAs(t, s, david, id, demo.AspenID, identity.RoleCareStaff, "pending")
	}
	activeInAspen := func() string {
		return grantAs(t, s, david, person(demo.OwnProviderID), demo.AspenID, identity.RoleCareStaff, "active")
	}
	grantID := func(madeUp bool, real func() string) string {
		if madeUp {
			return made()
		}
		return real()
	}
	routes := []orgRoute{
		{name: "org", want: map[string]string{"admin": "200", "david": "200", "lisa": "200", "bertil": "200", "arvid": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, _ bool) testserver.Response {
				return s.Do("GET", "/api/v1/admin/org", token, nil)
			}},
		{name: "create provider", act: adminlog.WhatProviderCreate, want: map[string]string{"admin": "201"},
			do: func(t *testing.T, s *testserver.Server, token string, n int, _ bool) testserver.Response {
				return s.Do("POST", "/api/v1/admin/providers", token, map[string]any{"name": fmt.Sprint("Omsorg ", n, " AB"), "kind": "private",
					"org_number": orgNumber(n)})
			}},
		{name: "create unit", act: adminlog.WhatUnitCreate, want: map[string]string{"admin": "201"},
			do: func(t *testing.T, s *testserver.Server, token string, n int, madeUp bool) testserver.Response {
				provider := demo.OwnProviderID
				if madeUp {
					provider = made()
				}
				return s.Do("POST", "/api/v1/admin/units", token, map[string]any{"provider_id": provider, "name": fmt.Sprint("Hemtjänst ", n)})
			}},
		{name: "end provider", act: adminlog.WhatProviderEnd, want: map[string]string{"admin": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, n int, madeUp bool) testserver.Response {
				id := made()
				if !madeUp {
					res := s.Do("POST", "/api/v1/admin/providers", admin, map[string]any{"name": fmt.Sprint("Slutar ", n, " AB"), "kind": "private", "org_number": orgNumber(500 + n)})
					var p struct {
						ProviderID string `json:"provider_id"`
					}
					res.JSON(t, &p)
					id = p.ProviderID
				}
				return s.Do("POST", "/api/v1/admin/providers/"+id+"/end", token, map[string]any{"ends_at": s.Clock.Now().Add(time.Hour)})
			}},
		{name: "create grant", act: adminlog.WhatGrantCreate, want: map[string]string{"admin": "201", "david": "201", "arvid": "201"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				user := made()
				if !madeUp {
					user = person(demo.OwnProviderID)
				}
				return s.Do("POST", "/api/v1/admin/grants", token, map[string]any{"user_id": user, "unit_id": demo.AspenID,
					"role": identity.RoleCareStaff, "valid_until": s.Clock.Now().AddDate(0, 3, 0)})
			}},
		{name: "pending grants", want: map[string]string{"admin": "200", "david": "200", "lisa": "200", "bertil": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, _ bool) testserver.Response {
				return s.Do("GET", "/api/v1/admin/grants?status=pending", token, nil)
			}},
		// Approving and rejecting are for the managers of the units involved: the
		// administrator does not decide in their place (every unit here has a manager).
		{name: "approve", act: adminlog.WhatGrantApprove, want: map[string]string{"lisa": "200", "david": "409 already_approved"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				return s.Do("POST", "/api/v1/admin/grants/"+grantID(madeUp, pendingForLisa)+"/approve", token, nil)
			}},
		{name: "reject", act: adminlog.WhatGrantReject, want: map[string]string{"lisa": "200", "david": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				return s.Do("POST", "/api/v1/admin/grants/"+grantID(madeUp, pendingForLisa)+"/reject", token, map[string]string{"reason": "Behövs inte."})
			}},
		{name: "extend", act: adminlog.WhatGrantExtend, want: map[string]string{"admin": "200", "david": "200", "arvid": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				return s.Do("POST", "/api/v1/admin/grants/"+grantID(madeUp, activeInAspen)+"/extend", token, map[string]any{"valid_until": s.Clock.Now().AddDate(0, 9, 0)})
			}},
		{name: "end grant", act: adminlog.WhatGrantEnd, want: map[string]string{"admin": "200", "david": "200", "arvid": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				return s.Do("POST", "/api/v1/admin/grants/"+grantID(madeUp, activeInAspen)+"/end", token, map[string]string{"reason": "Slutar."})
			}},
		{name: "access review", want: map[string]string{"admin": "200", "david": "200"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				unit := demo.AspenID
				if madeUp {
					unit = made()
				}
				return s.Do("GET", "/api/v1/admin/units/"+unit+"/access-review", token, nil)
			}},
		{name: "record access review", act: adminlog.WhatAccessReview, want: map[string]string{"admin": "201", "david": "201"},
			do: func(t *testing.T, s *testserver.Server, token string, _ int, madeUp bool) testserver.Response {
				unit := demo.AspenID
				if madeUp {
					unit = made()
				}
				keep := []string{}
				for _, g := range s.Identity.ActiveGrantsOf(demo.AspenID, s.Clock.Now()) {
					keep = append(keep, g.ID)
				}
				return s.Do("POST", "/api/v1/admin/units/"+unit+"/access-review", token, map[string]any{"keep": keep, "end": []string{}, "note": "Alla behövs."})
			}},
	}
	n := 0
	for _, route := range routes {
		for _, actor := range orgActors {
			n++
			t.Run(route.name+"/"+actor, func(t *testing.T) {
				want, ok := route.want[actor]
				switch {
				case actor == "xdis":
					want = "401 session_expired" // disabling ended the account's sessions
				case !ok:
					want = "403 forbidden"
				}
				before := actsOf(t, s, actor, route.act)
				res := route.do(t, s, devices[actor].Token, n, false)
				got := fmt.Sprintf("%d %s", res.Status, res.ErrorCode())
				if done := res.Status < 300 && route.act != ""; actsOf(t, s, actor, route.act) != before+map[bool]int{true: 1}[done] {
					t.Fatalf("%s as %s (%d): the audit trail does not hold the act once it is done, and only then", route.name, actor, res.Status)
				}
				if len(want) == 3 {
					got = fmt.Sprint(res.Status)
				}
				if got != want {
					t.Fatalf("%s as %s: %s %s, want %s", route.name, actor, got, res.Body, want)
				}
				if (res.Status != 403 && res.Status != 401) || actor == "admin" {
					return // an administrator may learn what exists (404)
				}
				// The same answer for a target that does not exist.
				again := route.do(t, s, devices[actor].Token, n, true)
				if again.Status != res.Status || again.ErrorCode() != res.ErrorCode() {
					t.Fatalf("%s as %s on a made-up target: %d %s, on a real one %s", route.name, actor, again.Status, again.ErrorCode(), got)
				}
			})
		}
	}
}

// actsOf counts the acts of a kind the actor did, in the audit trail.
func actsOf(t *testing.T, s *testserver.Server, actor, what string) int {
	t.Helper()
	acts, err := adminlog.By(s.Engine, demo.UserID(actor))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range acts {
		if a.What == what && what != "" {
			n++
		}
	}
	return n
}

// orgNumber is the n-th invented organisationsnummer 559900-NNNC with its check digit.
func orgNumber(n int) string {
	nine := fmt.Sprintf("559900%03d", n%1000)
	sum := 0
	for i, r := range nine {
		d := int(r - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprintf("%s-%s%d", nine[:6], nine[6:], (10-sum%10)%10)
}
