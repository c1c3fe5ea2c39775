package e2e

import (
	"sync"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/server/config"
	"vardag/test/testserver"
)

// all runs n copies of f at once (as far as the scheduler allows) and waits for them.
func all(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// patientPasswordChecks lets a login wait as long as it takes for a password check, so that
// on a loaded machine no try is answered 503 busy (and left uncounted) in a test of the
// throttle.
func patientPasswordChecks(c *config.Config) { c.PasswordWait = 30 * time.Second }

// TestConcurrentWrongPasswordsAreCheckedOnlyAsOftenAsAllowed: 25 wrong passwords at once
// for one account were all checked, since each try was counted only after its check. Now
// the check of the delay and the count are one step: 5 tries (the free failures) are
// checked, the other 20 answer 429 at once without a check, and the account's counter
// ends at exactly 5.
func TestConcurrentWrongPasswordsAreCheckedOnlyAsOftenAsAllowed(t *testing.T) {
	s := testserver.Start(t, patientPasswordChecks)
	runs := metric(t, s, "vardag_password_checks_total")
	var mu sync.Mutex
	answers := map[string]int{}
	all(25, func(int) {
		res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": "not the password"})
		mu.Lock()
		answers[itoa(res.Status)+" "+res.ErrorCode()]++
		mu.Unlock()
	})
	if answers["401 invalid_credentials"] != 5 || answers["429 too_many_attempts"] != 20 {
		t.Errorf("25 wrong passwords at once: %v; want 5 checked, 20 throttled", answers)
	}
	if got := metric(t, s, "vardag_password_checks_total") - runs; got != 5 {
		t.Errorf("%v passwords checked, want 5", got)
	}
	if u, err := s.Identity.User(demo.UserID("anna")); err != nil || u.FailedLogins != 5 {
		t.Errorf("failed logins counted: %d (%v), want 5", u.FailedLogins, err)
	}
}

// TestConcurrentCodesAreCheckedOnlyAsOftenAsAllowed: wrong one-time codes sent at once are
// checked no more often than allowed, both per login attempt (5 per mfa_token) and per
// account (5 failures before the delays begin, however many login attempts they come
// by). Each code checked and found wrong counts one failure on the account, so the
// account's counter is the number checked. (Past its 5 tries an mfa_token is gone, and
// answers invalid_code like any unknown token, so the answers alone do not tell.)
func TestConcurrentCodesAreCheckedOnlyAsOftenAsAllowed(t *testing.T) {
	s := testserver.Start(t, patientPasswordChecks)
	burst := func(tokens []string, n int) map[string]int {
		var mu sync.Mutex
		answers := map[string]int{}
		all(n, func(i int) {
			res := verify(s, tokens[i%len(tokens)], "000000")
			mu.Lock()
			answers[itoa(res.Status)+" "+res.ErrorCode()]++
			mu.Unlock()
		})
		return answers
	}
	checked := func(user string) int {
		u, err := s.Identity.User(demo.UserID(user))
		if err != nil {
			t.Fatal(err)
		}
		return u.FailedLogins
	}
	// One login attempt, 20 codes at once.
	_, _, mfa := login(t, s, "bo", demo.Password)
	if got := burst([]string{mfa}, 20); checked("bo") != 5 {
		t.Errorf("20 codes at once on one mfa_token: %d checked, want 5 (answers %v)", checked("bo"), got)
	}
	// Three login attempts of one account (right passwords count nothing), 15 codes at once.
	var tokens []string
	for range 3 {
		_, _, mfa := login(t, s, "anna", demo.Password)
		tokens = append(tokens, mfa)
	}
	if got := burst(tokens, 15); checked("anna") != 5 || got["401 invalid_code"] != 5 || got["429 too_many_attempts"] != 10 {
		t.Errorf("15 codes at once over 3 login attempts: %d checked, want 5 (answers %v)", checked("anna"), got)
	}
}

// TestAnUnknownUsernameAnswersLikeAKnownOne: after 5 failures a known username answered
// 429 and an unknown one 401, which told which usernames exist. Now an unknown username
// is throttled like an account: the same answers, in the same order, with the same
// delays, up to the lock, and the same work (a password check, or none while throttled).
func TestAnUnknownUsernameAnswersLikeAKnownOne(t *testing.T) {
	s := testserver.Start(t)
	type answer struct {
		status     int
		code       string
		retryAfter string
		checks     float64
	}
	tries := func(username string) []answer {
		var seen []answer
		for len(seen) < 200 {
			before := metric(t, s, "vardag_password_checks_total")
			res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": "not the password"})
			a := answer{res.Status, res.ErrorCode(), res.Header.Get("Retry-After"), metric(t, s, "vardag_password_checks_total") - before}
			seen = append(seen, a)
			switch res.Status {
			case 429:
				if len(seen) > 1 && seen[len(seen)-2].status == 429 {
					s.Clock.Advance(time.Duration(retryAfter(t, res)) * time.Second) // wait it out
				} // else try once more at once: it is throttled too
			case 423:
				return seen
			}
		}
		return seen
	}
	known, unknown := tries("anna"), tries("ingen-sadan")
	for i := range min(len(known), len(unknown)) {
		if known[i] != unknown[i] {
			t.Fatalf("try %d: known %+v, unknown %+v", i+1, known[i], unknown[i])
		}
	}
	if len(known) != len(unknown) {
		t.Fatalf("a known username took %d tries to lock, an unknown one %d", len(known), len(unknown))
	}
	if last := known[len(known)-1]; last.status != 423 || last.code != "account_locked" {
		t.Fatalf("no lock: the last answer is %+v", last)
	}
}

// TestBurstsAfterEachWaitLockOnlyAfterHours: the outside test's second burst, sent when
// the delay after the first had passed, had 56 guesses checked and locked the account
// after about 15 minutes. Now every burst after a wait has exactly one guess checked (the
// others answer 429 without a check), so the 50 failures that lock the account take the
// attacker as long as 50 guesses one at a time: over 9 hours of waiting.
func TestBurstsAfterEachWaitLockOnlyAfterHours(t *testing.T) {
	s := testserver.Start(t, patientPasswordChecks)
	burst := func() (checked float64, answers map[string]int, retry time.Duration) {
		before := metric(t, s, "vardag_password_checks_total")
		var mu sync.Mutex
		answers = map[string]int{}
		all(10, func(int) {
			res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": "not the password"})
			mu.Lock()
			defer mu.Unlock()
			answers[itoa(res.Status)+" "+res.ErrorCode()]++
			if res.Status == 429 {
				retry = max(retry, time.Duration(retryAfter(t, res))*time.Second)
			}
		})
		return metric(t, s, "vardag_password_checks_total") - before, answers, retry
	}
	if checked, answers, _ := burst(); checked != 5 {
		t.Fatalf("the first burst of 10 had %v guesses checked (%v), want the 5 free ones", checked, answers)
	}
	var waited time.Duration
	for n := 6; ; n++ {
		u, err := s.Identity.User(demo.UserID("anna"))
		if err != nil {
			t.Fatal(err)
		}
		if u.Locked() {
			if u.FailedLogins != 50 {
				t.Errorf("the account locked after %d failures, want 50", u.FailedLogins)
			}
			break
		}
		if n > 60 {
			t.Fatalf("%d bursts and the account is not locked (%d failures)", n, u.FailedLogins)
		}
		// Wait out the delay the last answer gave, then send the next burst.
		res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": "not the password"})
		if res.Status != 429 {
			t.Fatalf("before waiting, try %d answered %d %s, want 429", n, res.Status, res.ErrorCode())
		}
		wait := time.Duration(retryAfter(t, res)) * time.Second
		s.Clock.Advance(wait)
		waited += wait
		checked, answers, _ := burst()
		if checked != 1 {
			t.Fatalf("burst %d after waiting %s had %v guesses checked (%v), want 1", n, wait, checked, answers)
		}
	}
	if waited < 9*time.Hour {
		t.Errorf("the account locked after %s of waiting, want over 9 hours", waited)
	}
	t.Logf("locked after 50 checked guesses and %s of waiting", waited.Round(time.Minute))
}
