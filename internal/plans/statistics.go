package plans

import (
	"encoding/json"
	"fmt"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// UnitStatistics are the month's statistics of a unit (assignments.UnitStatistics) with
// the unit's implementation plans established and followed up in the month (seed 001:
// "Upprättade genomförandeplaner", "Uppföljda genomförandeplaner"). The caller checks that
// the reader is a coordinator or manager of the unit.
func UnitStatistics(eng *syncengine.Engine, unitID string, month, now time.Time) (assignments.Statistics, error) {
	stats, err := assignments.UnitStatistics(eng, unitID, month, now)
	if err != nil {
		return stats, err
	}
	err = eng.View(func(r syncengine.ReadTx) error {
		var err error
		stats.Plans, err = MonthlyCounts(r, unitID, month)
		return err
	})
	return stats, err
}

// MonthlyCounts counts the unit's plans with a version established (by its established_on
// date) and those followed up (by followed_up_on) in the calendar month of month. A plan
// established or followed up twice in the month counts once.
func MonthlyCounts(r syncengine.ReadTx, unitID string, month time.Time) (assignments.PlanCounts, error) {
	prefix := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC).Format("2006-01") + "-"
	inMonth := func(d string) bool { return len(d) == len(dateLayout) && d[:len(prefix)] == prefix }
	established, followed, seen := map[string]bool{}, map[string]bool{}, map[string]bool{}
	it := r.ScopeRefs(identity.UnitScope(unitID), 0)
	for ref, ok := it.Next(); ok; ref, ok = it.Next() {
		if ref.Deleted || (ref.Kind != KindPlan && ref.Kind != KindVersion) || seen[ref.Kind+"/"+ref.ID] {
			continue
		}
		seen[ref.Kind+"/"+ref.ID] = true
		rec, found, err := r.Record(ref.Kind, ref.ID)
		if err != nil {
			return assignments.PlanCounts{}, err
		}
		if !found {
			continue
		}
		if ref.Kind == KindVersion {
			var v Version
			if err := json.Unmarshal(rec.Data, &v); err != nil {
				return assignments.PlanCounts{}, fmt.Errorf("plans: unable to decode version %s: %w", ref.ID, err)
			}
			if v.UnitID == unitID && v.Status == StatusEstablished && inMonth(v.EstablishedOn) {
				established[v.PlanID] = true
			}
			continue
		}
		var p Plan
		if err := json.Unmarshal(rec.Data, &p); err != nil {
			return assignments.PlanCounts{}, fmt.Errorf("plans: unable to decode plan %s: %w", ref.ID, err)
		}
		for _, f := range p.FollowUps {
			if p.UnitID == unitID && inMonth(f.FollowedUpOn) {
				followed[p.PlanID] = true
			}
		}
	}
	if err := it.Err(); err != nil {
		return assignments.PlanCounts{}, err
	}
	return assignments.PlanCounts{Established: len(established), FollowedUp: len(followed)}, nil
}
