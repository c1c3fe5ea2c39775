package api

import "github.com/gofiber/fiber/v2"

// AuthLogout ends the caller's session on the server.
func (h *Handlers) AuthLogout(c *fiber.Ctx) error {
	if err := h.Login.Logout(principal(c).Claims.SessionID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
