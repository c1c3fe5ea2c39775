package e2e

import (
	"slices"
	"testing"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// pulledClients are the ids of the client records a pull brought.
func pulledClients(changes []testserver.Change) []string {
	var ids []string
	for _, c := range changes {
		if c.Kind == "client" && c.Op != "delete" {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// grantStatus reads a grant back from the store.
func grantStatus(t *testing.T, s *testserver.Server, id string) string {
	t.Helper()
	g, ok := s.Identity.Grant(id)
	if !ok {
		t.Fatalf("no grant %s", id)
	}
	return g.State()
}

// TestAGrantToAFurtherUnitWaitsForEveryManagerInvolved (seed 003): a grant in a unit
// other than the user's own waits until the manager of every unit involved has approved
// it. While it waits it gives nothing; an approval by anyone else (a manager elsewhere,
// the administrator, the user, a nurse) is refused; once every manager involved has
// approved, the user's next pull brings the unit's data. One rejection ends a grant.
func TestAGrantToAFurtherUnitWaitsForEveryManagerInvolved(t *testing.T) {
	s := testserver.Start(t)
	year := s.Clock.Now().AddDate(0, 11, 0)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, year)
	s.AddUser("bertil", demo.BjorkenID, identity.RoleUnitManager, year)
	dev := map[string]*testserver.Device{}
	for _, name := range []string{"admin", "david", "lisa", "bertil", "cecilia", "anna", "bo"} {
		dev[name] = s.Login(name)
	}
	lonnenClients := []string{demo.ClientID(7), demo.ClientID(8)}
	anna := dev["anna"]
	first, _ := anna.Pull()
	if got := pulledClients(first); slices.Contains(got, lonnenClients[0]) || len(got) != 6 {
		t.Fatalf("anna's first pull: clients %v, want Aspen's six", got)
	}

	// Lönnen's manager gives Aspen's care worker Lönnen: Lönnen has approved by giving it,
	// Aspen (anna's unit) must too.
	res := s.Do("POST", "/api/v1/admin/grants", dev["lisa"].Token, map[string]any{"user_id": demo.UserID("anna"), "unit_id": demo.LonnenID,
		"role": identity.RoleCareStaff, "valid_until": s.Clock.Now().AddDate(0, 2, 0)})
	var created struct {
		GrantID  string   `json:"grant_id"`
		Status   string   `json:"status"`
		Awaiting []string `json:"awaiting"`
	}
	res.JSON(t, &created)
	if res.Status != 201 || created.Status != "pending" || !slices.Equal(created.Awaiting, []string{demo.AspenID}) {
		t.Fatalf("the grant: %d %s, want 201 pending awaiting Aspen", res.Status, res.Body)
	}
	changes, _ := anna.Pull()
	if got := pulledClients(changes); len(got) != 0 {
		t.Fatalf("a pending grant brought clients %v", got)
	}
	var mine struct {
		Grants []struct {
			GrantID        string `json:"grant_id"`
			Name, Username string
		} `json:"grants"`
	}
	s.Do("GET", "/api/v1/admin/grants?status=pending", dev["david"].Token, nil).JSON(t, &mine)
	if len(mine.Grants) != 1 || mine.Grants[0].GrantID != created.GrantID || mine.Grants[0].Name != "Anna Lind" || mine.Grants[0].Username != "anna" {
		t.Fatalf("david's pending list: %+v", mine)
	}
	var pending struct {
		Grants []struct {
			GrantID  string   `json:"grant_id"`
			Awaiting []string `json:"awaiting"`
		} `json:"grants"`
	}
	for _, who := range []string{"lisa", "bertil", "admin", "cecilia", "bo"} {
		s.Do("GET", "/api/v1/admin/grants?status=pending", dev[who].Token, nil).JSON(t, &pending)
		if slices.ContainsFunc(pending.Grants, func(g struct {
			GrantID  string   `json:"grant_id"`
			Awaiting []string `json:"awaiting"`
		}) bool {
			return g.GrantID == created.GrantID
		}) {
			t.Fatalf("%s is asked to decide on a grant that waits for Aspen's manager", who)
		}
	}

	// Nobody but Aspen's manager approves for Aspen.
	for who, want := range map[string]string{"bertil": "403 forbidden", "admin": "403 forbidden", "cecilia": "403 forbidden",
		"anna": "403 forbidden", "lisa": "409 already_approved"} {
		res := s.Do("POST", "/api/v1/admin/grants/"+created.GrantID+"/approve", dev[who].Token, nil)
		if got := res.Status; itoa(got)+" "+res.ErrorCode() != want {
			t.Fatalf("approval by %s: %d %s, want %s", who, got, res.Body, want)
		}
	}
	if grantStatus(t, s, created.GrantID) != identity.GrantPending {
		t.Fatal("a refused approval changed the grant")
	}
	if changes, _ := anna.Pull(); len(pulledClients(changes)) != 0 {
		t.Fatal("refused approvals gave anna Lönnen's clients")
	}
	if res := s.Do("POST", "/api/v1/admin/grants/"+created.GrantID+"/approve", dev["david"].Token, nil); res.Status != 200 {
		t.Fatalf("david's approval: %d %s", res.Status, res.Body)
	}
	if grantStatus(t, s, created.GrantID) != identity.GrantActive {
		t.Fatal("approved by every manager involved, the grant is not active")
	}
	changes, _ = anna.Pull()
	if got := pulledClients(changes); !slices.Equal(sorted(got), sorted(lonnenClients)) {
		t.Fatalf("after the approvals anna's pull brought clients %v, want Lönnen's %v", got, lonnenClients)
	}

	// Now in Aspen and Lönnen, a grant to Björken (another provider) waits for all three.
	third := grantAs(t, s, dev["admin"].Token, demo.UserID("anna"), demo.BjorkenID, identity.RoleCareStaff, "pending")
	if g, _ := s.Identity.Grant(third); !slices.Equal(g.Awaiting, sorted([]string{demo.AspenID, demo.LonnenID, demo.BjorkenID})) {
		t.Fatalf("awaiting %v, want Aspen, Lönnen and Björken (the administrator approves for none)", g.Awaiting)
	}
	for i, who := range []string{"david", "lisa", "bertil"} {
		if res := s.Do("POST", "/api/v1/admin/grants/"+third+"/approve", dev[who].Token, nil); res.Status != 200 {
			t.Fatalf("approval by %s: %d %s", who, res.Status, res.Body)
		}
		want := identity.GrantPending
		if i == 2 {
			want = identity.GrantActive
		}
		if got := grantStatus(t, s, third); got != want {
			t.Fatalf("after %s's approval the grant is %s, want %s", who, got, want)
		}
	}

	// One rejection ends a grant: bo never gets Lönnen.
	rejected := grantAs(t, s, dev["lisa"].Token, demo.UserID("bo"), demo.LonnenID, identity.RoleCareStaff, "pending")
	if res := s.Do("POST", "/api/v1/admin/grants/"+rejected+"/reject", dev["david"].Token, map[string]string{"reason": "Behövs i Aspen."}); res.Status != 200 {
		t.Fatalf("rejection: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/grants/"+rejected+"/approve", dev["lisa"].Token, nil); res.Status != 409 || res.ErrorCode() != "grant_not_pending" {
		t.Fatalf("approval after the rejection: %d %s", res.Status, res.Body)
	}
	g, _ := s.Identity.Grant(rejected)
	if g.State() != identity.GrantRejected || g.Ended == nil || g.Ended.By != demo.UserID("david") || g.Ended.Reason != "Behövs i Aspen." {
		t.Fatalf("the rejected grant: %+v", g)
	}
	bo := dev["bo"]
	changes, _ = bo.Pull()
	if got := pulledClients(changes); slices.Contains(got, lonnenClients[0]) {
		t.Fatal("a rejected grant gave bo Lönnen's clients")
	}
	// A pending grant gives no role either: bo's new grant in Lönnen is not his.
	if _, acc, _ := s.Identity.Access(demo.UserID("bo"), s.Clock.Now()); acc.Has(demo.LonnenID, identity.RoleCareStaff) {
		t.Fatal("a rejected grant gives a role")
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
