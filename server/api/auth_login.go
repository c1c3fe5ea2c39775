package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

type loginRequest struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	DeviceID   string `json:"device_id"`
	DeviceName string `json:"device_name"`
}

// AuthLogin checks the password and answers with the second step.
func (h *Handlers) AuthLogin(c *fiber.Ctx) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Username) == "" || req.Password == "" {
		return invalidRequest("username and password are required.")
	}
	if len(req.Username) > 200 || len(req.Password) > 1024 || len(req.DeviceName) > 200 {
		return invalidRequest("A field is too long.")
	}
	ch, err := h.Login.Login(strings.TrimSpace(req.Username), req.Password, req.DeviceID, req.DeviceName)
	if err != nil {
		return mapLoginError(err)
	}
	return c.JSON(ch)
}
