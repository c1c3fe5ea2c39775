package personnummer

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// today is the "now" of the table tests.
var today = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// The valid numbers. Their check digits were computed outside this package (Luhn over the
// 10-digit form) and are written out here, so the test does not trust the code it tests.
var valid = []struct {
	in    string
	want  string // 12 digits
	birth string // YYYY-MM-DD
	sex   Sex
	coord bool
}{
	// Skatteverket's well-known examples.
	{"19121212-1212", "191212121212", "1912-12-12", Male, false},
	{"121212-1212", "201212121212", "2012-12-12", Male, false}, // in 2026, "-" means born in 2012
	{"811218-9876", "198112189876", "1981-12-18", Male, false},
	{"701063-2391", "197010632391", "1970-10-03", Male, true}, // samordningsnummer
	// Computed for this test.
	{"200002291235", "200002291235", "2000-02-29", Male, false}, // leap day of a year divisible by 400
	{"190001010016", "190001010016", "1900-01-01", Male, false},
	{"18991231-9986", "189912319986", "1899-12-31", Female, false},
	{"194505084329", "194505084329", "1945-05-08", Female, false},
	{"640623-1149", "196406231149", "1964-06-23", Female, false},
	{"7201013575", "197201013575", "1972-01-01", Male, false},
	{"860312-2469", "198603122469", "1986-03-12", Female, false},
	{"19931130-5818", "199311305818", "1993-11-30", Male, false},
	{"010911-4041", "200109114041", "2001-09-11", Female, false},
	{"1007047770", "201007047770", "2010-07-04", Male, false},
	{"200229-0886", "202002290886", "2020-02-29", Female, false},
	{"20231005-6151", "202310056151", "2023-10-05", Male, false},
	{"390901-0997", "193909010997", "1939-09-01", Male, false},
	{"195602246539", "195602246539", "1956-02-24", Male, false},
	{"780815-8021", "197808158021", "1978-08-15", Female, false},
	{"890617-3334", "198906173334", "1989-06-17", Male, false},
	{"150101-0100", "201501010100", "2015-01-01", Female, false},
	{"20170930-4966", "201709304966", "2017-09-30", Female, false},
	{"990101-5439", "199901015439", "1999-01-01", Male, false},
	// Samordningsnummer: day + 60, from 61 to 91.
	{"800188-1237", "198001881237", "1980-01-28", Male, true},
	{"20121291-4566", "201212914566", "2012-12-31", Female, true},
	{"921161-2347", "199211612347", "1992-11-01", Female, true},
	{"197010632391", "197010632391", "1970-10-03", Male, true},
	// '+': the person has turned 100, so a century more is taken off.
	{"121212+1212", "191212121212", "1912-12-12", Male, false},
	{"991231+9986", "189912319986", "1899-12-31", Female, false},
}

func TestParseValid(t *testing.T) {
	for _, tc := range valid {
		n, err := Parse(tc.in, today)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if n.String() != tc.want {
			t.Errorf("%s: String() = %s, want %s", tc.in, n, tc.want)
		}
		if got := n.BirthDate().Format(time.DateOnly); got != tc.birth {
			t.Errorf("%s: BirthDate() = %s, want %s", tc.in, got, tc.birth)
		}
		if n.Sex() != tc.sex {
			t.Errorf("%s: Sex() = %s, want %s", tc.in, n.Sex(), tc.sex)
		}
		if n.Coordination() != tc.coord {
			t.Errorf("%s: Coordination() = %v, want %v", tc.in, n.Coordination(), tc.coord)
		}
		if again, err := Parse(n.String(), today); err != nil || again != n {
			t.Errorf("%s: Parse(String()) = %v, %v", tc.in, again.String(), err)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrFormat},
		{"1212121212121", ErrFormat},   // 13 digits
		{"121212121", ErrFormat},       // 9 digits
		{"12121212121", ErrFormat},     // 11 digits
		{"19121212+1212", ErrFormat},   // '+' only in the short form
		{"1912121-21212", ErrFormat},   // separator in the wrong place
		{"12121-21212", ErrFormat},     // separator in the wrong place
		{"121212 1212", ErrFormat},     // space as separator
		{"121212--212", ErrFormat},     // two separators
		{" 121212-1212", ErrFormat},    // surrounding space
		{"121212-1212 ", ErrFormat},    // surrounding space
		{"12121a-1212", ErrFormat},     // a letter
		{"121212-121٢", ErrFormat},     // an Arabic-Indic digit
		{"１２１２１２-1212", ErrFormat},     // full-width digits
		{"121212/1212", ErrFormat},     // another separator
		{"19121212–1212", ErrFormat},   // an en dash
		{"121312-1212", ErrDate},       // month 13
		{"120012-1212", ErrDate},       // month 0
		{"121200-1212", ErrDate},       // day 0
		{"121232-1212", ErrDate},       // day 32
		{"120431-1212", ErrDate},       // 31 April
		{"19000229-1234", ErrDate},     // 1900 is not a leap year
		{"20230229-1234", ErrDate},     // nor is 2023
		{"121260-1212", ErrDate},       // coordination day 0
		{"121292-1212", ErrDate},       // coordination day 32
		{"120491-1212", ErrDate},       // coordination 31 April
		{"19121212-1213", ErrChecksum}, // check digit off by one
		{"19121212-1211", ErrChecksum},
		{"811218-9875", ErrChecksum},
		{"701063-2390", ErrChecksum},
		{"21121212-1212", ErrFuture}, // 2112 (and a valid check digit: the 10-digit form is the same)
		{"20261123-1230", ErrFuture}, // tomorrow
	}
	for _, tc := range cases {
		_, err := Parse(tc.in, today)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.in, err, tc.want)
			continue
		}
		checkMessage(t, tc.in, err)
	}
}

// checkMessage holds an error to its rules: prefixed, readable, and never any digit of
// the number.
func checkMessage(t *testing.T, in string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "personnummer: ") {
		t.Errorf("%q: message %q lacks the prefix", in, msg)
	}
	if strings.ContainsAny(msg, "0123456789") {
		t.Errorf("%q: message %q holds digits", in, msg)
	}
	if len(in) >= 6 && strings.Contains(msg, in) { // shorter inputs may be words of the message
		t.Errorf("%q: message %q holds the input", in, msg)
	}
	if n := len(msg); n > 200 {
		t.Errorf("%q: message of %d bytes is not short", in, n)
	}
}

// A 10-digit number gets the latest century that keeps the birth date at or before today.
func TestCentury(t *testing.T) {
	cases := []struct {
		now  string
		in   string
		want string // 12 digits, or "" for ErrDate
	}{
		{"2026-11-22", "261122-1237", "202611221237"}, // born today: this century
		{"2026-11-22", "261123-1236", "192611231236"}, // tomorrow: a century back
		{"2026-11-22", "261123+1236", "182611231236"}, // and '+' takes another
		{"2026-11-22", "261122+1237", "192611221237"}, // 100 today
		{"2026-11-22", "000101-0008", "200001010008"},
		{"2026-11-22", "000101+0008", "190001010008"},
		{"2026-11-22", "991231-9986", "199912319986"},
		{"2000-01-01", "991231-9986", "199912319986"},
		{"2000-01-01", "000101-0008", "200001010008"},
		{"1999-12-31", "000101-0008", "190001010008"},
		// 29 February: a leap day in 2000, none in 1900.
		{"2026-11-22", "000229-1235", "200002291235"},
		{"2000-02-29", "000229-1235", "200002291235"},
		{"2000-02-28", "000229-1235", ""}, // tomorrow in 2000, and 1900 had no 29 February
		{"2026-11-22", "000229+1235", ""}, // 1900-02-29 does not exist
		// A samordningsnummer's century follows its real day.
		{"2026-11-22", "261182-1235", "202611821235"},
		{"2026-11-22", "261183-1234", "192611831234"},
	}
	for _, tc := range cases {
		now, _ := time.Parse(time.DateOnly, tc.now)
		now = now.Add(23 * time.Hour) // any time of the day
		in := tc.in[:10] + fmt.Sprint(luhnOf(tc.in))
		want := tc.want
		if want != "" {
			want = want[:11] + in[10:]
		}
		n, err := Parse(in, now)
		switch {
		case want == "" && !errors.Is(err, ErrDate):
			t.Errorf("now %s, %s: got %q, %v; want ErrDate", tc.now, in, n, err)
		case want != "" && (err != nil || n.String() != want):
			t.Errorf("now %s, %s: got %q, %v; want %s", tc.now, in, n, err, want)
		}
	}
}

// luhnOf is the check digit of a short form's first nine digits (separator skipped),
// computed here independently of the package.
func luhnOf(short string) int {
	digits := strings.NewReplacer("-", "", "+", "").Replace(short)[:9]
	sum := 0
	for i, r := range digits {
		d := int(r-'0') * (2 - i%2)
		sum += d/10 + d%10
	}
	return (10 - sum%10) % 10
}

// The future is judged on now's own calendar date, in now's location.
func TestFutureInNowsLocation(t *testing.T) {
	stockholm := time.FixedZone("CET", 3600)
	// 00:30 on 23 November in Stockholm is still 22 November in UTC.
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, stockholm)
	in := "20261123-123" + fmt.Sprint(luhnOf("261123-123"))
	if _, err := Parse(in, now); err != nil {
		t.Errorf("born today in Stockholm: %v", err)
	}
	if _, err := Parse(in, now.UTC()); !errors.Is(err, ErrFuture) {
		t.Errorf("born tomorrow in UTC: %v", err)
	}
}

func TestZeroNumber(t *testing.T) {
	var n Number
	if n.String() != "" || !n.BirthDate().IsZero() || n.Sex() != 0 || n.Coordination() {
		t.Errorf("zero Number: %q %v %v %v", n.String(), n.BirthDate(), n.Sex(), n.Coordination())
	}
}

// A Number given to slog, or printed with %#v, does not show the number.
func TestNumberStaysOutOfLogs(t *testing.T) {
	n, err := Parse("19121212-1212", today)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	// Without the time, which may hold the digits by chance (…:30.992121216Z).
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime})).Info("client", "pnr", n)
	if got := fmt.Sprintf("%s %#v", buf.String(), n); strings.Contains(got, "1212") {
		t.Errorf("the number leaks: %s", got)
	}
}

// FuzzParse: no input panics; a parsed number is 12 digits with a right check digit, not
// born after now, and parses back to itself; an error is one of the four, with no digits.
func FuzzParse(f *testing.F) {
	for _, tc := range valid {
		f.Add(tc.in, int64(0))
	}
	for _, s := range []string{"", "-", "+", "121212+1212", "000229-1235", "000229+1235", "19000229-1234",
		"121292-1212", "1912121212121", "12121212121", "19121212+1212", "١٢١٢١٢-١٢١٢", "\x00\xff\xfe-1212"} {
		f.Add(s, int64(-3_000_000_000))
	}
	f.Fuzz(func(t *testing.T, s string, offset int64) {
		// now ranges around today: any second of a day within about ±300 years.
		now := today.Add(time.Duration(offset%86400)*time.Second).AddDate(0, 0, int(offset/86400%(300*366)))
		n, err := Parse(s, now)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDate) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrFuture) {
				t.Fatalf("%q: an error of no kind: %v", s, err)
			}
			checkMessage(t, s, err)
			if n != (Number{}) {
				t.Fatalf("%q: an error and a number", s)
			}
			return
		}
		d := n.String()
		if len(d) != 12 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("%q: String() = %q, not 12 digits", s, d)
		}
		if luhnOf(d[2:]) != int(d[11]-'0') {
			t.Fatalf("%q: %s has a wrong check digit", s, d)
		}
		if digits := strings.NewReplacer("-", "", "+", "").Replace(s); !strings.HasSuffix(d, digits) {
			t.Fatalf("%q: %s does not keep the digits given", s, d)
		}
		ny, nm, nd := now.Date()
		if b := n.BirthDate(); b.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%q: born %s, after now %s", s, b, now)
		}
		if day := d[6:8]; n.Coordination() != (day > "60") {
			t.Fatalf("%q: day %s but Coordination() = %v", s, day, n.Coordination())
		}
		again, err := Parse(d, now)
		if err != nil || again != n {
			t.Fatalf("%q: Parse(%s) = %q, %v", s, d, again.String(), err)
		}
	})
}
