package api

import (
	"github.com/gofiber/fiber/v2"

	"vardag/internal/login"
)

type smsRequest struct {
	MFAToken string `json:"mfa_token"`
}

// AuthSMS sends a one-time code by SMS to the registered work phone of a login waiting
// for its second step.
func (h *Handlers) AuthSMS(c *fiber.Ctx) error {
	var req smsRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.MFAToken == "" {
		return invalidRequest("mfa_token is required.")
	}
	if err := h.Login.SendSMS(c.UserContext(), req.MFAToken); err != nil {
		return mapLoginError(err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"expires_in": int(login.SMSValidity.Seconds())})
}
