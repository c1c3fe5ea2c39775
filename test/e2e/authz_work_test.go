package e2e

import (
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/reference"
	"vardag/internal/uuids"
)

func in(role identity.Role, roles ...identity.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// TestAuthorizationAssignments: distributing is for coordinators and managers of the
// unit; acknowledging for its staff, not licensed staff; elsewhere it does not exist.
func TestAuthorizationAssignments(t *testing.T) {
	s, devices := authzWorld(t)
	assignment := uuids.Named("assignment/DEMO-ASPEN-2")
	distribute := func() any { return map[string]any{"assignment_id": assignment, "subunit_id": demo.AspenSydID} }
	runScenarios(t, s, devices, rowsEach("assignment.distribute", distribute, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "assignment_not_found"
		case in(r, identity.RoleCoordinator, identity.RoleUnitManager):
			return ""
		}
		return "forbidden"
	}))
	acknowledge := func() any { return map[string]any{"assignment_id": assignment, "move_to_my_persons": false} }
	runScenarios(t, s, devices, rowsEach("assignment.acknowledge", acknowledge, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "assignment_not_found"
		case r == identity.RoleLicensed:
			return "forbidden"
		}
		return ""
	}))
}

// TestAuthorizationDeviationAnalyse: a SoL deviation is analysed by the unit's manager
// only (licensed staff analyse HSL ones). Those who see it — the reporter (anna) and
// licensed staff — are refused; to those who do not see deviations it does not exist.
func TestAuthorizationDeviationAnalyse(t *testing.T) {
	s, devices := authzWorld(t)
	analyse := func() any {
		return map[string]any{"deviation_id": uuids.Named("demo/deviation/1"), "consequence": "Ingen skada", "analysis": "Halkigt golv",
			"actions": "Halkskydd beställt", "status": "investigating"}
	}
	runScenarios(t, s, devices, rowsEach("deviation.analyse", analyse, func(g string, r identity.Role) string {
		switch {
		case g != "own unit", in(r, identity.RoleCoordinator, identity.RoleUnitRep):
			return "deviation_not_found"
		case r == identity.RoleUnitManager:
			return ""
		}
		return "forbidden"
	}))
}

// TestAuthorizationSigning: lists and delegations are made by licensed staff; signing
// needs a delegation (anna has one) or a licence.
func TestAuthorizationSigning(t *testing.T) {
	s, devices := authzWorld(t)
	now := s.Clock.Now()
	list := func() any {
		return map[string]any{"list_id": uuids.New(), "client_id": demo.ClientID(2),
			"measures":   []map[string]any{{"measure_id": uuids.New(), "kind": "wound_care", "instruction": "Omläggning", "times": []string{"10:00"}, "prn": false}},
			"valid_from": now, "valid_until": now.Add(30 * 24 * time.Hour)}
	}
	runScenarios(t, s, devices, rowsEach("signing.list.save", list, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "client_not_found"
		case r == identity.RoleLicensed:
			return ""
		}
		return "forbidden"
	}))
	grant := func() any {
		return map[string]any{"delegation_id": uuids.New(), "user_id": demo.UserID("bo"), "measure_kind": "wound_care",
			"valid_from": now, "valid_until": now.Add(90 * 24 * time.Hour)}
	}
	runScenarios(t, s, devices, rowsEach("delegation.grant", grant, func(g string, r identity.Role) string {
		switch {
		case g == "expired grant" || r != identity.RoleLicensed:
			return "forbidden"
		case g != "own unit":
			return "user_not_found" // bo does not work in the nurse's unit
		}
		return ""
	}))
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	local := now.In(stockholm)
	due := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, stockholm).UTC()
	sign := func() any {
		return map[string]any{"signature_id": uuids.New(), "list_id": uuids.Named("demo/list/1"), "measure_id": uuids.Named("demo/measure/medicine"),
			"due_at": due, "outcome": "given", "signed_at": now}
	}
	runScenarios(t, s, devices, rowsEach("signing.sign", sign, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "list_not_found"
		case r == identity.RoleLicensed, r == identity.RoleCareStaff: // anna holds the demo's delegation
			return ""
		}
		return "forbidden"
	}))
}

// TestAuthorizationAdministration: bulletins and reference lists are the administrator's.
func TestAuthorizationAdministration(t *testing.T) {
	s, devices := authzWorld(t)
	devices["admin"] = s.Login("admin")
	now := s.Clock.Now()
	bulletin := func() any {
		return map[string]any{"bulletin_id": uuids.New(), "title": "Planerat driftstopp", "text": "Vardag är nere för underhåll.",
			"from": now.Add(24 * time.Hour), "until": now.Add(26 * time.Hour)}
	}
	rows := rowsEach("bulletin.post", bulletin, func(string, identity.Role) string { return "forbidden" })
	rows = append(rows, scenario{name: "bulletin.post/administrator", who: "admin", status: "applied",
		args: func() (string, any) { return "bulletin.post", bulletin() }})
	// bulletin.end: each row ends a notice of its own, posted by the administrator.
	end := func() any {
		b := bulletin()
		if r := devices["admin"].Push("bulletin.post", b).Results[0]; r.Status != "applied" {
			t.Fatalf("the notice to end: %+v", r)
		}
		return map[string]any{"bulletin_id": b.(map[string]any)["bulletin_id"]}
	}
	rows = append(rows, rowsEach("bulletin.end", end, func(string, identity.Role) string { return "forbidden" })...)
	rows = append(rows, scenario{name: "bulletin.end/administrator", who: "admin", status: "applied",
		args: func() (string, any) { return "bulletin.end", end() }},
		scenario{name: "bulletin.end/administrator/unknown", who: "admin", status: "rejected", code: "bulletin_not_found",
			args: func() (string, any) { return "bulletin.end", map[string]any{"bulletin_id": uuids.New()} }})
	runScenarios(t, s, devices, rows)
}

// TestAuthorizationRevokeAndRead: a delegation is revoked by the unit's licensed staff;
// the message about a deviation is read by those it was for, the managers and nurses.
func TestAuthorizationRevokeAndRead(t *testing.T) {
	s, devices := authzWorld(t)
	now := s.Clock.Now()
	revoke := func() any { // each row revokes a delegation of its own
		id := uuids.New()
		r := devices["cecilia"].Push("delegation.grant", map[string]any{"delegation_id": id, "user_id": demo.UserID("anna"),
			"measure_kind": "eye_drops", "valid_from": now, "valid_until": now.Add(30 * 24 * time.Hour)})
		if r.Results[0].Status != "applied" {
			t.Fatalf("the delegation to revoke: %+v", r.Results[0])
		}
		return map[string]any{"delegation_id": id, "reason": "Ny bedömning"}
	}
	runScenarios(t, s, devices, rowsEach("delegation.revoke", revoke, func(g string, r identity.Role) string {
		switch {
		case g != "own unit":
			return "delegation_not_found"
		case r == identity.RoleLicensed:
			return ""
		}
		return "forbidden"
	}))
	read := func() any {
		return map[string]any{"message_id": uuids.Named("deviation-message/" + uuids.Named("demo/deviation/1"))}
	}
	runScenarios(t, s, devices, rowsEach("message.read", read, func(g string, r identity.Role) string {
		if g == "own unit" && in(r, identity.RoleUnitManager, identity.RoleLicensed) {
			return ""
		}
		return "message_not_found"
	}))
}

// TestAuthorizationReferenceLists: reference lists are edited by the administrator only.
func TestAuthorizationReferenceLists(t *testing.T) {
	s, devices := authzWorld(t)
	devices["admin"] = s.Login("admin")
	save := func() any {
		return map[string]any{"list_id": reference.ListID(demo.MunicipalityID, "keywords"), "kind": "keywords",
			"items": []map[string]any{{"code": "hygiene", "label_sv": "Personlig hygien"}, {"code": "meals", "label_sv": "Måltid"}}}
	}
	rows := rowsEach("reference.list.save", save, func(string, identity.Role) string { return "forbidden" })
	rows = append(rows, scenario{name: "reference.list.save/administrator", who: "admin", status: "applied",
		args: func() (string, any) { return "reference.list.save", save() }})
	runScenarios(t, s, devices, rows)
}
