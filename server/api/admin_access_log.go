package api

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/codes"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

// Page sizes of the access log review.
const (
	defaultAccessLogLimit = 500
	maxAccessLogLimit     = 5000
)

var errClientNotFound = &Error{Status: 404, Code: codes.ClientNotFound, Message: "There is no such client in a unit you manage."}

// accessLogPage is the answer of the review.
type accessLogPage struct {
	Entries []accesslog.Entry `json:"entries"`
	More    bool              `json:"more"`
}

// AdminAccessLog answers a unit manager's review of the read log (loggranskning,
// Patientdatalagen 4 kap. 3 §): who read which client's data in their unit, newest first.
// Without unit_id (as the shared contract, API.md, writes the route) it is the one unit
// the caller manages; a manager of several units names one.
func (h *Handlers) AdminAccessLog(c *fiber.Ctx) error {
	p := principal(c)
	if !accesslog.MayReview(p.Access) {
		return errForbidden
	}
	f := accesslog.Filter{UnitID: c.Query("unit_id"), ClientID: c.Query("client_id"), UserID: c.Query("user_id"), Limit: defaultAccessLogLimit}
	if f.ClientID != "" && !uuids.Valid(f.ClientID) {
		return invalidRequest("client_id must be a UUID in lower case.")
	}
	if f.UserID != "" && !uuids.Valid(f.UserID) {
		return invalidRequest("user_id must be a UUID in lower case.")
	}
	var err error
	if f.From, err = queryTime(c, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(c, "to"); err != nil {
		return err
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAccessLogLimit {
			return invalidRequest("limit must be a whole number from 1 to 5000.")
		}
		f.Limit = n
	}
	entries, more, err := accesslog.Review(c.UserContext(), h.Engine, reviewer(p), f)
	if err != nil {
		return h.accessLogError(p.User.ID, "a review of the read log", err)
	}
	return c.JSON(accessLogPage{Entries: entries, More: more})
}

// queryTime reads an optional RFC 3339 time from the query.
func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalidRequest(name + " must be an RFC 3339 time such as 2026-11-23T08:00:00Z.")
	}
	return t, nil
}

// AdminAccessLogExport sends every read of one client's data, oldest first, as CSV: the
// client's log extract (registerutdrag). To anyone who manages no unit the answer is
// forbidden; to a manager, an unknown client and another unit's client answer the same
// (client_not_found), so the route tells no one which clients exist elsewhere.
func (h *Handlers) AdminAccessLogExport(c *fiber.Ctx) error {
	p := principal(c)
	if !accesslog.MayReview(p.Access) {
		return errForbidden
	}
	clientID := c.Query("client_id")
	if !uuids.Valid(clientID) {
		return invalidRequest("client_id must be a UUID in lower case.")
	}
	entries, err := accesslog.TakeExtract(c.UserContext(), h.Engine, reviewer(p), clientID)
	if err != nil {
		return h.accessLogError(p.User.ID, "a log extract", err)
	}
	var buf bytes.Buffer
	if err := accesslog.WriteCSV(&buf, entries); err != nil {
		return err
	}
	h.Log.Info("api: access log extract taken", "user_id", p.User.ID, "entries", len(entries))
	name := "registerutdrag-" + clientID + "-" + h.Now().UTC().Format("20060102") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

func reviewer(p login.Principal) accesslog.Reviewer {
	return accesslog.Reviewer{UserID: p.User.ID, DeviceID: p.Claims.DeviceID, Access: p.Access}
}

// accessLogError answers a refused or failed review (what names it in the log).
func (h *Handlers) accessLogError(userID, what string, err error) error {
	switch {
	case errors.Is(err, accesslog.ErrNotManager):
		return errForbidden
	case errors.Is(err, accesslog.ErrUnitRequired):
		return invalidRequest("unit_id is required: you manage several units; name the one whose log you review.")
	case errors.Is(err, accesslog.ErrClientNotFound):
		return errClientNotFound
	case errors.Is(err, accesslog.ErrNotLogged):
		h.Log.Error("api: "+what+" could not be logged; it was not sent", "user_id", userID, "err", err)
		return errUnavailable
	}
	return err
}
