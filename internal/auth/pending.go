package auth

import (
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

var (
	ErrMFAInvalid      = errors.New("auth: invalid or expired login attempt")
	ErrTooManyAttempts = errors.New("auth: too many attempts")
)

// PendingLogin is a login whose password was right and whose one-time code
// is still awaited.
type PendingLogin struct {
	UserID     string
	DeviceID   string
	DeviceName string
	ExpiresAt  time.Time
	Attempts   int
}

// PendingLogins holds pending logins in memory, keyed by the SHA-256 of
// their mfa token. It is safe for concurrent use.
type PendingLogins struct {
	ttl         time.Duration
	maxAttempts int
	now         func() time.Time

	mu sync.Mutex
	m  map[[sha256.Size]byte]*PendingLogin
}

// NewPendingLogins returns an empty set. A nil now means time.Now.
func NewPendingLogins(ttl time.Duration, maxAttempts int, now func() time.Time) *PendingLogins {
	if now == nil {
		now = time.Now
	}
	return &PendingLogins{ttl: ttl, maxAttempts: maxAttempts, now: now,
		m: map[[sha256.Size]byte]*PendingLogin{}}
}

// Start records pl (ExpiresAt and Attempts are set here) and returns the
// mfa token the client presents with its code.
func (p *PendingLogins) Start(pl PendingLogin) (mfaToken string) {
	mfaToken = newOpaqueToken()
	now := p.now()
	pl.ExpiresAt, pl.Attempts = now.Add(p.ttl), 0
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.m {
		if !now.Before(v.ExpiresAt) {
			delete(p.m, k)
		}
	}
	p.m[sha256.Sum256([]byte(mfaToken))] = &pl
	return mfaToken
}

// Attempt counts one code attempt against the pending login. More than
// maxAttempts attempts delete it and return ErrTooManyAttempts.
func (p *PendingLogins) Attempt(mfaToken string) (PendingLogin, error) {
	k := sha256.Sum256([]byte(mfaToken))
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.m[k]
	if !ok {
		return PendingLogin{}, ErrMFAInvalid
	}
	if !p.now().Before(pl.ExpiresAt) {
		delete(p.m, k)
		return PendingLogin{}, ErrMFAInvalid
	}
	pl.Attempts++
	if pl.Attempts > p.maxAttempts {
		delete(p.m, k)
		return PendingLogin{}, ErrTooManyAttempts
	}
	return *pl, nil
}

// Finish forgets the pending login (after a successful code).
func (p *PendingLogins) Finish(mfaToken string) {
	k := sha256.Sum256([]byte(mfaToken))
	p.mu.Lock()
	delete(p.m, k)
	p.mu.Unlock()
}
