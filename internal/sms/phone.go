package sms

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPhone is the error NormalizePhone returns, wrapped with a short reason, for
// anything that is not an accepted phone number; test for it with errors.Is. The message
// never holds the number.
var ErrInvalidPhone = errors.New("sms: invalid phone number")

// maxPhoneInput bounds the input NormalizePhone looks at, separators included.
const maxPhoneInput = 32

// NormalizePhone checks a phone number and returns it in E.164 form, "+46701234567".
//
// A Swedish mobile number (mobilnummer) is 07X followed by seven digits, ten digits in
// the national form. It is accepted written nationally or with the country code 46 after
// "+" or "00":
//
//	070-123 45 67   0701234567   +46701234567   0046701234567
//
// Spaces (also non-breaking ones) and dashes may be put anywhere between the digits. A
// number after +46 must be a Swedish mobile number: a landline cannot receive the code,
// and "+46 07…" (with the trunk zero kept) is refused. A number of another country is
// accepted only written with "+": 8 to 15 digits, the first not 0.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxPhoneInput {
		return "", fmt.Errorf("%w: too long", ErrInvalidPhone)
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '-':
			// separator, dropped
		default:
			return "", fmt.Errorf("%w: only digits, spaces, dashes and a leading + are allowed", ErrInvalidPhone)
		}
	}
	d := b.String()

	switch {
	case plus && strings.HasPrefix(d, "46"):
		return swedishMobile(d[2:])
	case plus:
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", fmt.Errorf("%w: an international number has 8 to 15 digits after +, the first not 0", ErrInvalidPhone)
		}
		return "+" + d, nil
	case strings.HasPrefix(d, "0046"):
		return swedishMobile(d[4:])
	case strings.HasPrefix(d, "00"):
		return "", fmt.Errorf("%w: write a foreign number with + and its country code", ErrInvalidPhone)
	case strings.HasPrefix(d, "0"):
		return swedishMobile(d[1:])
	}
	return "", fmt.Errorf("%w: expected a Swedish mobile number (07X…) or a number starting with +", ErrInvalidPhone)
}

// swedishMobile checks the national significant number, the national form without its
// leading 0 (nine digits starting with 7), and returns it in E.164 form.
func swedishMobile(nsn string) (string, error) {
	if len(nsn) != 9 || nsn[0] != '7' {
		return "", fmt.Errorf("%w: a Swedish mobile number is 07X followed by seven digits", ErrInvalidPhone)
	}
	return "+46" + nsn, nil
}
