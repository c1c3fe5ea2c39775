package api

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// ClientJournalPDF answers a coordinator or manager of the client's unit with the client's
// whole journal as a PDF for the archive (skriv ut genomförandejournal), every correction
// shown. The export is written to the read log before the PDF is sent; anyone else gets
// 403, whether the client exists or not.
func (h *Handlers) ClientJournalPDF(c *fiber.Ctx) error {
	p := principal(c)
	clientID := c.Params("id")
	if !uuids.Valid(clientID) {
		return errForbidden
	}
	var archive journal.Archive
	var found bool
	err := h.Engine.View(func(r syncengine.ReadTx) error {
		var err error
		archive, found, err = journal.ReadArchive(r, clientID)
		return err
	})
	if err != nil {
		return err
	}
	if !found || !p.Access.Has(archive.Client.UnitID, identity.RoleCoordinator, identity.RoleUnitManager) {
		return errForbidden
	}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := id
		if u, err := h.Identity.User(id); err == nil && u.Name != "" {
			n = u.Name
		}
		names[id] = n
		return n
	}
	var buf bytes.Buffer
	if err := archive.PDF(&buf, name, h.Now()); err != nil {
		return err
	}
	entry := accesslog.Entry{UserID: p.User.ID, DeviceID: p.Claims.DeviceID, ClientID: clientID, Units: archive.Client.Units(),
		What: accesslog.WhatJournalPDF, Count: len(archive.Notes), Source: accesslog.SourceExport}
	if err := accesslog.Write(c.UserContext(), h.Engine, []accesslog.Entry{entry}); err != nil {
		h.Log.Error("api: a journal PDF could not be logged; it was not sent", "user_id", p.User.ID, "err", err)
		return errUnavailable
	}
	h.Log.Info("api: journal PDF exported", "user_id", p.User.ID, "notes", len(archive.Notes))
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="genomforandejournal-`+clientID+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
