package auth_test

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	"vardag/internal/auth"
)

// RFC 6238 Appendix B, SHA1 rows; the seed is ASCII "12345678901234567890".
var rfcVectors = []struct {
	unix int64
	code string // 8 digits
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
}

var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPCodeRFC6238(t *testing.T) {
	for _, v := range rfcVectors {
		got, err := auth.TOTPCode(rfcSecret, time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.code[2:]; got != want {
			t.Errorf("t=%d: got %s, want %s", v.unix, got, want)
		}
	}
}

func TestVerifyTOTPRFC6238(t *testing.T) {
	for _, v := range rfcVectors {
		now := time.Unix(v.unix, 0)
		step, err := auth.VerifyTOTP(rfcSecret, v.code[2:], now, 0)
		if err != nil {
			t.Errorf("t=%d: %v", v.unix, err)
		}
		if step != v.unix/30 {
			t.Errorf("t=%d: step %d, want %d", v.unix, step, v.unix/30)
		}
	}
}

func TestTOTPSecretForms(t *testing.T) {
	now := time.Unix(1111111109, 0)
	lower := strings.ToLower(strings.TrimRight(rfcSecret, "="))
	spaced := lower[:4] + " " + lower[4:8] + " " + lower[8:]
	for _, s := range []string{rfcSecret, lower, spaced} {
		if _, err := auth.VerifyTOTP(s, "081804", now, 0); err != nil {
			t.Errorf("secret %q: %v", s, err)
		}
	}
	for _, s := range []string{"", "not base32!", "GEZDGNBV"} { // last: 5 bytes, too short
		if _, err := auth.VerifyTOTP(s, "081804", now, 0); err == nil {
			t.Errorf("secret %q accepted", s)
		}
	}
}

func TestVerifyTOTPCodeFormat(t *testing.T) {
	now := time.Unix(1111111109, 0)
	for _, c := range []string{"", "81804", "0081804", "07081804", "08180a", " 81804", "０81804", "+81804"} {
		if _, err := auth.VerifyTOTP(rfcSecret, c, now, 0); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("code %q: got %v, want ErrInvalidCode", c, err)
		}
	}
	if _, err := auth.VerifyTOTP(rfcSecret, "081805", now, 0); !errors.Is(err, auth.ErrInvalidCode) {
		t.Errorf("wrong code: got %v", err)
	}
}

func TestVerifyTOTPReplay(t *testing.T) {
	now := time.Unix(1234567890, 0)
	step, err := auth.VerifyTOTP(rfcSecret, "005924", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.VerifyTOTP(rfcSecret, "005924", now, step); !errors.Is(err, auth.ErrCodeUsed) {
		t.Fatalf("replay in same step: got %v, want ErrCodeUsed", err)
	}
	// An older step's code is refused once a later step was used.
	prev, _ := auth.TOTPCode(rfcSecret, now.Add(-30*time.Second))
	if _, err := auth.VerifyTOTP(rfcSecret, prev, now, step); !errors.Is(err, auth.ErrCodeUsed) {
		t.Fatalf("older step after newer used: got %v, want ErrCodeUsed", err)
	}
	// The next step's code is still fine.
	next, _ := auth.TOTPCode(rfcSecret, now.Add(30*time.Second))
	if s, err := auth.VerifyTOTP(rfcSecret, next, now, step); err != nil || s != step+1 {
		t.Fatalf("next step: step %d err %v", s, err)
	}
}

func TestVerifyTOTPSkew(t *testing.T) {
	now := time.Unix(1234567890, 0)
	for _, d := range []int{-1, 0, 1} {
		code, _ := auth.TOTPCode(rfcSecret, now.Add(time.Duration(d)*30*time.Second))
		step, err := auth.VerifyTOTP(rfcSecret, code, now, 0)
		if err != nil {
			t.Errorf("skew %d: %v", d, err)
		} else if step != now.Unix()/30+int64(d) {
			t.Errorf("skew %d: step %d", d, step)
		}
	}
	for _, d := range []int{-2, 2} {
		code, _ := auth.TOTPCode(rfcSecret, now.Add(time.Duration(d)*30*time.Second))
		if _, err := auth.VerifyTOTP(rfcSecret, code, now, 0); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("skew %d: got %v, want ErrInvalidCode", d, err)
		}
	}
}
