package hwtoken

import (
	"bufio"
	"bytes"
	"encoding/base32"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxLineLen is the longest CSV line accepted, in bytes.
const maxLineLen = 4096

// Column names that mark the first line as a header, in lower case without spaces,
// dots, dashes or underscores.
var (
	serialWords = words("serial", "serialno", "serialnr", "serialnumber", "serienummer", "serienr", "serie")
	secretWords = words("secret", "secretkey", "seed", "key", "hemlighet", "nyckel")
	digitsWords = words("digits", "siffror", "length", "längd")
	periodWords = words("period", "interval", "intervall", "timestep", "tidsintervall")
	headerCols  = []map[string]bool{serialWords, secretWords, digitsWords, periodWords}
)

// ParseCSV reads TOTP seeds from a CSV file with the columns
//
//	serial, secret[, digits[, period]]
//
// The secret is base32 in any case, with or without spaces and padding. Digits
// and period may be left out or empty; they must be 6 and 30 if given. The
// separator is ',' or ';' (Swedish Excel writes ';'), whichever the first line
// has more of. A first line naming the columns in that order (serial,secret,...
// or serienummer;hemlighet;...) is a header and is skipped. Fields may be quoted;
// spaces around fields, blank lines and lines starting with '#' are ignored, as
// are a UTF-8 byte order mark and empty trailing fields.
//
// The whole file is refused if any line is wrong, with an error that names the
// line (counting from 1) and its serial, never the secret: see ParsePSKC for the
// checks, and also a serial Excel has turned into a number such as 2,60014E+12.
func ParseCSV(r io.Reader) ([]Seed, error) {
	sc := bufio.NewScanner(newLimitReader(r))
	sc.Buffer(make([]byte, 0, 512), maxLineLen)
	sc.Split(scanLines)

	var (
		seeds  []Seed
		seen   = make(map[string]string)
		sep    rune // set from the first data line
		lineNo int
	)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if lineNo == 1 {
			if strings.HasPrefix(line, "\xff\xfe") || strings.HasPrefix(line, "\xfe\xff") {
				return nil, errors.New("hwtoken: the CSV file is UTF-16; save it as CSV UTF-8")
			}
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		first := sep == 0
		if first {
			sep = ','
			if strings.Count(line, ";") > strings.Count(line, ",") {
				sep = ';'
			}
		}
		fields, err := splitLine(line, sep)
		if err != nil {
			return nil, fmt.Errorf("hwtoken: line %d: malformed quoting", lineNo)
		}
		if first && isHeader(fields) {
			if err := checkHeader(fields); err != nil {
				return nil, fmt.Errorf("hwtoken: line %d: %w", lineNo, err)
			}
			continue
		}
		if len(seeds) == MaxSeeds {
			return nil, fmt.Errorf("hwtoken: line %d: more than %d tokens", lineNo, MaxSeeds)
		}
		s, err := parseRecord(fields)
		if err == nil {
			err = checkUnique(seen, s.Serial, fmt.Sprintf("line %d", lineNo))
		}
		if err != nil {
			return nil, lineError(lineNo, s.Serial, err)
		}
		seeds = append(seeds, s)
	}
	switch err := sc.Err(); {
	case errors.Is(err, ErrTooLarge):
		return nil, ErrTooLarge
	case errors.Is(err, bufio.ErrTooLong):
		return nil, fmt.Errorf("hwtoken: line %d: longer than %d bytes", lineNo+1, maxLineLen)
	case err != nil:
		return nil, fmt.Errorf("hwtoken: reading CSV: %w", err)
	}
	if len(seeds) == 0 {
		return nil, errors.New("hwtoken: the CSV file holds no tokens")
	}
	return seeds, nil
}

// lineError says what is wrong on line n. It names the serial unless that is
// invalid or could be a secret (a file with its columns swapped, or secrets only).
func lineError(n int, serial string, err error) error {
	if checkSerial(serial) != nil || mayBeSecret(serial) {
		return fmt.Errorf("hwtoken: line %d: %w", n, err)
	}
	return fmt.Errorf("hwtoken: line %d (serial %s): %w", n, quote(serial), err)
}

// mayBeSecret reports whether s decodes as a base32 secret.
func mayBeSecret(s string) bool {
	b, err := decodeBase32(s)
	return err == nil && len(b) >= MinSecretSize
}

// parseRecord turns the fields of one line into a valid seed. On error the
// returned seed holds at most the serial, for the message.
func parseRecord(fields []string) (Seed, error) {
	s := Seed{Serial: fields[0], Digits: Digits, Period: Period, Algorithm: Algorithm}
	if err := checkSerial(s.Serial); err != nil {
		return s, err
	}
	if looksScientific(s.Serial) {
		return s, errors.New("serial number looks like a number Excel rewrote (such as 2,60014E+12); format the column as text")
	}
	switch {
	case len(fields) < 2 || fields[1] == "":
		return s, errors.New("missing secret")
	case len(fields) > 4:
		return s, fmt.Errorf("%d columns; want serial, secret, digits, period", len(fields))
	}
	secret, err := decodeBase32(fields[1])
	if err != nil && mayBeSecret(s.Serial) {
		return s, fmt.Errorf("%w; the serial looks like a secret: are the columns in the wrong order?", err)
	}
	if err != nil {
		return s, err
	}
	if len(fields) > 2 && fields[2] != "" {
		if s.Digits, err = strconv.Atoi(fields[2]); err != nil {
			return s, errors.New("digits is not a number") // the value is not shown: it could be a secret
		}
	}
	if len(fields) > 3 && fields[3] != "" {
		if s.Period, err = strconv.Atoi(fields[3]); err != nil {
			return s, errors.New("period is not a number")
		}
	}
	s.Secret = secret
	if err := s.validate(); err != nil {
		return Seed{Serial: s.Serial}, err
	}
	return s, nil
}

// decodeBase32 decodes a base32 secret in any case, with or without spaces and
// padding. Its errors never contain the secret.
func decodeBase32(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, secret))
	s = strings.TrimRight(s, "=")
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	b, err := enc.DecodeString(s)
	// The decoder ignores a stray last character and unused low bits; the round
	// trip refuses them, as a sign of a mistyped or cut secret.
	if err == nil && enc.EncodeToString(b) == s {
		return b, nil
	}
	if strings.Trim(s, "0123456789ABCDEF") == "" {
		return nil, errors.New("secret is not valid base32 (it looks like hex; convert it to base32)")
	}
	return nil, errors.New("secret is not valid base32")
}

// splitLine splits one line into trimmed fields, dropping empty trailing ones.
func splitLine(line string, sep rune) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(line))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	fields, err := cr.Read()
	if err != nil {
		return nil, err
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	for len(fields) > 1 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	return fields, nil
}

// isHeader reports whether any field is a known column name.
func isHeader(fields []string) bool {
	for _, f := range fields {
		for _, names := range headerCols {
			if names[normalizeWord(f)] {
				return true
			}
		}
	}
	return false
}

// checkHeader checks that a header names the columns in the order they are read.
func checkHeader(fields []string) error {
	if len(fields) > len(headerCols) {
		return fmt.Errorf("header has %d columns; want serial, secret, digits, period", len(fields))
	}
	for i, f := range fields {
		if !headerCols[i][normalizeWord(f)] {
			return fmt.Errorf("header column %d is not %s; the columns must be serial, secret, digits, period in that order",
				i+1, [...]string{"serial", "secret", "digits", "period"}[i])
		}
	}
	return nil
}

func normalizeWord(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" ._-", r) {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

func words(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// looksScientific reports whether s looks like a number in Excel's scientific
// notation, such as 2,60014E+12 or 9.8E+08: what Excel writes for a long serial
// number in a column not formatted as text, which loses digits.
func looksScientific(s string) bool {
	mantissa, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	mantissa = strings.Replace(strings.Replace(mantissa, ",", "", 1), ".", "", 1)
	return ok && isDigits(mantissa) && isDigits(exp)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// scanLines is bufio.ScanLines that also ends a line at a lone '\r' (old Mac
// line endings, still written by Excel's "CSV (Macintosh)").
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) || atEOF {
			if i+1 < len(data) && data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		return 0, nil, nil // a '\r' at the end of data: is a '\n' next?
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
