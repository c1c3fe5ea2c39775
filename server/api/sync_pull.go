package api

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"vardag/syncengine"
)

// Page sizes of a pull.
const (
	defaultPullLimit = 500
	maxPullLimit     = 5000
)

// SyncPull sends one page of changes after the cursor.
func (h *Handlers) SyncPull(c *fiber.Ctx) error {
	limit := defaultPullLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPullLimit {
			return invalidRequest("limit must be a whole number from 1 to 5000.")
		}
		limit = n
	}
	res, err := h.Engine.Pull(actor(principal(c)), c.Query("cursor"), limit)
	switch {
	case errors.Is(err, syncengine.ErrInvalidCursor):
		return errInvalidCursor
	case errors.Is(err, syncengine.ErrCursorExpired):
		return errCursorExpired
	case err != nil:
		return err
	}
	return c.Type("json").Send(encodePull(res))
}

// encodePull writes the page around the changes, which are already JSON.
func encodePull(res *syncengine.PullResult) []byte {
	cursor, _ := jsonString(res.Cursor)
	out := make([]byte, 0, len(res.Changes)+len(cursor)+128)
	out = append(out, `{"cursor":`...)
	out = append(out, cursor...)
	out = append(out, `,"more":`...)
	out = strconv.AppendBool(out, res.More)
	out = append(out, `,"last_mutation_id":`...)
	out = strconv.AppendUint(out, res.LastMutationID, 10)
	out = append(out, `,"drop_scopes":`...)
	drops, _ := jsonString(res.DropScopes)
	out = append(out, drops...)
	out = append(out, `,"changes":`...)
	out = append(out, res.Changes...)
	return append(out, '}')
}
