package signing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vardag/syncengine"
)

// RaiseMissed raises a signing_alert of type "missed" for each occurrence of the last 24
// hours that was due more than 60 minutes before now and has no signature. An occurrence
// is raised once: the alert's id comes from the occurrence, and one that exists is left
// alone. It returns how many alerts it raised. The lead calls it from a ticker.
//
// The lists are read in a read transaction, beside the pushes; only the occurrences found
// missing there are checked again, and raised, in the writer.
func RaiseMissed(ctx context.Context, e *syncengine.Engine, now time.Time) (int, error) {
	var lists, ended []string
	err := e.View(func(r syncengine.ReadTx) error {
		it := r.ScopeRefs(ScopeSchedule, 0)
		for ref, ok := it.Next(); ok; ref, ok = it.Next() {
			if ref.Deleted || ref.Kind != KindSchedule {
				continue
			}
			rec, ok, err := r.Record(ref.Kind, ref.ID)
			if err != nil || !ok {
				return err
			}
			var entry scheduleEntry
			if err := json.Unmarshal(rec.Data, &entry); err != nil {
				return fmt.Errorf("signing: unable to decode schedule %s: %w", ref.ID, err)
			}
			if entry.ValidUntil.Before(now.Add(-missedLookback)) {
				ended = append(ended, entry.ListID)
				continue
			}
			for _, o := range dueOccurrences(entry, now) {
				signed, err := exists(r, KindOccurrence, OccurrenceID(entry.ListID, o.measure.MeasureID, o.due))
				if err != nil {
					return err
				}
				raised, err := exists(r, KindAlert, AlertID(AlertMissed, entry.ListID, o.measure.MeasureID, o.due))
				if err != nil {
					return err
				}
				if !signed && !raised {
					lists = append(lists, entry.ListID)
					break
				}
			}
		}
		return it.Err()
	})
	if err != nil || (len(lists) == 0 && len(ended) == 0) {
		return 0, err
	}
	n := 0
	err = e.Do(ctx, func(tx *syncengine.Tx) error {
		n = 0
		for _, id := range ended {
			if err := tx.Delete(KindSchedule, id); err != nil {
				return err
			}
		}
		for _, id := range lists {
			entry, ok, err := getSchedule(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			list := List{ListSaveArgs: ListSaveArgs{ListID: entry.ListID, ClientID: entry.ClientID}, UnitID: entry.UnitID}
			for _, o := range dueOccurrences(entry, now) {
				if _, signed, err := tx.Get(KindOccurrence, OccurrenceID(entry.ListID, o.measure.MeasureID, o.due)); err != nil || signed {
					if err != nil {
						return err
					}
					continue
				}
				if _, raised, err := tx.Get(KindAlert, AlertID(AlertMissed, entry.ListID, o.measure.MeasureID, o.due)); err != nil || raised {
					if err != nil {
						return err
					}
					continue
				}
				if err := putAlert(tx, AlertMissed, list, o.measure, o.due, nil); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// dueOccurrence is one occurrence of a measure that is due.
type dueOccurrence struct {
	measure Measure
	due     time.Time
}

// dueOccurrences are the occurrences of a list's schedule that are missed if unsigned at
// now: due within the last 24 hours and more than 60 minutes ago, on or after the list's
// start and the time's planning, before the list's end.
func dueOccurrences(e scheduleEntry, now time.Time) []dueOccurrence {
	from, to := now.Add(-missedLookback), now.Add(-missedAfter)
	if e.ValidFrom.After(from) {
		from = e.ValidFrom
	}
	if from.After(to) {
		return nil
	}
	var out []dueOccurrence
	y, mo, d := from.In(stockholm).Date()
	for day := time.Date(y, mo, d, 12, 0, 0, 0, stockholm); !day.After(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		for _, m := range e.Measures {
			for _, t := range m.Times {
				at, ok := at(day, t.At)
				if !ok || at.Before(from) || !at.Before(to) || !at.Before(e.ValidUntil) || at.Before(t.Since) {
					continue
				}
				out = append(out, dueOccurrence{measure: Measure{MeasureID: m.MeasureID, Kind: m.Kind}, due: at})
			}
		}
	}
	return out
}

func exists(r syncengine.ReadTx, kind, id string) (bool, error) {
	_, ok, err := r.Record(kind, id)
	return ok, err
}
