package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

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

// refreshPerAddress limits each client address to n refreshes a minute, apart from the
// login routes' limit: phones behind one address (a care home's network) refresh every
// few minutes, and an unknown token, though refused without a write, still costs a read.
func refreshPerAddress(n int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max: max(n, 1), Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			e := *errRateLimited
			if s, err := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter))); err == nil && s > 0 {
				e.RetryAfter = s // the seconds left in the limiter's window
			}
			return &e
		},
	})
}
