package assignments

import (
	"slices"
	"time"

	"vardag/syncengine"
)

// ToEnd is one client of the list "Ej aktuella – att avsluta": a client of the unit whose
// every measure there has ended, whose journal is still to be exported and closed.
type ToEnd struct {
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
	EndedOn  string `json:"ended_on"` // the last end date of the client's measures in the unit
}

// EndingList lists the unit's clients with no ongoing or planned measure on the day today
// (YYYY-MM-DD): every measure of every assignment of theirs in the unit has an end date
// on or before today. client gives a client's name and whether their journal is closed
// (closed clients are done: they leave the list). Sorted by name. The caller checks that
// the reader is a coordinator or manager of the unit.
func EndingList(r syncengine.ReadTx, unitID, today string, client func(clientID string) (name string, closed bool)) ([]ToEnd, error) {
	running := map[string]bool{}
	lastEnd := map[string]string{}
	err := eachOfUnit(r, unitID, func(a Assignment) {
		if _, seen := lastEnd[a.ClientID]; !seen {
			lastEnd[a.ClientID] = ""
		}
		for _, m := range a.Measures {
			if m.End == "" || m.End > today {
				running[a.ClientID] = true // pågående or planerad
			} else if m.End > lastEnd[a.ClientID] {
				lastEnd[a.ClientID] = m.End
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := []ToEnd{}
	for id, end := range lastEnd {
		if running[id] || end == "" {
			continue
		}
		name, closed := client(id)
		if closed {
			continue
		}
		out = append(out, ToEnd{ClientID: id, Name: name, EndedOn: end})
	}
	slices.SortFunc(out, func(a, b ToEnd) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		if a.ClientID < b.ClientID {
			return -1
		}
		return 1
	})
	return out, nil
}

// Today is the calendar day at t in Sweden, as measures' dates are written.
func Today(t time.Time) string { return t.In(stockholm).Format(dateLayout) }

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()
