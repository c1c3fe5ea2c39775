package api

import (
	"github.com/gofiber/fiber/v2"

	"vardag/syncengine"
)

// Healthz answers while the process is up.
func (h *Handlers) Healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// Readyz answers when the store can be read.
func (h *Handlers) Readyz(c *fiber.Ctx) error {
	if err := h.Engine.View(func(syncengine.ReadTx) error { return nil }); err != nil {
		return errUnavailable
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
