// Package hwtoken reads the seeds of hardware TOTP tokens (inloggningsdosor) from a
// supplier's PSKC file (RFC 6030) or a CSV file.
//
// Only tokens the login can verify are accepted: TOTP with HMAC-SHA1, 6 digits and a
// 30-second period (the RFC 6238 defaults). Anything else is refused with an error that
// names the key package or line and the serial number, never the secret.
package hwtoken

import (
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Limits on what a file may hold.
const (
	// MaxFileSize is the largest file accepted, in bytes (50 MiB).
	MaxFileSize = 50 << 20
	// MaxSeeds is the largest number of tokens in one file.
	MaxSeeds = 100_000
	// MinSecretSize is the shortest secret accepted, in bytes. RFC 4226 §4 (R6) asks
	// for 128 bits; like the rest of the system (internal/auth) we accept 80 bits,
	// because many hardware tokens were made with 80-bit seeds.
	MinSecretSize = 10
	// MaxSecretSize is the longest secret accepted, in bytes: the HMAC-SHA1 block
	// size. Longer values are almost surely a wrong column or encoding.
	MaxSecretSize = 64
	// MaxSerialLen is the longest serial number accepted, in bytes.
	MaxSerialLen = 64
)

// The only token parameters the login verifies (RFC 6238 defaults).
const (
	Digits    = 6
	Period    = 30
	Algorithm = "SHA1"
)

var (
	// ErrTooLarge means the input is larger than MaxFileSize.
	ErrTooLarge = errors.New("hwtoken: file larger than 50 MiB")
	// ErrIntegrity means an encrypted PSKC file failed its integrity check: the
	// pre-shared key is wrong or the file was altered. It is always wrapped in an
	// error that says where, hence no "hwtoken:" prefix.
	ErrIntegrity = errors.New("integrity check failed: wrong pre-shared key or altered file")
)

// Seed is one hardware token.
type Seed struct {
	Serial    string // the number printed on the token
	Secret    []byte // the shared key, MinSecretSize to MaxSecretSize bytes
	Digits    int    // always 6: the login takes 6-digit codes
	Period    int    // seconds, always 30
	Algorithm string // always "SHA1": the login verifies HMAC-SHA1 (RFC 6238)
}

// Base32 returns Secret as unpadded upper-case base32, the form internal/auth takes.
func (s Seed) Base32() string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(s.Secret)
}

// String describes the seed without its secret, so that a seed printed by mistake
// (%v, %+v, %s) does not leak it.
func (s Seed) String() string {
	return fmt.Sprintf("hwtoken.Seed{Serial: %q, Secret: [%d bytes], Digits: %d, Period: %d, Algorithm: %q}",
		s.Serial, len(s.Secret), s.Digits, s.Period, s.Algorithm)
}

// GoString is String, for %#v.
func (s Seed) GoString() string { return s.String() }

// validate checks a seed against what the login can verify. Its messages never
// contain the secret.
func (s Seed) validate() error {
	if err := checkSerial(s.Serial); err != nil {
		return err
	}
	switch {
	case len(s.Secret) == 0:
		return errors.New("missing secret")
	case len(s.Secret) < MinSecretSize:
		return fmt.Errorf("secret is %d bytes, at least %d are needed", len(s.Secret), MinSecretSize)
	case len(s.Secret) > MaxSecretSize:
		return fmt.Errorf("secret is %d bytes, at most %d are accepted", len(s.Secret), MaxSecretSize)
	case s.Digits != Digits:
		return fmt.Errorf("%d digits; only %d-digit tokens are supported", s.Digits, Digits)
	case s.Period != Period:
		return fmt.Errorf("period %d s; only %d s is supported", s.Period, Period)
	case s.Algorithm != Algorithm:
		return fmt.Errorf("algorithm %s; only HMAC-SHA1 tokens are supported", quote(s.Algorithm))
	}
	return nil
}

// checkSerial accepts a non-empty, printable serial number of at most MaxSerialLen
// bytes without surrounding spaces.
func checkSerial(serial string) error {
	switch {
	case serial == "":
		return errors.New("missing serial number")
	case len(serial) > MaxSerialLen:
		return fmt.Errorf("serial number longer than %d bytes", MaxSerialLen)
	case !utf8.ValidString(serial):
		return errors.New("serial number is not valid UTF-8")
	}
	for i, r := range serial {
		if !unicode.IsPrint(r) || (unicode.IsSpace(r) && (i == 0 || i+utf8.RuneLen(r) == len(serial))) {
			return errors.New("serial number has a control character or surrounding space")
		}
	}
	return nil
}

// checkUnique records serial as seen at place (a key package or line) and refuses a
// serial already seen: the serial is how a token is bound to a user.
func checkUnique(seen map[string]string, serial, place string) error {
	if first, ok := seen[serial]; ok {
		return fmt.Errorf("duplicate serial number, also in %s", first)
	}
	seen[serial] = place
	return nil
}

// quote quotes a value from the file for an error message, cut to a sane length.
// Never pass it a secret.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

// maxFileSize is MaxFileSize, as a variable that tests can lower.
var maxFileSize int64 = MaxFileSize

// limitReader reads at most maxFileSize bytes from r and then fails with ErrTooLarge
// if r has more.
type limitReader struct {
	r   io.Reader // an io.LimitReader of max+1 bytes
	n   int64     // bytes read so far
	max int64
}

func newLimitReader(r io.Reader) *limitReader {
	return &limitReader{r: io.LimitReader(r, maxFileSize+1), max: maxFileSize}
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return 0, ErrTooLarge
	}
	return n, err
}
