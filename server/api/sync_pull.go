package api

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/syncengine"
)

// Page sizes of a pull.
const (
	defaultPullLimit = 500
	maxPullLimit     = 5000
)

// SyncPull sends one page of changes after the cursor given in the query.
func (h *Handlers) SyncPull(c *fiber.Ctx) error {
	limit := defaultPullLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return invalidRequest("limit must be a whole number from 1 to 5000.")
		}
		limit = n
	}
	return h.pull(c, c.Query("cursor"), limit)
}

type pullRequest struct {
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit"`
}

// SyncPullPost is SyncPull with the cursor in a JSON body, for phones whose cursor has
// grown too long for an address (many units).
func (h *Handlers) SyncPullPost(c *fiber.Ctx) error {
	req := pullRequest{Limit: defaultPullLimit}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	return h.pull(c, req.Cursor, req.Limit)
}

func (h *Handlers) pull(c *fiber.Ctx, cursor string, limit int) error {
	if limit < 1 || limit > maxPullLimit {
		return invalidRequest("limit must be a whole number from 1 to 5000.")
	}
	p := principal(c)
	res, err := h.Engine.Pull(actor(p), cursor, limit)
	var damaged *syncengine.DamagedRecordError
	switch {
	case errors.Is(err, syncengine.ErrInvalidCursor):
		return errInvalidCursor
	case errors.Is(err, syncengine.ErrCursorExpired):
		return errCursorExpired
	case errors.As(err, &damaged):
		return errDamagedRecord // logged and counted by the engine
	case err != nil:
		return err
	}
	// Every read of a client's data is logged, on disk before the data leaves: what cannot
	// be logged is not sent (Patientdatalagen 4 kap. 3 §; OWASP ASVS 5.0 V16).
	if len(res.Observed) > 0 {
		entries := accesslog.FromPull(p.User.ID, p.Claims.DeviceID, res.Observed)
		if err := accesslog.Write(c.UserContext(), h.Engine, entries); err != nil {
			h.Log.Error("api: the reads of a pull could not be logged; the page was not sent", "user_id", p.User.ID, "err", err)
			return errUnavailable
		}
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
