package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/sms"
)

// Throttling of failed logins per account (NIST SP 800-63B §5.2.2, OWASP ASVS 5.0 V6.3.1):
// the counter lives in the user's stored record, so neither a restart nor a new login
// attempt resets it; only a successful login or an unlock by a unit representative or
// manager does.
const (
	freeFailures = 5                // failures in a row before delays begin
	LockAfter    = 50               // failures in a row that lock the account (SP 800-63B: at most 100)
	maxDelay     = 15 * time.Minute // the longest delay between two tries
)

// SMS codes: 6 digits, valid 5 minutes, at most 3 per login attempt.
const (
	SMSValidity = 5 * time.Minute
	maxSMSSends = 3
)

// ThrottledError is a try made before the account's delay has passed.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("login: too many failed logins; try again in %s", e.RetryAfter)
}

// delayAfter is the wait before the next try after n failures in a row: none for the
// first few, then doubling from one second up to maxDelay.
func delayAfter(n int) time.Duration {
	if n < freeFailures {
		return 0
	}
	return min(time.Second<<min(n-freeFailures, 20), maxDelay)
}

// gate refuses a try on a locked account or one still inside its delay.
func (s *Service) gate(u identity.User) error {
	if u.Locked() {
		return ErrAccountLocked
	}
	if wait := u.LastFailureAt.Add(delayAfter(u.FailedLogins)).Sub(s.cfg.Now()); wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// fail counts a failed password or code against the account and returns cause, or
// ErrAccountLocked when this failure locked it.
func (s *Service) fail(userID string, cause error) error {
	u, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.FailedLogins++
		u.LastFailureAt = s.cfg.Now()
		if u.FailedLogins >= LockAfter && !u.Locked() {
			u.LockedAt = s.cfg.Now()
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case u.Locked():
		return ErrAccountLocked
	}
	return cause
}

// methods are the second factors a user can give.
func (s *Service) methods(u identity.User) []string {
	var m []string
	if u.TOTPSecret != "" {
		m = append(m, MethodTOTP)
	}
	if u.Phone != "" && s.cfg.SMS != nil {
		m = append(m, MethodSMS)
	}
	return m
}

var errStepUsed = errors.New("login: TOTP step already used")

// checkCode checks a one-time code and, in the same write, records the used TOTP step
// and clears the failure counter. A wrong code counts as a failure.
func (s *Service) checkCode(u identity.User, pl auth.PendingLogin, method, code string) (identity.User, error) {
	now := s.cfg.Now()
	var step int64
	switch method {
	case MethodTOTP:
		var err error
		step, err = auth.VerifyTOTP(u.TOTPSecret, code, now, u.TOTPLastStep)
		switch {
		case errors.Is(err, auth.ErrCodeUsed):
			return u, s.fail(u.ID, ErrCodeUsed)
		case err != nil:
			return u, s.fail(u.ID, ErrInvalidCode)
		}
	case MethodSMS:
		if !pl.SMSCodeMatches(code, now) {
			return u, s.fail(u.ID, ErrInvalidCode)
		}
	}
	u, err := s.cfg.Identity.ModifyUser(u.ID, func(u *identity.User) error {
		if method == MethodTOTP {
			if step <= u.TOTPLastStep {
				return errStepUsed // a concurrent login used the same code first
			}
			u.TOTPLastStep = step
		}
		u.FailedLogins, u.LastFailureAt = 0, time.Time{}
		return nil
	})
	if errors.Is(err, errStepUsed) {
		return u, ErrCodeUsed
	}
	return u, err
}

// SendSMS sends a new SMS code for a pending login to the user's registered phone. A
// new code replaces the one sent before; it never resets the attempts already made.
func (s *Service) SendSMS(ctx context.Context, mfaToken string) error {
	if s.cfg.SMS == nil {
		return ErrMethod
	}
	code, err := sms.NewCode()
	if err != nil {
		return err
	}
	pl, err := s.pending.Peek(mfaToken)
	if err != nil {
		return ErrInvalidCode
	}
	u, err := s.cfg.Identity.User(pl.UserID)
	if err != nil || u.Disabled {
		return ErrInvalidCode
	}
	if u.Phone == "" {
		return ErrMethod
	}
	if err := s.gate(u); err != nil {
		return err
	}
	if _, err := s.pending.SetSMSCode(mfaToken, code, SMSValidity, maxSMSSends); errors.Is(err, auth.ErrSMSLimit) {
		return ErrSMSLimit
	} else if err != nil {
		return ErrInvalidCode
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	text := "Din kod till Vardag: " + code + "\nGiltig i 5 minuter. Ge aldrig koden till någon annan."
	if err := s.cfg.SMS.Send(ctx, u.Phone, text); err != nil {
		return fmt.Errorf("%w: %w", ErrSMSUnavailable, err)
	}
	return nil
}
