package assignments

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Age bands and the values used when a client's sex or age is not known.
const (
	Unknown     = "unknown"
	Unspecified = "unspecified" // an end without an end reason (a time-limited decision)
)

// AgeBands are the age bands of the statistics, by age at the end of the month.
var AgeBands = []string{"0-64", "65-79", "80-89", "90+"}

// Statistics are a unit's monthly statistics (statistik per månad): measures (insatser)
// by type, and the persons with an ongoing measure, each broken down by sex and age band.
type Statistics struct {
	UnitID  string                `json:"unit_id"`
	Month   string                `json:"month"`   // YYYY-MM
	Persons Count                 `json:"persons"` // antal aktuella personer under månaden
	ByType  map[string]*TypeStats `json:"by_type"`
	Plans   PlanCounts            `json:"plans"` // genomförandeplaner, counted by internal/plans
}

// PlanCounts are the implementation plans (genomförandeplaner) of the month: those
// established (upprättade) and those followed up (uppföljda), each plan counted once.
type PlanCounts struct {
	Established int `json:"established"`
	FollowedUp  int `json:"followed_up"`
}

// TypeStats count the measures of one type in the month.
type TypeStats struct {
	New        Count          `json:"new"`         // nya: started in the month
	Ongoing    Count          `json:"ongoing"`     // pågående: active at any time in the month
	Ended      Count          `json:"ended"`       // avslutade: ended in the month
	EndReasons map[string]int `json:"end_reasons"` // avslutsorsak of those ended
}

// Count is a number with its break-down by sex and age band (sex → band → count).
type Count struct {
	Total    int                       `json:"total"`
	BySexAge map[string]map[string]int `json:"by_sex_and_age,omitempty"`
}

func (c *Count) add(sex, band string) {
	c.Total++
	if c.BySexAge == nil {
		c.BySexAge = map[string]map[string]int{}
	}
	if c.BySexAge[sex] == nil {
		c.BySexAge[sex] = map[string]int{}
	}
	c.BySexAge[sex][band]++
}

// MonthlyStatistics counts the assignments of a unit for the calendar month of month
// (its year and month; the day is ignored). ages gives a client's sex and birth date; a
// client it does not know is counted as unknown. The caller checks that the reader is a
// manager of the unit.
func MonthlyStatistics(r syncengine.ReadTx, unitID string, month time.Time, ages func(clientID string) (sex string, birth time.Time, ok bool)) (Statistics, error) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1)
	st := Statistics{UnitID: unitID, Month: first.Format("2006-01"), ByType: map[string]*TypeStats{}}
	persons := map[string]bool{}
	err := eachOfUnit(r, unitID, func(a Assignment) {
		sex, band := Unknown, Unknown
		if ages != nil {
			if s, birth, ok := ages(a.ClientID); ok {
				if s != "" {
					sex = s
				}
				band = ageBand(birth, last)
			}
		}
		for _, m := range a.Measures {
			start, err1 := time.Parse(dateLayout, m.Start)
			if err1 != nil {
				continue // stored deliveries were checked: never happens
			}
			var end time.Time
			if m.End != "" {
				var err error
				if end, err = time.Parse(dateLayout, m.End); err != nil {
					continue
				}
			}
			if start.After(last) || (!end.IsZero() && end.Before(first)) {
				continue // not active in the month
			}
			ts := st.ByType[m.Type]
			if ts == nil {
				ts = &TypeStats{EndReasons: map[string]int{}}
				st.ByType[m.Type] = ts
			}
			ts.Ongoing.add(sex, band)
			if !persons[a.ClientID] {
				persons[a.ClientID] = true
				st.Persons.add(sex, band)
			}
			if !start.Before(first) {
				ts.New.add(sex, band)
			}
			if !end.IsZero() && !end.After(last) {
				ts.Ended.add(sex, band)
				reason := m.EndReason
				if reason == "" {
					reason = Unspecified
				}
				ts.EndReasons[reason]++
			}
		}
	})
	if err != nil {
		return Statistics{}, err
	}
	return st, nil
}

// eachOfUnit calls fn with every assignment of the unit, in the order of the log.
func eachOfUnit(r syncengine.ReadTx, unitID string, fn func(Assignment)) error {
	it := r.ScopeRefs(identity.UnitScope(unitID), 0)
	for ref, ok := it.Next(); ok; ref, ok = it.Next() {
		if ref.Kind != Kind || ref.Deleted {
			continue
		}
		raw, _, err := r.Entry(ref.Seq)
		if err != nil {
			return fmt.Errorf("assignments: unable to read sequence %d: %w", ref.Seq, err)
		}
		var ch struct {
			Data Assignment `json:"data"`
		}
		if err := json.Unmarshal(raw, &ch); err != nil {
			return fmt.Errorf("assignments: unable to decode sequence %d: %w", ref.Seq, err)
		}
		if ch.Data.UnitID == unitID {
			fn(ch.Data)
		}
	}
	return it.Err()
}

// ageBand is the age band of someone born at birth on the day at (ages in whole years).
func ageBand(birth, at time.Time) string {
	if birth.IsZero() || birth.After(at) {
		return Unknown
	}
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		age--
	}
	switch {
	case age < 65:
		return AgeBands[0]
	case age < 80:
		return AgeBands[1]
	case age < 90:
		return AgeBands[2]
	default:
		return AgeBands[3]
	}
}
