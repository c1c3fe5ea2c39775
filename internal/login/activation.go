package login

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/passwords"
)

// ErrInvalidActivation is every refused activation code alike: an unknown username, a
// wrong code, an expired or a voided one, an account with nothing to activate.
var ErrInvalidActivation = errors.New("login: invalid activation code")

// Activation codes: 20 characters of Crockford's base32 (100 bits), shown in five groups
// of four for reading aloud and for paper. The alphabet has no I, L, O or U; typed
// lower-case, with spaces or dashes, or with O for 0 and I or L for 1, a code still reads.
const (
	activationAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	activationLength   = 20
	activationGroup    = 4
)

// NewActivationCode returns a fresh code, grouped for reading.
func NewActivationCode() (string, error) {
	raw := make([]byte, activationLength)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%activationGroup == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(activationAlphabet[c&31]) // 256 is a multiple of 32: no bias
	}
	return b.String(), nil
}

// normaliseActivationCode is a code as typed, reduced to its 20 characters ("" when it
// cannot be one).
func normaliseActivationCode(s string) string {
	if len(s) > 100 {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(activationAlphabet, r) {
			return ""
		}
		b.WriteRune(r)
	}
	if b.Len() != activationLength {
		return ""
	}
	return b.String()
}

// hashActivationCode is what the store keeps of a code. A plain SHA-256 is enough for a
// random 100-bit code (like a refresh token); a password needs argon2id, a code does not.
func hashActivationCode(code string) string {
	h := sha256.Sum256([]byte("vardag-activation\x00" + normaliseActivationCode(code)))
	return hex.EncodeToString(h[:])
}

// NewAccount is an account to create, which starts with an activation code.
type NewAccount struct {
	ID, Username, Name, MunicipalityID, ProviderID, Phone string
	Admin                                                 bool
}

// CreateAccount creates an account that cannot log in until it is activated, and returns
// its activation code (shown once; only its hash is kept) and when the code expires. The
// username is taken without case (identity.ErrDuplicate).
func (s *Service) CreateAccount(a NewAccount) (identity.User, string, time.Time, error) {
	u, code, expires, err := s.NewAccount(a)
	if err != nil {
		return identity.User{}, "", time.Time{}, err
	}
	if err := s.cfg.Identity.CreateUser(u); err != nil {
		return identity.User{}, "", time.Time{}, err
	}
	return u, code, expires, nil
}

// NewAccount makes, without storing it, an account waiting for activation, with its code.
func (s *Service) NewAccount(a NewAccount) (identity.User, string, time.Time, error) {
	code, err := NewActivationCode()
	if err != nil {
		return identity.User{}, "", time.Time{}, err
	}
	expires := s.cfg.Now().Add(identity.ActivationValidity).UTC()
	u := identity.User{ID: a.ID, Username: a.Username, Name: a.Name, MunicipalityID: a.MunicipalityID,
		ProviderID: a.ProviderID, Phone: a.Phone, Admin: a.Admin,
		ActivationPending: true, ActivationCodeHash: hashActivationCode(code), ActivationExpiresAt: expires}
	return u, code, expires, nil
}

// IssueActivation gives an account a new activation code, which replaces the one before
// (a lost code). The account must activate again before it logs in: its sessions end.
func (s *Service) IssueActivation(userID string) (string, time.Time, error) {
	code, err := NewActivationCode()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := s.cfg.Now().Add(identity.ActivationValidity).UTC()
	if _, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		u.ActivationPending, u.ActivationCodeHash, u.ActivationExpiresAt, u.ActivationFailures = true, hashActivationCode(code), expires, 0
		return nil
	}); err != nil {
		return "", time.Time{}, err
	}
	if _, err := s.cfg.Sessions.RevokeUser(userID, auth.RevokeAdmin, ""); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// ActivationChallenge is the answer to a right activation code and an accepted password:
// the second step, as after a password at login. Enrol is MethodTOTP when the account has
// no second factor yet and must enrol an authenticator app (BeginActivationEnrolment).
type ActivationChallenge struct {
	Challenge
	UserID string `json:"-"`
	Enrol  string `json:"enrol,omitempty"`
}

var errNoWrite = errors.New("login: nothing to write")

// Activate checks an activation code and sets the account's first password. The code is
// then spent; the account stays unable to log in until its second factor is given (or
// enrolled) through Verify with the returned mfa token. A wrong code counts against the
// code, which is void after identity.MaxActivationFailures; a password the rules refuse
// changes nothing and spends nothing. The password's argon2id run takes a slot like a
// login (auth.ErrBusy when none frees up).
func (s *Service) Activate(username, code, newPassword, deviceID, deviceName string) (ActivationChallenge, error) {
	u, err := s.cfg.Identity.UserByUsername(username)
	if errors.Is(err, identity.ErrNotFound) {
		return ActivationChallenge{}, ErrInvalidActivation
	} else if err != nil {
		return ActivationChallenge{}, err
	}
	hash := hashActivationCode(code)
	if err := s.spendTry(u.ID, hash); err != nil {
		return ActivationChallenge{}, err
	}
	if err := passwords.Check(newPassword, u.Username); err != nil {
		return ActivationChallenge{}, &PolicyError{Err: err}
	}
	pwHash, err := s.cfg.Passwords.Hash(newPassword)
	if err != nil {
		return ActivationChallenge{}, err
	}
	var spent identity.User
	if _, err := s.cfg.Identity.ModifyUser(u.ID, func(stored *identity.User) error {
		if !s.activationMatches(*stored, hash) {
			return ErrInvalidActivation // replaced, spent or voided meanwhile
		}
		now := s.cfg.Now()
		stored.PasswordHash, stored.PasswordChangedAt, stored.MustChangePassword = pwHash, now, false
		stored.ActivationCodeHash, stored.ActivationExpiresAt, stored.ActivationFailures = "", time.Time{}, 0
		stored.FailedLogins, stored.LastFailureAt = 0, time.Time{}
		spent = *stored
		return nil
	}); err != nil {
		return ActivationChallenge{}, err
	}
	ch := ActivationChallenge{UserID: spent.ID}
	ch.Methods = s.methods(spent)
	if len(ch.Methods) == 0 {
		ch.Methods, ch.Enrol = []string{MethodTOTP}, MethodTOTP
	}
	ch.MFAToken = s.pending.Start(auth.PendingLogin{UserID: spent.ID, DeviceID: deviceID, DeviceName: deviceName, Activation: true})
	ch.ExpiresIn = int(s.cfg.MFAWindow.Seconds())
	return ch, nil
}

// activationMatches tells whether hash is the account's live activation code.
func (s *Service) activationMatches(u identity.User, hash string) bool {
	if !u.ActivationPending || u.ActivationCodeHash == "" || u.Disabled ||
		u.ActivationFailures >= identity.MaxActivationFailures || !s.cfg.Now().Before(u.ActivationExpiresAt) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(u.ActivationCodeHash), []byte(hash)) == 1
}

// spendTry checks a code against the account in one write: a wrong code against a live
// code counts one failure; anything refused is ErrInvalidActivation.
func (s *Service) spendTry(userID, hash string) error {
	ok := false
	_, err := s.cfg.Identity.ModifyUser(userID, func(u *identity.User) error {
		if s.activationMatches(*u, hash) {
			ok = true
			return errNoWrite
		}
		live := u.ActivationPending && u.ActivationCodeHash != "" && u.ActivationFailures < identity.MaxActivationFailures &&
			s.cfg.Now().Before(u.ActivationExpiresAt)
		if !live {
			return errNoWrite
		}
		u.ActivationFailures++
		return nil
	})
	switch {
	case err != nil && !errors.Is(err, errNoWrite):
		return err
	case !ok:
		return ErrInvalidActivation
	}
	return nil
}

// BeginActivationEnrolment makes an authenticator secret for an account in activation
// that has no second factor: its first code, through Verify, confirms it.
func (s *Service) BeginActivationEnrolment(mfaToken string) (Enrolment, error) {
	pl, err := s.pending.Peek(mfaToken)
	if err != nil || !pl.Activation {
		return Enrolment{}, ErrInvalidCode
	}
	u, err := s.cfg.Identity.User(pl.UserID)
	if err != nil || u.Disabled || !u.ActivationPending {
		return Enrolment{}, ErrInvalidCode
	}
	if len(s.methods(u)) > 0 {
		return Enrolment{}, ErrMethod // a hardware token or a phone is already registered
	}
	return s.enrolPending(u)
}
