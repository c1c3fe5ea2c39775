package e2e

import (
	"testing"

	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/test/testserver"
)

// TestUnknownRefreshTokensWriteNothing: each made-up refresh token cost a write
// transaction (two fdatasyncs under the store's single writer), so a flood of them slowed
// every push. Now an unknown token, or one of an ended session, is refused after a read
// alone; the store's count of writes (bbolt's own statistics) does not move. A real token
// still rotates.
func TestUnknownRefreshTokensWriteNothing(t *testing.T) {
	s := testserver.Start(t)
	anna, ended := s.Login("anna"), s.Login("bo")
	if res := s.Do("POST", "/api/v1/auth/logout", ended.Token, nil); res.Status != 204 {
		t.Fatalf("logout: %d %s", res.Status, res.Body)
	}
	writes := func() int64 {
		st := s.Store.DB().Stats()
		return st.TxStats.GetWrite()
	}
	before := writes()
	for i := range 200 {
		token := uuids.New() + itoa(i)
		if i%2 == 1 {
			token = ended.RefreshToken // a real token of an ended session
		}
		res := s.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": token})
		if res.Status != 401 || res.ErrorCode() != "session_expired" {
			t.Fatalf("refresh %d: %d %s", i, res.Status, res.Body)
		}
	}
	if got := writes() - before; got != 0 {
		t.Fatalf("200 refused refresh tokens made %d writes", got)
	}
	if res := anna.Refresh(); res.Status != 200 || writes() == before {
		t.Fatalf("a real refresh: %d %s (writes %d → %d)", res.Status, res.Body, before, writes())
	}
}

// TestRefreshIsLimitedPerAddress: /auth/refresh has a per-address limit of its own.
func TestRefreshIsLimitedPerAddress(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.RefreshLimit = 3 })
	for i := range 4 {
		res := s.Do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "made-up-" + itoa(i)})
		want, code := 401, "session_expired"
		if i == 3 {
			want, code = 429, "too_many_requests"
		}
		if res.Status != want || res.ErrorCode() != code {
			t.Fatalf("refresh %d: %d %s, want %d %s", i+1, res.Status, res.Body, want, code)
		}
		if i == 3 && retryAfter(t, res) < 1 {
			t.Fatal("no Retry-After on the limit")
		}
	}
	// The login routes keep their own limit.
	if st, _, _ := login(t, s, "anna", "not the password"); st != 401 {
		t.Fatalf("a login after the refresh limit: %d", st)
	}
}
