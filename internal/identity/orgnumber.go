package identity

import (
	"errors"
	"strings"
)

// ErrInvalidOrgNumber: not an organisationsnummer.
var ErrInvalidOrgNumber = errors.New("identity: not a valid organisationsnummer")

// ParseOrgNumber checks a Swedish organisationsnummer (NNNNNN-NNNN, the hyphen optional)
// and returns it as NNNNNN-NNNN. The last digit is the Luhn check digit over the other
// nine (as for a personnummer), and the third digit is at least 2, which tells a legal
// person (aktiebolag, kommun, förening) from a personnummer: a sole trader's number is
// the owner's personnummer, which Vardag does not keep as a provider's number.
func ParseOrgNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if len(s) != 10 {
		return "", ErrInvalidOrgNumber
	}
	sum := 0
	for i := range 10 {
		c := s[i]
		if c < '0' || c > '9' {
			return "", ErrInvalidOrgNumber
		}
		d := int(c - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if sum%10 != 0 || s[2] < '2' {
		return "", ErrInvalidOrgNumber
	}
	return s[:6] + "-" + s[6:], nil
}
