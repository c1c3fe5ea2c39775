package hwtoken

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Base32 of rfcSecret ("12345678901234567890") and of "1234567890" (80 bits).
const (
	rfcB32   = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	short32  = "GEZDGNBVGY3TQOJQ"
	shortRaw = "1234567890"
)

type csvWant struct{ serial, secret string }

// csvGood are CSV files ParseCSV must read.
var csvGood = []struct {
	name string
	in   string
	want []csvWant
}{
	{"comma, no header", "987654321," + rfcB32 + "\n", []csvWant{{"987654321", string(rfcSecret)}}},
	{"no final newline", "987654321," + rfcB32, []csvWant{{"987654321", string(rfcSecret)}}},
	{"header", "serial,secret,digits,period\n1," + rfcB32 + ",6,30\n2," + short32 + "\n",
		[]csvWant{{"1", string(rfcSecret)}, {"2", shortRaw}}},
	{"Swedish Excel", "\uFEFFSerienummer;Hemlighet;Siffror;Period\r\n1;" + rfcB32 + ";6;30\r\n2;" + short32 + ";;\r\n",
		[]csvWant{{"1", string(rfcSecret)}, {"2", shortRaw}}},
	{"semicolon, no header", "1;" + rfcB32 + ";6\n", []csvWant{{"1", string(rfcSecret)}}},
	{"lower case, spaces, padding", "1, gezd gnbv gy3t qojq gezd gnbv gy3t qojq \n2,GEZDGNBVGY3TQOJQGE======\n",
		[]csvWant{{"1", string(rfcSecret)}, {"2", "12345678901"}}},
	{"comments and blank lines", "# leverans 2024-05\n\n   \n  # indented comment\n1," + rfcB32 + "\n\n",
		[]csvWant{{"1", string(rfcSecret)}}},
	{"comment before header", "# from the supplier\nserial no.;secret key\n1;" + rfcB32,
		[]csvWant{{"1", string(rfcSecret)}}},
	{"quoted", `"1","` + rfcB32 + `","6","30"` + "\n" + `"2;x",` + short32 + "\n",
		[]csvWant{{"1", string(rfcSecret)}, {"2;x", shortRaw}}},
	{"old Mac line endings", "1," + rfcB32 + "\r2," + short32 + "\r",
		[]csvWant{{"1", string(rfcSecret)}, {"2", shortRaw}}},
	{"spaces around fields", "  1 ,  " + rfcB32 + " , 6 , 30  \n", []csvWant{{"1", string(rfcSecret)}}},
	{"serial with inner space", "AB 12," + rfcB32 + "\n", []csvWant{{"AB 12", string(rfcSecret)}}},
}

func TestParseCSV(t *testing.T) {
	for _, tt := range csvGood {
		t.Run(tt.name, func(t *testing.T) {
			seeds, err := ParseCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(seeds) != len(tt.want) {
				t.Fatalf("got %d seeds, want %d", len(seeds), len(tt.want))
			}
			for i, s := range seeds {
				w := tt.want[i]
				if s.Serial != w.serial || string(s.Secret) != w.secret || s.Digits != 6 || s.Period != 30 || s.Algorithm != "SHA1" {
					t.Errorf("seed %d: got %v, want serial %q", i, s, w.serial)
				}
			}
		})
	}
}

// csvBad are CSV files ParseCSV must refuse.
var csvBad = []struct {
	name string
	in   string
	want string // in the error
}{
	{"short secret", "1,GEZDGNBV\n", `line 1 (serial "1"): secret is 5 bytes, at least 10`},
	{"9 bytes", "1,GEZDGNBVGY3TQOI\n", `line 1 (serial "1"): secret is 9 bytes`},
	{"long secret", "1," + strings.Repeat("GEZDGNBV", 13) + "\n", "secret is 65 bytes, at most 64"},
	{"not base32", "1,GEZDGNBVGY3TQOJ!\n", `line 1 (serial "1"): secret is not valid base32`},
	{"bad length", "1,GEZDGNBVGY3TQOJQG\n", "secret is not valid base32"},
	{"unused bits set", "1,GEZDGNBVGY3TQOJQGF\n", "secret is not valid base32"},
	{"padding inside", "1,GEZDGNBV=GY3TQOJQ\n", "secret is not valid base32"},
	{"hex", "1,3132333435363738393031323334353637383930\n", "it looks like hex"},
	{"missing secret", "1\n", `line 1 (serial "1"): missing secret`},
	{"empty secret", "1,,6,30\n", "missing secret"},
	{"missing serial", "," + rfcB32 + "\n", "line 1: missing serial number"},
	{"8 digits", "1," + rfcB32 + "\n2," + rfcB32 + ",8\n", `line 2 (serial "2"): 8 digits; only 6-digit`},
	{"period 60", "1;" + rfcB32 + ";6;60\n", `line 1 (serial "1"): period 60 s; only 30 s`},
	{"digits not a number", "1," + rfcB32 + ",six\n", "line 1 (serial \"1\"): digits is not a number"},
	{"period not a number", "1," + rfcB32 + ",6,30s\n", "period is not a number"},
	{"too many columns", "1," + rfcB32 + ",6,30,x\n", "5 columns"},
	{"duplicate serial", "serial,secret\n1," + rfcB32 + "\n2," + rfcB32 + "\n1," + short32 + "\n",
		`line 4 (serial "1"): duplicate serial number, also in line 2`},
	{"empty", "", "no tokens"},
	{"header only", "serial;secret\n", "no tokens"},
	{"comments only", "# nothing\n\n", "no tokens"},
	{"header order", "secret,serial\n" + rfcB32 + ",1\n", "line 1: header column 1 is not serial"},
	{"header too wide", "serial,secret,digits,period,owner\n", "header has 5 columns"},
	{"Excel number", "Serienummer;Hemlighet\n2,60014E+12;" + rfcB32 + "\n", `line 2 (serial "2,60014E+12"): serial number looks like a number Excel rewrote`},
	{"swapped columns", rfcB32 + ",987654321\n", "line 1: secret is not valid base32 (it looks like hex; convert it to base32); the serial looks like a secret"},
	{"secrets only", rfcB32 + "\n", "line 1: missing secret"},
	{"UTF-16", "\xff\xfes\x00e\x00", "UTF-16"},
	{"bad quoting", `"1,` + rfcB32 + "\n", "line 1: malformed quoting"},
	{"control character", "1\x07," + rfcB32 + "\n", "line 1: serial number has a control character"},
	{"long serial", strings.Repeat("9", 65) + "," + rfcB32 + "\n", "line 1: serial number longer than 64"},
	{"long line", "1," + rfcB32 + "\n#" + strings.Repeat("x", 5000) + "\n", "line 2: longer than 4096 bytes"},
}

func TestParseCSVErrors(t *testing.T) {
	for _, tt := range csvBad {
		t.Run(tt.name, func(t *testing.T) {
			seeds, err := ParseCSV(strings.NewReader(tt.in))
			wantRefused(t, seeds, err, tt.want)
			noSecretIn(t, err, rfcSecret)
			noSecretIn(t, err, []byte(shortRaw))
		})
	}
}

func TestParseCSVTooLarge(t *testing.T) {
	lowerMaxFileSize(t)
	r := io.MultiReader(strings.NewReader("1,"+rfcB32+"\n"), endless("# "+strings.Repeat("x", 1000)+"\n"))
	if _, err := ParseCSV(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestParseCSVTooMany(t *testing.T) {
	var b bytes.Buffer
	for i := range MaxSeeds + 1 {
		fmt.Fprintf(&b, "%d,%s\n", i, rfcB32)
	}
	_, err := ParseCSV(&b)
	if err == nil || !strings.Contains(err.Error(), "line 100001: more than 100000 tokens") {
		t.Fatalf("got %v, want too many tokens", err)
	}
}

func TestLooksScientific(t *testing.T) {
	for s, want := range map[string]bool{
		"2,60014E+12": true, "9.87654E+08": true, "1E+10": true, "2.6e+12": true,
		"987654321": false, "E+12": false, "2,6E+": false, "AB-E+1": false, "1,2,3E+4": false,
	} {
		if got := looksScientific(s); got != want {
			t.Errorf("looksScientific(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSeedBase32(t *testing.T) {
	for secret, want := range map[string]string{
		string(rfcSecret): rfcB32,
		shortRaw:          short32,
		"12345678901":     "GEZDGNBVGY3TQOJQGE", // unpadded
	} {
		if got := (Seed{Secret: []byte(secret)}).Base32(); got != want {
			t.Errorf("Base32 of %q = %q, want %q", secret, got, want)
		}
	}
}

func TestSeedStringHidesSecret(t *testing.T) {
	s := Seed{Serial: "1", Secret: rfcSecret, Digits: 6, Period: 30, Algorithm: "SHA1"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, s)
		noSecretIn(t, errors.New(out), rfcSecret)
		if !strings.Contains(out, "20 bytes") {
			t.Errorf("%s gives %q", format, out)
		}
	}
}
