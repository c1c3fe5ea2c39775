package api

import (
	"errors"
	"mime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accounts"
	"vardag/internal/adminlog"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

var (
	errUsernameTaken   = &Error{Status: 409, Code: codes.UsernameTaken, Message: "That username is taken; choose another."}
	errInvalidUsername = &Error{Status: 400, Code: codes.InvalidUsername, Message: "A username is 3–32 characters of a–z, 0–9, '.', '_' and '-'."}
	errInvalidName     = &Error{Status: 400, Code: codes.InvalidName, Message: "The name is required (at most 200 characters)."}
	errInvalidPhone    = &Error{Status: 400, Code: codes.InvalidPhone, Message: "The phone number must be in international form, such as +46701234567."}
	errInvalidCSV      = &Error{Status: 400, Code: codes.InvalidCSV, Message: "The file is not semicolon-separated text (username;name;phone)."}
	errImportTooLarge  = &Error{Status: 413, Code: codes.BodyTooLarge, Message: "The file is larger than 1 MiB; import the staff in parts."}
	errCSVMedia        = &Error{Status: 415, Code: codes.UnsupportedMediaType, Message: "Send the file as text/csv."}
)

func fieldError(err error) error {
	switch {
	case errors.Is(err, identity.ErrInvalidUsername):
		return errInvalidUsername
	case errors.Is(err, identity.ErrInvalidName):
		return errInvalidName
	case errors.Is(err, identity.ErrInvalidPhone):
		return errInvalidPhone
	}
	return err
}

type createUserRequest struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	ProviderID string `json:"provider_id"`
	Phone      string `json:"phone"`
}

// AdminCreateUser creates an account for a provider; it starts with an activation code,
// shown in this answer only. An administrator creates for any provider, a unit manager or
// representative for their own.
func (h *Handlers) AdminCreateUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	for _, err := range []error{identity.CheckUsername(req.Username), identity.CheckName(req.Name), identity.CheckPhone(req.Phone)} {
		if err != nil {
			return fieldError(err)
		}
	}
	if req.ProviderID == "" || len(req.ProviderID) > 100 {
		return invalidRequest("provider_id is required: the provider (utförare) the person works for.")
	}
	p := principal(c)
	if !identity.MayCreateAccount(p.Access, req.ProviderID) {
		return errForbidden
	}
	provider, ok := h.Identity.Provider(req.ProviderID)
	if !ok {
		return invalidRequest("provider_id names no provider.")
	}
	// The account has no grant yet: its creator gives it one with POST /admin/grants (the
	// app's "Ny person" does both), under the grants' rules.
	u, code, expires, err := h.Login.CreateAccount(login.NewAccount{ID: uuids.New(), Username: req.Username, Name: strings.TrimSpace(req.Name),
		MunicipalityID: provider.MunicipalityID, ProviderID: provider.ID, Phone: req.Phone})
	if errors.Is(err, identity.ErrDuplicate) {
		return errUsernameTaken
	} else if err != nil {
		return err
	}
	if err := h.recordAct(c, adminlog.WhatCreate, u.ID, provider.ID); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user_id": u.ID, "activation_code": code, "activation_expires_at": expires})
}

// AdminIssueActivation gives an account a new activation code (a lost one), which
// replaces the one before; by whoever may administer the account, never its owner.
func (h *Handlers) AdminIssueActivation(c *fiber.Ctx) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	if err := bindOptionalStrict(c); err != nil {
		return err
	}
	code, expires, err := h.Login.IssueActivation(u.ID)
	if err != nil {
		return mapLoginError(err)
	}
	if err := h.recordAct(c, adminlog.WhatActivationIssue, u.ID, ""); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user_id": u.ID, "activation_code": code, "activation_expires_at": expires})
}

// bindOptionalStrict refuses a body on a route that takes none, but an empty JSON object.
func bindOptionalStrict(c *fiber.Ctx) error {
	if body, err := rawBody(c); err != nil || len(body) == 0 {
		return err
	}
	var none struct{}
	return bindStrictJSON(c, &none)
}

type userGrant struct {
	GrantID    string        `json:"grant_id"`
	UnitID     string        `json:"unit_id"`
	Role       identity.Role `json:"role"`
	ValidUntil time.Time     `json:"valid_until"`
}

type userListItem struct {
	UserID       string      `json:"user_id"`
	Username     string      `json:"username"`
	Name         string      `json:"name"`
	Grants       []userGrant `json:"grants"`
	LastLoginAt  *time.Time  `json:"last_login_at"`
	Locked       bool        `json:"locked"`
	Disabled     bool        `json:"disabled"`
	SecondFactor string      `json:"second_factor"`
	Activated    bool        `json:"activated"`
	// MayAdminister is identity.MayAdminister, the rule that authorises the routes on the
	// account (unlock, disable, password, training, token, activation); MayEndSessions the
	// same rule for its sessions and phones (unit managers and administrators only).
	MayAdminister  bool `json:"may_administer"`
	MayEndSessions bool `json:"may_end_sessions"`
}

// secondFactor names how the account gives its second factor: "token" (a hardware
// token), "totp" (an authenticator app), "sms" (a phone only), or "none".
func secondFactor(u identity.User) string {
	switch {
	case u.TokenSerial != "":
		return "token"
	case u.TOTPSecret != "":
		return "totp"
	case u.Phone != "":
		return "sms"
	}
	return "none"
}

// AdminListUsers lists a unit's people (unit_id: everyone with a valid grant there, each
// with whether the caller may administer them), or, without unit_id, every account the
// caller may administer (new accounts without grants included).
func (h *Handlers) AdminListUsers(c *fiber.Ctx) error {
	p := principal(c)
	unitID := c.Query("unit_id")
	if len(unitID) > 100 {
		return invalidRequest("unit_id is too long.")
	}
	if unitID != "" {
		if !h.Identity.MayListUnit(p.Access, unitID) {
			return errForbidden
		}
		if _, ok := h.Identity.Unit(unitID); !ok {
			return invalidRequest("unit_id names no unit.")
		}
	} else if !p.Access.Admin && !anyRole(p.Access, identity.RoleUnitManager, identity.RoleUnitRep) {
		return errForbidden
	}
	now := h.Now()
	var users []identity.User
	var err error
	if unitID != "" {
		users, err = h.Identity.PeopleOf(unitID, now)
	} else {
		users, err = h.Identity.Administered(p.Access, "", now)
	}
	if err != nil {
		return err
	}
	out := make([]userListItem, 0, len(users))
	for _, u := range users {
		target := h.Identity.TargetOf(u, now)
		item := userListItem{UserID: u.ID, Username: u.Username, Name: u.Name, Grants: []userGrant{}, Locked: u.Locked(),
			Disabled: u.Disabled, SecondFactor: secondFactor(u), Activated: !u.ActivationPending,
			MayAdminister:  identity.MayAdminister(p.Access, target),
			MayEndSessions: identity.MayAdminister(p.Access, target, sessionRoles...)}
		if !u.LastLoginAt.IsZero() {
			at := u.LastLoginAt
			item.LastLoginAt = &at
		}
		for _, g := range h.Identity.Grants(u.ID) {
			item.Grants = append(item.Grants, userGrant{GrantID: g.ID, UnitID: g.UnitID, Role: g.Role, ValidUntil: g.ValidUntil})
		}
		out = append(out, item)
	}
	return c.JSON(out)
}

func anyRole(a identity.Access, roles ...identity.Role) bool {
	for unit := range a.Roles {
		if a.Has(unit, roles...) {
			return true
		}
	}
	return false
}

// AdminImportUsers creates a unit's staff from a CSV file (username;name;phone), each
// with a grant in the unit and an activation code: all lines or none. dry_run=true checks
// the file and creates nothing.
func (h *Handlers) AdminImportUsers(c *fiber.Ctx) error {
	p := principal(c)
	unitID, roleName, until, dry := c.Query("unit_id"), c.Query("role"), c.Query("valid_until"), c.Query("dry_run")
	if unitID == "" || len(unitID) > 100 {
		return invalidRequest("unit_id is required: the unit whose staff these are.")
	}
	role := identity.Role(roleName)
	if !role.Valid() || role == identity.RoleIntegration {
		return invalidRequest("role must be one of care_staff, unit_representative, coordinator, licensed, unit_manager.")
	}
	if dry != "" && dry != "true" && dry != "false" {
		return invalidRequest("dry_run must be true or false.")
	}
	validUntil, err := parseValidUntil(until, h.Now())
	if err != nil {
		return err
	}
	unit, known := h.Identity.Unit(unitID)
	if !identity.MayGrantRole(p.Access, unitID, unit.ParentID, role) {
		return errForbidden
	}
	if !known {
		return invalidRequest("unit_id names no unit.")
	}
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != "text/csv" {
		return errCSVMedia
	}
	if n := c.Request().Header.ContentLength(); n > accounts.MaxImportBytes {
		return errImportTooLarge
	}
	body, err := rawBody(c)
	if err != nil {
		return err
	}
	if len(body) > accounts.MaxImportBytes {
		return errImportTooLarge
	}
	provider, ok := h.Identity.Provider(unit.ProviderID)
	if !ok {
		return errForbidden // a unit without its provider: nothing to import into
	}
	lines, lineErrs, err := accounts.ParseCSV(body, h.Identity)
	if errors.Is(err, accounts.ErrBadFile) {
		return errInvalidCSV
	} else if err != nil {
		return err
	}
	// Refused lines: nothing is created, and every refusal is listed (the phone shows them
	// line by line); a dry run answers the same, or with the accounts it would create.
	if len(lineErrs) > 0 {
		return c.JSON(fiber.Map{"created": []accounts.Created{}, "errors": lineErrs, "dry_run": dry == "true"})
	}
	if dry == "true" {
		would := make([]accounts.Created, 0, len(lines))
		for _, l := range lines {
			would = append(would, accounts.Created{Username: l.Username})
		}
		return c.JSON(fiber.Map{"created": would, "errors": lineErrs, "dry_run": true})
	}
	grants := h.FirstGrant
	if grants == nil {
		grants = accounts.DirectGrant
	}
	created, err := accounts.Create(h.Login, h.Identity, grants, accounts.Import{Lines: lines, MunicipalityID: provider.MunicipalityID,
		ProviderID: provider.ID, UnitID: unitID, Role: role, ValidUntil: validUntil})
	if errors.Is(err, identity.ErrDuplicate) {
		return errUsernameTaken // taken between the check and the write: nothing was created
	} else if err != nil {
		return err
	}
	for _, a := range created {
		if err := h.recordAct(c, adminlog.WhatCreate, a.UserID, unitID); err != nil {
			return err
		}
		if err := h.publishStaff(c, a.UserID, unitID); err != nil {
			return err
		}
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"created": created, "errors": lineErrs})
}

// parseValidUntil reads a grant's end (a date, YYYY-MM-DD, meaning the end of that day in
// UTC, or an RFC 3339 time): after now and at most a year ahead (DESIGN.md).
func parseValidUntil(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalidRequest("valid_until is required: a grant is never open-ended.")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := time.Parse(time.DateOnly, s)
		if derr != nil {
			return time.Time{}, invalidRequest("valid_until must be a date (YYYY-MM-DD) or an RFC 3339 time.")
		}
		t = d.AddDate(0, 0, 1)
	}
	t = t.UTC()
	if !t.After(now) {
		return time.Time{}, invalidRequest("valid_until must be in the future.")
	}
	if t.After(now.AddDate(1, 0, 1)) {
		return time.Time{}, invalidRequest("valid_until is at most one year ahead.")
	}
	return t, nil
}
