package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/assignments"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// IntegrationAssignments takes an assignment (uppdrag) from the authority's system. The
// same delivery again changes nothing (200); a new one is 201. The system delivers to the
// units where it holds the integration role, of its own municipality, for their clients.
func (h *Handlers) IntegrationAssignments(c *fiber.Ctx) error {
	body, err := jsonBody(c)
	if err != nil {
		return err
	}
	in, err := assignments.DecodeDelivery(body)
	if err != nil {
		return rejectionError(err)
	}
	a := principal(c).Access
	if !a.Has(in.UnitID, identity.RoleIntegration) {
		return errForbidden
	}
	if m, ok := h.Identity.MunicipalityOf(in.UnitID); !ok || m != a.MunicipalityID {
		return rejectionError(assignments.ClientNotInUnit())
	}
	in.Municipality = a.MunicipalityID
	got, created, err := assignments.Deliver(c.UserContext(), h.Engine, in, h.Now())
	if err != nil {
		return rejectionError(err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(got)
}

// rejectionError turns a domain Rejection into a 400 (a 409 for a conflict) with its code,
// message and fields; other errors stay server errors.
func rejectionError(err error) error {
	var rej *syncengine.Rejection
	if !errors.As(err, &rej) {
		if errors.Is(err, syncengine.ErrClosed) {
			return errUnavailable
		}
		return err
	}
	e := &Error{Status: 400, Code: rej.Code, Message: rej.Message}
	if len(rej.Fields) > 0 {
		e.Extra = map[string]any{"fields": rej.Fields}
	}
	if assignments.IsConflict(err) {
		e.Status = 409
	}
	return e
}
