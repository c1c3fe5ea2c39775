package api

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/assignments"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/syncengine"
)

// UnitEnding answers the unit's coordinators and managers with the list "Ej aktuella – att
// avsluta": the clients with nothing left running in the unit whose journal is still open.
// Closing the journal (journal.close, after the PDF for the archive) takes the client off.
func (h *Handlers) UnitEnding(c *fiber.Ctx) error {
	unitID := c.Params("id")
	if !principal(c).Access.Has(unitID, identity.RoleCoordinator, identity.RoleUnitManager) {
		return errForbidden
	}
	var list []assignments.ToEnd
	err := h.Engine.View(func(r syncengine.ReadTx) error {
		var err error
		list, err = assignments.EndingList(r, unitID, assignments.Today(h.Now()), func(id string) (string, bool) {
			var name string
			if rec, ok, err := r.Record(clients.Kind, id); err == nil && ok {
				var cl clients.Client
				if json.Unmarshal(rec.Data, &cl) == nil {
					name = cl.Name
				}
			}
			closed := false
			if rec, ok, err := r.Record(journal.KindJournal, journal.JournalID(id)); err == nil && ok {
				var j journal.Journal
				closed = json.Unmarshal(rec.Data, &j) == nil && j.Status == journal.JournalClosed
			}
			return name, closed
		})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unit_id": unitID, "clients": list})
}
