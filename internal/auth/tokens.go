package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const accessType = "access"

// lifetimeLeeway is how much longer than the configured lifetime a token may say it lasts
// (iat and exp are whole seconds). A token issued before the lifetime was shortened is
// refused too: its phone logs in again.
const lifetimeLeeway = 5 * time.Second

var (
	ErrInvalidToken = errors.New("auth: invalid access token")
	ErrTokenExpired = errors.New("auth: access token expired")
)

// AccessClaims is what a valid access token says.
type AccessClaims struct {
	UserID    string
	SessionID string
	DeviceID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// TokenIssuer issues and checks HS256 JWT access tokens.
type TokenIssuer struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// NewTokenIssuer returns an issuer; key must be at least 32 bytes. A nil now
// means time.Now.
func NewTokenIssuer(key []byte, issuer, audience string, ttl time.Duration, now func() time.Time) (*TokenIssuer, error) {
	if len(key) < 32 {
		return nil, errors.New("auth: token key shorter than 32 bytes")
	}
	if issuer == "" || audience == "" || ttl <= 0 {
		return nil, errors.New("auth: token issuer, audience and ttl are required")
	}
	if now == nil {
		now = time.Now
	}
	return &TokenIssuer{
		key:      append([]byte(nil), key...),
		issuer:   issuer,
		audience: audience,
		ttl:      ttl,
		now:      now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
			jwt.WithLeeway(0),
		),
	}, nil
}

// Issue signs an access token for the user's session on a device.
func (t *TokenIssuer) Issue(userID, sessionID, deviceID string) (token string, expiresAt time.Time, err error) {
	if userID == "" || sessionID == "" || deviceID == "" {
		return "", time.Time{}, errors.New("auth: user, session and device are required")
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: jti: %w", err)
	}
	now := t.now()
	iat := jwt.NewNumericDate(now)
	exp := jwt.NewNumericDate(now.Add(t.ttl))
	// MapClaims so that aud is a single string, not an array.
	claims := jwt.MapClaims{
		"iss": t.issuer,
		"aud": t.audience,
		"sub": userID,
		"iat": iat,
		"nbf": iat,
		"exp": exp,
		"jti": base64.RawURLEncoding.EncodeToString(jti),
		"sid": sessionID,
		"did": deviceID,
		"typ": accessType,
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign: %w", err)
	}
	return token, exp.Time, nil
}

type accessJWT struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	DeviceID  string `json:"did"`
	Type      string `json:"typ"`
}

// Parse checks a token's signature and claims. Any failure is
// ErrInvalidToken, except a correctly signed token past its expiry, which is
// ErrTokenExpired.
func (t *TokenIssuer) Parse(token string) (AccessClaims, error) {
	var c accessJWT
	_, err := t.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) {
		return t.key, nil
	})
	if err != nil && !onlyExpired(err) {
		return AccessClaims{}, ErrInvalidToken
	}
	if c.Type != accessType || c.Subject == "" || c.SessionID == "" || c.DeviceID == "" ||
		c.IssuedAt == nil || c.ExpiresAt == nil {
		return AccessClaims{}, ErrInvalidToken
	}
	// The server never issues a token for longer than its lifetime: one that says more was
	// not made here (the parser has already refused an iat in the future).
	if c.ExpiresAt.Sub(c.IssuedAt.Time) > t.ttl+lifetimeLeeway {
		return AccessClaims{}, ErrInvalidToken
	}
	if err != nil {
		return AccessClaims{}, ErrTokenExpired
	}
	return AccessClaims{
		UserID:    c.Subject,
		SessionID: c.SessionID,
		DeviceID:  c.DeviceID,
		IssuedAt:  c.IssuedAt.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// onlyExpired reports whether err says the signature was valid and the one
// thing wrong with the claims is that the token has expired.
func onlyExpired(err error) bool {
	if !errors.Is(err, jwt.ErrTokenExpired) {
		return false
	}
	for _, other := range []error{
		jwt.ErrTokenMalformed, jwt.ErrTokenUnverifiable, jwt.ErrTokenSignatureInvalid,
		jwt.ErrTokenInvalidAudience, jwt.ErrTokenInvalidIssuer, jwt.ErrTokenUsedBeforeIssued,
		jwt.ErrTokenNotValidYet, jwt.ErrTokenRequiredClaimMissing, jwt.ErrTokenInvalidSubject,
		jwt.ErrTokenInvalidId,
	} {
		if errors.Is(err, other) {
			return false
		}
	}
	return true
}
