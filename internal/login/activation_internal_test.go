package login

import (
	"regexp"
	"strings"
	"testing"
)

// TestActivationCodes: five groups of four of Crockford's base32, all different, read back
// however they are typed; anything else reads as no code.
func TestActivationCodes(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$`)
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewActivationCode()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(c) || seen[c] {
			t.Fatalf("code %q: wrong shape or repeated", c)
		}
		seen[c] = true
	}
	code := "E8E0-4569-Q3R3-BZS6-W56R"
	want := hashActivationCode(code)
	for _, typed := range []string{"e8e0 4569 q3r3 bzs6 w56r", "E8EO4569Q3R3BZS6W56R", " E8E0-4569-Q3R3-BZS6-W56R "} {
		if hashActivationCode(typed) != want {
			t.Errorf("%q does not read as %q", typed, code)
		}
	}
	for _, bad := range []string{"", "E8E0-4569-Q3R3-BZS6", "E8E0-4569-Q3R3-BZS6-W56R-AAAA", "E8E0-4569-Q3R3-BZS6-W56U", strings.Repeat("A", 200)} {
		if normaliseActivationCode(bad) != "" {
			t.Errorf("%q reads as a code", bad)
		}
	}
	if normaliseActivationCode("11110000111100001111") != normaliseActivationCode("IlIlOoOo1111000011I1") {
		t.Error("I, L and O do not read as 1 and 0")
	}
}
