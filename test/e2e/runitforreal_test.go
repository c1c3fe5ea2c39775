package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"vardag/test/testserver"
)

// TestRunItForReal follows the README's "Run it for real" on the real binary, over HTTP
// as the app does: init → the administrator activates → a provider and a unit → the
// unit's manager, who activates → the manager creates a care worker → the authority's
// system (an integration account) delivers a client and an assignment for the unit →
// the care worker activates and her first sync brings the client.
func TestRunItForReal(t *testing.T) {
	bin := testserver.BuildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	out, err := exec.Command(bin, "init", "-data", data, "-municipality", "Ekby kommun", "-admin", "it.admin", "-admin-name", "Ida IT").CombinedOutput()
	if err != nil {
		t.Fatalf("vardag init: %v\n%s", err, out)
	}
	code := regexp.MustCompile(`[0-9A-Z]{4}(-[0-9A-Z]{4}){4}`).FindString(string(out))
	if code == "" {
		t.Fatalf("vardag init printed no activation code:\n%s", out)
	}
	p := testserver.StartBinary(t, bin, "-data", data)
	api := realAPI{t: t, url: p.URL}

	admin := api.activate("it.admin", code)

	var provider struct {
		ID string `json:"provider_id"`
	}
	api.call("POST", "/api/v1/admin/providers", admin, map[string]string{"name": "Ekby Omsorg AB", "kind": "private", "org_number": "556677-8899"}, 201, &provider)
	var unit struct {
		ID string `json:"unit_id"`
	}
	api.call("POST", "/api/v1/admin/units", admin, map[string]string{"provider_id": provider.ID, "name": "Hemtjänst Ekbacken"}, 201, &unit)
	until := time.Now().AddDate(0, 11, 0).UTC().Format(time.RFC3339)

	// The unit's manager, created and granted by the administrator.
	manager := api.person(admin, "maria.chef", "Maria Chef", provider.ID, unit.ID, "unit_manager", until)
	managerToken := api.activate("maria.chef", manager)

	// The manager creates a care worker of her unit.
	worker := api.person(managerToken, "sara.lind", "Sara Lind", provider.ID, unit.ID, "care_staff", until)

	// The authority's system: an account with the integration role in the unit.
	system := api.person(admin, "treserva", "Treserva (myndighet)", provider.ID, unit.ID, "integration", until)
	systemToken := api.activate("treserva", system)
	var client struct {
		ID string `json:"client_id"`
	}
	api.call("POST", "/api/v1/integration/clients", systemToken, map[string]any{
		"personal_number": "19400312-5673", "given_name": "Greta", "family_name": "Holm",
		"address": "Ekbacken 3, Ekby", "protected_identity": false}, 201, &client)
	api.call("POST", "/api/v1/integration/assignments", systemToken, map[string]any{
		"authority_id": "EKBY-2026-0001", "personal_number": "194003125673", "unit_id": unit.ID,
		"decided_at": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339),
		"measures":   []map[string]any{{"measure_id": "0195a3b1-2c4d-7e8f-9a0b-1c2d3e4f5a6b", "type": "personal_care", "minutes_per_month": 600, "start": time.Now().Format("2006-01") + "-01"}},
	}, 201, nil)

	// The care worker activates, and her first sync brings the client.
	workerToken := api.activate("sara.lind", worker)
	var pull struct {
		Changes []struct {
			Kind string          `json:"kind"`
			ID   string          `json:"id"`
			Data json.RawMessage `json:"data"`
		} `json:"changes"`
	}
	api.call("GET", "/api/v1/sync/pull?limit=500", workerToken, nil, 200, &pull)
	var seen bool
	for _, c := range pull.Changes {
		if c.Kind == "client" && c.ID == client.ID && strings.Contains(string(c.Data), "Greta Holm") {
			seen = true
		}
	}
	if !seen {
		t.Fatalf("the care worker's first pull holds %d changes, not the client Greta Holm", len(pull.Changes))
	}
}

// realAPI calls a running Vardag over HTTP.
type realAPI struct {
	t   *testing.T
	url string
}

// call sends body (JSON) with token and wants the status want; the answer goes into out.
func (a realAPI) call(method, path, token string, body any, want int, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, got, want)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
}

// person creates an account as token's user and grants it role in unit; it returns the
// activation code.
func (a realAPI) person(token, username, name, providerID, unitID, role, until string) string {
	a.t.Helper()
	var u struct {
		ID   string `json:"user_id"`
		Code string `json:"activation_code"`
	}
	a.call("POST", "/api/v1/admin/users", token, map[string]string{"username": username, "name": name, "provider_id": providerID}, 201, &u)
	var g struct {
		Status string `json:"status"`
	}
	a.call("POST", "/api/v1/admin/grants", token, map[string]string{"user_id": u.ID, "unit_id": unitID, "role": role, "valid_until": until}, 201, &g)
	if g.Status != "active" {
		a.t.Fatalf("the grant of %s as %s: %s, want active", username, role, g.Status)
	}
	return u.Code
}

// activate activates an account with its code: a new password, an authenticator enrolled
// and its first code, and the terms accepted. It returns an access token.
func (a realAPI) activate(username, code string) string {
	a.t.Helper()
	var act struct {
		MFA   string `json:"mfa_token"`
		Enrol string `json:"enrol"`
	}
	a.call("POST", "/api/v1/auth/activate", "", map[string]string{"username": username, "activation_code": code, "new_password": newPassword}, 200, &act)
	if act.Enrol != "totp" {
		a.t.Fatalf("activation of %s: enrol %q, want totp", username, act.Enrol)
	}
	var enrol struct {
		Secret string `json:"secret"`
	}
	a.call("POST", "/api/v1/auth/enrol/totp", "", map[string]string{"mfa_token": act.MFA}, 200, &enrol)
	first, err := totp.GenerateCode(enrol.Secret, time.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	var tok struct {
		Access string `json:"access_token"`
	}
	a.call("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": act.MFA, "method": "totp", "code": first}, 200, &tok)
	var terms struct {
		Version string `json:"version"`
	}
	a.call("GET", "/api/v1/terms", "", nil, 200, &terms)
	a.call("POST", "/api/v1/me/terms", tok.Access, map[string]string{"version": terms.Version}, 204, nil)
	return tok.Access
}
