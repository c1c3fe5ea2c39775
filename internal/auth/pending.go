package auth

import (
	"crypto/sha256"
	"crypto/subtle"
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
	// Activation marks the second step of an account's activation: the authenticator app
	// may be enrolled with it, and its first code finishes the activation.
	Activation bool
	ExpiresAt  time.Time
	Attempts   int
	// The SMS code sent for this attempt, if any: only its hash is kept. A new code
	// replaces the old one but never resets Attempts.
	SMSCodeHash  [sha256.Size]byte
	SMSExpiresAt time.Time
	SMSSent      int
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

// ErrSMSLimit is returned when a login attempt has asked for too many SMS codes.
var ErrSMSLimit = errors.New("auth: too many SMS codes for this login attempt")

// SetSMSCode binds a new SMS code to a pending login, valid for ttl, replacing an earlier
// one. A login attempt may ask for at most maxSends codes. The attempt counter is kept.
func (p *PendingLogins) SetSMSCode(mfaToken, code string, ttl time.Duration, maxSends int) (PendingLogin, error) {
	k := sha256.Sum256([]byte(mfaToken))
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.m[k]
	now := p.now()
	if !ok || !now.Before(pl.ExpiresAt) {
		delete(p.m, k)
		return PendingLogin{}, ErrMFAInvalid
	}
	if pl.SMSSent >= maxSends {
		return PendingLogin{}, ErrSMSLimit
	}
	pl.SMSSent++
	pl.SMSCodeHash = sha256.Sum256([]byte(code))
	pl.SMSExpiresAt = now.Add(ttl)
	return *pl, nil
}

// SMSCodeMatches tells, in constant time, whether code is the SMS code of pl and still
// valid at now.
func (pl PendingLogin) SMSCodeMatches(code string, now time.Time) bool {
	if pl.SMSSent == 0 || !now.Before(pl.SMSExpiresAt) {
		return false
	}
	h := sha256.Sum256([]byte(code))
	return subtle.ConstantTimeCompare(h[:], pl.SMSCodeHash[:]) == 1
}

// Peek returns a pending login without counting an attempt.
func (p *PendingLogins) Peek(mfaToken string) (PendingLogin, error) {
	k := sha256.Sum256([]byte(mfaToken))
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.m[k]
	if !ok || !p.now().Before(pl.ExpiresAt) {
		return PendingLogin{}, ErrMFAInvalid
	}
	return *pl, nil
}
