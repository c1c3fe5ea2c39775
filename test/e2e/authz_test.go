package e2e

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// The people of the authorization table: every role in Aspen (the unit whose records the
// rows act on), in Lönnen (another unit of the same provider), in Björken (another
// provider), and in Aspen with an expired grant.
var (
	aspen = map[identity.Role]string{
		identity.RoleCareStaff: "anna", identity.RoleLicensed: "cecilia", identity.RoleUnitManager: "david",
		identity.RoleCoordinator: "alma", identity.RoleUnitRep: "arvid",
	}
	lonnen = map[identity.Role]string{
		identity.RoleCareStaff: "lars", identity.RoleLicensed: "lena", identity.RoleUnitManager: "lisa",
		identity.RoleCoordinator: "lotta", identity.RoleUnitRep: "love",
	}
	bjorken = map[identity.Role]string{
		identity.RoleCareStaff: "farid", identity.RoleLicensed: "britt", identity.RoleUnitManager: "bertil",
		identity.RoleCoordinator: "eva", identity.RoleUnitRep: "bodil",
	}
	expired = map[identity.Role]string{
		identity.RoleCareStaff: "xanna", identity.RoleLicensed: "xcecilia", identity.RoleUnitManager: "xdavid",
		identity.RoleCoordinator: "xalma", identity.RoleUnitRep: "xarvid",
	}
)

// authzWorld starts a demo server with every person of the table logged in.
func authzWorld(t *testing.T) (*testserver.Server, map[string]*testserver.Device) {
	s := testserver.Start(t)
	soon, past := s.Clock.Now().Add(24*time.Hour), s.Clock.Now().Add(-time.Hour)
	demoUsers := map[string]bool{"anna": true, "cecilia": true, "david": true, "eva": true, "farid": true}
	for _, set := range []struct {
		who   map[identity.Role]string
		unit  string
		until time.Time
	}{{aspen, demo.AspenID, soon}, {lonnen, demo.LonnenID, soon}, {bjorken, demo.BjorkenID, soon}, {expired, demo.AspenID, past}} {
		for role, name := range set.who {
			if !demoUsers[name] {
				s.AddUser(name, set.unit, role, set.until)
			}
		}
	}
	devices := map[string]*testserver.Device{}
	for _, set := range []map[identity.Role]string{aspen, lonnen, bjorken, expired} {
		for _, name := range set {
			devices[name] = s.Login(name)
		}
	}
	return s, devices
}

// scenario is one row: who pushes which mutation, and the exact result.
type scenario struct {
	name   string
	who    string
	args   func() (mutation string, args any)
	status string // applied, rejected or conflict
	code   string // the error code when not applied
}

func runScenarios(t *testing.T, s *testserver.Server, devices map[string]*testserver.Device, rows []scenario) {
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			name, args := row.args()
			res := devices[row.who].Push(name, args)
			r := res.Results[0]
			code := ""
			if r.Error != nil {
				code = r.Error.Code
			}
			if r.Status != row.status || code != row.code {
				t.Fatalf("%s as %s: want %s %s, got %s %s", name, row.who, row.status, row.code, r.Status, code)
			}
		})
	}
}

// rowsFor makes one row per person of the four groups, with the expected outcome for each
// role in Aspen; every other group gets the same refusal.
func rowsFor(mutation string, args func() any, inAspen map[identity.Role]string, elsewhere string) []scenario {
	return rowsByGroup(mutation, args, inAspen, elsewhere, elsewhere, elsewhere)
}

// rowsByGroup is rowsFor with a refusal for each group outside Aspen.
func rowsByGroup(mutation string, args func() any, inAspen map[identity.Role]string, otherUnit, otherProvider, expiredGrant string) []scenario {
	var rows []scenario
	add := func(group string, who map[identity.Role]string, outcome func(identity.Role) string) {
		for role, name := range who {
			o := outcome(role)
			status, code := "applied", ""
			if o != "" {
				status, code = "rejected", o
			}
			rows = append(rows, scenario{name: mutation + "/" + group + "/" + string(role), who: name, status: status, code: code,
				args: func() (string, any) { return mutation, args() }})
		}
	}
	add("own unit", aspen, func(r identity.Role) string { return inAspen[r] })
	add("other unit", lonnen, func(identity.Role) string { return otherUnit })
	add("other provider", bjorken, func(identity.Role) string { return otherProvider })
	add("expired grant", expired, func(identity.Role) string { return expiredGrant })
	return rows
}

// Groups of the table, by name.
var groups = []struct {
	name string
	who  map[identity.Role]string
}{{"own unit", aspen}, {"other unit", lonnen}, {"other provider", bjorken}, {"expired grant", expired}}

// rowsEach makes one row per person, with the outcome expect gives for their group and
// role ("" for applied, "conflict:code" for a conflict, else the rejection code).
func rowsEach(mutation string, args func() any, expect func(group string, role identity.Role) string) []scenario {
	var rows []scenario
	for _, g := range groups {
		for role, name := range g.who {
			o := expect(g.name, role)
			status, code := "applied", ""
			switch {
			case strings.HasPrefix(o, "conflict:"):
				status, code = "conflict", strings.TrimPrefix(o, "conflict:")
			case o != "":
				status, code = "rejected", o
			}
			rows = append(rows, scenario{name: mutation + "/" + g.name + "/" + string(role), who: name, status: status, code: code,
				args: func() (string, any) { return mutation, args() }})
		}
	}
	return rows
}

// The people of the account administration table: who acts, and the accounts acted on
// (by their role; none of them acts), all in Aspen unless named otherwise.
var (
	adminActors = []string{"admin", "arvid", "david", "anna", "alma", "cecilia", "lisa", "love", "bertil", "xdavid"}
	adminTarget = map[string]identity.Role{
		"t-care": identity.RoleCareStaff, "t-norr": identity.RoleCareStaff, "t-nurse": identity.RoleLicensed,
		"t-coord": identity.RoleCoordinator, "t-rep": identity.RoleUnitRep, "t-manager": identity.RoleUnitManager,
		"t-dual": identity.RoleCareStaff, "t-admin": "",
	}
	// administers: whose accounts each actor may act on (DESIGN.md "Administration"). The
	// others (care staff, coordinator, nurse; Lönnen's and Björken's people; an expired
	// manager) act on none. t-norr works in Aspen's sub-unit; t-dual is care staff in Aspen
	// and a manager in Lönnen, so only an administrator acts on his account.
	administers = map[string][]string{
		"admin": {"t-care", "t-norr", "t-nurse", "t-coord", "t-rep", "t-manager", "t-dual", "t-admin"},
		"david": {"t-care", "t-norr", "t-nurse", "t-coord", "t-rep"},
		"arvid": {"t-care", "t-norr"},
	}
)

// adminRoute is one account administration route of the table.
type adminRoute struct {
	name         string
	managersOnly bool // unit representatives may not (sessions and phones)
	refused      string
	do           func(s *testserver.Server, token string, target *testserver.Device, targetID string) testserver.Response
	act          string // the act the audit trail records when it is done
}

// TestAccountAdministrationFollowsWhoAdministersWhom: every account administration route
// × actor role × account role. Nobody acts on an account of a role at or above their own
// (a unit representative only on care staff, a unit manager on the other roles of their
// units, an administrator on anyone); a refusal changes nothing and records nothing, and
// every act done is in the audit trail.
func TestAccountAdministrationFollowsWhoAdministersWhom(t *testing.T) {
	s := testserver.Start(t)
	soon, past := s.Clock.Now().Add(24*time.Hour), s.Clock.Now().Add(-time.Hour)
	for _, p := range []struct {
		name, unit string
		role       identity.Role
		until      time.Time
	}{
		{"arvid", demo.AspenID, identity.RoleUnitRep, soon}, {"alma", demo.AspenID, identity.RoleCoordinator, soon},
		{"lisa", demo.LonnenID, identity.RoleUnitManager, soon}, {"love", demo.LonnenID, identity.RoleUnitRep, soon},
		{"bertil", demo.BjorkenID, identity.RoleUnitManager, soon}, {"xdavid", demo.AspenID, identity.RoleUnitManager, past},
	} {
		s.AddUser(p.name, p.unit, p.role, p.until)
	}
	for name, role := range adminTarget {
		unit := demo.AspenID
		if name == "t-norr" {
			unit = demo.AspenNorrID
		}
		id := s.AddUser(name, unit, role, soon)
		switch name {
		case "t-dual":
			if err := s.Identity.PutGrant(identity.Grant{ID: "grant-t-dual-lonnen", UserID: id, UnitID: demo.LonnenID, Role: identity.RoleUnitManager, ValidUntil: soon}); err != nil {
				t.Fatal(err)
			}
		case "t-admin":
			if _, err := s.Identity.ModifyUser(id, func(u *identity.User) error { u.Admin = true; return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	actors := map[string]*testserver.Device{}
	for _, name := range adminActors {
		actors[name] = s.Login(name)
	}
	targets := map[string]*testserver.Device{}
	for name := range adminTarget {
		targets[name] = s.Login(name)
	}
	// Tokens of Aspen's provider to hand out, one for each bind that is done.
	var csv strings.Builder
	for i := range 20 {
		fmt.Fprintf(&csv, "VD-M%02d;GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n", i)
	}
	if res := s.DoWith("POST", "/api/v1/admin/tokens?provider_id="+demo.OwnProviderID, actors["admin"].Token, map[string]string{"Content-Type": "text/csv"}, csv.String()); res.Status != 200 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	serials := 0
	user := func(what string) func(*testserver.Server, string, *testserver.Device, string) testserver.Response {
		return func(s *testserver.Server, token string, _ *testserver.Device, id string) testserver.Response {
			var body any
			switch what {
			case "password":
				body = map[string]string{"new_password": "tillfälligt lösen 42"}
			case "token":
				body = map[string]string{"serial": fmt.Sprintf("VD-M%02d", serials)}
			}
			return s.Do("POST", "/api/v1/admin/users/"+id+"/"+what, token, body)
		}
	}
	// The session and phone routes come first: a reset password or a new token would keep
	// the accounts from logging in again for the next row.
	routes := []adminRoute{
		{name: "sessions", managersOnly: true, refused: "403 forbidden",
			do: func(s *testserver.Server, token string, _ *testserver.Device, id string) testserver.Response {
				return s.Do("GET", "/api/v1/admin/users/"+id+"/sessions", token, nil)
			}},
		{name: "session revoke", managersOnly: true, refused: "404 session_not_found", act: adminlog.WhatSessionRevoke,
			do: func(s *testserver.Server, token string, d *testserver.Device, _ string) testserver.Response {
				return s.Do("POST", "/api/v1/admin/sessions/"+sessionID(t, d.Token)+"/revoke", token, nil)
			}},
		{name: "device revoke", managersOnly: true, refused: "403 forbidden", act: adminlog.WhatDeviceRevoke,
			do: func(s *testserver.Server, token string, d *testserver.Device, _ string) testserver.Response {
				return s.Do("POST", "/api/v1/admin/devices/"+d.DeviceID+"/revoke", token, nil)
			}},
		{name: "unlock", refused: "403 forbidden", act: adminlog.WhatUnlock, do: user("unlock")},
		{name: "disable", refused: "403 forbidden", act: adminlog.WhatDisable, do: user("disable")},
		{name: "enable", refused: "403 forbidden", act: adminlog.WhatEnable, do: user("enable")},
		{name: "training", refused: "403 forbidden", act: adminlog.WhatTraining, do: user("training")},
		{name: "token", refused: "403 forbidden", act: adminlog.WhatTokenBind, do: user("token")},
		{name: "password", refused: "403 forbidden", act: adminlog.WhatPasswordReset, do: user("password")},
	}
	for _, route := range routes {
		for _, actor := range adminActors {
			for target := range adminTarget {
				allowed := slices.Contains(administers[actor], target) && !(route.managersOnly && actor == "arvid")
				t.Run(route.name+"/"+actor+"/"+target, func(t *testing.T) {
					id := demo.UserID(target)
					before, err := s.Identity.User(id)
					if err != nil {
						t.Fatal(err)
					}
					acts, _ := adminlog.OnAccount(s.Engine, id)
					res := route.do(s, actors[actor].Token, targets[target], id)
					got := fmt.Sprintf("%d %s", res.Status, res.ErrorCode())
					after, _ := s.Identity.User(id)
					actsAfter, _ := adminlog.OnAccount(s.Engine, id)
					if !allowed {
						if got != route.refused {
							t.Fatalf("%s as %s on %s: %s %s, want %s", route.name, actor, target, got, res.Body, route.refused)
						}
						if !reflect.DeepEqual(before, after) || len(actsAfter) != len(acts) {
							t.Fatalf("a refused %s changed the account or recorded an act", route.name)
						}
						if res := pullStatus(s, targets[target].Token); route.managersOnly && res.Status != 200 {
							t.Fatalf("a refused %s ended the session: %d %s", route.name, res.Status, res.Body)
						}
						return
					}
					if res.Status >= 300 {
						t.Fatalf("%s as %s on %s: %s %s, want it done", route.name, actor, target, got, res.Body)
					}
					if route.act == "" {
						return
					}
					if len(actsAfter) != len(acts)+1 {
						t.Fatalf("%d acts on the account after %s, want %d", len(actsAfter), route.name, len(acts)+1)
					}
					if a := actsAfter[len(acts)]; a.What != route.act || a.ByUserID != demo.UserID(actor) || a.UserID != id || a.At.IsZero() {
						t.Fatalf("the act recorded: %+v", a)
					}
					switch route.name {
					case "session revoke", "device revoke":
						targets[target] = s.Login(target) // a session of the account for the next row
					case "token":
						serials++
					}
				})
			}
		}
	}
}
