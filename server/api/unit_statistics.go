package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/identity"
	"vardag/internal/plans"
)

// UnitStatistics answers the unit's coordinators and managers with the month's
// assignment statistics: new, ongoing and ended measures and end reasons, by sex and age
// band, and the implementation plans established and followed up (the coordinator's
// follow-up lists, uppföljning; a manager does all a coordinator does).
func (h *Handlers) UnitStatistics(c *fiber.Ctx) error {
	unitID := c.Params("id")
	if !principal(c).Access.Has(unitID, identity.RoleCoordinator, identity.RoleUnitManager) {
		return errForbidden
	}
	month, err := time.Parse("2006-01", c.Query("month"))
	if err != nil {
		return invalidRequest("month must be a month such as 2026-11.")
	}
	stats, err := plans.UnitStatistics(h.Engine, unitID, month, h.Now())
	if err != nil {
		return err
	}
	return c.JSON(stats)
}
