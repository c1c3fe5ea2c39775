package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/adminlog"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/openwork"
	"vardag/internal/uuids"
)

type orgSubunit struct {
	UnitID string `json:"unit_id"`
	Name   string `json:"name"`
}

type orgUnit struct {
	UnitID   string       `json:"unit_id"`
	Name     string       `json:"name"`
	Subunits []orgSubunit `json:"subunits"`
}

type orgProvider struct {
	ProviderID string     `json:"provider_id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	OrgNumber  string     `json:"org_number"`
	EndsAt     *time.Time `json:"ends_at,omitempty"`
	Units      []orgUnit  `json:"units"`
}

type orgMunicipality struct {
	MunicipalityID string `json:"municipality_id"`
	Name           string `json:"name"`
}

// AdminOrg answers the organisation tree the caller may administer: all of it for an
// administrator; for a unit manager or representative, their units (with the sub-units
// they reach) and those units' providers.
func (h *Handlers) AdminOrg(c *fiber.Ctx) error {
	a := principal(c).Access
	if !administersSomething(a) {
		return errForbidden
	}
	m, err := h.Identity.Municipality(a.MunicipalityID)
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		return err
	}
	sees := func(u identity.Unit) bool {
		return a.Admin || a.Has(u.ID, identity.RoleUnitManager, identity.RoleUnitRep) ||
			(u.ParentID != "" && a.Has(u.ParentID, identity.RoleUnitManager, identity.RoleUnitRep))
	}
	out := struct {
		Municipality orgMunicipality `json:"municipality"`
		Providers    []orgProvider   `json:"providers"`
	}{orgMunicipality{a.MunicipalityID, m.Name}, []orgProvider{}}
	for _, p := range h.Identity.Providers(a.MunicipalityID) {
		op := orgProvider{ProviderID: p.ID, Name: p.Name, Kind: p.Kind, OrgNumber: p.OrgNumber, Units: []orgUnit{}}
		if !p.EndsAt.IsZero() {
			op.EndsAt = &p.EndsAt
		}
		units := h.Identity.UnitsOf(p.ID)
		for _, u := range units {
			if u.ParentID != "" {
				continue
			}
			ou := orgUnit{UnitID: u.ID, Name: u.Name, Subunits: []orgSubunit{}}
			for _, sub := range units {
				if sub.ParentID == u.ID && sees(sub) {
					ou.Subunits = append(ou.Subunits, orgSubunit{sub.ID, sub.Name})
				}
			}
			if sees(u) || len(ou.Subunits) > 0 {
				op.Units = append(op.Units, ou)
			}
		}
		if a.Admin || len(op.Units) > 0 {
			out.Providers = append(out.Providers, op)
		}
	}
	return c.JSON(out)
}

type createProviderRequest struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	OrgNumber string `json:"org_number"`
}

// AdminCreateProvider adds a provider (utförare) to the administrator's municipality.
func (h *Handlers) AdminCreateProvider(c *fiber.Ctx) error {
	a := principal(c).Access
	if !a.Admin {
		return errForbidden
	}
	var req createProviderRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	name, err := plainText("name", req.Name, 200, true, false)
	if err != nil {
		return err
	}
	if req.Kind != identity.ProviderOwn && req.Kind != identity.ProviderPrivate {
		return invalidRequest(`kind must be "own" (the municipality's own) or "private".`)
	}
	org, err := identity.ParseOrgNumber(req.OrgNumber)
	if err != nil {
		return errInvalidOrgNumber
	}
	p := identity.Provider{ID: uuids.New(), MunicipalityID: a.MunicipalityID, Name: name, Kind: req.Kind, OrgNumber: org, CreatedAt: h.Now().UTC()}
	if err := h.Identity.CreateProvider(p); err != nil {
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, adminlog.WhatProviderCreate, p.ID, ""); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"provider_id": p.ID})
}

type createUnitRequest struct {
	ProviderID   string `json:"provider_id"`
	Name         string `json:"name"`
	ParentUnitID string `json:"parent_unit_id"`
}

// AdminCreateUnit adds a unit (enhet) to a provider, or a sub-unit (grupp) to a unit.
func (h *Handlers) AdminCreateUnit(c *fiber.Ctx) error {
	a := principal(c).Access
	if !a.Admin {
		return errForbidden
	}
	var req createUnitRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	name, err := plainText("name", req.Name, 200, true, false)
	if err != nil {
		return err
	}
	if !uuids.Valid(req.ProviderID) {
		return invalidRequest("provider_id must be the lower-case UUID of a provider.")
	}
	if req.ParentUnitID != "" && !uuids.Valid(req.ParentUnitID) {
		return invalidRequest("parent_unit_id must be the lower-case UUID of a unit.")
	}
	if p, ok := h.Identity.Provider(req.ProviderID); !ok || p.MunicipalityID != a.MunicipalityID {
		return errProviderNotFound
	}
	u := identity.Unit{ID: uuids.New(), ProviderID: req.ProviderID, ParentID: req.ParentUnitID, Name: name, CreatedAt: h.Now().UTC()}
	if err := h.Identity.CreateUnit(u); err != nil {
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, adminlog.WhatUnitCreate, u.ID, u.ID); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"unit_id": u.ID})
}

type endProviderRequest struct {
	EndsAt time.Time `json:"ends_at"`
}

// AdminEndProvider ends a provider at a time once its deviations and journals are
// closed; then every grant of its units and people ends at that time.
func (h *Handlers) AdminEndProvider(c *fiber.Ctx) error {
	a := principal(c).Access
	if !a.Admin {
		return errForbidden
	}
	id, err := pathID(c, "provider")
	if err != nil {
		return err
	}
	var req endProviderRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	if req.EndsAt.IsZero() {
		return invalidRequest("ends_at is required: the time the provider ends (RFC 3339).")
	}
	if req.EndsAt.Before(h.Now().Add(-5 * time.Minute)) {
		return invalidRequest("ends_at cannot be in the past.")
	}
	if p, ok := h.Identity.Provider(id); !ok || p.MunicipalityID != a.MunicipalityID {
		return errProviderNotFound
	}
	open, err := openwork.EndProvider(h.Engine, h.Identity, id, req.EndsAt.UTC())
	switch {
	case errors.Is(err, openwork.ErrOpenWork):
		return &Error{Status: 409, Code: codes.ProviderHasOpenWork,
			Message: "The provider's deviations and journals must be closed before it ends; they are listed.",
			Extra:   map[string]any{"open_deviations": open.Deviations, "open_journals": open.Journals}}
	case errors.Is(err, identity.ErrNotFound):
		return errProviderNotFound
	case err != nil:
		return mapGrantError(err)
	}
	if err := h.recordOrgAct(c, adminlog.WhatProviderEnd, id, ""); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"provider_id": id, "ends_at": req.EndsAt.UTC()})
}

// recordOrgAct records an act on the organisation or on a grant.
func (h *Handlers) recordOrgAct(c *fiber.Ctx, what, object, unitID string, userID ...string) error {
	p := principal(c)
	act := adminlog.Act{What: what, ByUserID: p.User.ID, ByDeviceID: p.Claims.DeviceID, Object: object, UnitID: unitID}
	if len(userID) > 0 {
		act.UserID = userID[0]
	}
	if err := adminlog.Record(c.UserContext(), h.Engine, act); err != nil {
		return rejectionError(err)
	}
	return nil
}
