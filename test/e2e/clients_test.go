package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// record reads a record straight from the server's store (ok false when there is none).
func record(t *testing.T, s *testserver.Server, kind, id string) (syncengine.Record, bool) {
	t.Helper()
	var rec syncengine.Record
	var ok bool
	if err := s.Engine.View(func(r syncengine.ReadTx) error {
		var err error
		rec, ok, err = r.Record(kind, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rec, ok
}

// intake is an intake body of an invented person.
func intake(pn string, extra map[string]any) map[string]any {
	body := map[string]any{"personal_number": pn, "given_name": "Greta", "family_name": "Lind", "protected_identity": false}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func byPersonalNumber(s *testserver.Server, authorityID, pn, unit string) map[string]any {
	return map[string]any{
		"authority_id": authorityID, "personal_number": pn, "unit_id": unit, "decided_at": s.Clock.Now().Add(-time.Hour),
		"measures": []map[string]any{{"measure_id": authorityID + "-M1", "type": "personal_care", "minutes_per_month": 600,
			"start": s.Clock.Now().UTC().Format("2006-01") + "-01"}},
	}
}

// pulled is every change of a pull that holds needle anywhere in its data.
func pulled(changes []testserver.Change, needle string) []string {
	var found []string
	for _, c := range changes {
		if strings.Contains(string(c.Data), needle) {
			found = append(found, c.Kind+"/"+c.ID)
		}
	}
	return found
}

func TestClientIntakeTwiceChangesNothingAndAChangeIsANewVersion(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	authority := s.Login("myndighet")
	pn := demo.PersonalNumber("19501224", 61)
	body := intake(pn, map[string]any{"address": "Ekvägen 3, Sjöstad", "phone": "+4687654321"})

	first := s.Do("POST", "/api/v1/integration/clients", authority.Token, body)
	if first.Status != 201 {
		t.Fatalf("first intake: %d %s", first.Status, first.Body)
	}
	var got struct {
		ClientID string `json:"client_id"`
	}
	first.JSON(t, &got)
	if want := clients.ID(demo.MunicipalityID, pn); got.ClientID != want {
		t.Fatalf("client_id %s, want the id of the municipality and personal number %s", got.ClientID, want)
	}
	rec, ok := record(t, s, clients.Kind, got.ClientID)
	if !ok {
		t.Fatal("the client is not stored")
	}
	var c clients.Client
	json.Unmarshal(rec.Data, &c)
	if c.Name != "Greta Lind" || c.GivenName != "Greta" || c.FamilyName != "Lind" || c.Address != "Ekvägen 3, Sjöstad" || c.PersonalID != pn || len(c.Units()) != 0 {
		t.Fatalf("the stored client: %+v", c)
	}

	head := s.Head()
	again := s.Do("POST", "/api/v1/integration/clients", authority.Token, body)
	var gotAgain struct {
		ClientID string `json:"client_id"`
	}
	again.JSON(t, &gotAgain)
	if again.Status != 200 || gotAgain.ClientID != got.ClientID {
		t.Fatalf("the same intake again: %d %s", again.Status, again.Body)
	}
	if s.Head() != head {
		t.Fatalf("the same intake again wrote %d entries to the log", s.Head()-head)
	}
	if rec2, _ := record(t, s, clients.Kind, got.ClientID); rec2.Version != rec.Version {
		t.Fatalf("the same intake again made version %d of %d", rec2.Version, rec.Version)
	}
	// The ten-digit form of the same number is the same person.
	ten := pn[2:8] + "-" + pn[8:]
	if res := s.Do("POST", "/api/v1/integration/clients", authority.Token, intake(ten, map[string]any{"address": "Ekvägen 3, Sjöstad", "phone": "+4687654321"})); res.Status != 200 || s.Head() != head {
		t.Fatalf("the same person in the ten-digit form: %d %s, %d new entries", res.Status, res.Body, s.Head()-head)
	}

	moved := s.Do("POST", "/api/v1/integration/clients", authority.Token, intake(pn, map[string]any{"address": "Björkvägen 9, Sjöstad"}))
	if moved.Status != 200 {
		t.Fatalf("a changed address: %d %s", moved.Status, moved.Body)
	}
	rec3, _ := record(t, s, clients.Kind, got.ClientID)
	json.Unmarshal(rec3.Data, &c)
	if rec3.Version <= rec.Version || c.Address != "Björkvägen 9, Sjöstad" || c.Phone != "+4687654321" {
		t.Fatalf("a changed address: version %d (was %d), %+v (the phone left out stays)", rec3.Version, rec.Version, c)
	}
	if s.Head() != head+1 {
		t.Fatalf("a changed address wrote %d entries, want 1", s.Head()-head)
	}
}

func TestAnAssignmentByPersonalNumberShowsTheClientInItsUnitsOnly(t *testing.T) {
	s := testserver.Start(t)
	soon := s.Clock.Now().Add(24 * time.Hour)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, soon)
	s.AddUser("myndighet-b", demo.BjorkenID, identity.RoleIntegration, soon)
	s.AddUser("lars", demo.LonnenID, identity.RoleCareStaff, soon)
	authority, authorityB := s.Login("myndighet"), s.Login("myndighet-b")
	anna, farid, lars := s.Login("anna"), s.Login("farid"), s.Login("lars")
	for _, d := range []*testserver.Device{anna, farid, lars} {
		d.Pull()
	}
	pn := demo.PersonalNumber("19420301", 62)
	res := s.Do("POST", "/api/v1/integration/clients", authority.Token, intake(pn, map[string]any{"address": "Lindgatan 4"}))
	if res.Status != 201 {
		t.Fatalf("intake: %d %s", res.Status, res.Body)
	}
	id := clients.ID(demo.MunicipalityID, pn)
	// Received, but no unit has an assignment for her yet: nobody's phone gets her.
	for _, d := range []*testserver.Device{anna, farid, lars} {
		if changes, _ := d.Pull(); len(pulled(changes, "Lindgatan")) > 0 {
			t.Fatal("a client with no assignment reached a phone")
		}
	}

	delivered := s.Do("POST", "/api/v1/integration/assignments", authority.Token, byPersonalNumber(s, "TRE-PN-1", pn, demo.AspenID))
	if delivered.Status != 201 {
		t.Fatalf("an assignment by personal number: %d %s", delivered.Status, delivered.Body)
	}
	var a struct {
		AssignmentID string `json:"assignment_id"`
		ClientID     string `json:"client_id"`
	}
	delivered.JSON(t, &a)
	if a.ClientID != id {
		t.Fatalf("the assignment is for client %s, want the received client %s", a.ClientID, id)
	}
	changes, _ := anna.Pull()
	ch, ok := findChange(changes, clients.Kind, id)
	if !ok {
		t.Fatal("Aspen's care staff did not receive the client with her assignment")
	}
	var c clients.Client
	json.Unmarshal(ch.Data, &c)
	if c.Name != "Greta Lind" || c.UnitID != demo.AspenID || c.Address != "Lindgatan 4" {
		t.Fatalf("the client as anna receives her: %+v", c)
	}
	if _, ok := findChange(changes, "assignment", a.AssignmentID); !ok {
		t.Fatal("anna did not receive the assignment")
	}
	for name, d := range map[string]*testserver.Device{"farid (Björken)": farid, "lars (Lönnen)": lars} {
		if changes, _ := d.Pull(); len(pulled(changes, id)) > 0 {
			t.Fatalf("%s received the client of another unit: %v", name, pulled(changes, id))
		}
	}

	// A second unit's assignment: she is visible in Björken too, and still in Aspen.
	if res := s.Do("POST", "/api/v1/integration/assignments", authorityB.Token, byPersonalNumber(s, "TRE-PN-2", pn, demo.BjorkenID)); res.Status != 201 {
		t.Fatalf("an assignment in a second unit: %d %s", res.Status, res.Body)
	}
	changes, _ = farid.Pull()
	if _, ok := findChange(changes, clients.Kind, id); !ok {
		t.Fatal("Björken's care staff did not receive the client of their assignment")
	}
	changes, _ = anna.Pull()
	ch, ok = findChange(changes, clients.Kind, id)
	var both clients.Client
	json.Unmarshal(ch.Data, &both)
	if !ok || both.UnitID != demo.AspenID || !both.InUnit(demo.BjorkenID) {
		t.Fatalf("anna's next version of the client: %v %+v", ok, both)
	}
	if changes, _ := lars.Pull(); len(pulled(changes, id)) > 0 {
		t.Fatal("Lönnen, with no assignment, received the client")
	}
	// The same delivery again changes nothing.
	head := s.Head()
	if res := s.Do("POST", "/api/v1/integration/assignments", authority.Token, byPersonalNumber(s, "TRE-PN-1", pn, demo.AspenID)); res.Status != 200 || s.Head() != head {
		t.Fatalf("the same delivery again: %d %s, %d entries", res.Status, res.Body, s.Head()-head)
	}
}

func TestAProtectedIdentityFromIntakeStaysHiddenFromCareStaff(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	authority, anna, bo, cecilia, david := s.Login("myndighet"), s.Login("anna"), s.Login("bo"), s.Login("cecilia"), s.Login("david")
	pn := demo.PersonalNumber("19380808", 63)
	secret, phone := "Hemliga gränd 7", "+46701112233"
	if res := s.Do("POST", "/api/v1/integration/clients", authority.Token, intake(pn, map[string]any{"address": secret, "phone": phone, "protected_identity": true})); res.Status != 201 {
		t.Fatalf("intake: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/integration/assignments", authority.Token, byPersonalNumber(s, "TRE-SKYDD-1", pn, demo.AspenID)); res.Status != 201 {
		t.Fatalf("assignment: %d %s", res.Status, res.Body)
	}
	id := clients.ID(demo.MunicipalityID, pn)
	changes, _ := anna.Pull()
	if _, ok := findChange(changes, clients.Kind, id); !ok {
		t.Fatal("care staff did not receive the protected client at all")
	}
	if found := append(pulled(changes, "Hemliga"), pulled(changes, "701112233")...); len(found) > 0 {
		t.Fatalf("care staff received the protected address or phone in %v", found)
	}
	for name, d := range map[string]*testserver.Device{"david (manager)": david, "cecilia (licensed)": cecilia} {
		changes, _ := d.Pull()
		ch, ok := findChange(changes, clients.KindContact, id)
		if !ok || !strings.Contains(string(ch.Data), secret) || !strings.Contains(string(ch.Data), phone) {
			t.Fatalf("%s did not receive the protected contact: %v %s", name, ok, ch.Data)
		}
	}

	// The manager updates the contact details: the new address still reaches only the
	// managers; the door code is for everyone of the unit.
	r := david.Push(clients.MutationContactUpdate, map[string]any{"client_id": id, "address": "Nya hemliga vägen 9", "door_code": "4711",
		"relatives": []map[string]any{{"name": "Karin Lind", "relation": "dotter", "phone": "+46709998877"}}})
	if r.Results[0].Status != "applied" {
		t.Fatalf("contact update: %+v", r.Results[0])
	}
	changes, _ = bo.Pull()
	ch, ok := findChange(changes, clients.Kind, id)
	if !ok || !strings.Contains(string(ch.Data), `"door_code":"4711"`) || !strings.Contains(string(ch.Data), "Karin Lind") {
		t.Fatalf("care staff did not receive the door code and relative: %v %s", ok, ch.Data)
	}
	if found := append(pulled(changes, "hemliga"), pulled(changes, "701112233")...); len(found) > 0 {
		t.Fatalf("care staff received the protected address or phone in %v", found)
	}
	changes, _ = david.Pull()
	if ch, ok := findChange(changes, clients.KindContact, id); !ok || !strings.Contains(string(ch.Data), "Nya hemliga vägen 9") || !strings.Contains(string(ch.Data), phone) {
		t.Fatalf("the manager's contact record after the update: %v %s", ok, ch.Data)
	}
	// A new intake (the authority's next delivery, protected still) keeps it that way.
	if res := s.Do("POST", "/api/v1/integration/clients", authority.Token, intake(pn, map[string]any{"protected_identity": true})); res.Status != 200 {
		t.Fatalf("intake again: %d %s", res.Status, res.Body)
	}
	changes, _ = anna.Pull()
	if found := append(pulled(changes, "hemliga"), pulled(changes, "701112233")...); len(found) > 0 {
		t.Fatalf("care staff received the protected address or phone in %v", found)
	}
}

func TestClientIntakeBadInputChangesNothing(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	authority := s.Login("myndighet")
	pn := demo.PersonalNumber("19470101", 64)
	tomorrow := s.Clock.Now().In(time.FixedZone("CET", 3600)).AddDate(0, 0, 2).Format("2006-01-02")
	bad := pn[:len(pn)-1] + fmt.Sprint((int(pn[len(pn)-1]-'0')+1)%10) // a wrong check digit
	cases := []struct {
		name  string
		path  string
		body  any
		code  string
		field string
	}{
		{"a wrong check digit", "clients", intake(bad, nil), "invalid_args", "personal_number"},
		{"no personal number", "clients", intake("", nil), "invalid_args", "personal_number"},
		{"a birth date in the future", "clients", intake(demo.PersonalNumber("20991231", 1), nil), "invalid_args", "personal_number"},
		{"an unknown field", "clients", intake(pn, map[string]any{"nickname": "Gret"}), "invalid_args", "nickname"},
		{"a field in another case", "clients", intake(pn, map[string]any{"Address": "x"}), "invalid_args", "Address"},
		{"a name of the wrong type", "clients", intake(pn, map[string]any{"given_name": 5}), "invalid_args", "given_name"},
		{"protected identity as a text", "clients", intake(pn, map[string]any{"protected_identity": "yes"}), "invalid_args", "protected_identity"},
		{"no protected identity", "clients", map[string]any{"personal_number": pn, "given_name": "Greta", "family_name": "Lind"}, "invalid_args", "protected_identity"},
		{"a blank family name", "clients", intake(pn, map[string]any{"family_name": "   "}), "invalid_args", "family_name"},
		{"a name too long", "clients", intake(pn, map[string]any{"given_name": strings.Repeat("a", 201)}), "invalid_args", "given_name"},
		{"a phone not in E.164", "clients", intake(pn, map[string]any{"phone": "070-123 45 67"}), "invalid_args", "phone"},
		{"a date of death in the future", "clients", intake(pn, map[string]any{"deceased_on": tomorrow}), "invalid_args", "deceased_on"},
		{"a date of death that is no date", "clients", intake(pn, map[string]any{"deceased_on": "2026-02-30"}), "invalid_args", "deceased_on"},
		{"a control character", "clients", intake(pn, map[string]any{"address": "Gata\u00071"}), "invalid_text", "address"},
		{"an assignment for an unknown personal number", "assignments", byPersonalNumber(s, "TRE-BAD-1", pn, demo.AspenID), "client_not_received", ""},
		{"an assignment for an invalid personal number", "assignments", byPersonalNumber(s, "TRE-BAD-2", bad, demo.AspenID), "invalid_args", "personal_number"},
	}
	both := byPersonalNumber(s, "TRE-BAD-3", pn, demo.AspenID)
	both["client_id"] = demo.ClientID(1)
	cases = append(cases, struct {
		name, path string
		body       any
		code       string
		field      string
	}{"an assignment naming its client twice", "assignments", both, "invalid_args", "client_id"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			head := s.Head()
			res := s.Do("POST", "/api/v1/integration/"+tc.path, authority.Token, tc.body)
			var e struct {
				Fields map[string]string `json:"fields"`
			}
			res.JSON(t, &e)
			if res.Status != 400 || res.ErrorCode() != tc.code || (tc.field != "" && e.Fields[tc.field] == "") {
				t.Fatalf("%d %s, want 400 %s naming %q", res.Status, res.Body, tc.code, tc.field)
			}
			if strings.Contains(string(res.Body), pn[2:8]) {
				t.Fatalf("the answer repeats the personal number: %s", res.Body)
			}
			if s.Head() != head {
				t.Fatalf("a refused request wrote %d entries", s.Head()-head)
			}
			if _, ok := record(t, s, clients.Kind, clients.ID(demo.MunicipalityID, pn)); ok {
				t.Fatal("a refused request stored the client")
			}
		})
	}
}

// TestClientRoutesAndMutationsByRole is the scenario table of the client intake and the
// two client mutations × roles × own unit, other unit, other provider and expired grant.
func TestClientRoutesAndMutationsByRole(t *testing.T) {
	s, devices := authzWorld(t)
	soon, past := s.Clock.Now().Add(24*time.Hour), s.Clock.Now().Add(-time.Hour)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, soon)
	s.AddUser("myndighet-b", demo.BjorkenID, identity.RoleIntegration, soon)
	s.AddUser("xmyndighet", demo.AspenID, identity.RoleIntegration, past)
	for _, name := range []string{"myndighet", "myndighet-b", "xmyndighet"} {
		devices[name] = s.Login(name)
	}
	client := demo.ClientID(1) // Astrid, of Aspen
	contact := func() any {
		return map[string]any{"client_id": client, "door_code": "1234", "key_note": "Nyckel i nyckelskåpet",
			"relatives": []map[string]any{{"name": "Per Nilsson", "relation": "son", "phone": "+46701234567"}}}
	}
	health := func() any { return map[string]any{"client_id": client, "infection": "MRSA"} }
	rows := rowsByGroup(clients.MutationContactUpdate, contact, map[identity.Role]string{
		identity.RoleCareStaff: "forbidden", identity.RoleLicensed: "forbidden", identity.RoleUnitRep: "forbidden",
		identity.RoleCoordinator: "", identity.RoleUnitManager: "",
	}, "client_not_found", "client_not_found", "client_not_found")
	rows = append(rows, rowsByGroup(clients.MutationHealthUpdate, health, map[identity.Role]string{
		identity.RoleCareStaff: "forbidden", identity.RoleLicensed: "", identity.RoleUnitRep: "forbidden",
		identity.RoleCoordinator: "forbidden", identity.RoleUnitManager: "forbidden",
	}, "client_not_found", "client_not_found", "client_not_found")...)
	rows = append(rows,
		scenario{name: "client.contact.update/integration", who: "myndighet", status: "rejected", code: "client_not_found",
			args: func() (string, any) { return clients.MutationContactUpdate, contact() }},
		scenario{name: "client.health.update/integration", who: "myndighet", status: "rejected", code: "client_not_found",
			args: func() (string, any) { return clients.MutationHealthUpdate, health() }},
		scenario{name: "client.health.update/unknown client", who: "cecilia", status: "rejected", code: "client_not_found",
			args: func() (string, any) {
				return clients.MutationHealthUpdate, map[string]any{"client_id": clients.ID(demo.MunicipalityID, "194001010000"), "infection": "x"}
			}},
	)
	runScenarios(t, s, devices, rows)

	// The intake route: the integration accounts of the municipality (of any provider's
	// unit) take clients in; no person does, nor an integration account whose grant ended.
	pn := demo.PersonalNumber("19490606", 65)
	for _, g := range groups {
		for role, name := range g.who {
			t.Run("intake/"+g.name+"/"+string(role), func(t *testing.T) {
				if res := s.Do("POST", "/api/v1/integration/clients", devices[name].Token, intake(pn, nil)); res.Status != 403 || res.ErrorCode() != "forbidden" {
					t.Fatalf("%s: %d %s", name, res.Status, res.Body)
				}
			})
		}
	}
	for _, row := range []struct {
		who    string
		status int
		code   string
	}{{"xmyndighet", 403, "forbidden"}, {"myndighet", 201, ""}, {"myndighet-b", 200, ""}} {
		t.Run("intake/"+row.who, func(t *testing.T) {
			res := s.Do("POST", "/api/v1/integration/clients", devices[row.who].Token, intake(pn, nil))
			if res.Status != row.status || res.ErrorCode() != row.code {
				t.Fatalf("%s: %d %s, want %d %s", row.who, res.Status, res.Body, row.status, row.code)
			}
		})
	}
	if _, ok := record(t, s, clients.Kind, clients.ID(demo.MunicipalityID, pn)); !ok {
		t.Fatal("the integration's intake was not stored")
	}
}

// TestClientDataUpdatesAreCheckedAndReachTheUnit: the contact and health updates land on
// the client's record for the unit's staff; bad input changes nothing.
func TestClientDataUpdatesAreCheckedAndReachTheUnit(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, s.Clock.Now().Add(24*time.Hour))
	alma, cecilia, anna := s.Login("alma"), s.Login("cecilia"), s.Login("anna")
	anna.Pull()
	client := demo.ClientID(2)
	for _, bad := range []struct {
		who  *testserver.Device
		name string
		args map[string]any
		code string
	}{
		{alma, clients.MutationContactUpdate, map[string]any{"client_id": client}, "invalid_args"},
		{alma, clients.MutationContactUpdate, map[string]any{"client_id": client, "relatives": []map[string]any{{"name": "A", "relation": "son", "phone": "0701234567"}}}, "invalid_args"},
		{alma, clients.MutationContactUpdate, map[string]any{"client_id": client, "relatives": []any{}, "pin": "1"}, "invalid_args"},
		{alma, clients.MutationContactUpdate, map[string]any{"client_id": client, "relatives": []any{}, "door_code": 1234}, "invalid_args"},
		{cecilia, clients.MutationHealthUpdate, map[string]any{"client_id": client}, "invalid_args"},
		{cecilia, clients.MutationHealthUpdate, map[string]any{"client_id": "astrid", "infection": "x"}, "invalid_args"},
		{cecilia, clients.MutationHealthUpdate, map[string]any{"client_id": client, "infection": strings.Repeat("x", 501)}, "invalid_args"},
	} {
		head := s.Head()
		r := bad.who.Push(bad.name, bad.args)
		if r.Results[0].Status != "rejected" || r.Results[0].Error.Code != bad.code || s.Head() != head {
			t.Fatalf("%s %v: %+v, %d entries", bad.name, bad.args, r.Results[0], s.Head()-head)
		}
	}
	if r := cecilia.Push(clients.MutationHealthUpdate, map[string]any{"client_id": client, "infection": "Calicivirus", "hypersensitivity": "Penicillin"}); r.Results[0].Status != "applied" {
		t.Fatalf("health update: %+v", r.Results[0])
	}
	if r := alma.Push(clients.MutationContactUpdate, map[string]any{"client_id": client, "key_note": "Nyckel hos grannen", "relatives": []any{}}); r.Results[0].Status != "applied" {
		t.Fatalf("contact update: %+v", r.Results[0])
	}
	changes, _ := anna.Pull()
	ch, ok := findChange(changes, clients.Kind, client)
	var c clients.Client
	json.Unmarshal(ch.Data, &c)
	if !ok || c.Infection != "Calicivirus" || c.Hypersensitivity != "Penicillin" || c.KeyNote != "Nyckel hos grannen" || c.Name != "Gösta Karlsson" {
		t.Fatalf("the client as care staff receive her: %v %+v", ok, c)
	}
	// Clearing one flag keeps the other.
	if r := cecilia.Push(clients.MutationHealthUpdate, map[string]any{"client_id": client, "infection": ""}); r.Results[0].Status != "applied" {
		t.Fatalf("health update: %+v", r.Results[0])
	}
	rec, _ := record(t, s, clients.Kind, client)
	var cleared clients.Client
	json.Unmarshal(rec.Data, &cleared)
	if cleared.Infection != "" || cleared.Hypersensitivity != "Penicillin" {
		t.Fatalf("after clearing the infection: %+v", cleared)
	}
}

// TestADemoClientTakenInIsTheSameRecord: the demo's clients have the ids intake gives
// them, so the authority's system delivering one finds her (200, the same id); from then
// on her assignments decide where she is seen, while before intake an assignment for her
// in another unit is refused (TestAnAssignmentForAnotherUnitsClientIsRefused).
func TestADemoClientTakenInIsTheSameRecord(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	authority, anna := s.Login("myndighet"), s.Login("anna")
	anna.Pull()
	britt := demo.ClientID(7) // of Lönnen
	pn := demo.PersonalNumber("19390828", 7)
	res := s.Do("POST", "/api/v1/integration/clients", authority.Token, map[string]any{"personal_number": pn, "given_name": "Britt", "family_name": "Andersson", "protected_identity": false})
	var got struct {
		ClientID string `json:"client_id"`
	}
	res.JSON(t, &got)
	if res.Status != 200 || got.ClientID != britt {
		t.Fatalf("intake of a demo client: %d %s, want 200 with %s", res.Status, res.Body, britt)
	}
	if res := s.Do("POST", "/api/v1/integration/assignments", authority.Token, byPersonalNumber(s, "TRE-BRITT-1", pn, demo.AspenID)); res.Status != 201 {
		t.Fatalf("an Aspen assignment for Britt after intake: %d %s", res.Status, res.Body)
	}
	changes, _ := anna.Pull()
	ch, ok := findChange(changes, clients.Kind, britt)
	var c clients.Client
	json.Unmarshal(ch.Data, &c)
	if !ok || c.UnitID != demo.LonnenID || !c.InUnit(demo.AspenID) || c.Address == "" {
		t.Fatalf("Britt as Aspen's care staff receive her: %v %+v", ok, c)
	}
}
