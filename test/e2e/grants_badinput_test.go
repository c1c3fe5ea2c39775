package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// luhnTen is a ten-digit number NNNNNN-NNNC with its Luhn check digit.
func luhnTen(nine string) string {
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

// orgState is everything the organisation, grant and review routes can change, as JSON,
// to read back after a refusal.
func orgState(t *testing.T, s *testserver.Server, users []string) string {
	t.Helper()
	var state []any
	for _, p := range s.Identity.Providers(demo.MunicipalityID) {
		state = append(state, p, s.Identity.UnitsOf(p.ID))
	}
	for _, u := range users {
		state = append(state, s.Identity.Grants(u))
	}
	for _, unit := range []string{demo.AspenID, demo.LonnenID, demo.BjorkenID} {
		r, ok, err := s.Identity.LastReview(unit)
		if err != nil {
			t.Fatal(err)
		}
		state = append(state, r, ok)
	}
	raw, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestBadOrganisationAndGrantInputChangesNothing: wrong types, unknown fields, a unit or
// parent of another provider, a bad organisation number, a grant's end in the past or
// more than a year ahead, and the like, on every new route: each gets a clear error and
// changes nothing (read back from the store, and nothing in the audit trail). Each route
// ends with a control row that is done, so that each refusal is for the one thing wrong.
func TestBadOrganisationAndGrantInputChangesNothing(t *testing.T) {
	s := testserver.Start(t)
	year := s.Clock.Now().AddDate(0, 11, 0)
	s.AddUser("lisa", demo.LonnenID, identity.RoleUnitManager, year)
	dev := map[string]*testserver.Device{}
	for _, name := range []string{"admin", "david", "lisa"} {
		dev[name] = s.Login(name)
	}
	now := s.Clock.Now()
	nyId := newcomer(t, s, "t-ny", demo.OwnProviderID)
	active := grantAs(t, s, dev["david"].Token, nyId, demo.AspenID, identity.RoleCareStaff, "active")
	users := []string{nyId}
	for _, u := range demo.Users {
		users = append(users, demo.UserID(u.Username))
	}
	davidsGrant := uuids.Named("grant/david")
	lonnenGrant := "grant-lisa"
	provider := func(edit func(map[string]any)) map[string]any {
		b := map[string]any{"name": "Omsorg Syd AB", "kind": "private", "org_number": "559900-2002"}
		edit(b)
		return b
	}
	grant := func(edit func(map[string]any)) map[string]any {
		b := map[string]any{"user_id": demo.UserID("bo"), "unit_id": demo.AspenID, "role": "coordinator", "valid_until": now.AddDate(0, 6, 0)}
		edit(b)
		return b
	}
	rows := []badRow{
		{"provider: not JSON", "admin", "POST", "/api/v1/admin/providers", "", `{"name":`, "400 invalid_json"},
		{"provider: not sent as JSON", "admin", "POST", "/api/v1/admin/providers", "text/plain", `{"name":"A","kind":"own","org_number":"559900-2002"}`, "415 unsupported_media_type"},
		{"provider: name of the wrong type", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["name"] = 5 }), "400 invalid_request"},
		{"provider: an unknown field", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["private"] = true }), "400 invalid_request"},
		{"provider: blank name", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["name"] = "  " }), "400 invalid_request"},
		{"provider: a control character", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["name"] = "Omsorg\u0007" }), "400 invalid_request"},
		{"provider: an unknown kind", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["kind"] = "public" }), "400 invalid_request"},
		{"provider: a wrong check digit", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["org_number"] = "559900-2003" }), "400 invalid_org_number"},
		{"provider: a personnummer", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["org_number"] = luhnTen("400101123") }), "400 invalid_org_number"},
		{"provider: letters", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["org_number"] = "55990A-2002" }), "400 invalid_org_number"},
		{"provider: another's number", "admin", "POST", "/api/v1/admin/providers", "", provider(func(b map[string]any) { b["org_number"] = "559900-1004" }), "409 org_number_taken"},
		{"provider: control", "admin", "POST", "/api/v1/admin/providers", "", provider(func(map[string]any) {}), "201 "},

		{"unit: a parent of another provider", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": "Grupp", "parent_unit_id": demo.BjorkenID}, "400 invalid_parent_unit"},
		{"unit: a sub-unit as parent", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": "Grupp", "parent_unit_id": demo.AspenNorrID}, "400 invalid_parent_unit"},
		{"unit: a parent that does not exist", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": "Grupp", "parent_unit_id": uuids.New()}, "400 invalid_parent_unit"},
		{"unit: a provider that does not exist", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": uuids.New(), "name": "Enhet"}, "404 provider_not_found"},
		{"unit: a provider id that is no UUID", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": "egen-regi", "name": "Enhet"}, "400 invalid_request"},
		{"unit: name of the wrong type", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": []string{"Enhet"}}, "400 invalid_request"},
		{"unit: an unknown field", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": "Enhet", "parent_id": demo.AspenID}, "400 invalid_request"},
		{"unit: control", "admin", "POST", "/api/v1/admin/units", "", map[string]any{"provider_id": demo.OwnProviderID, "name": "Aspen västra gruppen", "parent_unit_id": demo.AspenID}, "201 "},

		{"grant: valid_until in the past", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["valid_until"] = now.Add(-time.Minute) }), "400 invalid_valid_until"},
		{"grant: valid_until more than a year ahead", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["valid_until"] = now.AddDate(1, 0, 1) }), "400 invalid_valid_until"},
		{"grant: open-ended", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { delete(b, "valid_until") }), "400 invalid_valid_until"},
		{"grant: valid_until misspelt", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["valid_untill"] = b["valid_until"]; delete(b, "valid_until") }), "400 invalid_request"},
		{"grant: valid_until a number", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["valid_until"] = 1767225600 }), "400 invalid_request"},
		{"grant: valid_until not a time", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["valid_until"] = "nästa år" }), "400 invalid_request"},
		{"grant: an unknown role", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["role"] = "chef" }), "400 invalid_request"},
		{"grant: a user id that is no UUID", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["user_id"] = "bo" }), "400 invalid_request"},
		{"grant: a unit of another provider", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["unit_id"] = demo.BjorkenID }), "403 forbidden"},
		{"grant: a manager's grant", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["role"] = "unit_manager" }), "403 forbidden"},
		{"grant: oneself", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["user_id"] = demo.UserID("david") }), "403 not_yourself"},
		{"grant: a role already held", "david", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["role"] = "care_staff" }), "409 grant_exists"},
		{"grant: a unit that does not exist", "admin", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["unit_id"] = uuids.New() }), "404 unit_not_found"},
		{"grant: a user who does not exist", "admin", "POST", "/api/v1/admin/grants", "", grant(func(b map[string]any) { b["user_id"] = uuids.New() }), "404 user_not_found"},
		{"grant: control", "david", "POST", "/api/v1/admin/grants", "", grant(func(map[string]any) {}), "201 "},

		{"pending: another status", "david", "GET", "/api/v1/admin/grants?status=active", "", nil, "400 invalid_request"},
		{"pending: no status", "david", "GET", "/api/v1/admin/grants", "", nil, "400 invalid_request"},

		{"extend: into the past", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.Add(-time.Hour)}, "400 invalid_valid_until"},
		{"extend: more than a year ahead", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.AddDate(1, 1, 0)}, "400 invalid_valid_until"},
		{"extend: earlier than now set", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.AddDate(0, 1, 0)}, "400 invalid_valid_until"},
		{"extend: an unknown field", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.AddDate(0, 9, 0), "role": "coordinator"}, "400 invalid_request"},
		{"extend: no body", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", nil, "400 invalid_request"},
		{"extend: an id that is no UUID", "david", "POST", "/api/v1/admin/grants/grant-1/extend", "", map[string]any{"valid_until": now.AddDate(0, 9, 0)}, "400 invalid_request"},
		{"extend: control", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.AddDate(0, 9, 0)}, "200 "},
		{"approve: an active grant", "david", "POST", "/api/v1/admin/grants/" + active + "/approve", "", nil, "403 forbidden"},
		{"approve: a body with a field", "lisa", "POST", "/api/v1/admin/grants/" + active + "/approve", "", map[string]any{"ok": true}, "400 invalid_request"},
		{"reject: without a reason", "david", "POST", "/api/v1/admin/grants/" + active + "/reject", "", map[string]any{}, "400 invalid_request"},
		{"end: without a reason", "david", "POST", "/api/v1/admin/grants/" + active + "/end", "", map[string]any{}, "400 invalid_request"},
		{"end: a reason of the wrong type", "david", "POST", "/api/v1/admin/grants/" + active + "/end", "", map[string]any{"reason": 42}, "400 invalid_request"},
		{"end: a reason too long", "david", "POST", "/api/v1/admin/grants/" + active + "/end", "", map[string]any{"reason": strings.Repeat("a", 501)}, "400 invalid_request"},
		{"end: control", "david", "POST", "/api/v1/admin/grants/" + active + "/end", "", map[string]any{"reason": "Slutat."}, "200 "},
		{"end: once ended", "david", "POST", "/api/v1/admin/grants/" + active + "/end", "", map[string]any{"reason": "Igen."}, "409 grant_not_active"},
		{"extend: once ended", "david", "POST", "/api/v1/admin/grants/" + active + "/extend", "", map[string]any{"valid_until": now.AddDate(0, 10, 0)}, "409 grant_not_active"},

		{"end provider: in the past", "admin", "POST", "/api/v1/admin/providers/" + demo.NorrProviderID + "/end", "", map[string]any{"ends_at": now.Add(-time.Hour)}, "400 invalid_request"},
		{"end provider: no time", "admin", "POST", "/api/v1/admin/providers/" + demo.NorrProviderID + "/end", "", map[string]any{}, "400 invalid_request"},
		{"end provider: a time of the wrong type", "admin", "POST", "/api/v1/admin/providers/" + demo.NorrProviderID + "/end", "", map[string]any{"ends_at": true}, "400 invalid_request"},
		{"end provider: an unknown field", "admin", "POST", "/api/v1/admin/providers/" + demo.NorrProviderID + "/end", "", map[string]any{"ends_at": now.Add(time.Hour), "force": true}, "400 invalid_request"},
		{"end provider: an id that is no UUID", "admin", "POST", "/api/v1/admin/providers/norr/end", "", map[string]any{"ends_at": now.Add(time.Hour)}, "400 invalid_request"},
		{"end provider: one that does not exist", "admin", "POST", "/api/v1/admin/providers/" + uuids.New() + "/end", "", map[string]any{"ends_at": now.Add(time.Hour)}, "404 provider_not_found"},
	}
	runBadRows(t, s, dev, users, rows)

	// The access review, with the unit's grants as they are now.
	var aspenGrants []string
	for _, g := range s.Identity.ActiveGrantsOf(demo.AspenID, s.Clock.Now()) {
		aspenGrants = append(aspenGrants, g.ID)
	}
	others := without(aspenGrants, aspenGrants[0])
	review := func(edit func(map[string]any)) map[string]any {
		b := map[string]any{"keep": aspenGrants, "end": []string{}, "note": "Kontroll."}
		edit(b)
		return b
	}
	aspenReview := "/api/v1/admin/units/" + demo.AspenID + "/access-review"
	runBadRows(t, s, dev, users, []badRow{
		{"review: a sub-unit", "admin", "GET", "/api/v1/admin/units/" + demo.AspenNorrID + "/access-review", "", nil, "400 invalid_request"},
		{"review: keep of the wrong type", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["keep"] = "alla" }), "400 invalid_request"},
		{"review: a grant that does not exist", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["keep"] = append([]string{uuids.New()}, aspenGrants...) }), "400 invalid_request"},
		{"review: a grant twice", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["end"] = aspenGrants[:1] }), "400 invalid_request"},
		{"review: another unit's grant", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["keep"] = append([]string{lonnenGrant}, aspenGrants...) }), "400 invalid_request"},
		{"review: incomplete", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["keep"] = others }), "400 review_incomplete"},
		{"review: ending one's own grant", "david", "POST", aspenReview, "", map[string]any{"keep": without(aspenGrants, davidsGrant), "end": []string{davidsGrant}}, "403 not_yourself"},
		{"review: a note too long", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["note"] = strings.Repeat("a", 2001) }), "400 invalid_request"},
		{"review: an unknown field", "david", "POST", aspenReview, "", review(func(b map[string]any) { b["ended"] = []string{} }), "400 invalid_request"},
		{"review: control", "david", "POST", aspenReview, "", review(func(map[string]any) {}), "201 "},
	})
}

// badRow is one request of the bad input table: who sends it, and the status and code.
type badRow struct {
	name, who, method, path string
	contentType             string
	body                    any
	want                    string
}

func runBadRows(t *testing.T, s *testserver.Server, dev map[string]*testserver.Device, users []string, rows []badRow) {
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := orgState(t, s, users)
			acts := allActs(t, s, row.who)
			headers := map[string]string{}
			if row.contentType != "" {
				headers["Content-Type"] = row.contentType
			}
			if row.body == nil && row.method == "POST" {
				headers["Content-Type"] = "application/json"
			}
			res := s.DoWith(row.method, row.path, dev[row.who].Token, headers, row.body)
			if got := fmt.Sprintf("%d %s", res.Status, res.ErrorCode()); got != row.want {
				t.Fatalf("%s: %s %s, want %s", row.name, got, res.Body, row.want)
			}
			if res.Status < 300 || row.method == "GET" {
				return
			}
			if orgState(t, s, users) != before {
				t.Fatal("a refused request changed the organisation, a grant or a review")
			}
			if allActs(t, s, row.who) != acts {
				t.Fatal("a refused request recorded an act")
			}
			if e := res.ErrorCode(); e != "" && !strings.Contains(string(res.Body), `"message":"`) {
				t.Fatalf("no message with %s", e)
			}
		})
	}
}

func allActs(t *testing.T, s *testserver.Server, who string) int {
	t.Helper()
	acts, err := adminlog.By(s.Engine, demo.UserID(who))
	if err != nil {
		t.Fatal(err)
	}
	return len(acts)
}

func without(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
