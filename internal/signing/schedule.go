package signing

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/syncengine"
)

// scheduleEntry is what RaiseMissed needs of one signing list: kept in an internal scope,
// so the scan reads neither the lists' instructions nor any other unit's records.
type scheduleEntry struct {
	ListID     string             `json:"list_id"`
	ClientID   string             `json:"client_id"`
	UnitID     string             `json:"unit_id"`
	ValidFrom  time.Time          `json:"valid_from"`
	ValidUntil time.Time          `json:"valid_until"`
	Measures   []scheduledMeasure `json:"measures"` // those with fixed times (not prn)
}

type scheduledMeasure struct {
	MeasureID string        `json:"measure_id"`
	Kind      string        `json:"kind"`
	Times     []plannedTime `json:"times"`
}

// plannedTime is a time of a measure and since when it is planned: occurrences due
// before Since are not missed (the list did not ask for them yet).
type plannedTime struct {
	At    string    `json:"at"`
	Since time.Time `json:"since"`
}

// putSchedule stages the schedule entry of a saved list, keeping when each time was
// first planned.
func putSchedule(tx *syncengine.Tx, l List) error {
	old, _, err := getSchedule(tx, l.ListID)
	if err != nil {
		return err
	}
	since := map[string]time.Time{}
	for _, m := range old.Measures {
		for _, t := range m.Times {
			since[m.MeasureID+"/"+t.At] = t.Since
		}
	}
	e := scheduleEntry{ListID: l.ListID, ClientID: l.ClientID, UnitID: l.UnitID, ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil,
		Measures: []scheduledMeasure{}}
	for _, m := range l.Measures {
		if m.PRN {
			continue // vid behov: nothing is due, nothing can be missed
		}
		sm := scheduledMeasure{MeasureID: m.MeasureID, Kind: m.Kind}
		for _, at := range m.Times {
			s, ok := since[m.MeasureID+"/"+at]
			if !ok {
				s = tx.Now()
			}
			sm.Times = append(sm.Times, plannedTime{At: at, Since: s})
		}
		e.Measures = append(e.Measures, sm)
	}
	return tx.Put(KindSchedule, l.ListID, []string{ScopeSchedule}, e)
}

func getSchedule(tx *syncengine.Tx, listID string) (scheduleEntry, bool, error) {
	rec, ok, err := tx.Get(KindSchedule, listID)
	if err != nil || !ok {
		return scheduleEntry{}, false, err
	}
	var e scheduleEntry
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return scheduleEntry{}, false, fmt.Errorf("signing: unable to decode schedule %s: %w", listID, err)
	}
	return e, true, nil
}
