// Package personnummer validates and normalises Swedish personal identity numbers
// (personnummer) and coordination numbers (samordningsnummer).
//
// A number is kept in its 12-digit form YYYYMMDDNNNC: the birth date, a three-digit
// birth number (födelsenummer) whose last digit is odd for men and even for women, and a
// check digit computed with the Luhn algorithm over the 10-digit form YYMMDDNNN. A
// coordination number has 60 added to the day of birth (61–91).
//
// A personal number is personal data. Errors from this package never hold the number or
// any digit of it, and a Number logged through log/slog is redacted (see LogValue).
package personnummer

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// The kinds of error Parse returns, each wrapped with a short description; test them with
// errors.Is. No message holds the number or any part of it.
var (
	// ErrFormat: not one of the accepted forms (wrong length, a character that is not a
	// digit, a separator missing or in the wrong place).
	ErrFormat = errors.New("personnummer: wrong format")
	// ErrDate: the date part is not a date of the calendar.
	ErrDate = errors.New("personnummer: not a real date")
	// ErrChecksum: the last digit is not the check digit of the others.
	ErrChecksum = errors.New("personnummer: wrong check digit")
	// ErrFuture: the date of birth is after today.
	ErrFuture = errors.New("personnummer: birth date in the future")
)

// Sex is the legal sex a number encodes in its second-to-last digit.
type Sex int

// The values of Sex. The zero value means unknown (the zero Number).
const (
	Female Sex = iota + 1 // even second-to-last digit
	Male                  // odd second-to-last digit
)

func (s Sex) String() string {
	switch s {
	case Female:
		return "female"
	case Male:
		return "male"
	}
	return "unknown"
}

// Number is a valid personnummer or samordningsnummer. The zero value is no number.
type Number struct {
	digits       string // always 12 ASCII digits: YYYYMMDDNNNC
	coordination bool   // the day is the day of birth + 60
}

// String is the number in 12 digits, YYYYMMDDNNNC, the form to store and compare
// ("" for the zero Number). It is personal data: do not log it.
func (n Number) String() string { return n.digits }

// LogValue keeps the number out of logs: a Number given to log/slog logs as a fixed text.
func (n Number) LogValue() slog.Value { return slog.StringValue("[personnummer]") }

// GoString keeps the number out of %#v as well.
func (n Number) GoString() string { return "personnummer.Number{…}" }

// Coordination tells whether the number is a samordningsnummer.
func (n Number) Coordination() bool { return n.coordination }

// BirthDate is the date of birth at midnight UTC (for a samordningsnummer, the day with
// 60 taken off). It is the zero time for the zero Number.
func (n Number) BirthDate() time.Time {
	if len(n.digits) != 12 {
		return time.Time{}
	}
	day := num(n.digits[6:8])
	if n.coordination {
		day -= coordinationOffset
	}
	return time.Date(num(n.digits[0:4]), time.Month(num(n.digits[4:6])), day, 0, 0, 0, 0, time.UTC)
}

// Sex is the sex the birth number encodes: an odd second-to-last digit is Male, an even
// one Female.
func (n Number) Sex() Sex {
	if len(n.digits) != 12 {
		return 0
	}
	if (n.digits[10]-'0')%2 == 1 {
		return Male
	}
	return Female
}

const coordinationOffset = 60

// Parse checks and normalises a personnummer or samordningsnummer written in one of the
// forms
//
//	YYYYMMDDNNNC   YYYYMMDD-NNNC   YYMMDDNNNC   YYMMDD-NNNC   YYMMDD+NNNC
//
// with ASCII digits only and nothing around them. A 10-digit form is given the latest
// century that does not put the birth date after now's date; with '+' (a person of 100 or
// more) 100 years are taken off that. The date must be a real one (a samordningsnummer's
// day is 61–91), the check digit must match, and the birth date must not be after now's
// date (in now's location).
func Parse(s string, now time.Time) (Number, error) {
	var body string // the digits without the separator
	var sep byte    // '-', '+' or 0
	switch len(s) {
	case 10, 12:
		body = s
	case 11, 13:
		i := len(s) - 5
		sep = s[i]
		if sep != '-' && (sep != '+' || len(s) != 11) {
			return Number{}, fail(ErrFormat, "the separator must be '-' (or '+' in the short form) before the last four digits")
		}
		body = s[:i] + s[i+1:]
	default:
		return Number{}, fail(ErrFormat, "it must have ten or twelve digits")
	}
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return Number{}, fail(ErrFormat, "only digits and one separator are allowed")
		}
	}

	ny, nm, nd := now.Date()
	var year int
	short := body
	if len(body) == 12 {
		year = num(body[0:4])
		short = body[2:]
	}
	month, day := num(short[2:4]), num(short[4:6])
	coordination := day > coordinationOffset
	if coordination {
		day -= coordinationOffset
	}
	if len(body) == 10 {
		year = ny - ny%100 + num(short[0:2])
		if after(year, month, day, ny, int(nm), nd) {
			year -= 100
		}
		if sep == '+' {
			year -= 100
		}
		if year < 0 {
			return Number{}, fail(ErrDate, "the year is before the calendar's start")
		}
	}

	if month < 1 || month > 12 {
		return Number{}, fail(ErrDate, "no such month")
	}
	if day < 1 || day > daysIn(year, month) {
		if coordination {
			return Number{}, fail(ErrDate, "no such day in that month (a coordination number adds sixty to the day)")
		}
		return Number{}, fail(ErrDate, "no such day in that month")
	}
	if luhn(short[:9]) != short[9]-'0' {
		return Number{}, fail(ErrChecksum, "the last digit does not match the others")
	}
	if after(year, month, day, ny, int(nm), nd) {
		return Number{}, fail(ErrFuture, "the date of birth is after today")
	}
	return Number{digits: fmt.Sprintf("%04d", year) + short[2:], coordination: coordination}, nil
}

// fail wraps a sentinel with a fixed description. Never pass it text made from the input.
func fail(kind error, why string) error { return fmt.Errorf("%w: %s", kind, why) }

// after tells whether the date y-m-d is after the date ty-tm-td.
func after(y, m, d, ty, tm, td int) bool {
	if y != ty {
		return y > ty
	}
	if m != tm {
		return m > tm
	}
	return d > td
}

func daysIn(year, month int) int {
	switch month {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// luhn is the check digit of digits: from the left, every other digit doubled (its digits
// summed), starting with the first.
func luhn(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte((10 - sum%10) % 10)
}

// num is the value of a run of ASCII digits.
func num(digits string) int {
	v := 0
	for i := 0; i < len(digits); i++ {
		v = v*10 + int(digits[i]-'0')
	}
	return v
}
