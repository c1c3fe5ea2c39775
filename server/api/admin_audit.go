package api

import (
	"github.com/gofiber/fiber/v2"

	"vardag/internal/adminlog"
)

// auditEntry is an administrative act as the review shows it: the names beside the ids.
type auditEntry struct {
	adminlog.Act
	ByName   string `json:"by_name,omitempty"`
	UserName string `json:"user_name,omitempty"`
}

// AdminUnitAudit answers the review of a unit's administration: every administrative act
// that concerns the unit (accounts created, grants given, approved, extended and ended,
// access reviews), from and to a time, oldest first. Who may: the unit's manager and the
// administrator, as for the access review.
func (h *Handlers) AdminUnitAudit(c *fiber.Ctx) error {
	unit, err := h.reviewUnit(c)
	if err != nil {
		return err
	}
	from, err := queryTime(c, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(c, "to")
	if err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return invalidRequest("to must not be before from.")
	}
	acts, err := adminlog.OnUnitBetween(h.Engine, unit.ID, from, to)
	if err != nil {
		return err
	}
	names := map[string]string{}
	name := func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := names[id]; ok {
			return n
		}
		u, err := h.Identity.User(id)
		if err == nil {
			names[id] = u.Name
		}
		return names[id]
	}
	out := make([]auditEntry, 0, len(acts))
	for _, a := range acts {
		out = append(out, auditEntry{Act: a, ByName: name(a.ByUserID), UserName: name(a.UserID)})
	}
	return c.JSON(fiber.Map{"acts": out})
}
