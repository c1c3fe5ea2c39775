package passwords

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// check runs Check and fails the test unless it returns want.
func check(t *testing.T, password, username string, want error) {
	t.Helper()
	if got := Check(password, username); !errors.Is(got, want) {
		t.Errorf("Check(%q, %q) = %v, want %v", password, username, got, want)
	}
}

func TestCheckRefusesCommon(t *testing.T) {
	for _, pw := range []string{
		// From common.txt.
		"password1", "iloveyou", "qwertyuiop", "qwerty123", "123456789",
		"PassWord1", "  iloveyou  ", "QWERTYUIOP",
		// From the Swedish additions.
		"sommar2024", "Sommar2024", "SOMMAR2024!", "vinter2030", "vår2015!",
		"var2020!", "höst2025", "host2025", "HÖST2025", "vinter24",
		"augusti2024", "lösenord", "losenord", "Lösenord123", "hemtjanst",
		"hemtjänst", "hemtjänst1", "vardag123", "Vardag2026", "uppsala1",
		"Uppsala1", "qwertyuiopå", "asdfghjklöä", "jagälskardig",
		// Decomposed ö (o + U+0308) is found like the composed one.
		"ho\u0308st2024", "lo\u0308senord",
	} {
		check(t, pw, "anna.svensson", ErrCommon)
	}
}

func TestCheckRefusesRepeated(t *testing.T) {
	for _, pw := range []string{
		"zzzzzzzz", "ZzZzZzZz", "öööööööööö", "🙂🙂🙂🙂🙂🙂🙂🙂", "  xxxxxxxx  ",
		strings.Repeat("ä", MaxLength),
	} {
		check(t, pw, "", ErrCommon)
	}
	// Two different characters are not "repeated" (and not on the list).
	check(t, "zzzzzzzy", "", nil)
}

func TestCheckAcceptsStrongPasswords(t *testing.T) {
	for _, pw := range []string{
		"korrekt häst batteri häftklammer",
		"ålgräs-vinter-7",
		"Kaffe på altanen när solen går ner",
		"🐢 sköldpadda 🐢 på väg",
		"mJ7#qL2!vX9@wR4$",
		"sommar 2024 med mormor på Gotland", // contains a list word, but is not one
	} {
		check(t, pw, "anna.svensson", nil)
	}
}

func TestCheckLength(t *testing.T) {
	// Seven code points but 14 bytes: refused, so length is not in bytes.
	check(t, "åäöåäöå", "", ErrTooShort)
	check(t, "åäöåäöåk", "", nil)
	// Emoji are one code point each (4 bytes in UTF-8).
	check(t, "🐢🐍🦔🐸🦆🐝🦉", "", ErrTooShort)
	check(t, "🐢🐍🦔🐸🦆🐝🦉🐙", "", nil)
	// White space at either end does not count towards the minimum, so
	// short list entries cannot be padded past the list.
	check(t, "qwerty  ", "", ErrTooShort)
	check(t, "   kåtbräd ", "", ErrTooShort)
	check(t, "   kåtbräda ", "", nil)
	// Inner spaces count.
	check(t, "kå tb rä", "", nil)
	check(t, "", "", ErrTooShort)
	check(t, "        ", "", ErrTooShort)

	// 64 is allowed, as NIST requires; 256 is the most.
	long := strings.Repeat("ab3ö", MaxLength/4)
	if n := utf8.RuneCountInString(long); n != MaxLength {
		t.Fatalf("test string has %d code points, want %d", n, MaxLength)
	}
	check(t, long[:len("ab3ö")*16], "", nil)
	check(t, long, "", nil)
	check(t, long+"x", "", ErrTooLong)
	check(t, long+"😀", "", ErrTooLong)
	check(t, strings.Repeat("ö", MaxLength+1), "", ErrTooLong)
}

func TestCheckRefusesControlCharacters(t *testing.T) {
	for _, c := range []string{"\x00", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f"} {
		check(t, "korrekt"+c+"häst-batteri", "", ErrInvalid)
		check(t, c+"korrekt häst batteri", "", ErrInvalid)
	}
	// Not valid UTF-8: a lone continuation byte, a truncated "å".
	check(t, "korrekt häst \x80 batteri", "", ErrInvalid)
	check(t, "korrekt häst batteri \xc3", "", ErrInvalid)
	// Other Unicode, including spaces that are not control characters, is
	// allowed.
	check(t, "korrekt\u00a0häst\u2003batteri", "", nil)
	check(t, "korrekt häst batteri ~", "", nil)
}

func TestCheckRefusesUsername(t *testing.T) {
	for _, tc := range []struct{ pw, user string }{
		{"anna.svensson", "anna.svensson"},
		{"Anna.Svensson", "anna.svensson"},
		{"anna.svensson", "  ANNA.SVENSSON "},
		{"Mitt-anna.svensson-7", "anna.svensson"},
		{"ÅSA.ÖBERG-kaffe", "åsa.öberg"},
		{"xyzkarl2024", "karl"},     // 4 characters: looked for
		{"älgöga-råkost", "ÄLGÖGA"}, // Unicode case folding
	} {
		check(t, tc.pw, tc.user, ErrContext)
	}
	// Usernames shorter than 4 characters are not looked for.
	check(t, "bo-kaffe-tåg-7", "bo", nil)
	check(t, "åsa-kaffe-tåg-7", "åsa", nil)
	check(t, "korrekt häst batteri", "", nil)
}

func TestErrorsAreDistinctAndReadable(t *testing.T) {
	errs := []error{ErrTooShort, ErrTooLong, ErrInvalid, ErrCommon, ErrContext}
	seen := map[string]bool{}
	for i, a := range errs {
		for j, b := range errs {
			if i != j && errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = true", a, b)
			}
		}
		msg := a.Error()
		if seen[msg] {
			t.Errorf("duplicate message %q", msg)
		}
		seen[msg] = true
		if !strings.HasPrefix(msg, "the password ") {
			t.Errorf("message %q should speak to the user about the password", msg)
		}
	}
}

func TestCommon(t *testing.T) {
	for pw, want := range map[string]bool{
		"password1":                        true,
		" PASSWORD1 ":                      true,
		"sommar2024":                       true,
		"qwerty":                           false, // shorter than MinLength: not stored
		"korrekt häst batteri häftklammer": false,
		"":                                 false,
	} {
		if got := Common(pw); got != want {
			t.Errorf("Common(%q) = %v, want %v", pw, got, want)
		}
	}
}

// TestCount checks that the whole file and the Swedish additions are loaded.
func TestCount(t *testing.T) {
	lines := strings.Count(commonTxt, "\n")
	if got := Count(); got <= lines || got < 18000 {
		t.Errorf("Count() = %d, want more than the %d lines of common.txt and at least 18000", got, lines)
	}
	// The last line of the file must be on the list too.
	last := commonTxt[strings.LastIndex(strings.TrimSuffix(commonTxt, "\n"), "\n")+1:]
	if last = strings.TrimSpace(last); !Common(last) {
		t.Errorf("last entry of common.txt %q is not on the list", last)
	}
}

// TestCommonFile checks the shipped list against what SOURCE.md promises.
func TestCommonFile(t *testing.T) {
	if !strings.HasSuffix(commonTxt, "\n") {
		t.Error("common.txt does not end with a newline")
	}
	seen := make(map[string]bool)
	n := 0
	for line := range strings.Lines(commonTxt) {
		n++
		s := strings.TrimSuffix(line, "\n")
		switch {
		case s != strings.TrimSpace(s) || s == "":
			t.Errorf("line %d %q: empty or has white space at an end", n, s)
		case s != strings.ToLower(s):
			t.Errorf("line %d %q: not lower-case", n, s)
		case utf8.RuneCountInString(s) < MinLength:
			t.Errorf("line %d %q: shorter than %d", n, s, MinLength)
		case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
			t.Errorf("line %d %q: not printable UTF-8", n, s)
		case seen[s]:
			t.Errorf("line %d %q: duplicate", n, s)
		}
		seen[s] = true
	}

	doc, err := os.ReadFile("SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Entries in common.txt: (\d+)`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("SOURCE.md does not state the number of entries")
	}
	if want, _ := strconv.Atoi(string(m[1])); n != want {
		t.Errorf("common.txt has %d entries, SOURCE.md says %d", n, want)
	}
	if _, err := os.Stat("LICENSE-common.txt"); err != nil {
		t.Errorf("the licence of common.txt is missing: %v", err)
	}
}

// TestSwedish checks that the Swedish additions are well formed, of a
// reasonable size, and all reach the list.
func TestSwedish(t *testing.T) {
	added := 0
	for _, s := range swedish() {
		if s != normalize(s) {
			t.Errorf("Swedish entry %q is not in normalised form", s)
		}
		if utf8.RuneCountInString(s) < MinLength {
			continue
		}
		if !Common(s) {
			t.Errorf("Swedish entry %q is not on the list", s)
		}
		if !strings.Contains(commonTxt, "\n"+s+"\n") && !strings.HasPrefix(commonTxt, s+"\n") {
			added++
		}
	}
	// Duplicates within swedish() are counted once by the map.
	extra := Count() - strings.Count(commonTxt, "\n")
	if extra < 300 || extra > 1000 {
		t.Errorf("Swedish additions bring %d new entries, want hundreds (300–1000)", extra)
	}
	if added < extra {
		t.Errorf("counted %d added entries but the list grew by %d", added, extra)
	}
	t.Logf("Swedish additions: %d new entries", extra)
}

// TestConcurrentFirstUse builds the list from many goroutines at once, for
// the race detector.
func TestConcurrentFirstUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !Common("iloveyou") || Check("korrekt häst batteri", "anna") != nil {
				t.Error("wrong answer under concurrent use")
			}
		})
	}
	wg.Wait()
}

func BenchmarkCommon(b *testing.B) {
	list() // build outside the timing
	b.ReportAllocs()
	for b.Loop() {
		Common("Korrekt häst batteri häftklammer")
	}
}

func BenchmarkCheck(b *testing.B) {
	list()
	b.ReportAllocs()
	for b.Loop() {
		Check("Korrekt häst batteri häftklammer", "anna.svensson")
	}
}

// BenchmarkBuildList measures building the set: its time and, through
// -benchmem, its memory.
func BenchmarkBuildList(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		buildList()
	}
}
