package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accessreview"
	"vardag/internal/adminlog"
	"vardag/internal/codes"
	"vardag/internal/identity"
)

// reviewUnit is the unit of an access review route, once the caller's right is checked:
// its manager, or the administrator (who alone learns that a unit does not exist).
func (h *Handlers) reviewUnit(c *fiber.Ctx) (identity.Unit, error) {
	id, err := pathID(c, "unit")
	if err != nil {
		return identity.Unit{}, err
	}
	a := principal(c).Access
	if !accessreview.May(a, id) {
		return identity.Unit{}, errForbidden
	}
	unit, ok := h.Identity.Unit(id)
	if !ok {
		return identity.Unit{}, errUnitNotFound
	}
	if unit.ParentID != "" {
		return identity.Unit{}, invalidRequest("A sub-unit (grupp) is reviewed with its unit: review the unit it belongs to.")
	}
	return unit, nil
}

// AdminAccessReview shows a unit's access review: every active grant with its person's
// last login and last read of the unit's client data, the last review and when the next
// is due.
func (h *Handlers) AdminAccessReview(c *fiber.Ctx) error {
	unit, err := h.reviewUnit(c)
	if err != nil {
		return err
	}
	o, err := accessreview.Of(h.Engine, h.Identity, unit, h.Now())
	if err != nil {
		return err
	}
	return c.JSON(o)
}

type accessReviewRequest struct {
	Keep []string `json:"keep"`
	End  []string `json:"end"`
	Note string   `json:"note"`
}

// AdminSubmitAccessReview records a unit's access review: each active grant kept or
// ended (ended ones end at once).
func (h *Handlers) AdminSubmitAccessReview(c *fiber.Ctx) error {
	unit, err := h.reviewUnit(c)
	if err != nil {
		return err
	}
	var req accessReviewRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	note, err := plainText("note", req.Note, 2000, false, true)
	if err != nil {
		return err
	}
	if len(req.Keep)+len(req.End) > 10000 {
		return invalidRequest("keep and end name more grants than a unit has.")
	}
	now := h.Now().UTC()
	r, err := accessreview.Submit(h.Identity, principal(c).Access, unit, accessreview.Decision{Keep: req.Keep, End: req.End, Note: note}, now)
	var incomplete *accessreview.IncompleteError
	switch {
	case errors.As(err, &incomplete):
		return &Error{Status: 400, Code: codes.ReviewIncomplete, Message: "Every active grant of the unit must be kept or ended; the missing ones are listed.",
			Extra: map[string]any{"missing": incomplete.Missing}}
	case errors.Is(err, accessreview.ErrUnknownGrant):
		return invalidRequest("keep and end may name only the unit's active grants, each once.")
	case err != nil:
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, adminlog.WhatAccessReview, r.ID, unit.ID); err != nil {
		return err
	}
	for _, id := range r.Ended {
		g, _ := h.Identity.Grant(id)
		if err := h.recordOrgAct(c, adminlog.WhatGrantEnd, id, g.UnitID, g.UserID); err != nil {
			return err
		}
	}
	due := r.At.AddDate(0, 6, 0)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"review_id": r.ID, "at": r.At, "due_at": due, "ended": r.Ended})
}
