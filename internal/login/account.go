package login

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/passwords"
)

// Errors of account management.
var (
	ErrNoEnrolment   = errors.New("login: no authenticator enrolment is waiting")
	ErrWrongPassword = errors.New("login: the current password is wrong")
)

// PolicyError is a new password the rules refuse; its message can be shown to the user.
type PolicyError struct{ Err error }

func (e *PolicyError) Error() string { return e.Err.Error() }
func (e *PolicyError) Unwrap() error { return e.Err }

// Enrolment is an authenticator app being set up (RFC 6238; Key URI format of Google
// Authenticator, which every common app reads).
type Enrolment struct {
	Secret string `json:"secret"`      // base32, for typing in by hand
	URI    string `json:"otpauth_uri"` // otpauth://totp/…
	QRPNG  []byte `json:"-"`           // the URI as a QR code
}

// BeginEnrolment starts enrolling an authenticator app for a logged-in user, who gives
// their password again (OWASP ASVS 5.0 V6.4: changing a factor needs re-authentication).
// The new secret only replaces the old factor once ConfirmEnrolment sees a code from it.
func (s *Service) BeginEnrolment(userID, password string) (Enrolment, error) {
	u, err := s.checkOwnPassword(userID, password)
	if err != nil {
		return Enrolment{}, err
	}
	return s.enrolPending(u)
}

// enrolPending makes a new authenticator secret for u and keeps it as pending: it takes
// the place of the old factor once a code from it is confirmed.
func (s *Service) enrolPending(u identity.User) (Enrolment, error) {
	e, err := s.newEnrolment(u.Username)
	if err != nil {
		return Enrolment{}, err
	}
	if _, err := s.cfg.Identity.ModifyUser(u.ID, func(u *identity.User) error {
		u.PendingTOTPSecret = e.Secret
		return nil
	}); err != nil {
		return Enrolment{}, err
	}
	return e, nil
}

// newEnrolment makes a new authenticator secret for username, with its URI and QR code.
func (s *Service) newEnrolment(username string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.cfg.Issuer, AccountName: username, Period: 30, SecretSize: 20,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, fmt.Errorf("login: unable to make a TOTP secret: %w", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return Enrolment{}, fmt.Errorf("login: unable to draw the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmEnrolment makes the waiting authenticator app the user's TOTP factor once a code
// from it is right. The code's step is recorded as used.
func (s *Service) ConfirmEnrolment(userID, code string) error {
	var released string
	_, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		released = u.TokenSerial
		if u.PendingTOTPSecret == "" {
			return ErrNoEnrolment
		}
		step, err := auth.VerifyTOTP(u.PendingTOTPSecret, code, s.cfg.Now(), 0)
		if err != nil {
			return ErrInvalidCode
		}
		u.TOTPSecret, u.TOTPLastStep, u.TokenSerial, u.PendingTOTPSecret = u.PendingTOTPSecret, step, "", ""
		return nil
	})
	if err == nil && released != "" {
		// The hardware token the user had is free to hand out again.
		err = s.cfg.Identity.ReleaseToken(released)
	}
	return err
}

// ChangePassword changes a logged-in user's own password. The session already holds both
// factors; the current password is asked again, and every other session of the user ends.
func (s *Service) ChangePassword(userID, sessionID, current, next string) error {
	u, err := s.checkOwnPassword(userID, current)
	if err != nil {
		return err
	}
	if err := s.setPassword(u, next, false); err != nil {
		return err
	}
	_, err = s.cfg.Sessions.RevokeUser(u.ID, auth.RevokePasswordReset, sessionID)
	return err
}

// ResetPassword sets a new password for someone who forgot theirs (done by a unit
// representative, manager or administrator). It never touches the second factor: the
// user still needs their code to log in, and must choose a new password then. Every
// session of the user ends.
func (s *Service) ResetPassword(userID, next string) error {
	u, err := s.cfg.Identity.User(userID)
	if err != nil {
		return err
	}
	if err := s.setPassword(u, next, true); err != nil {
		return err
	}
	_, err = s.cfg.Sessions.RevokeUser(u.ID, auth.RevokePasswordReset, "")
	return err
}

// checkOwnPassword checks a logged-in user's password again, throttled and counted like a
// login.
func (s *Service) checkOwnPassword(userID, password string) (identity.User, error) {
	t, u, err := s.begin(userID)
	if err != nil {
		return u, err
	}
	defer t.release()
	ok, err := s.cfg.Passwords.Check(u.PasswordHash, password)
	switch {
	case err != nil:
		return u, err
	case !ok:
		return u, t.fail(ErrWrongPassword)
	}
	return u, nil
}

func (s *Service) setPassword(u identity.User, next string, mustChange bool) error {
	if err := passwords.Check(next, u.Username); err != nil {
		return &PolicyError{Err: err}
	}
	hash, err := s.cfg.Passwords.Hash(next)
	if err != nil {
		return err
	}
	_, err = s.cfg.Identity.ModifyUser(u.ID, func(u *identity.User) error {
		u.PasswordHash, u.MustChangePassword, u.PasswordChangedAt = hash, mustChange, s.cfg.Now()
		return nil
	})
	return err
}

// Unlock opens an account locked by failed logins and clears its counter.
func (s *Service) Unlock(userID string) error {
	_, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.FailedLogins, u.LastFailureAt, u.LockedAt = 0, time.Time{}, time.Time{}
		return nil
	})
	return err
}

// SetDisabled disables or enables an account; disabling ends all its sessions.
func (s *Service) SetDisabled(userID string, disabled bool) error {
	if _, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.Disabled = disabled
		return nil
	}); err != nil {
		return err
	}
	if !disabled {
		return nil
	}
	_, err := s.cfg.Sessions.RevokeUser(userID, auth.RevokeUserDisabled, "")
	return err
}

// AcceptTerms records that the user accepted this version of the terms of use.
func (s *Service) AcceptTerms(userID, version string) error {
	_, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.TermsVersion, u.TermsAcceptedAt = version, s.cfg.Now()
		return nil
	})
	return err
}

// RecordTraining records that a user completed their training, by whom.
func (s *Service) RecordTraining(userID, by string, at time.Time) error {
	_, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.TrainedAt, u.TrainedBy = at, by
		return nil
	})
	return err
}

// RevokeDevice ends every session on a device; its next request answers device_revoked.
func (s *Service) RevokeDevice(deviceID, by string) (int, error) {
	return s.cfg.Sessions.RevokeDevice(deviceID, by)
}

// RevokeSession ends one session.
func (s *Service) RevokeSession(sessionID string) error {
	return s.cfg.Sessions.Revoke(sessionID, auth.RevokeAdmin)
}

// Sessions lists a user's running sessions.
func (s *Service) Sessions(userID string) ([]auth.Session, error) {
	return s.cfg.Sessions.UserSessions(userID)
}

// Session returns one session.
func (s *Service) Session(id string) (auth.Session, error) { return s.cfg.Sessions.Get(id) }
