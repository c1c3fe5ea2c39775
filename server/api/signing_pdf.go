package api

import (
	"bytes"
	"errors"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accesslog"
	"vardag/internal/codes"
	"vardag/internal/signing"
	"vardag/internal/signingpdf"
	"vardag/internal/uuids"
)

var errSigningListNotFound = &Error{Status: 404, Code: codes.NotFound, Message: "The client has no signing list with that id."}

// SigningListPDF sends a client's signing list as a PDF to print (utskrift), to licensed
// staff of the client's unit only: anyone else is forbidden before anything tells whether
// the client or the list exists. The read is in the read log before the answer leaves.
func (h *Handlers) SigningListPDF(c *fiber.Ctx) error {
	p := principal(c)
	clientID, listID := c.Params("id"), c.Params("list_id")
	if !uuids.Valid(clientID) || !uuids.Valid(listID) {
		return invalidRequest("The client and the list are named by their UUIDs in lower case.")
	}
	doc, err := signing.ForPrint(h.Engine, p.Access, p.User.MunicipalityID, clientID, listID)
	switch {
	case errors.Is(err, signing.ErrNotLicensed):
		return errForbidden
	case errors.Is(err, signing.ErrListNotFound):
		return errSigningListNotFound
	case err != nil:
		return err
	}
	var buf bytes.Buffer
	if err := signingpdf.Write(&buf, doc, h.Now(), p.User.Name); err != nil {
		return err
	}
	entry := accesslog.Entry{UserID: p.User.ID, DeviceID: p.Claims.DeviceID, ClientID: clientID, Units: []string{doc.Client.UnitID},
		What: accesslog.WhatSigningListPDF, Source: accesslog.SourceDownload}
	if err := accesslog.Write(c.UserContext(), h.Engine, []accesslog.Entry{entry}); err != nil {
		return err
	}
	h.Log.Info("api: signing list printed", "user_id", p.User.ID, "list_id", listID)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="signeringslista-`+listID+`.pdf"`)
	return c.Send(buf.Bytes())
}
