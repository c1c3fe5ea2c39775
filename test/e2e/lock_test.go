package e2e

import (
	"strconv"
	"testing"
	"time"

	"vardag/internal/demo"
	vlogin "vardag/internal/login"
	"vardag/server/config"
	"vardag/test/testserver"
)

// NIST SP 800-63B §5.2.2 (rate limiting) and OWASP ASVS 5.0 V6.3.1: failed codes and
// passwords count against the account, delays grow, the account locks before 100
// failures, the lock is kept in the store (it survives a restart) and only a unit
// representative or manager opens it.
func TestAccountLocksBefore100FailuresAndTheLockSurvivesARestart(t *testing.T) {
	s := testserver.Start(t)
	failures, lastDelay, maxDelay := 0, 0, 0
	locked := false
	for tries := 0; !locked && tries < 500; tries++ {
		res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": demo.Password})
		switch res.Status {
		case 429: // inside the delay: wait it out
			wait := retryAfter(t, res)
			if res.ErrorCode() != "too_many_attempts" || wait < lastDelay {
				t.Fatalf("after %d failures: %s (retry after %d, before %d)", failures, res.Body, wait, lastDelay)
			}
			lastDelay, maxDelay = wait, max(maxDelay, wait)
			s.Clock.Advance(time.Duration(wait) * time.Second)
			continue
		case 423:
			locked = true
			continue
		case 200:
		default:
			t.Fatalf("login after %d failures: %d %s", failures, res.Status, res.Body)
		}
		var ch struct {
			MFAToken string `json:"mfa_token"`
		}
		res.JSON(t, &ch)
		for range 5 {
			res := verify(s, ch.MFAToken, "000000")
			if res.ErrorCode() != "invalid_code" {
				if res.Status == 423 {
					locked = true
				}
				break
			}
			failures++
		}
	}
	if !locked {
		t.Fatalf("no lock after %d failures", failures)
	}
	if failures >= 100 || failures != vlogin.LockAfter-1 {
		// The failure that locks answers account_locked rather than invalid_code.
		t.Fatalf("locked after %d invalid_code answers; want %d", failures, vlogin.LockAfter-1)
	}
	if lastDelay < 2 || maxDelay != 900 {
		t.Fatalf("delays did not grow to the 15-minute cap: last %d s, longest %d s", lastDelay, maxDelay)
	}
	// Locked: even the right password and code are refused, with no delay to wait out.
	s.Clock.Advance(24 * time.Hour)
	if st, code, _ := login(t, s, "anna", demo.Password); st != 423 || code != "account_locked" {
		t.Fatalf("locked account: %d %s", st, code)
	}

	// A restart keeps the lock.
	s.Stop()
	s = testserver.StartIn(t, s.Dir(), s.Clock)
	if st, code, _ := login(t, s, "anna", demo.Password); st != 423 || code != "account_locked" {
		t.Fatalf("after restart: %d %s", st, code)
	}
	// Care staff cannot unlock; the unit manager can.
	bo, david := s.Login("bo"), s.Login("david")
	path := "/api/v1/admin/users/" + demo.UserID("anna") + "/unlock"
	if res := s.Do("POST", path, bo.Token, nil); res.Status != 403 {
		t.Fatalf("care staff unlocking: %d %s", res.Status, res.Body)
	}
	farid := s.Login("farid")
	if res := s.Do("POST", "/api/v1/admin/users/"+demo.UserID("farid")+"/unlock", david.Token, nil); res.Status != 403 {
		t.Fatalf("manager of another unit unlocking: %d %s", res.Status, res.Body)
	}
	_ = farid
	if res := s.Do("POST", path, david.Token, nil); res.Status != 204 {
		t.Fatalf("manager unlocking: %d %s", res.Status, res.Body)
	}
	s.Login("anna") // fails the test unless both steps pass
}

// NIST SP 800-63B §5.2.2: the first few failures cost nothing, then each try waits
// longer; a successful login clears the counter.
func TestDelaysGrowAndASuccessClearsThem(t *testing.T) {
	s := testserver.Start(t)
	_, _, mfa := login(t, s, "bo", demo.Password)
	for range 5 {
		if res := verify(s, mfa, "000000"); res.ErrorCode() != "invalid_code" {
			t.Fatalf("free failure: %s", res.Body)
		}
	}
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "bo", "password": demo.Password})
	if res.Status != 429 || retryAfter(t, res) != 1 {
		t.Fatalf("sixth try at once: %d %s", res.Status, res.Body)
	}
	s.Clock.Advance(time.Second)
	if st, _, _ := login(t, s, "bo", "wrong password"); st != 401 {
		t.Fatalf("after the delay: %d", st)
	}
	res = s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "bo", "password": demo.Password})
	if res.Status != 429 || retryAfter(t, res) != 2 {
		t.Fatalf("seventh try at once: %d %s", res.Status, res.Body)
	}
	s.Clock.Advance(2 * time.Second)
	s.Login("bo")
	if st, _, _ := login(t, s, "bo", "wrong password"); st != 401 {
		t.Fatalf("a success clears the counter: %d", st)
	}
	if st, _, _ := login(t, s, "bo", demo.Password); st != 200 {
		t.Fatalf("one failure after a success costs no delay: %d", st)
	}
}

func retryAfter(t *testing.T, res testserver.Response) int {
	t.Helper()
	n, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("no Retry-After in %d %s", res.Status, res.Body)
	}
	var body struct {
		RetryAfter int `json:"retry_after_s"`
	}
	res.JSON(t, &body)
	if body.RetryAfter != n {
		t.Fatalf("Retry-After %d, retry_after_s %d", n, body.RetryAfter)
	}
	return n
}

// Per-address limits behind a reverse proxy (OWASP ASVS 5.0 V6.3.1): the address comes
// from X-Forwarded-For only when the connection is from a trusted proxy, so a caller
// cannot dodge the limit by sending the header itself.
func TestLoginLimitTrustsOnlyConfiguredProxies(t *testing.T) {
	try := func(s *testserver.Server, from string) int {
		return s.DoWith("POST", "/api/v1/auth/login", "", map[string]string{"X-Forwarded-For": from},
			map[string]string{"username": "nobody", "password": "whatever1"}).Status
	}
	direct := testserver.Start(t, func(c *config.Config) { c.LoginLimit = 2 })
	for i, want := range []int{401, 401, 429} {
		if got := try(direct, "203.0.113."+strconv.Itoa(i+1)); got != want {
			t.Fatalf("direct, try %d with a forged header: %d, want %d", i+1, got, want)
		}
	}
	proxied := testserver.Start(t, func(c *config.Config) {
		c.LoginLimit, c.TrustedProxies = 2, []string{"127.0.0.1"}
	})
	for i, want := range []int{401, 401, 429} {
		if got := try(proxied, "203.0.113.7"); got != want {
			t.Fatalf("behind the proxy, try %d from one phone: %d, want %d", i+1, got, want)
		}
	}
	if got := try(proxied, "203.0.113.8"); got != 401 {
		t.Fatalf("behind the proxy, another phone: %d", got)
	}
}

// TestAForgedAddressBeforeAnAppendingProxyDoesNotDodgeTheLoginLimit: nginx's default
// ($proxy_add_x_forwarded_for) appends the address it saw to the X-Forwarded-For the
// caller sent. A caller who writes a new address there each time is still counted by the
// address the proxy appended, the right-most one no trusted proxy wrote, also behind a
// second proxy.
func TestAForgedAddressBeforeAnAppendingProxyDoesNotDodgeTheLoginLimit(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) {
		c.LoginLimit, c.TrustedProxies = 2, []string{"127.0.0.1", "192.0.2.0/24"}
	})
	try := func(forwardedFor string) int {
		return s.DoWith("POST", "/api/v1/auth/login", "", map[string]string{"X-Forwarded-For": forwardedFor},
			map[string]string{"username": "nobody", "password": "whatever1"}).Status
	}
	for i, want := range []int{401, 401, 429} {
		forged := "198.51.100." + strconv.Itoa(i+1)
		if got := try(forged + ", 203.0.113.7"); got != want {
			t.Fatalf("try %d with the forged address %s before the proxy's: %d, want %d", i+1, forged, got, want)
		}
	}
	if got := try("198.51.100.9, 203.0.113.7, 192.0.2.10"); got != 429 {
		t.Fatalf("the same phone behind a second proxy: %d, want 429", got)
	}
	if got := try("203.0.113.7, 203.0.113.8"); got != 401 {
		t.Fatalf("another phone, whose own header names the first: %d, want 401", got)
	}
}
