package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/test/testserver"
)

// TestSigningWithDelegationAndADoubleSigning: the nurse makes a list and delegates
// medication to anna; anna signs, bo (no delegation) is refused, and a second signature
// of the same occurrence is kept and flagged to the nurse — never merged, never dropped.
func TestSigningWithDelegationAndADoubleSigning(t *testing.T) {
	s := testserver.Start(t)
	cecilia, anna, bo := s.Login("cecilia"), s.Login("anna"), s.Login("bo")
	now := s.Clock.Now()
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	local := now.In(stockholm)
	due := time.Date(local.Year(), local.Month(), local.Day(), 8, 0, 0, 0, stockholm).UTC()
	listID, measureID := uuids.New(), uuids.New()
	push := func(d *testserver.Device, name string, args any) testserver.Result {
		t.Helper()
		return d.Push(name, args).Results[0]
	}
	if r := push(cecilia, "signing.list.save", map[string]any{"list_id": listID, "client_id": demo.ClientID(1),
		"measures":   []map[string]any{{"measure_id": measureID, "kind": "medication", "instruction": "Waran 2,5 mg", "times": []string{"08:00"}, "prn": false}},
		"valid_from": now.Add(-24 * time.Hour), "valid_until": now.Add(30 * 24 * time.Hour)}); r.Status != "applied" {
		t.Fatalf("list: %+v", r)
	}
	if r := push(anna, "signing.list.save", map[string]any{"list_id": uuids.New(), "client_id": demo.ClientID(1),
		"measures":   []map[string]any{{"measure_id": uuids.New(), "kind": "medication", "instruction": "x", "times": []string{"09:00"}, "prn": false}},
		"valid_from": now, "valid_until": now.Add(time.Hour)}); r.Status != "rejected" || r.Error.Code != "forbidden" {
		t.Fatalf("care staff making a list: %+v", r)
	}
	if r := push(cecilia, "delegation.grant", map[string]any{"delegation_id": uuids.New(), "user_id": demo.UserID("anna"),
		"measure_kind": "medication", "valid_from": now.Add(-time.Hour), "valid_until": now.Add(180 * 24 * time.Hour)}); r.Status != "applied" {
		t.Fatalf("delegation: %+v", r)
	}
	sign := func(d *testserver.Device) testserver.Result {
		return push(d, "signing.sign", map[string]any{"signature_id": uuids.New(), "list_id": listID, "measure_id": measureID,
			"due_at": due, "outcome": "given", "signed_at": now})
	}
	if r := sign(bo); r.Status != "rejected" || r.Error.Code != "no_delegation" {
		t.Fatalf("bo without a delegation: %+v", r)
	}
	if r := sign(anna); r.Status != "applied" {
		t.Fatalf("anna's signature: %+v", r)
	}
	if r := sign(anna); r.Status != "applied" {
		t.Fatalf("the second signature must be kept: %+v", r)
	}
	changes, _ := cecilia.Pull()
	signatures, flagged, alerts := 0, 0, 0
	for _, c := range changes { // this list's only: the demo has a list of its own
		var rec struct {
			ListID       string `json:"list_id"`
			DoubleSigned bool   `json:"double_signed"`
		}
		json.Unmarshal(c.Data, &rec)
		if rec.ListID != listID {
			continue
		}
		switch c.Kind {
		case "signature":
			signatures++
			if rec.DoubleSigned {
				flagged++
			}
		case "signing_alert":
			alerts++
		}
	}
	if signatures != 2 || flagged != 1 || alerts != 1 {
		t.Fatalf("the nurse sees %d signatures (%d flagged) and %d alerts; want 2, 1, 1", signatures, flagged, alerts)
	}
	changes, _ = s.Login("farid").Pull()
	for _, c := range changes {
		if c.Kind == "signature" || c.Kind == "signing_list" || c.Kind == "signing_alert" {
			t.Fatalf("another provider received %s", c.Kind)
		}
	}
}

// TestASignatureArrivingAfterTheRevocationIsRefused: anna signs wound care offline; an hour
// later the nurse revokes her delegation, and only then does anna's phone reach the
// server. The revocation was on the server first, so the signature is refused with
// delegation_revoked whatever its signed_at says (a device's clock could have put it
// before the revocation by up to 72 hours), and nothing of it is stored.
func TestASignatureArrivingAfterTheRevocationIsRefused(t *testing.T) {
	s := testserver.Start(t)
	cecilia, anna := s.Login("cecilia"), s.Login("anna")
	now := s.Clock.Now()
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	local := now.In(stockholm)
	due := time.Date(local.Year(), local.Month(), local.Day(), 8, 0, 0, 0, stockholm).UTC()
	listID, measureID, delegationID := uuids.New(), uuids.New(), uuids.New()
	res := cecilia.Push("signing.list.save", map[string]any{"list_id": listID, "client_id": demo.ClientID(1),
		"measures":   []map[string]any{{"measure_id": measureID, "kind": "wound_care", "instruction": "Byt förband på vänster ben", "times": []string{"08:00"}, "prn": false}},
		"valid_from": now.Add(-24 * time.Hour), "valid_until": now.Add(30 * 24 * time.Hour)},
		"delegation.grant", map[string]any{"delegation_id": delegationID, "user_id": demo.UserID("anna"),
			"measure_kind": "wound_care", "valid_from": now.Add(-time.Hour), "valid_until": now.Add(180 * 24 * time.Hour)})
	if res.Results[0].Status != "applied" || res.Results[1].Status != "applied" {
		t.Fatalf("list and delegation: %+v", res.Results)
	}
	signatureID := uuids.New()
	offline := anna.Batch("signing.sign", map[string]any{"signature_id": signatureID, "list_id": listID, "measure_id": measureID,
		"due_at": due, "outcome": "given", "signed_at": now})
	s.Clock.Advance(time.Hour)
	for _, d := range []*testserver.Device{cecilia, anna} {
		if res := d.Refresh(); res.Status != 200 {
			t.Fatalf("refresh %s: %d %s", d.Username, res.Status, res.Body)
		}
	}
	if r := cecilia.Push("delegation.revoke", map[string]any{"delegation_id": delegationID, "reason": "Avslutad anställning"}).Results[0]; r.Status != "applied" {
		t.Fatalf("revocation: %+v", r)
	}
	s.Clock.Advance(time.Minute)
	answer := anna.Send(offline)
	var pr testserver.PushResult
	answer.JSON(t, &pr)
	if answer.Status != 200 || pr.Results[0].Status != "rejected" || pr.Results[0].Error == nil || pr.Results[0].Error.Code != "delegation_revoked" {
		t.Fatalf("a signature made before the revocation, arriving after it: %d %s", answer.Status, answer.Body)
	}
	changes, _ := cecilia.Pull()
	for _, c := range changes {
		if c.Kind == "signature" && c.ID == signatureID {
			t.Fatalf("the refused signature was stored: %s", c.Data)
		}
	}
}

// TestMeTellsThePhoneTheSigningWindow: GET /api/v1/me tells the phone the server's
// signing window (12 h before the due time to 48 h after) and how long before the due
// time it asks before signing: 60 minutes by default, else the server's setting.
func TestMeTellsThePhoneTheSigningWindow(t *testing.T) {
	type window struct {
		Earliest int `json:"sign_earliest_s"`
		Latest   int `json:"sign_latest_s"`
		Warning  int `json:"sign_early_warning_s"`
	}
	for _, tc := range []struct {
		name string
		edit []func(*config.Config)
		want window
	}{
		{"default", nil, window{12 * 3600, 48 * 3600, 3600}},
		{"set to 90 minutes", []func(*config.Config){func(c *config.Config) { c.SignEarlyWarning = 90 * time.Minute }}, window{12 * 3600, 48 * 3600, 5400}},
	} {
		s := testserver.Start(t, tc.edit...)
		anna := s.Login("anna")
		var got window
		s.Do("GET", "/api/v1/me", anna.Token, nil).JSON(t, &got)
		if got != tc.want {
			t.Errorf("%s: GET /api/v1/me tells %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
