package auth_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"vardag/internal/auth"
)

func TestPendingAttempts(t *testing.T) {
	c := newClock()
	p := auth.NewPendingLogins(5*time.Minute, 5, c.Now)
	tok := p.Start(auth.PendingLogin{UserID: "u1", DeviceID: "d1", DeviceName: "Telefon", Attempts: 99})
	for i := 1; i <= 5; i++ {
		pl, err := p.Attempt(tok)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if pl.UserID != "u1" || pl.DeviceName != "Telefon" || pl.Attempts != i ||
			!pl.ExpiresAt.Equal(c.Now().Add(5*time.Minute)) {
			t.Fatalf("attempt %d: %+v", i, pl)
		}
	}
	if _, err := p.Attempt(tok); !errors.Is(err, auth.ErrTooManyAttempts) {
		t.Fatalf("6th attempt: got %v, want ErrTooManyAttempts", err)
	}
	if _, err := p.Attempt(tok); !errors.Is(err, auth.ErrMFAInvalid) {
		t.Fatalf("after lockout: got %v, want ErrMFAInvalid", err)
	}
}

func TestPendingExpiryAndFinish(t *testing.T) {
	c := newClock()
	p := auth.NewPendingLogins(5*time.Minute, 5, c.Now)
	tok := p.Start(auth.PendingLogin{UserID: "u1"})
	if _, err := p.Attempt("unknown"); !errors.Is(err, auth.ErrMFAInvalid) {
		t.Fatalf("unknown: got %v", err)
	}
	c.Advance(5*time.Minute - time.Second)
	if _, err := p.Attempt(tok); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	c.Advance(time.Second)
	if _, err := p.Attempt(tok); !errors.Is(err, auth.ErrMFAInvalid) {
		t.Fatalf("at expiry: got %v, want ErrMFAInvalid", err)
	}
	tok2 := p.Start(auth.PendingLogin{UserID: "u2"})
	if tok2 == tok {
		t.Fatal("token repeated")
	}
	p.Finish(tok2)
	if _, err := p.Attempt(tok2); !errors.Is(err, auth.ErrMFAInvalid) {
		t.Fatalf("after finish: got %v", err)
	}
}

func TestPendingConcurrent(t *testing.T) {
	p := auth.NewPendingLogins(time.Minute, 5, nil)
	tok := p.Start(auth.PendingLogin{UserID: "u1"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Start(auth.PendingLogin{UserID: "x"})
			if _, err := p.Attempt(tok); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 5 {
		t.Fatalf("%d concurrent attempts succeeded, want 5", ok)
	}
}
