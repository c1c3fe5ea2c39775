package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vardag/internal/auth"
	"vardag/server/config"
	"vardag/test/testserver"
)

// metric reads one unlabelled sample from /metrics.
func metric(t *testing.T, s *testserver.Server, name string) float64 {
	t.Helper()
	res := s.Do("GET", "/metrics", "", nil)
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// TestALoginFloodKeepsMemoryBoundedAndHealthzAnswering: 300 logins of unknown usernames
// at once from 10 addresses (each within its per-address limit) once took the server to
// 5 GB, since each argon2id check holds 19 MiB. Now at most the configured number of
// checks run at once; the heap stays within that bound (the server runs in this process,
// so its heap is this test's), /healthz keeps answering, and the logins that find no slot
// within the wait are answered 503 busy with Retry-After instead of hanging.
func TestALoginFloodKeepsMemoryBoundedAndHealthzAnswering(t *testing.T) {
	const slots, logins, addresses = 4, 300, 10
	const wait = 2 * time.Second
	s := testserver.Start(t, func(c *config.Config) {
		c.PasswordChecks, c.PasswordWait = slots, wait
		c.LoginLimit, c.TrustedProxies = 30, []string{"127.0.0.1"} // 30 a minute from each address
	})
	if got := metric(t, s, "vardag_password_check_slots"); got != slots {
		t.Fatalf("%v password check slots, want %d", got, slots)
	}
	client := &http.Client{Timeout: 60 * time.Second} // a hanging login fails the test
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse

	done := make(chan struct{})
	var peak uint64
	var sampled sync.WaitGroup
	sampled.Go(func() { // the heap, every 20 ms (each read stops the world for a moment)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	var health []time.Duration
	healthFailed := ""
	sampled.Go(func() { // /healthz, every 50 ms while the flood lasts
		for {
			start := time.Now()
			res, err := client.Get(s.URL + "/healthz")
			if err != nil {
				healthFailed = err.Error()
				return
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				healthFailed = res.Status
				return
			}
			health = append(health, time.Since(start))
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})

	type answer struct {
		status     int
		code       string
		retryAfter string
		took       time.Duration
	}
	answers := make([]answer, logins)
	var flood sync.WaitGroup
	start := make(chan struct{})
	for i := range logins {
		flood.Go(func() {
			body := fmt.Sprintf(`{"username":"nobody-%d","password":"not the password"}`, i)
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/auth/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 1+i%addresses))
			<-start
			t0 := time.Now()
			res, err := client.Do(req)
			if err != nil {
				answers[i] = answer{code: err.Error(), took: time.Since(t0)}
				return
			}
			defer res.Body.Close()
			var e struct{ Error struct{ Code string } }
			_ = json.NewDecoder(res.Body).Decode(&e)
			answers[i] = answer{status: res.StatusCode, code: e.Error.Code, retryAfter: res.Header.Get("Retry-After"), took: time.Since(t0)}
		})
	}
	runsBefore := metric(t, s, "vardag_password_checks_total")
	close(start)
	flood.Wait()
	close(done)
	sampled.Wait()

	checked, busy := 0, 0
	var slowest time.Duration
	for i, a := range answers {
		slowest = max(slowest, a.took)
		switch {
		case a.status == 401 && a.code == "invalid_credentials":
			checked++
		case a.status == 503 && a.code == "busy" && a.retryAfter != "":
			busy++
		default:
			t.Errorf("login %d: %d %s (Retry-After %q)", i, a.status, a.code, a.retryAfter)
		}
	}
	if runs := metric(t, s, "vardag_password_checks_total") - runsBefore; int(runs) != checked {
		t.Errorf("%v password checks ran for %d answered logins", runs, checked)
	}
	if busy == 0 {
		t.Errorf("all %d logins were checked: none waited past the %s", logins, wait)
	}
	// The bound: each slot's 19 MiB four times over (the collector lets the heap grow to
	// twice what is live before it runs, and finished checks wait for it), and 128 MiB for
	// the HTTP work of 300 requests: 432 MiB. 300 checks at once hold 5.6 GiB.
	bound := int64(4*slots*auth.ArgonMemoryBytes + 128<<20)
	grew := int64(peak) - int64(base)
	if grew > bound {
		t.Errorf("the heap grew by %d MiB during the flood; the bound is %d MiB", grew>>20, bound>>20)
	}
	if healthFailed != "" || len(health) == 0 {
		t.Fatalf("/healthz during the flood: %q after %d answers", healthFailed, len(health))
	}
	slices.Sort(health)
	p95 := health[len(health)*95/100]
	if p95 > 3*time.Second { // 4.4 s without the bound; about 1 s with it on a machine loaded tenfold
		t.Errorf("/healthz p95 %s during the flood", p95)
	}
	t.Logf("%d logins: %d checked, %d answered busy, slowest %s; heap grew %d MiB (bound %d MiB); /healthz %d answers, p95 %s, max %s",
		logins, checked, busy, slowest.Round(time.Millisecond), grew>>20, bound>>20, len(health), p95.Round(time.Millisecond), health[len(health)-1].Round(time.Millisecond))
	s.Login("anna") // and afterwards a login goes through as before
}

// TestAnUnknownUsernameTakesTheSameWorkAsAWrongPassword: an unknown username costs what a
// known one with a wrong password costs, one argon2id check through the same slots, so
// neither the time nor the server's load tells whether a username exists.
func TestAnUnknownUsernameTakesTheSameWorkAsAWrongPassword(t *testing.T) {
	s := testserver.Start(t)
	for _, user := range []string{"anna", "nobody", "bo", "ingen-alls"} {
		before := metric(t, s, "vardag_password_checks_total")
		if st, code, _ := login(t, s, user, "not the password"); st != 401 || code != "invalid_credentials" {
			t.Fatalf("%s: %d %s", user, st, code)
		}
		if runs := metric(t, s, "vardag_password_checks_total") - before; runs != 1 {
			t.Errorf("%s: %v password checks, want 1", user, runs)
		}
	}
}
