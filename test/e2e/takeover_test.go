package e2e

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/auth"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/test/testserver"
)

// chosenSeed is a seed a unit representative chose herself for a token she imports.
const chosenSeed = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"

// TestAUnitRepresentativeCannotTakeOverHerManagersAccount: the outside test's sequence —
// import a token with a seed of her choosing, bind it to the unit manager, reset his
// password, log in as him — is refused at every step, and his account stays as it was.
// The same token handed to care staff of her unit is hers to hand out.
func TestAUnitRepresentativeCannotTakeOverHerManagersAccount(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("arvid", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().Add(24*time.Hour))
	arvid := s.Login("arvid")
	davidID := demo.UserID("david")
	before, err := s.Identity.User(davidID)
	if err != nil {
		t.Fatal(err)
	}
	res := s.DoWith("POST", "/api/v1/admin/tokens?provider_id="+demo.OwnProviderID, arvid.Token,
		map[string]string{"Content-Type": "text/csv"}, "VD-EVIL;"+chosenSeed+"\n")
	if res.Status != 200 {
		t.Fatalf("importing her own provider's token: %d %s", res.Status, res.Body)
	}
	const password = "mitt nya chefslösen 9"
	for _, step := range []struct {
		name, path string
		body       any
	}{
		{"bind her token to him", "/token", map[string]string{"serial": "VD-EVIL"}},
		{"reset his password", "/password", map[string]string{"new_password": password}},
		{"unlock him", "/unlock", nil},
		{"disable him", "/disable", nil},
		{"enable him", "/enable", nil},
		{"record his training", "/training", nil},
		{"list his sessions", "/sessions", nil},
	} {
		method := "POST"
		if step.path == "/sessions" {
			method = "GET"
		}
		if res := s.Do(method, "/api/v1/admin/users/"+davidID+step.path, arvid.Token, step.body); res.Status != 403 || res.ErrorCode() != "forbidden" {
			t.Errorf("%s: %d %s, want 403 forbidden", step.name, res.Status, res.Body)
		}
	}
	after, _ := s.Identity.User(davidID)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("his account changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if acts, _ := adminlog.OnAccount(s.Engine, davidID); len(acts) != 0 {
		t.Fatalf("acts recorded on his account: %+v", acts)
	}
	// Logging in as him with what she chose fails at the password.
	s.Clock.Advance(30 * time.Second)
	if st, code, _ := login(t, s, "david", password); st != 401 || code != "invalid_credentials" {
		t.Fatalf("her password for his account: %d %s", st, code)
	}
	// He logs in as always, and her token's codes do not open his account.
	s.Clock.Advance(30 * time.Second)
	_, _, mfa := login(t, s, "david", demo.Password)
	code, _ := auth.TOTPCode(chosenSeed, s.Clock.Now())
	if own, _ := auth.TOTPCode(demo.TOTPSecret, s.Clock.Now()); own != code {
		if res := verify(s, mfa, code); res.ErrorCode() != "invalid_code" {
			t.Fatalf("her token's code for his login: %d %s", res.Status, res.Body)
		}
	}
	s.Login("david")
	// Care staff of her unit are hers to hand a token to.
	if res := s.Do("POST", "/api/v1/admin/users/"+demo.UserID("anna")+"/token", arvid.Token, map[string]string{"serial": "VD-EVIL"}); res.Status != 204 {
		t.Fatalf("binding to care staff of her unit: %d %s", res.Status, res.Body)
	}
}

// TestANewTokenOrAResetPasswordIsToldToTheOwnerAndAudited: after a unit representative
// hands out a token and the unit manager resets the password, the account's owner finds a
// message about each in their pull (no one else does), with no serial, seed or password
// in it, and the audit trail holds both acts: who, whom, what, when.
func TestANewTokenOrAResetPasswordIsToldToTheOwnerAndAudited(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("rut", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().Add(24*time.Hour))
	rut, david, bo := s.Login("rut"), s.Login("david"), s.Login("bo")
	start := s.Clock.Now()
	res := s.DoWith("POST", "/api/v1/admin/tokens?provider_id="+demo.OwnProviderID, rut.Token,
		map[string]string{"Content-Type": "text/csv"}, "VD-0042;"+chosenSeed+"\n")
	if res.Status != 200 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	annaID := demo.UserID("anna")
	if res := s.Do("POST", "/api/v1/admin/users/"+annaID+"/token", rut.Token, map[string]string{"serial": "VD-0042"}); res.Status != 204 {
		t.Fatalf("bind: %d %s", res.Status, res.Body)
	}
	const reset, own = "tillfälligt lösen 42", "mitt eget långa lösenord"
	if res := s.Do("POST", "/api/v1/admin/users/"+annaID+"/password", david.Token, map[string]string{"new_password": reset}); res.Status != 204 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}

	acts, err := adminlog.OnAccount(s.Engine, annaID)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 ||
		acts[0].What != adminlog.WhatTokenBind || acts[0].ByUserID != demo.UserID("rut") || acts[0].ByDeviceID != rut.DeviceID || acts[0].Object != "VD-0042" ||
		acts[1].What != adminlog.WhatPasswordReset || acts[1].ByUserID != demo.UserID("david") || acts[1].ByDeviceID != david.DeviceID {
		t.Fatalf("the acts on anna's account: %+v", acts)
	}
	for _, a := range acts {
		if a.UserID != annaID || a.At.Before(start) || a.At.After(s.Clock.Now()) {
			t.Fatalf("act %+v: whom or when", a)
		}
	}
	if by, _ := adminlog.By(s.Engine, demo.UserID("david")); len(by) != 1 || by[0].What != adminlog.WhatPasswordReset {
		t.Fatalf("david's acts: %+v", by)
	}

	// anna logs in with the reset password and her new token, chooses her own password,
	// and pulls.
	s.Clock.Advance(30 * time.Second)
	_, _, mfa := login(t, s, "anna", reset)
	code, _ := auth.TOTPCode(chosenSeed, s.Clock.Now())
	res = verify(s, mfa, code)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res.JSON(t, &tok)
	if res.Status != 200 {
		t.Fatalf("anna's login: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/me/password", tok.AccessToken, map[string]string{"current_password": reset, "new_password": own}); res.Status != 204 {
		t.Fatalf("choosing her own password: %d %s", res.Status, res.Body)
	}
	told := loginMessages(t, s, tok.AccessToken)
	if len(told) != 2 || told[0].Subject != adminlog.SubjectTokenBound || told[1].Subject != adminlog.SubjectPasswordReset {
		t.Fatalf("anna's messages about her login: %+v", told)
	}
	for _, m := range told {
		if m.ToUserID != annaID || m.From != messages.FromSystem || !strings.HasPrefix(m.Text, "Din inloggning ändrades") {
			t.Errorf("message %+v", m)
		}
		for _, secret := range []string{"VD-0042", chosenSeed, reset, own} {
			if strings.Contains(m.Text, secret) {
				t.Errorf("the message holds %q", secret)
			}
		}
	}
	if others := loginMessages(t, s, bo.Token); len(others) != 0 {
		t.Fatalf("bo got anna's messages: %+v", others)
	}
	for _, secret := range []string{chosenSeed, reset, own} {
		if strings.Contains(s.Logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// loginMessages are the system's messages about a change to one's login in a pull with
// token, from the beginning.
func loginMessages(t *testing.T, s *testserver.Server, token string) []messages.Message {
	t.Helper()
	var out []messages.Message
	for cursor := ""; ; {
		res := s.Do("GET", "/api/v1/sync/pull?limit=1000&cursor="+cursor, token, nil)
		var page testserver.PullPage
		res.JSON(t, &page)
		if res.Status != 200 {
			t.Fatalf("pull: %d %s", res.Status, res.Body)
		}
		for _, c := range page.Changes {
			var m messages.Message
			if c.Kind == messages.Kind && json.Unmarshal(c.Data, &m) == nil &&
				(m.Subject == adminlog.SubjectTokenBound || m.Subject == adminlog.SubjectPasswordReset) {
				out = append(out, m)
			}
		}
		if cursor = page.Cursor; !page.More {
			return out
		}
	}
}
