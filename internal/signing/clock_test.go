package signing

import (
	"testing"
	"time"
)

func TestClockTimes(t *testing.T) {
	for s, want := range map[string]bool{"00:00": true, "08:00": true, "23:59": true, "24:00": false, "12:60": false, "8:00": false, "08:00:00": false, "0800": false, "ab:cd": false, "": false, "-1:00": false} {
		if _, _, ok := parseClock(s); ok != want {
			t.Errorf("parseClock(%q) = %v", s, ok)
		}
	}
}

func TestMeasureTimesAreSwedishTimeAcrossDaylightSaving(t *testing.T) {
	cases := []struct {
		due  time.Time
		want bool
	}{
		{time.Date(2026, 3, 28, 7, 0, 0, 0, time.UTC), true},  // winter: 08:00 CET
		{time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC), true},  // summer from this night: 08:00 CEST
		{time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC), false}, // 09:00 CEST
		{time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC), true}, // winter again
		{time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 10, 25, 7, 0, 1, 0, time.UTC), false}, // a second off is another time
	}
	for _, c := range cases {
		if got := matchesTime(c.due, []string{"08:00"}); got != c.want {
			t.Errorf("matchesTime(%v) = %v", c.due, got)
		}
	}
	// One instant in two spellings is one occurrence.
	due := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	if OccurrenceID("l", "m", due) != OccurrenceID("l", "m", due.In(stockholm)) {
		t.Error("the occurrence id depends on the time zone of due_at")
	}
}

func TestATimeAddedLaterIsNotMissedBeforeItWasPlanned(t *testing.T) {
	saved := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)    // 06:00 Stockholm
	changed := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 11:00 Stockholm
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)    // 11:30
	e := scheduleEntry{ListID: "l", ValidFrom: saved.Add(-48 * time.Hour), ValidUntil: saved.AddDate(0, 1, 0),
		Measures: []scheduledMeasure{{MeasureID: "m", Kind: "medication", Times: []plannedTime{{At: "08:00", Since: saved}, {At: "09:00", Since: changed}}}}}
	got := dueOccurrences(e, now)
	if len(got) != 1 || !got[0].due.Equal(time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("due: %+v", got)
	}
}
