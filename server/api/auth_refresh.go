package api

import "github.com/gofiber/fiber/v2"

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// AuthRefresh rotates a refresh token into a new pair.
func (h *Handlers) AuthRefresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return invalidRequest("refresh_token is required.")
	}
	tokens, err := h.Login.Refresh(req.RefreshToken)
	if err != nil {
		return mapLoginError(err)
	}
	return c.JSON(tokens)
}
