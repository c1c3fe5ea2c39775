package api

import (
	"bytes"
	"encoding/hex"
	"errors"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/adminlog"
	"vardag/internal/auth"
	"vardag/internal/codes"
	"vardag/internal/hwtoken"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

// Who may act on another user's account is identity.MayAdminister (DESIGN.md
// "Administration"). Sessions and phones are seen and ended by unit managers only (and
// administrators), not by unit representatives.
var sessionRoles = []identity.Role{identity.RoleUnitManager}

// target loads the user named in the path and checks the caller may act on them; roles,
// when given, are the only roles of the caller that count.
func (h *Handlers) target(c *fiber.Ctx, roles ...identity.Role) (identity.User, error) {
	id := c.Params("id")
	if !uuids.Valid(id) {
		return identity.User{}, invalidRequest("The user id must be a lower-case UUID.")
	}
	p := principal(c)
	if id == p.User.ID {
		return identity.User{}, errNotYourself
	}
	// The right is checked before the user is looked up, so that no one learns which
	// user ids exist outside the units they manage.
	if may, err := h.mayAdminister(p, id, roles...); err != nil {
		return identity.User{}, err
	} else if !may {
		return identity.User{}, errForbidden
	}
	u, err := h.Identity.User(id)
	if errors.Is(err, identity.ErrNotFound) {
		return identity.User{}, errUserNotFound
	} else if err != nil {
		return identity.User{}, err
	}
	return u, nil
}

// mayAdminister tells whether the caller may act on the account userID (an unknown
// user: only an administrator, who then learns it does not exist).
func (h *Handlers) mayAdminister(p login.Principal, userID string, roles ...identity.Role) (bool, error) {
	t, err := h.Identity.Target(userID, h.Now())
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		return false, err
	}
	return identity.MayAdminister(p.Access, t, roles...), nil
}

// recordAct writes an administrative act, once done, to the audit trail (and tells the
// account's owner of a change to their login). The act and its record are two
// transactions: a failure between them is answered as an error, never as done.
func (h *Handlers) recordAct(c *fiber.Ctx, what, userID, object string) error {
	p := principal(c)
	act := adminlog.Act{What: what, ByUserID: p.User.ID, ByDeviceID: p.Claims.DeviceID, UserID: userID, Object: object}
	if err := adminlog.Record(c.UserContext(), h.Engine, act); err != nil {
		return rejectionError(err)
	}
	return nil
}

// AdminUnlock opens an account locked by failed logins.
func (h *Handlers) AdminUnlock(c *fiber.Ctx) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	if err := h.Login.Unlock(u.ID); err != nil {
		return mapLoginError(err)
	}
	if err := h.recordAct(c, adminlog.WhatUnlock, u.ID, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// AdminDisable disables an account; every session of it ends at once.
func (h *Handlers) AdminDisable(c *fiber.Ctx) error { return h.setDisabled(c, true) }

// AdminEnable enables a disabled account.
func (h *Handlers) AdminEnable(c *fiber.Ctx) error { return h.setDisabled(c, false) }

func (h *Handlers) setDisabled(c *fiber.Ctx, disabled bool) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	if err := h.Login.SetDisabled(u.ID, disabled); err != nil {
		return mapLoginError(err)
	}
	what := adminlog.WhatEnable
	if disabled {
		what = adminlog.WhatDisable
	}
	if err := h.recordAct(c, what, u.ID, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type resetPasswordRequest struct {
	NewPassword string `json:"new_password"`
}

// AdminResetPassword gives a user who forgot their password a new one. Their second
// factor stays as it is, and they must choose their own password at the next login; a
// message tells them of the reset.
func (h *Handlers) AdminResetPassword(c *fiber.Ctx) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	var req resetPasswordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.NewPassword == "" {
		return invalidRequest("new_password is required.")
	}
	if len(req.NewPassword) > 4096 {
		return passwordRejected("The password is too long.")
	}
	if err := h.Login.ResetPassword(u.ID, req.NewPassword); err != nil {
		return mapLoginError(err)
	}
	if err := h.recordAct(c, adminlog.WhatPasswordReset, u.ID, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type trainingRequest struct {
	CompletedAt time.Time `json:"completed_at"`
}

// AdminTraining records that a user completed their training.
func (h *Handlers) AdminTraining(c *fiber.Ctx) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	var req trainingRequest
	if err := bindOptionalJSON(c, &req); err != nil {
		return err
	}
	now := h.Now()
	if req.CompletedAt.IsZero() {
		req.CompletedAt = now
	}
	if req.CompletedAt.After(now.Add(5 * time.Minute)) {
		return invalidRequest("completed_at cannot be in the future.")
	}
	if err := h.Login.RecordTraining(u.ID, principal(c).User.ID, req.CompletedAt.UTC()); err != nil {
		return mapLoginError(err)
	}
	if err := h.recordAct(c, adminlog.WhatTraining, u.ID, ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type sessionInfo struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// AdminUserSessions lists a user's running sessions (one per logged-in phone).
func (h *Handlers) AdminUserSessions(c *fiber.Ctx) error {
	var u identity.User
	var err error
	if c.Params("id") == principal(c).User.ID {
		u = principal(c).User // everyone may see their own sessions (OWASP ASVS 5.0 V7.5.2)
	} else if u, err = h.target(c, sessionRoles...); err != nil {
		return err
	}
	list, err := h.Login.Sessions(u.ID)
	if err != nil {
		return err
	}
	out := make([]sessionInfo, 0, len(list))
	for _, s := range list {
		out = append(out, sessionInfo{ID: s.ID, DeviceID: s.DeviceID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt,
			ExpiresAt: s.CreatedAt.Add(h.SessionMax)})
	}
	return c.JSON(fiber.Map{"sessions": out})
}

// AdminRevokeSession ends one session on the server.
func (h *Handlers) AdminRevokeSession(c *fiber.Ctx) error {
	id := c.Params("id")
	if !uuids.Valid(id) {
		return invalidRequest("The session id must be a lower-case UUID.")
	}
	s, err := h.Login.Session(id)
	if errors.Is(err, auth.ErrSessionNotFound) {
		return errSessionNotFound
	} else if err != nil {
		return err
	}
	if s.UserID != principal(c).User.ID {
		if may, err := h.mayAdminister(principal(c), s.UserID, sessionRoles...); err != nil {
			return err
		} else if !may {
			return errSessionNotFound // the same answer as for a session that does not exist
		}
	}
	if err := h.Login.RevokeSession(s.ID); err != nil {
		return err
	}
	if err := h.recordAct(c, adminlog.WhatSessionRevoke, s.UserID, s.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// AdminRevokeDevice revokes a phone (lost, stolen, handed on): its sessions end, and its
// next request answers device_revoked so that it wipes its data.
func (h *Handlers) AdminRevokeDevice(c *fiber.Ctx) error {
	id := c.Params("id")
	if !uuids.Valid(id) {
		return invalidRequest("The device id must be a lower-case UUID.")
	}
	owner, err := h.Login.DeviceOwner(id)
	if err != nil {
		return err
	}
	p := principal(c)
	// An administrator, the owner's unit manager, or the owner themself (a lost phone).
	if !p.Access.Admin && owner != p.User.ID {
		if owner == "" {
			return errForbidden
		}
		if may, err := h.mayAdminister(p, owner, sessionRoles...); err != nil {
			return err
		} else if !may {
			return errForbidden
		}
	}
	n, err := h.Login.RevokeDevice(id, p.User.ID)
	if err != nil {
		return err
	}
	if err := h.recordAct(c, adminlog.WhatDeviceRevoke, owner, id); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sessions_ended": n})
}

// AdminImportTokens imports the seeds of hardware tokens (inloggningsdosor): a PSKC file
// (RFC 6030; Content-Type application/pskc+xml or application/xml, the pre-shared key of
// an encrypted file in hex in X-PSKC-Key) or a CSV file (text/csv: serial, base32 secret).
// The tokens are the provider's (provider_id): an administrator imports for any provider,
// a unit representative or unit manager for their own.
func (h *Handlers) AdminImportTokens(c *fiber.Ctx) error {
	a := principal(c).Access
	providerID := c.Query("provider_id")
	if providerID == "" || len(providerID) > 100 {
		return invalidRequest("provider_id is required: the provider (utförare) whose tokens these are.")
	}
	if !a.Admin && !actsFor(a, providerID) {
		return errForbidden
	}
	body, err := rawBody(c)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var seeds []hwtoken.Seed
	switch {
	case mt == "text/csv":
		seeds, err = hwtoken.ParseCSV(bytes.NewReader(body))
	case mt == "application/pskc+xml" || mt == "application/xml" || mt == "text/xml":
		var key []byte
		if k := c.Get("X-PSKC-Key"); k != "" {
			if key, err = hex.DecodeString(k); err != nil {
				return invalidRequest("X-PSKC-Key must be the pre-shared key in hex.")
			}
		}
		seeds, err = hwtoken.ParsePSKC(bytes.NewReader(body), key)
	default:
		return &Error{Status: 415, Code: codes.UnsupportedMediaType, Message: "Send a PSKC file (application/pskc+xml) or a CSV file (text/csv)."}
	}
	if err != nil {
		return &Error{Status: 400, Code: codes.InvalidTokenFile, Message: err.Error()}
	}
	tokens := make([]identity.HardwareToken, 0, len(seeds))
	for _, s := range seeds {
		tokens = append(tokens, identity.HardwareToken{Serial: s.Serial, Secret: s.Base32()})
	}
	res, err := h.Identity.ImportTokens(providerID, tokens, h.Now())
	switch {
	case errors.Is(err, identity.ErrTokenOfAnotherProvider):
		return errTokenOfOther
	case errors.Is(err, identity.ErrNotFound):
		return invalidRequest("provider_id names no provider.")
	case err != nil:
		return err
	}
	return c.JSON(res)
}

// actsFor tells whether the caller is a unit representative or unit manager in a unit of
// the provider.
func actsFor(a identity.Access, providerID string) bool {
	for unit, provider := range a.ProviderOf {
		if provider == providerID && a.Has(unit, identity.RoleUnitRep, identity.RoleUnitManager) {
			return true
		}
	}
	return false
}

// providersOf are the providers of the units where the user holds a valid grant.
func (h *Handlers) providersOf(userID string) []string {
	providers := []string{}
	for _, g := range h.Identity.Grants(userID) {
		if !g.ValidAt(h.Now()) {
			continue
		}
		if unit, ok := h.Identity.Unit(g.UnitID); ok && !slices.Contains(providers, unit.ProviderID) {
			providers = append(providers, unit.ProviderID)
		}
	}
	return providers
}

type bindTokenRequest struct {
	Serial string `json:"serial"`
}

// AdminBindToken hands a hardware token out to a user: its codes become their factor,
// and a message tells them so.
func (h *Handlers) AdminBindToken(c *fiber.Ctx) error {
	u, err := h.target(c)
	if err != nil {
		return err
	}
	var req bindTokenRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Serial) == "" || len(req.Serial) > 100 {
		return invalidRequest("serial is required.")
	}
	// A unit representative hands out only the user's providers' tokens; another
	// provider's token answers as no token at all.
	var providers []string
	if !principal(c).Access.Admin {
		providers = h.providersOf(u.ID)
	}
	serial := strings.TrimSpace(req.Serial)
	switch err := h.Identity.BindToken(u.ID, serial, providers); {
	case errors.Is(err, identity.ErrTokenBound):
		return errTokenBound
	case errors.Is(err, identity.ErrNotFound), errors.Is(err, identity.ErrTokenOfAnotherProvider):
		return errTokenNotFound
	case err != nil:
		return err
	}
	if err := h.recordAct(c, adminlog.WhatTokenBind, u.ID, serial); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
