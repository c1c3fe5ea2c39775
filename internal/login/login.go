// Package login runs the two-step login (password, then a one-time code), issues access
// tokens and rotating refresh tokens, and turns a bearer token into the caller's access.
package login

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/sms"
	"vardag/internal/uuids"
)

// Errors the HTTP layer maps to answers.
var (
	ErrInvalidCredentials = errors.New("login: invalid username or password")
	ErrInvalidCode        = errors.New("login: invalid code")
	ErrCodeUsed           = errors.New("login: code already used")
	ErrMethod             = errors.New("login: method not available for this user")
	ErrSessionExpired     = errors.New("login: session expired")
	ErrUnauthenticated    = errors.New("login: not authenticated")
	ErrTokenExpired       = errors.New("login: access token expired")
	ErrDeviceRevoked      = errors.New("login: device revoked")
	ErrAccountLocked      = errors.New("login: account locked")
	ErrSMSUnavailable     = errors.New("login: the SMS code could not be sent")
	ErrSMSLimit           = errors.New("login: too many SMS codes for this login attempt")
)

// The ways of giving the second factor.
const (
	MethodTOTP = "totp" // an authenticator app or a hardware token (inloggningsdosa)
	MethodSMS  = "sms"  // a code by SMS to the registered work phone
)

// DeviceOwners tells who a device id belongs to, so that one user never reuses another's.
type DeviceOwners interface {
	DeviceOwner(deviceID string) (userID string, err error)
}

// Config of the service.
type Config struct {
	Identity  *identity.Store
	Sessions  *auth.SessionStore
	Tokens    *auth.TokenIssuer
	Devices   DeviceOwners
	Now       func() time.Time
	MFAWindow time.Duration // how long a password step waits for its code
	// SMS sends SMS codes; nil means SMS is not offered.
	SMS sms.Sender
	// Issuer names the service in authenticator apps.
	Issuer string
	// Passwords bounds the argon2id work running at once; nil: the default size and a
	// wait of 2 s.
	Passwords *auth.PasswordSlots
}

// Service is the login service.
type Service struct {
	cfg     Config
	pending *auth.PendingLogins
	ledger  *ledger
}

// maxCodeAttempts is how many codes one login attempt may try (issue 5 adds account locks).
const maxCodeAttempts = 5

// New makes the service.
func New(cfg Config) *Service {
	if cfg.MFAWindow == 0 {
		cfg.MFAWindow = 5 * time.Minute
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "Vardag"
	}
	if cfg.Passwords == nil {
		cfg.Passwords = auth.NewPasswordSlots(0, 2*time.Second)
	}
	return &Service{cfg: cfg, pending: auth.NewPendingLogins(cfg.MFAWindow, maxCodeAttempts, cfg.Now), ledger: newLedger()}
}

// Challenge is the answer to a correct password.
type Challenge struct {
	MFAToken  string   `json:"mfa_token"`
	Methods   []string `json:"methods"`
	ExpiresIn int      `json:"expires_in"`
}

// Login checks a password and starts the second step. An unknown username takes the same
// path as a wrong password: the same throttle, a slot and an argon2id run, the same answers.
// With every slot taken for the wait it answers auth.ErrBusy, and the try is not counted.
func (s *Service) Login(username, password, deviceID, deviceName string) (Challenge, error) {
	t, u, known, err := s.beginName(username)
	if err != nil {
		return Challenge{}, err
	}
	defer t.release()
	ok := false
	if known && u.PasswordHash != "" {
		ok, err = s.cfg.Passwords.Check(u.PasswordHash, password)
	} else {
		err = s.cfg.Passwords.CheckDummy(password)
	}
	if err != nil {
		return Challenge{}, err
	}
	// A disabled account, one whose provider has ended, and one not yet activated answer
	// as a wrong password: no second step.
	if !ok || u.Disabled || u.ActivationPending || s.cfg.Identity.Barred(u, s.cfg.Now()) {
		return Challenge{}, t.fail(ErrInvalidCredentials)
	}
	methods := s.methods(u)
	if len(methods) == 0 {
		return Challenge{}, ErrMethod
	}
	token := s.pending.Start(auth.PendingLogin{UserID: u.ID, DeviceID: deviceID, DeviceName: deviceName})
	return Challenge{MFAToken: token, Methods: methods, ExpiresIn: int(s.cfg.MFAWindow.Seconds())}, nil
}

// Tokens is what a finished login or a refresh gives.
type Tokens struct {
	AccessToken      string    `json:"access_token"`
	RefreshToken     string    `json:"refresh_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	DeviceID         string    `json:"device_id"`
	User             UserInfo  `json:"user"`
}

// UserInfo is the caller as the phone shows them.
type UserInfo struct {
	ID    string      `json:"id"`
	Name  string      `json:"name"`
	Roles []UnitRoles `json:"roles"`
	// Subunits are the sub-units (grupper) of the units where the user distributes
	// assignments (coordinator, unit manager): the choices of "Fördela" on the phone.
	Subunits []Subunit `json:"subunits,omitempty"`
}

// Subunit is a sub-unit of one of the user's units.
type Subunit struct {
	UnitID   string `json:"unit_id"`
	ParentID string `json:"parent_id"`
	Name     string `json:"name"`
}

// UnitRoles is one valid grant.
type UnitRoles struct {
	UnitID   string        `json:"unit_id,omitempty"`
	UnitName string        `json:"unit_name,omitempty"` // for the phone's choice of unit
	Role     identity.Role `json:"role"`
}

// Verify checks the one-time code of a pending login and opens a session.
func (s *Service) Verify(mfaToken, method, code string) (Tokens, error) {
	pl, err := s.pending.Attempt(mfaToken)
	if err != nil {
		if errors.Is(err, auth.ErrTooManyAttempts) {
			return Tokens{}, err
		}
		return Tokens{}, ErrInvalidCode
	}
	u, err := s.cfg.Identity.User(pl.UserID)
	if err != nil || u.Disabled || s.cfg.Identity.Barred(u, s.cfg.Now()) {
		return Tokens{}, ErrInvalidCode
	}
	t, u, err := s.begin(u.ID)
	if errors.Is(err, identity.ErrNotFound) {
		return Tokens{}, ErrInvalidCode
	} else if err != nil {
		return Tokens{}, err
	}
	if u.ActivationPending && !pl.Activation {
		t.release()
		return Tokens{}, ErrInvalidCode // a code was issued again since this login began
	}
	enrolling := pl.Activation && method == MethodTOTP && u.TOTPSecret == "" && u.PendingTOTPSecret != ""
	if !enrolling && !slices.Contains(s.methods(u), method) {
		t.release()
		return Tokens{}, ErrMethod
	}
	if u, err = s.checkCode(t, u, pl, method, code); err != nil {
		return Tokens{}, err
	}
	s.pending.Finish(mfaToken)
	deviceID, err := s.deviceFor(u.ID, pl.DeviceID)
	if err != nil {
		return Tokens{}, err
	}
	refresh, sess, err := s.cfg.Sessions.Create(u.ID, deviceID)
	if err != nil {
		return Tokens{}, err
	}
	return s.issue(u, sess, refresh)
}

// deviceFor keeps the phone's device id when it is free or already this user's; otherwise
// it gives a new one, so that per-device mutation numbering never mixes two users.
func (s *Service) deviceFor(userID, asked string) (string, error) {
	if !uuids.Valid(asked) {
		return uuids.New(), nil
	}
	// Whose the device is: the engine's owner once it has pushed, else its sessions'.
	if owner, err := s.DeviceOwner(asked); err != nil {
		return "", err
	} else if owner != "" && owner != userID {
		return uuids.New(), nil
	}
	if revoked, err := s.cfg.Sessions.DeviceRevoked(asked); err != nil {
		return "", err
	} else if revoked {
		return uuids.New(), nil // a revoked phone starts again under a new id
	}
	return asked, nil
}

func (s *Service) issue(u identity.User, sess auth.Session, refresh string) (Tokens, error) {
	access, exp, err := s.cfg.Tokens.Issue(u.ID, sess.ID, sess.DeviceID)
	if err != nil {
		return Tokens{}, err
	}
	_, acc, err := s.cfg.Identity.Access(u.ID, s.cfg.Now())
	if err != nil {
		return Tokens{}, err
	}
	info := UserInfo{ID: u.ID, Name: u.Name, Roles: []UnitRoles{}}
	if u.Admin {
		info.Roles = append(info.Roles, UnitRoles{Role: "administrator"})
	}
	for unit, roles := range acc.Roles {
		u, _ := s.cfg.Identity.Unit(unit)
		for _, r := range roles {
			info.Roles = append(info.Roles, UnitRoles{UnitID: unit, UnitName: u.Name, Role: r})
		}
		if slices.ContainsFunc(roles, func(r identity.Role) bool { return r == identity.RoleCoordinator || r == identity.RoleUnitManager }) {
			for _, sub := range s.cfg.Identity.Subunits(unit) {
				info.Subunits = append(info.Subunits, Subunit{UnitID: sub.ID, ParentID: unit, Name: sub.Name})
			}
		}
	}
	slices.SortStableFunc(info.Subunits, func(a, b Subunit) int { return strings.Compare(a.ParentID, b.ParentID) })
	return Tokens{
		AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn:        int(exp.Sub(s.cfg.Now()).Round(time.Second).Seconds()),
		RefreshExpiresAt: s.cfg.Sessions.ExpiresAt(sess),
		DeviceID:         sess.DeviceID, User: info,
	}, nil
}

// Refresh rotates a refresh token.
func (s *Service) Refresh(refreshToken string) (Tokens, error) {
	token, sess, err := s.cfg.Sessions.Rotate(refreshToken)
	switch {
	case errors.Is(err, auth.ErrRefreshReused):
		return Tokens{}, err
	case errors.Is(err, auth.ErrDeviceRevoked):
		return Tokens{}, ErrDeviceRevoked
	case errors.Is(err, auth.ErrRefreshInvalid), errors.Is(err, auth.ErrSessionEnded):
		return Tokens{}, ErrSessionExpired
	case err != nil:
		return Tokens{}, err
	}
	u, err := s.cfg.Identity.User(sess.UserID)
	if err != nil || u.Disabled || s.cfg.Identity.Barred(u, s.cfg.Now()) {
		_ = s.cfg.Sessions.Revoke(sess.ID, auth.RevokeUserDisabled)
		return Tokens{}, ErrSessionExpired
	}
	return s.issue(u, sess, token)
}

// DeviceOwner is the user a device belongs to: the engine's owner once it has pushed, else
// the user of its latest session ("" when it is unknown).
func (s *Service) DeviceOwner(deviceID string) (string, error) {
	owner, err := s.cfg.Devices.DeviceOwner(deviceID)
	if err != nil || owner != "" {
		return owner, err
	}
	return s.cfg.Sessions.DeviceUser(deviceID)
}

// Logout ends a session on the server.
func (s *Service) Logout(sessionID string) error {
	return s.cfg.Sessions.Revoke(sessionID, auth.RevokeLogout)
}

// Principal is an authenticated caller.
type Principal struct {
	Claims auth.AccessClaims
	User   identity.User
	Access identity.Access
}

// Authenticate turns a bearer token into the caller, checking that the session still runs
// and is the token's user's on the token's device, and computing the scopes from the
// grants valid now.
func (s *Service) Authenticate(token string) (Principal, error) {
	claims, err := s.cfg.Tokens.Parse(token)
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return Principal{}, ErrTokenExpired
	case err != nil:
		return Principal{}, ErrUnauthenticated
	}
	sess, err := s.cfg.Sessions.Active(claims.SessionID)
	switch {
	case errors.Is(err, auth.ErrDeviceRevoked):
		return Principal{}, ErrDeviceRevoked
	case err != nil:
		return Principal{}, ErrSessionExpired
	case sess.UserID != claims.UserID || sess.DeviceID != claims.DeviceID:
		// Only a token signed with the server's key gets here: it names a session that is
		// not its user's (or device's), which the server never issues.
		return Principal{}, ErrUnauthenticated
	}
	u, acc, err := s.cfg.Identity.Access(claims.UserID, s.cfg.Now())
	if err != nil || u.Disabled {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{Claims: claims, User: u, Access: acc}, nil
}

// String keeps tokens out of logs if a Tokens value is ever printed.
func (t Tokens) String() string {
	return fmt.Sprintf("Tokens{user=%s device=%s}", t.User.ID, t.DeviceID)
}
