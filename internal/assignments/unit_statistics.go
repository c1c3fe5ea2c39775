package assignments

import (
	"time"

	"vardag/internal/clients"
	"vardag/syncengine"
)

// UnitStatistics are the month's statistics of a unit (the coordinator's follow-up lists,
// uppföljning), with each client's sex and age band read from the personal number in the
// client's record at now. The caller checks that the reader is a coordinator or manager
// of the unit.
func UnitStatistics(eng *syncengine.Engine, unitID string, month, now time.Time) (Statistics, error) {
	var stats Statistics
	err := eng.View(func(r syncengine.ReadTx) error {
		var err error
		stats, err = MonthlyStatistics(r, unitID, month, func(clientID string) (string, time.Time, bool) {
			return clients.SexAndBirth(r, clientID, now)
		})
		return err
	})
	return stats, err
}
