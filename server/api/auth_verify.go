package api

import "github.com/gofiber/fiber/v2"

type verifyRequest struct {
	MFAToken string `json:"mfa_token"`
	Method   string `json:"method"`
	Code     string `json:"code"`
}

// AuthVerify checks the one-time code and opens a session.
func (h *Handlers) AuthVerify(c *fiber.Ctx) error {
	var req verifyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.MFAToken == "" || req.Method == "" || req.Code == "" {
		return invalidRequest("mfa_token, method and code are required.")
	}
	tokens, err := h.Login.Verify(req.MFAToken, req.Method, req.Code)
	if err != nil {
		return mapLoginError(err)
	}
	return c.JSON(tokens)
}
