package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/codes"
	"vardag/internal/webpush"
)

var (
	errPushUnavailable = &Error{Status: 404, Code: codes.PushUnavailable, Message: "Web push is not set up on this server."}
	errPushStore       = &Error{Status: 503, Code: codes.Unavailable, Message: "The subscription could not be saved; try again.", RetryAfter: 5}
)

func invalidSubscription(err error) *Error {
	e := &Error{Status: 400, Code: codes.InvalidSubscription, Message: "The push subscription is not valid."}
	var fe *webpush.FieldError
	if errors.As(err, &fe) {
		e.Message = "The push subscription is not valid: " + fe.Field + " " + fe.Reason + "."
		e.Extra = map[string]any{"field": fe.Field}
	}
	return e
}

// pushSubscriptionBody is a browser's PushSubscription.toJSON() (expirationTime ignored).
type pushSubscriptionBody struct {
	Endpoint string                   `json:"endpoint"`
	Keys     webpush.SubscriptionKeys `json:"keys"`
}

// PushVAPIDKey answers the server's VAPID public key, as applicationServerKey wants it.
func (h *Handlers) PushVAPIDKey(c *fiber.Ctx) error {
	if h.Push == nil {
		return errPushUnavailable
	}
	return c.JSON(fiber.Map{"key": h.Push.PublicKey()})
}

// PushSubscribe keeps the calling device's push subscription for its session. An
// endpoint another device holds stays that device's (409 push_endpoint_taken).
func (h *Handlers) PushSubscribe(c *fiber.Ctx) error {
	if h.Push == nil {
		return errPushUnavailable
	}
	var body pushSubscriptionBody
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if err := h.Push.ValidateEndpoint(body.Endpoint); err != nil {
		return invalidSubscription(err)
	}
	if err := webpush.ValidateKeys(body.Keys); err != nil {
		return invalidSubscription(err)
	}
	p := principal(c)
	sub := webpush.Subscription{Endpoint: body.Endpoint, Keys: body.Keys, UserID: p.User.ID,
		DeviceID: p.Claims.DeviceID, SessionID: p.Claims.SessionID, CreatedAt: h.Now().UTC()}
	switch err := h.Push.Subscribe(sub); {
	case errors.Is(err, webpush.ErrEndpointTaken):
		return errPushTaken
	case err != nil:
		h.Log.Error("api: unable to keep a push subscription", "err", err)
		return errPushStore
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": webpush.SubscriptionID(body.Endpoint)})
}

// PushUnsubscribe deletes the calling device's subscription with the endpoint; another
// device's is left alone. It answers 204 either way.
func (h *Handlers) PushUnsubscribe(c *fiber.Ctx) error {
	if h.Push == nil {
		return errPushUnavailable
	}
	var body struct {
		Endpoint string `json:"endpoint"`
	}
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if err := h.Push.ValidateEndpoint(body.Endpoint); err != nil {
		return invalidSubscription(err)
	}
	if err := h.Push.Subscriptions().DeleteDevice(principal(c).Claims.DeviceID, body.Endpoint); err != nil {
		h.Log.Error("api: unable to delete a push subscription", "err", err)
		return errPushStore
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// pushEndsWith deletes push subscriptions once the handler after it has ended sessions
// (logout, revocations, a disabled account), so that no notification reaches a phone
// whose session is over. The sender checks the session too; this makes it immediate.
func (h *Handlers) pushEndsWith(drop func(c *fiber.Ctx, subs *webpush.Subscriptions) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if err != nil || h.Push == nil || c.Response().StatusCode() >= 300 {
			return err
		}
		if derr := drop(c, h.Push.Subscriptions()); derr != nil {
			h.Log.Error("api: unable to delete push subscriptions of an ended session", "err", derr)
		}
		return nil
	}
}

func (h *Handlers) pushEndsWithLogout() fiber.Handler {
	return h.pushEndsWith(func(c *fiber.Ctx, subs *webpush.Subscriptions) error {
		return subs.DeleteSession(principal(c).Claims.SessionID)
	})
}

func (h *Handlers) pushEndsWithSession() fiber.Handler {
	return h.pushEndsWith(func(c *fiber.Ctx, subs *webpush.Subscriptions) error {
		return subs.DeleteSession(c.Params("id"))
	})
}

func (h *Handlers) pushEndsWithDevice() fiber.Handler {
	return h.pushEndsWith(func(c *fiber.Ctx, subs *webpush.Subscriptions) error {
		return subs.DeleteDevice(c.Params("id"), "")
	})
}

func (h *Handlers) pushEndsWithUser() fiber.Handler {
	return h.pushEndsWith(func(c *fiber.Ctx, subs *webpush.Subscriptions) error {
		return subs.DeleteUser(c.Params("id"))
	})
}
