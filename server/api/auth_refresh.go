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

// perAddress limits each client address (the right-most untrusted X-Forwarded-For behind
// the configured proxies) to n requests a minute on the routes it guards. Refreshes have a
// limit of their own: phones behind one address (a care home's network) refresh every few
// minutes, and an unknown token, though refused without a write, still costs a read.
func (h *Handlers) perAddress(n int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max: max(n, 1), Expiration: time.Minute, KeyGenerator: h.clientAddress,
		LimitReached: func(c *fiber.Ctx) error {
			e := *errRateLimited
			if s, err := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter))); err == nil && s > 0 {
				e.RetryAfter = s // the seconds left in the limiter's window
			}
			return &e
		},
	})
}
