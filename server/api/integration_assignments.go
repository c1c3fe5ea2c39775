package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/assignments"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// IntegrationAssignments takes an assignment (uppdrag) from the authority's system. The
// same delivery again changes nothing (200); a new one is 201.
func (h *Handlers) IntegrationAssignments(c *fiber.Ctx) error {
	body, err := jsonBody(c)
	if err != nil {
		return err
	}
	in, err := assignments.DecodeDelivery(body)
	if err != nil {
		return rejectionError(err)
	}
	if !principal(c).Access.Has(in.UnitID, identity.RoleIntegration) {
		return errForbidden
	}
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
	var conflict *syncengine.Conflict
	if errors.As(err, &conflict) || rej.Code == codes.AssignmentUnitChanged || rej.Code == codes.AssignmentClientChanged || rej.Code == codes.AssignmentOutdated {
		e.Status = 409
	}
	return e
}
