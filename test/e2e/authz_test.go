package e2e

import (
	"strings"
	"testing"
	"time"

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
