package api

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Page sizes of the access log review.
const (
	defaultAccessLogLimit = 500
	maxAccessLogLimit     = 5000
)

var errClientNotFound = &Error{Status: 404, Code: "client_not_found", Message: "There is no such client in a unit you manage."}

// accessLogPage is the answer of the review.
type accessLogPage struct {
	Entries []accesslog.Entry `json:"entries"`
	More    bool              `json:"more"`
}

// AdminAccessLog answers a unit manager's review of the read log (loggranskning,
// Patientdatalagen 4 kap. 3 §): who read which client's data in their unit, newest first.
// Only entries whose units include unit_id are given, whatever the other filters say.
// Without unit_id (as the shared contract, API.md, writes the route) it is the one unit the caller manages; a
// manager of several units names one.
func (h *Handlers) AdminAccessLog(c *fiber.Ctx) error {
	unitID := c.Query("unit_id")
	if unitID == "" {
		managed := managedUnits(principal(c).Access)
		switch len(managed) {
		case 0:
			return errForbidden
		case 1:
			unitID = managed[0]
		default:
			return invalidRequest("unit_id is required: you manage several units; name the one whose log you review.")
		}
	}
	if !principal(c).Access.Has(unitID, identity.RoleUnitManager) {
		return errForbidden
	}
	f := accesslog.Filter{UnitID: unitID, ClientID: c.Query("client_id"), UserID: c.Query("user_id"), Limit: defaultAccessLogLimit}
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
	entries, more, err := accesslog.Query(h.Engine, f)
	if err != nil {
		return err
	}
	// Who read a client's data is the client's data too: the review is logged, per client
	// shown, on disk before the answer leaves (as a pull's reads are).
	p := principal(c)
	if err := accesslog.Write(c.UserContext(), h.Engine, accesslog.FromReview(p.User.ID, p.Claims.DeviceID, unitID, entries)); err != nil {
		h.Log.Error("api: a review of the read log could not be logged; it was not sent", "user_id", p.User.ID, "err", err)
		return errUnavailable
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
// client's log extract (registerutdrag). A manager of a unit the client belongs to may take
// it; it lists the reads made in every unit. To anyone who manages no unit the answer is
// forbidden; to a manager, an unknown client and another unit's client answer the same
// (client_not_found), so the route tells no one which clients exist elsewhere.
func (h *Handlers) AdminAccessLogExport(c *fiber.Ctx) error {
	p := principal(c)
	if !managesAUnit(p.Access) {
		return errForbidden
	}
	clientID := c.Query("client_id")
	if !uuids.Valid(clientID) {
		return invalidRequest("client_id must be a UUID in lower case.")
	}
	var rec syncengine.Record
	var found bool
	err := h.Engine.View(func(r syncengine.ReadTx) error {
		var err error
		rec, found, err = r.Record(clients.Kind, clientID)
		return err
	})
	if err != nil {
		return err
	}
	if !found || !managesOneOf(p.Access, rec.Scopes) {
		return errClientNotFound
	}
	entries, err := accesslog.Extract(h.Engine, clientID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := accesslog.WriteCSV(&buf, entries); err != nil {
		return err
	}
	// The extract is logged as a read of the client's data, in the units the client is in
	// (it is not itself in the extract it is taken with).
	taken := accesslog.Entry{UserID: p.User.ID, DeviceID: p.Claims.DeviceID, ClientID: clientID, Units: accesslog.UnitsOf(rec.Scopes),
		What: accesslog.WhatAccessLogExtract, Count: len(entries), Source: accesslog.SourceReview}
	if err := accesslog.Write(c.UserContext(), h.Engine, []accesslog.Entry{taken}); err != nil {
		h.Log.Error("api: a log extract could not be logged; it was not sent", "user_id", p.User.ID, "err", err)
		return errUnavailable
	}
	h.Log.Info("api: access log extract taken", "user_id", p.User.ID, "entries", len(entries))
	name := "registerutdrag-" + clientID + "-" + h.Now().UTC().Format("20060102") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}

func managesAUnit(a identity.Access) bool { return len(managedUnits(a)) > 0 }

// managedUnits are the units where the caller is a unit manager, sorted.
func managedUnits(a identity.Access) []string {
	var units []string
	for unit := range a.Roles {
		if a.Has(unit, identity.RoleUnitManager) {
			units = append(units, unit)
		}
	}
	slices.Sort(units)
	return units
}

// managesOneOf tells whether the caller is a unit manager of a unit of the scopes.
func managesOneOf(a identity.Access, scopes []string) bool {
	for _, s := range scopes {
		if unit, ok := strings.CutPrefix(s, "unit:"); ok && a.Has(strings.TrimSuffix(unit, ":managers"), identity.RoleUnitManager) {
			return true
		}
	}
	return false
}
