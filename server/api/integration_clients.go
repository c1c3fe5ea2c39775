package api

import (
	"github.com/gofiber/fiber/v2"

	"vardag/internal/clients"
	"vardag/internal/identity"
)

// IntegrationClients takes a client (brukare) from the authority's system: 201 with the
// client's id on the first intake, 200 when the personal number is known (the same data
// again changes nothing; a change is a new version). The system must hold the integration
// role in a unit of its own municipality; the client is kept for that municipality.
func (h *Handlers) IntegrationClients(c *fiber.Ctx) error {
	body, err := jsonBody(c)
	if err != nil {
		return err
	}
	in, err := clients.DecodeIntake(body)
	if err != nil {
		return rejectionError(err)
	}
	a := principal(c).Access
	if !h.integrationOf(a) {
		return errForbidden
	}
	got, created, err := clients.Intake(c.UserContext(), h.Engine, a.MunicipalityID, in, h.Now())
	if err != nil {
		return rejectionError(err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(fiber.Map{"client_id": got.ClientID})
}

// integrationOf tells whether the caller is the authority's system of its municipality:
// the integration role in a unit of that municipality.
func (h *Handlers) integrationOf(a identity.Access) bool {
	if a.MunicipalityID == "" {
		return false
	}
	for unit := range a.Roles {
		if !a.Has(unit, identity.RoleIntegration) {
			continue
		}
		if m, ok := h.Identity.MunicipalityOf(unit); ok && m == a.MunicipalityID {
			return true
		}
	}
	return false
}
