package hwtoken

import (
	"bytes"
	"testing"
)

// checkSeeds fails unless ParsePSKC or ParseCSV kept their promise: an error
// and no seeds, or at least one seed, each valid, with distinct serials.
func checkSeeds(t *testing.T, seeds []Seed, err error) {
	t.Helper()
	if err != nil {
		if seeds != nil {
			t.Fatalf("seeds returned with error %v", err)
		}
		return
	}
	if len(seeds) == 0 || len(seeds) > MaxSeeds {
		t.Fatalf("%d seeds without an error", len(seeds))
	}
	seen := make(map[string]bool, len(seeds))
	for i, s := range seeds {
		if err := s.validate(); err != nil {
			t.Fatalf("seed %d (%v) is invalid: %v", i, s, err)
		}
		if seen[s.Serial] {
			t.Fatalf("seed %d: duplicate serial %q", i, s.Serial)
		}
		seen[s.Serial] = true
	}
}

func FuzzParsePSKC(f *testing.F) {
	for _, name := range []string{"rfc6030-figure2.xml", "rfc6030-figure3-totp.xml", "rfc6030-figure6.xml", "rfc6030-figure6-totp.xml"} {
		data := readTestdata(f, name)
		f.Add(data, rfcPSK)
		f.Add(data, []byte(nil))
	}
	g := newGen(f, "aes256-cbc", macSHA256)
	f.Add([]byte(g.doc(g.pkg("1", rfcSecret), g.pkg("2", []byte(shortRaw)))), g.psk)
	for _, c := range pskcErrorCases(f) {
		f.Add([]byte(c.doc), c.psk)
	}
	f.Fuzz(func(t *testing.T, data, psk []byte) {
		seeds, err := ParsePSKC(bytes.NewReader(data), psk)
		checkSeeds(t, seeds, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	for _, c := range csvGood {
		f.Add([]byte(c.in))
	}
	for _, c := range csvBad {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seeds, err := ParseCSV(bytes.NewReader(data))
		checkSeeds(t, seeds, err)
	})
}
