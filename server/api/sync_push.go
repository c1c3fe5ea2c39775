package api

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/codes"
	"vardag/syncengine"
)

// maxMutationsPerPush bounds one push; a phone with more sends several.
const maxMutationsPerPush = 500

// SyncPush applies a device's mutations in order and answers once they are on disk.
func (h *Handlers) SyncPush(c *fiber.Ctx) error {
	req, err := readPush(c)
	if err != nil {
		return err
	}
	p := principal(c)
	if req.DeviceID != p.Claims.DeviceID {
		return errDeviceMismatch
	}
	res, err := h.Engine.Push(c.UserContext(), actor(p), req.Mutations)
	var gap *syncengine.GapError
	var env *syncengine.EnvelopeError
	switch {
	case errors.As(err, &env):
		return invalidRequest(env.Message)
	case errors.As(err, &gap):
		return &Error{Status: 409, Code: codes.MutationGap, Message: "Changes are missing before these; send from the one after last_mutation_id.",
			Extra: map[string]any{"last_mutation_id": gap.LastMutationID}}
	case errors.Is(err, syncengine.ErrDeviceOwner):
		return errDeviceMismatch
	case errors.Is(err, syncengine.ErrClosed):
		return errUnavailable
	case err != nil:
		h.Log.Error("api: push failed", "device", p.Claims.DeviceID, "err", err)
		return errUnavailable
	}
	return c.JSON(res)
}

// readPush reads the body strictly (syncengine.DecodePushBody) and checks its numbers: a
// malformed envelope is refused whole, before any mutation can use up its id.
func readPush(c *fiber.Ctx) (syncengine.PushBody, error) {
	body, err := jsonBody(c)
	if err != nil {
		return syncengine.PushBody{}, err
	}
	if len(body) == 0 {
		return syncengine.PushBody{}, invalidRequest("The request needs a JSON body.")
	}
	req, err := syncengine.DecodePushBody(body)
	var env *syncengine.EnvelopeError
	switch {
	case errors.As(err, &env) && env.Syntax:
		return req, &Error{Status: 400, Code: errInvalidJSON.Code, Message: env.Message}
	case errors.As(err, &env):
		return req, invalidRequest(env.Message)
	case err != nil:
		return req, err
	}
	return req, checkPush(req)
}

func checkPush(req syncengine.PushBody) error {
	switch n := len(req.Mutations); {
	case req.DeviceID == "":
		return invalidRequest("device_id is required.")
	case n == 0:
		return invalidRequest("mutations must hold at least one change.")
	case n > maxMutationsPerPush:
		return invalidRequest(fmt.Sprintf("At most %d mutations per push.", maxMutationsPerPush))
	}
	for i, m := range req.Mutations {
		switch {
		case m.ID == 0:
			return invalidRequest(fmt.Sprintf("mutations[%d].id must be 1 or more.", i))
		case i > 0 && m.ID != req.Mutations[i-1].ID+1:
			return invalidRequest(fmt.Sprintf("mutations[%d].id must follow the one before it by 1.", i))
		case m.Name == "" || len(m.Name) > 100:
			return invalidRequest(fmt.Sprintf("mutations[%d].name is required.", i))
		case m.ClientTime.IsZero():
			return invalidRequest(fmt.Sprintf("mutations[%d].client_time is required (RFC 3339).", i))
		}
	}
	return nil
}
