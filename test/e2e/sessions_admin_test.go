package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/test/testserver"
)

// loginDevice logs a user in by hand, asking for deviceID, and answers the tokens. It
// moves the clock on 30 s before and after, so that neither this login nor a later
// s.Login of the same user meets a TOTP step already used (RFC 6238 §5.2).
func loginDevice(t *testing.T, s *testserver.Server, user, deviceID string) (token, deviceGot string) {
	t.Helper()
	s.Clock.Advance(30 * time.Second)
	defer s.Clock.Advance(30 * time.Second)
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": demo.Password, "device_id": deviceID, "device_name": "Test phone"})
	if res.Status != 200 {
		t.Fatalf("login %s: %d %s", user, res.Status, res.Body)
	}
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	res.JSON(t, &ch)
	res = verify(s, ch.MFAToken, s.Code())
	if res.Status != 200 {
		t.Fatalf("verify %s: %d %s", user, res.Status, res.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		DeviceID    string `json:"device_id"`
	}
	res.JSON(t, &tok)
	return tok.AccessToken, tok.DeviceID
}

func pullStatus(s *testserver.Server, token string) testserver.Response {
	return s.Do("GET", "/api/v1/sync/pull", token, nil)
}

// TestAdminRevokesADevice: a unit manager or an administrator can end every session of a
// lost phone (OWASP ASVS 5.0 V7.4.5: administrators can terminate active sessions; V7.4.1:
// a terminated session can no longer be used; NIST SP 800-63B §7.1: session secrets are
// invalidated on the server). The phone's next request answers device_revoked; its other
// phone keeps working; a care worker may not revoke devices; and the revoked id is never
// given a session again.
func TestAdminRevokesADevice(t *testing.T) {
	s := testserver.Start(t)
	d1 := s.Login("anna")
	d2 := s.Login("anna")
	if d1.DeviceID == d2.DeviceID || !uuids.Valid(d1.DeviceID) || !uuids.Valid(d2.DeviceID) {
		t.Fatalf("two logins must get two device ids: %q %q", d1.DeviceID, d2.DeviceID)
	}
	// A phone in use has pushed: its owner is known to the sync engine.
	if r := d1.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Besök klart.", s.Clock.Now())); r.Results[0].Status != "applied" {
		t.Fatalf("push: %+v", r.Results[0])
	}
	david, bo, admin := s.Login("david"), s.Login("bo"), s.Login("admin")

	revoke := "/api/v1/admin/devices/" + d1.DeviceID + "/revoke"
	// A care worker of the same unit may not revoke a colleague's phone (ASVS 5.0 V8.2.1).
	if res := s.Do("POST", revoke, bo.Token, nil); res.Status != 403 || res.ErrorCode() != "forbidden" {
		t.Fatalf("care staff revoking: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, d1.Token); res.Status != 200 {
		t.Fatalf("a refused revocation must change nothing: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/devices/NOT-A-UUID/revoke", david.Token, nil); res.Status != 400 || res.ErrorCode() != "invalid_request" {
		t.Fatalf("malformed device id: %d %s", res.Status, res.Body)
	}

	// The unit manager of anna's unit revokes device 1.
	res := s.Do("POST", revoke, david.Token, nil)
	var out struct {
		SessionsEnded *int `json:"sessions_ended"`
	}
	res.JSON(t, &out)
	if res.Status != 200 || out.SessionsEnded == nil || *out.SessionsEnded != 1 {
		t.Fatalf("revoke device: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, d1.Token); res.Status != 401 || res.ErrorCode() != "device_revoked" {
		t.Fatalf("revoked device pulling: %d %s", res.Status, res.Body)
	}
	if res := d1.Refresh(); res.Status != 401 || res.ErrorCode() != "device_revoked" {
		t.Fatalf("revoked device refreshing: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, d2.Token); res.Status != 200 {
		t.Fatalf("anna's other phone: %d %s", res.Status, res.Body)
	}
	if res := d2.Refresh(); res.Status != 200 {
		t.Fatalf("anna's other phone refreshing: %d %s", res.Status, res.Body)
	}
	// Revoking it again ends nothing more.
	res = s.Do("POST", revoke, admin.Token, nil)
	out.SessionsEnded = nil
	res.JSON(t, &out)
	if res.Status != 200 || out.SessionsEnded == nil || *out.SessionsEnded != 0 {
		t.Fatalf("revoking again: %d %s", res.Status, res.Body)
	}

	// An administrator may revoke any phone, also one that never pushed.
	res = s.Do("POST", "/api/v1/admin/devices/"+bo.DeviceID+"/revoke", admin.Token, nil)
	out.SessionsEnded = nil
	res.JSON(t, &out)
	if res.Status != 200 || out.SessionsEnded == nil || *out.SessionsEnded != 1 {
		t.Fatalf("admin revoking: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, bo.Token); res.Status != 401 || res.ErrorCode() != "device_revoked" {
		t.Fatalf("bo's revoked phone: %d %s", res.Status, res.Body)
	}

	// Logging in again on the revoked phone gives a new device id: the phone starts again.
	token, got := loginDevice(t, s, "anna", d1.DeviceID)
	if got == d1.DeviceID || !uuids.Valid(got) {
		t.Fatalf("a revoked device id came back: %q (revoked %q)", got, d1.DeviceID)
	}
	if res := pullStatus(s, token); res.Status != 200 {
		t.Fatalf("the new login: %d %s", res.Status, res.Body)
	}
	// While a device id that is hers and not revoked is kept.
	if _, got := loginDevice(t, s, "anna", d2.DeviceID); got != d2.DeviceID {
		t.Fatalf("anna's own device id was not kept: %q, want %q", got, d2.DeviceID)
	}
}

// TestDisablingAUserEndsTheirSessions: disabling an account ends all its sessions at once
// (OWASP ASVS 5.0 V7.4.2) and refuses its logins; only someone who may manage the user does
// it (ASVS 5.0 V8.2.1, V8.2.2), never to themselves.
func TestDisablingAUserEndsTheirSessions(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	david, bo, admin := s.Login("david"), s.Login("bo"), s.Login("admin")
	annaID := demo.UserID("anna")
	path := func(id, what string) string { return "/api/v1/admin/users/" + id + "/" + what }

	for _, c := range []struct {
		name, token, id string
		status          int
		code            string
	}{
		{"care staff disabling a colleague", bo.Token, annaID, 403, "forbidden"},
		{"a manager disabling himself", david.Token, demo.UserID("david"), 403, "not_yourself"},
		{"a manager disabling a user of another unit", david.Token, demo.UserID("farid"), 403, "forbidden"},
		// A manager learns nothing of ids outside their units: unknown looks like elsewhere.
		{"an unknown user, to a manager", david.Token, "0b9d3c1e-8f7a-4d2b-9c6e-5a4f3e2d1c0b", 403, "forbidden"},
		{"an unknown user, to an administrator", admin.Token, "0b9d3c1e-8f7a-4d2b-9c6e-5a4f3e2d1c0b", 404, "user_not_found"},
		{"a malformed id", david.Token, "not-a-uuid", 400, "invalid_request"},
		{"an upper-case id", david.Token, strings.ToUpper(annaID), 400, "invalid_request"},
	} {
		if res := s.Do("POST", path(c.id, "disable"), c.token, nil); res.Status != c.status || res.ErrorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, res.Status, res.Body, c.status, c.code)
		}
	}
	if res := pullStatus(s, anna.Token); res.Status != 200 {
		t.Fatalf("refused disables must change nothing: %d %s", res.Status, res.Body)
	}

	if res := s.Do("POST", path(annaID, "disable"), david.Token, nil); res.Status != 204 {
		t.Fatalf("disable: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, anna.Token); res.Status != 401 {
		t.Fatalf("a disabled user's access token: %d %s", res.Status, res.Body)
	}
	if res := anna.Refresh(); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("a disabled user's refresh token: %d %s", res.Status, res.Body)
	}
	if st, code, _ := login(t, s, "anna", demo.Password); st != 401 || code != "invalid_credentials" {
		t.Fatalf("a disabled user logging in: %d %s", st, code)
	}

	if res := s.Do("POST", path(annaID, "enable"), bo.Token, nil); res.Status != 403 || res.ErrorCode() != "forbidden" {
		t.Fatalf("care staff enabling: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", path(annaID, "enable"), david.Token, nil); res.Status != 204 {
		t.Fatalf("enable: %d %s", res.Status, res.Body)
	}
	// Enabling does not bring the ended session back …
	if res := pullStatus(s, anna.Token); res.Status != 401 {
		t.Fatalf("an ended session after enabling: %d %s", res.Status, res.Body)
	}
	// … but she can log in again.
	again := s.Login("anna")
	if res := pullStatus(s, again.Token); res.Status != 200 {
		t.Fatalf("enabled user: %d %s", res.Status, res.Body)
	}

	// An administrator may disable a user of any unit.
	farid := s.Login("farid")
	if res := s.Do("POST", path(demo.UserID("farid"), "disable"), admin.Token, nil); res.Status != 204 {
		t.Fatalf("admin disabling: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, farid.Token); res.Status != 401 {
		t.Fatalf("farid disabled: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", path(demo.UserID("farid"), "enable"), admin.Token, nil); res.Status != 204 {
		t.Fatalf("admin enabling: %d %s", res.Status, res.Body)
	}
}

type sessionRow struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func listSessions(t *testing.T, s *testserver.Server, token, userID string) []sessionRow {
	t.Helper()
	res := s.Do("GET", "/api/v1/admin/users/"+userID+"/sessions", token, nil)
	if res.Status != 200 {
		t.Fatalf("list sessions: %d %s", res.Status, res.Body)
	}
	var out struct {
		Sessions []sessionRow `json:"sessions"`
	}
	res.JSON(t, &out)
	return out.Sessions
}

// TestAdminEndsOneSession: a unit manager or an administrator sees a user's running
// sessions, each ending one shift after it began (OWASP ASVS 5.0 V7.3.2, NIST SP 800-63B
// §7.2: an absolute session limit), and ends one of them (ASVS 5.0 V7.4.5) while the others
// keep running (V7.4.1: the ended one can no longer be used).
func TestAdminEndsOneSession(t *testing.T) {
	s := testserver.Start(t)
	a1 := s.Login("anna")
	a2 := s.Login("anna")
	david, bo, admin := s.Login("david"), s.Login("bo"), s.Login("admin")
	annaID := demo.UserID("anna")

	list := listSessions(t, s, david.Token, annaID)
	if len(list) != 2 {
		t.Fatalf("anna's sessions: %+v", list)
	}
	byDevice := map[string]sessionRow{}
	for i, row := range list {
		if !uuids.Valid(row.ID) || row.CreatedAt.IsZero() || row.CreatedAt.After(s.Clock.Now()) {
			t.Errorf("session %d: %+v", i, row)
		}
		if !row.ExpiresAt.Equal(row.CreatedAt.Add(12 * time.Hour)) {
			t.Errorf("session %d ends at %v, want created_at + 12h = %v", i, row.ExpiresAt, row.CreatedAt.Add(12*time.Hour))
		}
		if i > 0 && row.CreatedAt.Before(list[i-1].CreatedAt) {
			t.Errorf("sessions are not oldest first: %+v", list)
		}
		byDevice[row.DeviceID] = row
	}
	first, ok1 := byDevice[a1.DeviceID]
	second, ok2 := byDevice[a2.DeviceID]
	if !ok1 || !ok2 || first.ID == second.ID {
		t.Fatalf("the sessions are not anna's two phones %q, %q: %+v", a1.DeviceID, a2.DeviceID, list)
	}
	if got := listSessions(t, s, admin.Token, annaID); len(got) != 2 {
		t.Fatalf("the administrator's list: %+v", got)
	}
	// A care worker may not see a colleague's sessions (ASVS 5.0 V8.2.2).
	if res := s.Do("GET", "/api/v1/admin/users/"+annaID+"/sessions", bo.Token, nil); res.Status != 403 || res.ErrorCode() != "forbidden" {
		t.Fatalf("care staff listing: %d %s", res.Status, res.Body)
	}
	// Nor end one: the answer is that of a session that does not exist.
	if res := s.Do("POST", "/api/v1/admin/sessions/"+first.ID+"/revoke", bo.Token, nil); res.Status != 404 || res.ErrorCode() != "session_not_found" {
		t.Fatalf("care staff revoking: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/sessions/0b9d3c1e-8f7a-4d2b-9c6e-5a4f3e2d1c0b/revoke", david.Token, nil); res.Status != 404 || res.ErrorCode() != "session_not_found" {
		t.Fatalf("unknown session: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/sessions/xyz/revoke", david.Token, nil); res.Status != 400 || res.ErrorCode() != "invalid_request" {
		t.Fatalf("malformed session id: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, a1.Token); res.Status != 200 {
		t.Fatalf("refused revocations must change nothing: %d %s", res.Status, res.Body)
	}

	if res := s.Do("POST", "/api/v1/admin/sessions/"+first.ID+"/revoke", david.Token, nil); res.Status != 204 {
		t.Fatalf("revoke session: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, a1.Token); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("the ended session's access token: %d %s", res.Status, res.Body)
	}
	if res := a1.Refresh(); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("the ended session's refresh token: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, a2.Token); res.Status != 200 {
		t.Fatalf("the other session: %d %s", res.Status, res.Body)
	}
	if res := a2.Refresh(); res.Status != 200 {
		t.Fatalf("the other session refreshing: %d %s", res.Status, res.Body)
	}
	if got := listSessions(t, s, admin.Token, annaID); len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("after the revocation: %+v", got)
	}
}

// jwtPart decodes one base64url part of a JWT (RFC 7515 §2) into a map.
func jwtPart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS compact serialisation: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAccessTokenChecksOverHTTP: the API accepts only access tokens it signed itself with
// HS256, for its own audience and issuer, of the access type and unexpired (RFC 8725 §3.1
// algorithm verification and §3.9 audience; RFC 7519 §4.1.3, §4.1.4; OWASP ASVS 5.0 V9.1.1
// MAC checked, V9.1.2 algorithm allow-list without "none", V9.2.1 validity time span,
// V9.2.2 token type, V9.2.3 audience). A refused token answers 401 (RFC 6750 §3.1).
func TestAccessTokenChecksOverHTTP(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	claims := jwtPart(t, anna.Token, 1)
	if h := jwtPart(t, anna.Token, 0); h["alg"] != "HS256" {
		t.Fatalf("header %v", h)
	}
	with := func(change func(map[string]any)) map[string]any {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		change(c)
		return c
	}
	// Control: the real claims signed again with the server's key are accepted, so
	// testserver.Secret is the server's key and each refusal below is the one change.
	if res := pullStatus(s, forge(t, jwt.SigningMethodHS256, testserver.Secret, claims)); res.Status != 200 {
		t.Fatalf("re-signed real claims: %d %s", res.Status, res.Body)
	}

	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + strings.Split(anna.Token, ".")[1] + "."
	for _, c := range []struct{ name, token string }{
		{"the refresh token as a bearer token", anna.RefreshToken},
		{"alg none (RFC 7518 §3.6)", unsigned},
		{"another HS256 key", forge(t, jwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), claims)},
		{"HS512 with the server's key (not on the allow-list)", forge(t, jwt.SigningMethodHS512, testserver.Secret, claims)},
		{"a tampered payload", strings.Join([]string{strings.Split(anna.Token, ".")[0],
			base64.RawURLEncoding.EncodeToString([]byte(mustJSON(t, with(func(c map[string]any) { c["sub"] = demo.UserID("david") })))),
			strings.Split(anna.Token, ".")[2]}, ".")},
		{"wrong aud", forge(t, jwt.SigningMethodHS256, testserver.Secret, with(func(c map[string]any) { c["aud"] = "another-api" }))},
		{"wrong iss", forge(t, jwt.SigningMethodHS256, testserver.Secret, with(func(c map[string]any) { c["iss"] = "someone-else" }))},
		{"no exp", forge(t, jwt.SigningMethodHS256, testserver.Secret, with(func(c map[string]any) { delete(c, "exp") }))},
		{"not an access token", forge(t, jwt.SigningMethodHS256, testserver.Secret, with(func(c map[string]any) { c["typ"] = "refresh" }))},
		{"not yet valid", forge(t, jwt.SigningMethodHS256, testserver.Secret, with(func(c map[string]any) {
			c["nbf"] = s.Clock.Now().Add(time.Hour).Unix()
			c["iat"] = s.Clock.Now().Add(time.Hour).Unix()
		}))},
		{"garbage", "not.a.token"},
	} {
		if res := pullStatus(s, c.token); res.Status != 401 || res.ErrorCode() != "unauthenticated" {
			t.Errorf("%s: %d %s, want 401 unauthenticated", c.name, res.Status, res.Body)
		}
	}
	// No token at all.
	if res := s.Do("GET", "/api/v1/sync/pull", "", nil); res.Status != 401 || res.ErrorCode() != "unauthenticated" {
		t.Errorf("no token: %d %s", res.Status, res.Body)
	}

	// Expired: 16 minutes on, past the 15-minute lifetime, with no leeway.
	s.Clock.Advance(16 * time.Minute)
	if res := pullStatus(s, anna.Token); res.Status != 401 || res.ErrorCode() != "token_expired" {
		t.Fatalf("expired token: %d %s", res.Status, res.Body)
	}
	// An expired token re-signed with changed claims is still only invalid, never "expired".
	if res := pullStatus(s, forge(t, jwt.SigningMethodHS256, []byte("another-key-another-key-another-key!"), claims)); res.Status != 401 || res.ErrorCode() != "unauthenticated" {
		t.Fatalf("expired token with a wrong key: %d %s", res.Status, res.Body)
	}
	if res := anna.Refresh(); res.Status != 200 {
		t.Fatalf("refresh after expiry: %d %s", res.Status, res.Body)
	}
	if res := pullStatus(s, anna.Token); res.Status != 200 {
		t.Fatalf("the refreshed token: %d %s", res.Status, res.Body)
	}
}

func rateLimitedServer(t *testing.T) *testserver.Server {
	return testserver.Start(t, func(c *config.Config) { c.LoginLimit = 5 })
}

func assertRateLimited(t *testing.T, what string, res testserver.Response) {
	t.Helper()
	if res.Status != 429 || res.ErrorCode() != "too_many_requests" {
		t.Fatalf("%s: %d %s, want 429 too_many_requests", what, res.Status, res.Body)
	}
	// RFC 6585 §4 and RFC 9110 §10.2.3: the answer says how long to wait.
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
		t.Fatalf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
	}
}

// TestLoginRequestsAreLimitedPerAddress: one address may make LoginLimit login requests a
// minute (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B §5.2.2 rate limiting); then it gets 429
// with Retry-After (RFC 6585 §4). The password step, the code step and the SMS step share
// one counter per address; refresh and authenticated calls are not counted.
func TestLoginRequestsAreLimitedPerAddress(t *testing.T) {
	t.Run("login", func(t *testing.T) {
		s := rateLimitedServer(t)
		// A phone logged in before (in-process, not through the limited routes).
		ch, err := s.App.Login.Login("anna", demo.Password, "", "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.App.Login.Verify(ch.MFAToken, "totp", s.Code())
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 5; i++ {
			if st, code, _ := login(t, s, "nobody", "wrong-password"); st != 401 || code != "invalid_credentials" {
				t.Fatalf("login %d: %d %s", i, st, code)
			}
		}
		// The 6th is refused before the password is looked at, even the right one.
		assertRateLimited(t, "6th login", s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "bo", "password": demo.Password}))
		// The code and SMS steps share the address's counter.
		assertRateLimited(t, "verify after 5 logins", verify(s, "some-mfa-token", "123456"))
		assertRateLimited(t, "sms after 5 logins", s.Do("POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": "some-mfa-token"}))
		// Refresh and the API itself are not login requests.
		if res := s.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "unknown"}); res.Status != 401 || res.ErrorCode() != "session_expired" {
			t.Fatalf("refresh is not limited: %d %s", res.Status, res.Body)
		}
		if res := pullStatus(s, tok.AccessToken); res.Status != 200 {
			t.Fatalf("a logged-in phone is not limited: %d %s", res.Status, res.Body)
		}
	})
	t.Run("verify shares the limit", func(t *testing.T) {
		s := rateLimitedServer(t)
		for i := 1; i <= 3; i++ {
			if st, code, _ := login(t, s, "nobody", "wrong-password"); st != 401 || code != "invalid_credentials" {
				t.Fatalf("login %d: %d %s", i, st, code)
			}
		}
		for i := 1; i <= 2; i++ {
			if res := verify(s, "some-mfa-token", "123456"); res.Status != 401 || res.ErrorCode() != "invalid_code" {
				t.Fatalf("verify %d: %d %s", i, res.Status, res.Body)
			}
		}
		assertRateLimited(t, "6th request (verify)", verify(s, "some-mfa-token", "123456"))
		assertRateLimited(t, "7th request (login)", s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "x"}))
	})
}
