package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/assignments"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/personnummer"
	"vardag/syncengine"
)

// UnitStatistics answers the unit's coordinators and managers with the month's
// assignment statistics: new, ongoing and ended measures and end reasons, by sex and age
// band (the coordinator's follow-up lists, uppföljning; a manager does all a coordinator
// does).
func (h *Handlers) UnitStatistics(c *fiber.Ctx) error {
	unitID := c.Params("id")
	if !principal(c).Access.Has(unitID, identity.RoleCoordinator, identity.RoleUnitManager) {
		return errForbidden
	}
	month, err := time.Parse("2006-01", c.Query("month"))
	if err != nil {
		return invalidRequest("month must be a month such as 2026-11.")
	}
	var stats assignments.Statistics
	err = h.Engine.View(func(r syncengine.ReadTx) error {
		var err error
		stats, err = assignments.MonthlyStatistics(r, unitID, month, clientAges(r, h.Now()))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(stats)
}

// clientAges reads a client's sex and birth date from the personal number in its record.
func clientAges(r syncengine.ReadTx, now time.Time) func(string) (string, time.Time, bool) {
	return func(clientID string) (string, time.Time, bool) {
		rec, ok, err := r.Record(clients.Kind, clientID)
		if err != nil || !ok {
			return "", time.Time{}, false
		}
		var cl clients.Client
		if json.Unmarshal(rec.Data, &cl) != nil {
			return "", time.Time{}, false
		}
		pn, err := personnummer.Parse(cl.PersonalID, now)
		if err != nil {
			return "", time.Time{}, false
		}
		return pn.Sex().String(), pn.BirthDate(), true
	}
}
