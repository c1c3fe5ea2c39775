package sms

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	valid := []struct{ in, want string }{
		// The forms staff and administrators write a Swedish mobile number in.
		{"070-123 45 67", "+46701234567"},
		{"0701234567", "+46701234567"},
		{"+46701234567", "+46701234567"},
		{"0046701234567", "+46701234567"},
		{"070-1234567", "+46701234567"},
		{"070 123 45 67", "+46701234567"},
		{"+46 70 123 45 67", "+46701234567"},
		{"+46-70-123 45 67", "+46701234567"},
		{"0046 70 123 45 67", "+46701234567"},
		{"  0701234567 ", "+46701234567"},                // surrounding white space
		{"070\u00a0123\u00a045\u00a067", "+46701234567"}, // non-breaking spaces, pasted from a document
		{"073-999 00 00", "+46739990000"},
		{"0790000000", "+46790000000"},
		// Other countries, E.164 with +.
		{"+4791234567", "+4791234567"},           // Norway, 8-digit number
		{"+358 40 123 4567", "+358401234567"},    // Finland
		{"+12025550123", "+12025550123"},         // USA
		{"+12345678", "+12345678"},               // 8 digits, the shortest accepted
		{"+123456789012345", "+123456789012345"}, // 15 digits, the longest
	}
	for _, c := range valid {
		got, err := NormalizePhone(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, nil", c.in, got, err, c.want)
		}
	}

	invalid := []string{
		"",
		"   ",
		"+",
		"070123456",         // 9 digits
		"07012345678",       // 11 digits
		"08-123 456 78",     // Stockholm landline: no SMS
		"+4681234567",       // the same landline in E.164
		"+460701234567",     // trunk zero kept after +46
		"00460701234567",    // likewise after 0046
		"701234567",         // no leading 0 or +
		"46701234567",       // country code without + or 00
		"0047 912 34 567",   // foreign number with 00: write it with +
		"+1234567",          // 7 digits
		"+1234567890123456", // 16 digits
		"+0123456789",       // country code cannot start with 0
		"++46701234567",
		"46+701234567",
		"070-123 45 67+",
		"(070) 123 45 67",
		"070.123.45.67",
		"070/1234567",
		"070\n123 45 67", // a line break inside
		"07O1234567",     // letter O
		"٠٧٠١٢٣٤٥٦٧",     // Arabic-Indic digits
		"tel:+46701234567",
		"+46 70 123 45 67 ext 1",
		strings.Repeat("0", 40),
	}
	for _, in := range invalid {
		got, err := NormalizePhone(in)
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want ErrInvalidPhone", in, got, err)
			continue
		}
		if got != "" {
			t.Errorf("NormalizePhone(%q) returned %q with an error", in, got)
		}
		// The error is shown and logged by callers: it must not repeat the number.
		if digits := strings.Map(keepDigit, in); len(digits) >= 4 && strings.Contains(strings.Map(keepDigit, err.Error()), digits) {
			t.Errorf("NormalizePhone(%q): error %q holds the number", in, err)
		}
	}
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}
