package e2e

import (
	"testing"
	"time"

	"vardag/test/testserver"
)

func login(t *testing.T, s *testserver.Server, user, password string) (int, string, string) {
	t.Helper()
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password})
	var ch struct {
		MFAToken string   `json:"mfa_token"`
		Methods  []string `json:"methods"`
	}
	if res.Status == 200 {
		res.JSON(t, &ch)
		if len(ch.Methods) != 1 || ch.Methods[0] != "totp" {
			t.Fatalf("methods %v", ch.Methods)
		}
	}
	return res.Status, res.ErrorCode(), ch.MFAToken
}

func verify(s *testserver.Server, mfa, code string) testserver.Response {
	return s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": mfa, "method": "totp", "code": code})
}

func TestLoginNeedsPasswordAndAFreshCode(t *testing.T) {
	s := testserver.Start(t)
	if st, code, _ := login(t, s, "anna", "wrong-password"); st != 401 || code != "invalid_credentials" {
		t.Fatalf("wrong password: %d %s", st, code)
	}
	if st, code, _ := login(t, s, "nobody", "vardag-demo"); st != 401 || code != "invalid_credentials" {
		t.Fatalf("unknown user must look like a wrong password: %d %s", st, code)
	}
	_, _, mfa := login(t, s, "anna", "vardag-demo")
	if res := verify(s, mfa, "000000"); res.Status != 401 || res.ErrorCode() != "invalid_code" {
		t.Fatalf("wrong code: %d %s", res.Status, res.Body)
	}
	if res := verify(s, mfa, s.Code()); res.Status != 200 {
		t.Fatalf("right code: %d %s", res.Status, res.Body)
	}
	// RFC 6238 §5.2: the same code (time step) is never accepted twice for a user.
	_, _, again := login(t, s, "anna", "vardag-demo")
	if res := verify(s, again, s.Code()); res.Status != 401 || res.ErrorCode() != "code_already_used" {
		t.Fatalf("replayed code: %d %s", res.Status, res.Body)
	}
	// At most 5 code attempts per login attempt; the 6th is refused even with the right code.
	s.Clock.Advance(30 * time.Second)
	_, _, mfa = login(t, s, "bo", "vardag-demo")
	for i := 0; i < 5; i++ {
		if res := verify(s, mfa, "123456"); res.ErrorCode() != "invalid_code" {
			t.Fatalf("attempt %d: %s", i+1, res.Body)
		}
	}
	if res := verify(s, mfa, s.Code()); res.Status != 429 || res.ErrorCode() != "too_many_attempts" {
		t.Fatalf("6th attempt: %d %s", res.Status, res.Body)
	}
}

func TestRefreshRotatesAndReuseEndsTheSession(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	old := anna.RefreshToken
	if res := anna.Refresh(); res.Status != 200 || anna.RefreshToken == old {
		t.Fatalf("refresh: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.Status != 200 {
		t.Fatalf("new access token: %d", res.Status)
	}
	// The old refresh token comes back (stolen, or replayed): the whole family ends.
	res := s.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": old})
	if res.Status != 401 || res.ErrorCode() != "refresh_token_reused" {
		t.Fatalf("reuse: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("access token of a revoked family: %d %s", res.Status, res.Body)
	}
	if res := anna.Refresh(); res.Status != 401 {
		t.Fatalf("newest refresh token of a revoked family: %d %s", res.Status, res.Body)
	}
}

func TestLogoutAndShiftLimitEndTheSession(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	if res := s.Do("POST", "/api/v1/auth/logout", anna.Token, nil); res.Status != 204 {
		t.Fatalf("logout: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("after logout: %d %s", res.Status, res.Body)
	}
	if res := anna.Refresh(); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("refresh after logout: %d %s", res.Status, res.Body)
	}
	bo := s.Login("bo")
	// Refreshing every 14 minutes keeps the session through the shift …
	for elapsed := 14 * time.Minute; elapsed < 12*time.Hour; elapsed += 14 * time.Minute {
		s.Clock.Advance(14 * time.Minute)
		if res := bo.Refresh(); res.Status != 200 {
			t.Fatalf("refresh %v into the shift: %d %s", elapsed, res.Status, res.Body)
		}
	}
	// … and not one refresh past its 12 hours.
	s.Clock.Advance(14 * time.Minute)
	if res := bo.Refresh(); res.Status != 401 || res.ErrorCode() != "session_expired" {
		t.Fatalf("past the shift: %d %s", res.Status, res.Body)
	}
}
