package api

import (
	"bufio"
	"time"

	"github.com/gofiber/fiber/v2"
)

// SyncEvents holds a text/event-stream open and sends a content-free poke whenever one of
// the caller's scopes changes. The stream ends when the access token expires, so a phone
// whose access ended stops hearing of changes; it reconnects with a fresh token.
func (h *Handlers) SyncEvents(c *fiber.Ctx) error {
	p := principal(c)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	hub := h.Engine.Hub()
	sub := hub.Subscribe(p.Access.Scopes)
	conn := c.Context().Conn()
	until := p.Claims.ExpiresAt.Sub(h.Now())
	keepAlive, writeTimeout := h.KeepAlive, h.WriteTimeout
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer hub.Unsubscribe(sub)
		send := func(s string) bool {
			// The stream outlives the server's write timeout; each write gets its own.
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := w.WriteString(s); err != nil {
				return false
			}
			return w.Flush() == nil
		}
		if !send("retry: 3000\n: connected\n\n") {
			return
		}
		ticker := time.NewTicker(keepAlive)
		defer ticker.Stop()
		expiry := time.NewTimer(until)
		defer expiry.Stop()
		for {
			select {
			case <-sub.C:
				if !send("event: poke\ndata: {}\n\n") {
					return
				}
			case <-ticker.C:
				if !send(": keepalive\n\n") {
					return
				}
			case <-expiry.C:
				return
			case <-sub.Done:
				return
			}
		}
	})
	return nil
}
