package api

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/syncengine"
)

// streamHead starts the live stream. The stream takes the connection over from the HTTP
// server (no worker goroutine, buffers or pipe held per stream: 5,000 phones stay cheap),
// so it writes its own response head, with the security headers every answer carries; the
// body ends when the connection closes.
func streamHead(tls bool) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/event-stream\r\n" +
		"Cache-Control: no-store\r\n" +
		"X-Accel-Buffering: no\r\n")
	for _, h := range securityHeadersFor(tls) {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n" +
		"retry: 3000\n: connected\n\n")
	return b.String()
}

// SyncEvents holds a text/event-stream open and sends a content-free poke whenever one of
// the caller's scopes changes. The stream ends when the access token expires, so a phone
// whose access ended stops hearing of changes; it reconnects with a fresh token. Each
// stream holds a connection: beyond the streams a device, a user or the server may hold,
// it is refused (429, or 503 for the server).
func (h *Handlers) SyncEvents(c *fiber.Ctx) error {
	p := principal(c)
	hub := h.Engine.Hub()
	sub, err := hub.Subscribe(syncengine.StreamOwner{UserID: p.User.ID, DeviceID: p.Claims.DeviceID}, p.Access.Scopes)
	switch {
	case errors.Is(err, syncengine.ErrDeviceStreams):
		return errDeviceStreams
	case errors.Is(err, syncengine.ErrUserStreams):
		return errUserStreams
	case errors.Is(err, syncengine.ErrStreamsFull):
		return errStreamsFull
	case err != nil:
		return err
	}
	until := p.Claims.ExpiresAt.Sub(h.Now())
	keepAlive, writeTimeout := h.KeepAlive, h.WriteTimeout
	head := streamHead(c.Context().IsTLS())
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(conn net.Conn) {
		defer hub.Unsubscribe(sub)
		send := func(s string) bool {
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			_, err := conn.Write([]byte(s))
			return err == nil
		}
		if !send(head) {
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
