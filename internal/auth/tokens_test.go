package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"vardag/internal/auth"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const (
	testIss = "https://vardag.example"
	testAud = "vardag-api"
)

func newIssuer(t *testing.T, c *clock) *auth.TokenIssuer {
	t.Helper()
	ti, err := auth.NewTokenIssuer(testKey, testIss, testAud, 15*time.Minute, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

// claims returns the claims of a valid access token, for forging variants.
func claims(c *clock) jwt.MapClaims {
	now := c.Now()
	return jwt.MapClaims{
		"iss": testIss, "aud": testAud, "sub": "u1", "sid": "s1", "did": "d1", "typ": "access",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "x",
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewTokenIssuerShortKey(t *testing.T) {
	if _, err := auth.NewTokenIssuer(testKey[:31], testIss, testAud, time.Minute, nil); err == nil {
		t.Fatal("31-byte key accepted")
	}
}

func TestAccessTokenRoundTrip(t *testing.T) {
	c := newClock()
	ti := newIssuer(t, c)
	tok, exp, err := ti.Issue("u1", "s1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(c.Now().Add(15 * time.Minute)) {
		t.Fatalf("expiresAt %v", exp)
	}
	got, err := ti.Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.AccessClaims{UserID: "u1", SessionID: "s1", DeviceID: "d1", IssuedAt: c.Now(), ExpiresAt: exp}
	if got.UserID != want.UserID || got.SessionID != want.SessionID || got.DeviceID != want.DeviceID ||
		!got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// aud is a single string, and the private claims are present.
	var mc jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &mc); err != nil {
		t.Fatal(err)
	}
	if _, ok := mc["aud"].(string); !ok || mc["typ"] != "access" || mc["jti"] == "" || mc["nbf"] == nil {
		t.Fatalf("claims %v", mc)
	}
	tok2, _, _ := ti.Issue("u1", "s1", "d1")
	var mc2 jwt.MapClaims
	jwt.NewParser().ParseUnverified(tok2, &mc2)
	if mc["jti"] == mc2["jti"] {
		t.Fatal("jti repeated")
	}
}

func TestAccessTokenExpired(t *testing.T) {
	c := newClock()
	ti := newIssuer(t, c)
	tok, _, _ := ti.Issue("u1", "s1", "d1")
	c.Advance(15*time.Minute - time.Second)
	if _, err := ti.Parse(tok); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	c.Advance(time.Second)
	if _, err := ti.Parse(tok); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("at expiry: got %v, want ErrTokenExpired", err)
	}
}

func TestAccessTokenRefused(t *testing.T) {
	c := newClock()
	ti := newIssuer(t, c)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) jwt.MapClaims {
		m := claims(c)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	expiredOther := with("exp", c.Now().Add(-time.Minute).Unix())
	expiredOther["typ"] = "refresh"
	otherKey := []byte("another-key-another-key-another-key")
	cases := map[string]string{
		"control":         sign(t, jwt.SigningMethodHS256, testKey, claims(c)),
		"alg none":        sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(c)),
		"other key":       sign(t, jwt.SigningMethodHS256, otherKey, claims(c)),
		"HS512":           sign(t, jwt.SigningMethodHS512, testKey, claims(c)),
		"RS256":           sign(t, jwt.SigningMethodRS256, rsaKey, claims(c)),
		"ES256":           sign(t, jwt.SigningMethodES256, ecKey, claims(c)),
		"wrong aud":       sign(t, jwt.SigningMethodHS256, testKey, with("aud", "other-api")),
		"wrong iss":       sign(t, jwt.SigningMethodHS256, testKey, with("iss", "https://evil.example")),
		"no exp":          sign(t, jwt.SigningMethodHS256, testKey, with("exp", nil)),
		"no iat":          sign(t, jwt.SigningMethodHS256, testKey, with("iat", nil)),
		"iat in future":   sign(t, jwt.SigningMethodHS256, testKey, with("iat", c.Now().Add(time.Minute).Unix())),
		"typ refresh":     sign(t, jwt.SigningMethodHS256, testKey, with("typ", "refresh")),
		"no typ":          sign(t, jwt.SigningMethodHS256, testKey, with("typ", nil)),
		"no sub":          sign(t, jwt.SigningMethodHS256, testKey, with("sub", nil)),
		"no sid":          sign(t, jwt.SigningMethodHS256, testKey, with("sid", "")),
		"no did":          sign(t, jwt.SigningMethodHS256, testKey, with("did", nil)),
		"expired refresh": sign(t, jwt.SigningMethodHS256, testKey, expiredOther),
		"expired other key": sign(t, jwt.SigningMethodHS256, otherKey,
			with("exp", c.Now().Add(-time.Minute).Unix())),
		"expired wrong aud": sign(t, jwt.SigningMethodHS256, testKey, func() jwt.MapClaims {
			m := with("exp", c.Now().Add(-time.Minute).Unix())
			m["aud"] = "other-api"
			return m
		}()),
		"garbage": "not.a.token",
		"empty":   "",
	}
	for name, tok := range cases {
		_, err := ti.Parse(tok)
		if name == "control" {
			if err != nil {
				t.Fatalf("control token refused: %v", err)
			}
			continue
		}
		if !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: got %v, want ErrInvalidToken", name, err)
		}
	}
}
