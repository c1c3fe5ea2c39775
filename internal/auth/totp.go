package auth

import (
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// RFC 6238 parameters: 30 s step, 6 digits, HMAC-SHA1, one step of skew.
const (
	totpPeriod = 30
	totpDigits = 6
	totpSkew   = 1
	// minSecretSize accepts 80-bit seeds: many hardware tokens (inloggningsdosor) and the
	// demo secret have them. RFC 4226 R6 asks 128 bits of new seeds; enrolment makes 160.
	minSecretSize = 10 // bytes
)

var (
	ErrInvalidCode = errors.New("auth: invalid code")
	ErrCodeUsed    = errors.New("auth: code already used")

	errBadSecret = errors.New("auth: invalid TOTP secret")
)

// VerifyTOTP checks a 6-digit code against secret (base32) at now, allowing
// one step of skew either side. A time step at or before lastUsedStep is
// never accepted again (RFC 6238 §5.2). On success it returns the matched
// step, which the caller stores as the new lastUsedStep.
func VerifyTOTP(secret, code string, now time.Time, lastUsedStep int64) (step int64, err error) {
	key, err := normalizeSecret(secret)
	if err != nil {
		return 0, err
	}
	if !sixDigits(code) {
		return 0, ErrInvalidCode
	}
	cur := now.Unix() / totpPeriod
	matched, fresh := false, int64(-1)
	// Every candidate is computed and compared: no early exit.
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotpCode(key, s)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched = true
			if s > lastUsedStep && s > fresh {
				fresh = s
			}
		}
	}
	switch {
	case fresh >= 0:
		return fresh, nil
	case matched:
		return 0, ErrCodeUsed
	}
	return 0, ErrInvalidCode
}

// TOTPCode returns the 6-digit code for secret (base32) at t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := normalizeSecret(secret)
	if err != nil {
		return "", err
	}
	if t.Unix() < 0 {
		return "", errors.New("auth: time before 1970")
	}
	return hotpCode(key, t.Unix()/totpPeriod)
}

func hotpCode(canonicalSecret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(canonicalSecret, uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
}

// normalizeSecret accepts base32 in any case, with or without padding and
// with spaces, and returns it in canonical padded upper-case form.
func normalizeSecret(secret string) (string, error) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	s = strings.TrimRight(s, "=")
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || len(raw) < minSecretSize {
		return "", errBadSecret
	}
	return base32.StdEncoding.EncodeToString(raw), nil
}

func sixDigits(code string) bool {
	if len(code) != totpDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}
