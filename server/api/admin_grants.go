package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/adminlog"
	"vardag/internal/identity"
	"vardag/internal/staffdir"
	"vardag/internal/uuids"
)

// grantView is a grant as the administration screens show it.
type grantView struct {
	GrantID    string              `json:"grant_id"`
	UserID     string              `json:"user_id"`
	Name       string              `json:"name,omitempty"`
	Username   string              `json:"username,omitempty"`
	UnitID     string              `json:"unit_id"`
	Role       identity.Role       `json:"role"`
	ValidUntil time.Time           `json:"valid_until"`
	Status     string              `json:"status"`
	Involved   []string            `json:"involved"`
	Awaiting   []string            `json:"awaiting"`
	Approvals  []identity.Decision `json:"approvals"`
	Ended      *identity.Decision  `json:"ended,omitempty"`
	CreatedBy  string              `json:"created_by,omitempty"`
	CreatedAt  *time.Time          `json:"created_at,omitempty"`
}

func viewOf(g identity.Grant, u identity.User) grantView {
	v := grantView{GrantID: g.ID, UserID: g.UserID, Name: u.Name, Username: u.Username, UnitID: g.UnitID, Role: g.Role, ValidUntil: g.ValidUntil,
		Status: g.State(), Involved: orEmpty(g.Involved), Awaiting: orEmpty(g.Awaiting), Approvals: g.Approvals,
		Ended: g.Ended, CreatedBy: g.CreatedBy}
	if v.Approvals == nil {
		v.Approvals = []identity.Decision{}
	}
	if !g.CreatedAt.IsZero() {
		v.CreatedAt = &g.CreatedAt
	}
	return v
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type createGrantRequest struct {
	UserID     string        `json:"user_id"`
	UnitID     string        `json:"unit_id"`
	Role       identity.Role `json:"role"`
	ValidUntil time.Time     `json:"valid_until"`
}

// AdminCreateGrant gives a user a role in a unit until a date (identity.CreateGrant has
// the rules): active at once, or pending for the managers of the units involved.
func (h *Handlers) AdminCreateGrant(c *fiber.Ctx) error {
	a := principal(c).Access
	if !administersSomething(a) {
		return errForbidden
	}
	var req createGrantRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	switch {
	case !uuids.Valid(req.UserID):
		return invalidRequest("user_id must be the lower-case UUID of a user.")
	case !uuids.Valid(req.UnitID):
		return invalidRequest("unit_id must be the lower-case UUID of a unit.")
	case !req.Role.Valid():
		return invalidRequest("role must be one of care_staff, unit_representative, coordinator, unit_manager, licensed, integration.")
	case req.ValidUntil.IsZero():
		return errInvalidUntil // never open-ended
	}
	g, err := h.Identity.CreateGrant(a, identity.GrantRequest{UserID: req.UserID, UnitID: req.UnitID, Role: req.Role, ValidUntil: req.ValidUntil}, h.Now())
	if err != nil {
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, adminlog.WhatGrantCreate, g.ID, g.UnitID, g.UserID); err != nil {
		return err
	}
	if err := h.publishStaff(c, g.UserID, g.UnitID); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"grant_id": g.ID, "status": g.State(), "awaiting": orEmpty(g.Awaiting)})
}

// AdminGrants lists the grants waiting for the caller's decision (status=pending, the
// only list there is yet): those of units they manage that have not approved them.
func (h *Handlers) AdminGrants(c *fiber.Ctx) error {
	a := principal(c).Access
	if c.Query("status") != identity.GrantPending {
		return invalidRequest(`status=pending is required: the grants that wait for your decision.`)
	}
	if !a.Admin && !managesSomething(a) {
		return errForbidden
	}
	out := []grantView{}
	for _, g := range h.Identity.PendingFor(a, h.Now()) {
		u, _ := h.Identity.User(g.UserID) // a user gone since answers with the id alone
		out = append(out, viewOf(g, u))
	}
	return c.JSON(fiber.Map{"grants": out})
}

func managesSomething(a identity.Access) bool {
	for unit := range a.Roles {
		if a.Has(unit, identity.RoleUnitManager) {
			return true
		}
	}
	return false
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type extendRequest struct {
	ValidUntil time.Time `json:"valid_until"`
}

// AdminApproveGrant records the approval of the caller's units for a pending grant.
func (h *Handlers) AdminApproveGrant(c *fiber.Ctx) error {
	return h.grantDecision(c, adminlog.WhatGrantApprove, func(a identity.Access, id string) (identity.Grant, error) {
		var none struct{}
		if err := bindOptionalStrictJSON(c, &none); err != nil {
			return identity.Grant{}, err
		}
		return h.Identity.ApproveGrant(a, id, h.Now())
	})
}

// AdminRejectGrant ends a pending grant on the caller's no.
func (h *Handlers) AdminRejectGrant(c *fiber.Ctx) error {
	return h.grantDecision(c, adminlog.WhatGrantReject, func(a identity.Access, id string) (identity.Grant, error) {
		reason, err := h.reason(c)
		if err != nil {
			return identity.Grant{}, err
		}
		return h.Identity.RejectGrant(a, id, reason, h.Now())
	})
}

// AdminExtendGrant moves an active grant's end later.
func (h *Handlers) AdminExtendGrant(c *fiber.Ctx) error {
	return h.grantDecision(c, adminlog.WhatGrantExtend, func(a identity.Access, id string) (identity.Grant, error) {
		var req extendRequest
		if err := bindStrictJSON(c, &req); err != nil {
			return identity.Grant{}, err
		}
		if req.ValidUntil.IsZero() {
			return identity.Grant{}, errInvalidUntil
		}
		return h.Identity.ExtendGrant(a, id, req.ValidUntil, h.Now())
	})
}

// AdminEndGrant ends an active grant now.
func (h *Handlers) AdminEndGrant(c *fiber.Ctx) error {
	return h.grantDecision(c, adminlog.WhatGrantEnd, func(a identity.Access, id string) (identity.Grant, error) {
		reason, err := h.reason(c)
		if err != nil {
			return identity.Grant{}, err
		}
		return h.Identity.EndGrant(a, id, reason, h.Now())
	})
}

func (h *Handlers) reason(c *fiber.Ctx) (string, error) {
	var req reasonRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return "", err
	}
	return plainText("reason", req.Reason, 500, true, false)
}

// grantDecision is the shape of the routes on one grant: the id, the caller's right
// (before anything tells whether the grant exists), the change, the act recorded.
func (h *Handlers) grantDecision(c *fiber.Ctx, what string, do func(identity.Access, string) (identity.Grant, error)) error {
	a := principal(c).Access
	id, err := pathID(c, "grant")
	if err != nil {
		return err
	}
	if !administersSomething(a) {
		return errForbidden
	}
	g, err := do(a, id)
	if err != nil {
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, what, g.ID, g.UnitID, g.UserID); err != nil {
		return err
	}
	if err := h.publishStaff(c, g.UserID, g.UnitID); err != nil {
		return err
	}
	return c.JSON(viewOf(g, identity.User{}))
}

// publishStaff brings the user's record in the unit's scope up to date with the grants
// valid now (staffdir): the unit's phones see who works there, by name and role.
func (h *Handlers) publishStaff(c *fiber.Ctx, userID, unitID string) error {
	return staffdir.Publish(c.UserContext(), h.Engine, h.Identity, userID, []string{unitID}, h.Now())
}
