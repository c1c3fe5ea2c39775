package auth

import "testing"

// Absurd parameters must be refused before argon2 runs (a stored hash with
// m=4 GiB would otherwise cost the server its memory).
func TestParsePHCLimits(t *testing.T) {
	const tail = "$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for _, p := range []string{
		"m=4194305,t=2,p=1", "m=19456,t=11,p=1", "m=19456,t=2,p=17",
		"m=0,t=2,p=1", "m=19456,t=0,p=1", "m=19456,t=2,p=0", "m=8,t=1,p=2",
		"m=019456,t=2,p=1", "m=+19456,t=2,p=1", "m=-1,t=2,p=1", "m=99999999999,t=2,p=1",
	} {
		if _, ok := parsePHC("$argon2id$v=19$" + p + tail); ok {
			t.Errorf("%s accepted", p)
		}
	}
	for _, p := range []string{"m=19456,t=2,p=1", "m=4194304,t=10,p=16", "m=8,t=1,p=1"} {
		if _, ok := parsePHC("$argon2id$v=19$" + p + tail); !ok {
			t.Errorf("%s refused", p)
		}
	}
}

// CheckDummy must do real work with the same parameters as HashPassword.
func TestCheckDummyUsesRealParams(t *testing.T) {
	CheckDummy("anything")
	h, ok := parsePHC(dummyHash)
	if !ok || h.memory != argonMemory || h.time != argonTime || h.threads != argonThreads ||
		len(h.key) != argonKeyLen || len(h.salt) != argonSaltLen {
		t.Fatalf("dummy hash %q parsed %v", dummyHash, ok)
	}
}
