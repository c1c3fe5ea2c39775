package signing

import (
	"time"

	"vardag/internal/uuids"
)

// parseClock reads "HH:MM" (00:00–23:59, two digits each) into hours and minutes.
func parseClock(s string) (h, m int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(s[0])
	h2, ok2 := digit(s[1])
	m1, ok3 := digit(s[3])
	m2, ok4 := digit(s[4])
	h, m = h1*10+h2, m1*10+m2
	return h, m, ok1 && ok2 && ok3 && ok4 && h < 24 && m < 60
}

// at is the instant of clock time s on the Stockholm date of day.
func at(day time.Time, s string) (time.Time, bool) {
	h, m, ok := parseClock(s)
	if !ok {
		return time.Time{}, false
	}
	y, mo, d := day.In(stockholm).Date()
	return time.Date(y, mo, d, h, m, 0, 0, stockholm).UTC(), true
}

// matchesTime tells whether due is one of times on its Stockholm date. An occurrence is
// always computed with at, so matching and the missed-occurrence scan agree even across
// daylight saving time.
func matchesTime(due time.Time, times []string) bool {
	for _, s := range times {
		if t, ok := at(due, s); ok && t.Equal(due) {
			return true
		}
	}
	return false
}

// dueKey is the canonical form of an occurrence's time.
func dueKey(due time.Time) string { return due.UTC().Format(time.RFC3339) }

// OccurrenceID names the record of one occurrence (tillfälle) of a measure:
// uuids.Named("occ/<list_id>/<measure_id>/<due_at RFC3339 UTC>"), so a phone can compute it.
func OccurrenceID(listID, measureID string, due time.Time) string {
	return uuids.Named("occ/" + listID + "/" + measureID + "/" + dueKey(due))
}

// AlertID names the alert of one type for one occurrence:
// uuids.Named("<double|missed>/<list_id>/<measure_id>/<due_at RFC3339 UTC>").
func AlertID(alertType, listID, measureID string, due time.Time) string {
	prefix := "double"
	if alertType == AlertMissed {
		prefix = "missed"
	}
	return uuids.Named(prefix + "/" + listID + "/" + measureID + "/" + dueKey(due))
}
