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

// SMS codes: 6 digits, valid 5 minutes, at most 3 per login attempt.
const (
	SMSValidity = 5 * time.Minute
	maxSMSSends = 3
)

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

// checkCode checks a one-time code on the try t of u's account and, in the same write,
// records the used TOTP step and clears the failure counter. A wrong code counts as a
// failure.
func (s *Service) checkCode(t *try, u identity.User, pl auth.PendingLogin, method, code string) (identity.User, error) {
	defer t.release()
	now := s.cfg.Now()
	var step int64
	// In activation, an account with no factor confirms the authenticator it enrols.
	enrolling := pl.Activation && method == MethodTOTP && u.TOTPSecret == "" && u.PendingTOTPSecret != ""
	switch method {
	case MethodTOTP:
		secret := u.TOTPSecret
		if enrolling {
			secret = u.PendingTOTPSecret
		}
		var err error
		step, err = auth.VerifyTOTP(secret, code, now, u.TOTPLastStep)
		switch {
		case errors.Is(err, auth.ErrCodeUsed):
			return u, t.fail(ErrCodeUsed)
		case err != nil:
			return u, t.fail(ErrInvalidCode)
		}
	case MethodSMS:
		if !pl.SMSCodeMatches(code, now) {
			return u, t.fail(ErrInvalidCode)
		}
	}
	secret := u.PendingTOTPSecret
	u, err := s.cfg.Identity.ModifyUser(u.ID, func(u *identity.User) error {
		if method == MethodTOTP {
			if step <= u.TOTPLastStep {
				return errStepUsed // a concurrent login used the same code first
			}
			if enrolling {
				if u.PendingTOTPSecret != secret || u.TOTPSecret != "" {
					return ErrInvalidCode // another enrolment replaced this one meanwhile
				}
				u.TOTPSecret, u.PendingTOTPSecret, u.TokenSerial = secret, "", ""
			}
			u.TOTPLastStep = step
		}
		if pl.Activation {
			u.ActivationPending = false // the second factor is in: the account is active
		}
		u.FailedLogins, u.LastFailureAt, u.LastLoginAt = 0, time.Time{}, now // last login: for the access review
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
	if err := s.gate(u.ID); err != nil {
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
