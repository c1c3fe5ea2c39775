package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vardag/internal/uuids"
)

// Who grants what (DESIGN.md "Administration", seeds 000 and 003):
//   - an administrator gives any grant, on behalf of the verksamhetschef;
//   - a unit manager (enhetschef) gives coordinators, licensed staff, unit
//     representatives and care staff grants in their units and those units' sub-units;
//     never a unit manager's grant (the administrator gives those);
//   - a unit representative (verksamhetsombud) gives care staff grants in their unit,
//     and extends and ends them;
//   - nobody grants themselves anything, nor acts on an account they do not administer
//     as a whole (someone who is a manager elsewhere is the administrator's).
//
// A grant is valid until a date at most a year ahead, extended when it must go on, never
// open-ended. A grant to a unit other than the user's current units waits (pending) until
// the manager of every unit involved — the user's current units and the new one — has
// approved it (seed 003); one rejection ends it. Units here are units (enheter): a grant
// in a sub-unit (grupp) is decided by its unit's manager. The administrator does not
// approve in a manager's place: the routine names the unit managers as the ones who
// decide. Only for a unit that has no unit manager at the time does the decision go up to
// the administrator (acting for the verksamhetschef, as for managers' own grants). A unit
// manager's grant, and the authority's system's, are the administrator's decision alone
// and active at once. Pending, rejected and ended grants give nothing.

// Errors of grants.
var (
	ErrForbidden   = errors.New("identity: beyond the actor's right")
	ErrNotYourself = errors.New("identity: nobody acts on their own grants")
	// ErrValidUntil: a grant's end is not in the future, more than a year ahead, or (for an
	// extension) not later than its present end.
	ErrValidUntil     = errors.New("identity: valid_until out of range")
	ErrGrantExists    = errors.New("identity: the user already holds this role in this unit")
	ErrNotPending     = errors.New("identity: the grant is not pending")
	ErrNotActive      = errors.New("identity: the grant is not active")
	ErrAlreadyDecided = errors.New("identity: the actor's units have already approved this grant")
	ErrNoSuchUnit     = errors.New("identity: no such unit")
	ErrNoSuchGrant    = errors.New("identity: no such grant")
)

// LatestValidUntil is the latest end a grant made or extended at now may have.
func LatestValidUntil(now time.Time) time.Time { return now.AddDate(1, 0, 0) }

// GrantRequest asks for a grant.
type GrantRequest struct {
	UserID     string
	UnitID     string
	Role       Role
	ValidUntil time.Time
}

// decidedAlone are roles whose grants the administrator alone decides.
var decidedAlone = []Role{RoleUnitManager, RoleIntegration}

// unitOf is the unit (enhet) a unit or sub-unit belongs to; the caller holds mu.
func (s *Store) unitOf(id string) string {
	if u, ok := s.units[id]; ok && u.ParentID != "" {
		return u.ParentID
	}
	return id
}

// rolesIn are the actor's roles in a unit and in the unit it belongs to.
func (s *Store) rolesIn(a Access, unitID string) []Role {
	s.mu.RLock()
	parent := s.units[unitID].ParentID
	s.mu.RUnlock()
	roles := slices.Clone(a.Roles[unitID])
	if parent != "" {
		roles = append(roles, a.Roles[parent]...)
	}
	return roles
}

// grantsRole tells whether one of the actor's roles in the grant's unit gives role, and
// returns it.
func (s *Store) grantsRole(a Access, unitID string, role Role) (Role, bool) {
	for _, r := range s.rolesIn(a, unitID) {
		if slices.Contains(administers[r], role) {
			return r, true
		}
	}
	return "", false
}

// hasManager tells whether a unit has a unit manager at t; the caller holds mu.
func (s *Store) hasManager(unitID string, t time.Time) bool {
	for _, gs := range s.grants {
		for _, g := range gs {
			if g.UnitID == unitID && g.Role == RoleUnitManager && g.ValidAt(t) {
				return true
			}
		}
	}
	return false
}

// decides are the involved units of g the actor decides for at t: those they manage,
// and for an administrator those without a manager.
func (s *Store) decides(a Access, g Grant, t time.Time) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, u := range g.Involved {
		if a.Has(u, RoleUnitManager) || (a.Admin && !s.hasManager(u, t)) {
			out = append(out, u)
		}
	}
	return out
}

func checkValidUntil(until, now time.Time) error {
	if !until.After(now) || until.After(LatestValidUntil(now)) {
		return ErrValidUntil
	}
	return nil
}

// CreateGrant gives a grant as actor may (see the rules above): active at once, or
// pending for the managers of the units involved. The checks come in an order that tells
// a caller without the right nothing about the user or the unit: ErrForbidden alike for
// one that exists and one that does not (an administrator learns ErrNoSuchUnit and
// ErrNotFound).
func (s *Store) CreateGrant(actor Access, req GrantRequest, now time.Time) (Grant, error) {
	if actor.UserID == req.UserID {
		return Grant{}, ErrNotYourself
	}
	if !req.Role.Valid() {
		return Grant{}, fmt.Errorf("identity: unknown role %q", req.Role)
	}
	if err := checkValidUntil(req.ValidUntil, now); err != nil {
		return Grant{}, err
	}
	unit, ok := s.Unit(req.UnitID)
	if !ok {
		if actor.Admin {
			return Grant{}, ErrNoSuchUnit
		}
		return Grant{}, ErrForbidden
	}
	var as Role
	if !actor.Admin {
		if as, ok = s.grantsRole(actor, unit.ID, req.Role); !ok {
			return Grant{}, ErrForbidden
		}
	}
	target, err := s.Target(req.UserID, now)
	switch {
	case errors.Is(err, ErrNotFound) && actor.Admin:
		return Grant{}, ErrNotFound
	case errors.Is(err, ErrNotFound):
		return Grant{}, ErrForbidden
	case err != nil:
		return Grant{}, err
	}
	if !actor.Admin {
		held := heldRoles(target)
		switch {
		case target.Admin:
			return Grant{}, ErrForbidden
		case len(held) == 0 && target.ProviderID != unit.ProviderID:
			return Grant{}, ErrForbidden
		case !administersAll(as, held):
			return Grant{}, ErrForbidden
		}
	}
	if p, ok := s.Provider(unit.ProviderID); !ok || !p.EndsAt.IsZero() {
		return Grant{}, ErrProviderEnded
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	current := []string{}
	for _, g := range s.grants[req.UserID] {
		if g.UnitID == req.UnitID && g.Role == req.Role && (g.State() == GrantPending || g.ValidAt(now)) {
			s.mu.RUnlock()
			return Grant{}, ErrGrantExists
		}
		if g.ValidAt(now) && !slices.Contains(current, s.unitOf(g.UnitID)) {
			current = append(current, s.unitOf(g.UnitID))
		}
	}
	newUnit := s.unitOf(unit.ID)
	g := Grant{ID: uuids.New(), UserID: req.UserID, UnitID: unit.ID, Role: req.Role, ValidUntil: req.ValidUntil.UTC(),
		Status: GrantActive, CreatedBy: actor.UserID, CreatedAt: now}
	if len(current) > 0 && !slices.Contains(current, newUnit) && !slices.Contains(decidedAlone, req.Role) {
		g.Status = GrantPending
		g.Involved = append(current, newUnit)
		slices.Sort(g.Involved)
		for _, u := range g.Involved {
			if actor.Has(u, RoleUnitManager) || (actor.Admin && !s.hasManager(u, now)) {
				g.Approvals = append(g.Approvals, Decision{UnitID: u, By: actor.UserID, At: now})
			} else {
				g.Awaiting = append(g.Awaiting, u)
			}
		}
		if len(g.Awaiting) == 0 {
			g.Status = GrantActive
		}
	}
	s.mu.RUnlock()
	if err := s.storeGrants(g); err != nil {
		return Grant{}, err
	}
	return g, nil
}

func heldRoles(t Target) []Role {
	var held []Role
	for _, rs := range t.Roles {
		for _, r := range rs {
			if !slices.Contains(held, r) {
				held = append(held, r)
			}
		}
	}
	return held
}

// storeGrants writes grants in one transaction and then to memory; the caller holds
// writeMu.
func (s *Store) storeGrants(gs ...Grant) error {
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		for _, g := range gs {
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("identity: unable to store grants: %w", err)
	}
	s.remember(gs...)
	return nil
}

// Grant returns a grant by id from memory.
func (s *Store) Grant(id string) (Grant, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.grants[s.grantUser[id]] {
		if g.ID == id {
			return g, true
		}
	}
	return Grant{}, false
}

// decide changes one grant under writeMu: fn checks the grant as stored now and edits it.
// An unknown grant is ErrNoSuchGrant for an administrator, ErrForbidden for anyone else.
func (s *Store) decide(actor Access, id string, fn func(g *Grant) error) (Grant, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	g, ok := s.Grant(id)
	if !ok {
		if actor.Admin {
			return Grant{}, ErrNoSuchGrant
		}
		return Grant{}, ErrForbidden
	}
	if err := fn(&g); err != nil {
		return Grant{}, err
	}
	return g, s.storeGrants(g)
}

// checkDecider is the order of checks for approving and rejecting: the right first (a
// manager of a unit involved, or the administrator for a unit without one), then the
// actor's own grant, then the grant's state.
func (s *Store) checkDecider(actor Access, g Grant, now time.Time) ([]string, error) {
	deciding := s.decides(actor, g, now)
	if len(deciding) == 0 && !actor.Admin {
		return nil, ErrForbidden
	}
	if g.UserID == actor.UserID {
		return nil, ErrNotYourself
	}
	if g.State() != GrantPending {
		return nil, ErrNotPending
	}
	if len(deciding) == 0 {
		return nil, ErrForbidden
	}
	return deciding, nil
}

// ApproveGrant records the actor's approval for the units involved that they decide;
// the grant becomes active once every unit involved has approved.
func (s *Store) ApproveGrant(actor Access, id string, now time.Time) (Grant, error) {
	return s.decide(actor, id, func(g *Grant) error {
		deciding, err := s.checkDecider(actor, *g, now)
		if err != nil {
			return err
		}
		var still []string
		for _, u := range g.Awaiting {
			if slices.Contains(deciding, u) {
				g.Approvals = append(g.Approvals, Decision{UnitID: u, By: actor.UserID, At: now})
			} else {
				still = append(still, u)
			}
		}
		if len(still) == len(g.Awaiting) {
			return ErrAlreadyDecided
		}
		g.Awaiting = still
		if len(still) == 0 {
			g.Status = GrantActive
		}
		return nil
	})
}

// RejectGrant ends a pending grant on one involved manager's no.
func (s *Store) RejectGrant(actor Access, id, reason string, now time.Time) (Grant, error) {
	return s.decide(actor, id, func(g *Grant) error {
		deciding, err := s.checkDecider(actor, *g, now)
		if err != nil {
			return err
		}
		g.Status, g.Awaiting = GrantRejected, nil
		g.Ended = &Decision{UnitID: deciding[0], By: actor.UserID, At: now, Reason: reason}
		return nil
	})
}

// MayManage tells whether the actor may extend or end g: an administrator, or one whose
// role in the grant's unit gives the grant's role.
func (s *Store) MayManage(actor Access, g Grant) bool {
	if actor.Admin {
		return true
	}
	_, ok := s.grantsRole(actor, g.UnitID, g.Role)
	return ok
}

// ExtendGrant moves an active grant's end later, at most a year ahead of now.
func (s *Store) ExtendGrant(actor Access, id string, until, now time.Time) (Grant, error) {
	return s.decide(actor, id, func(g *Grant) error {
		switch {
		case !s.MayManage(actor, *g):
			return ErrForbidden
		case g.UserID == actor.UserID:
			return ErrNotYourself
		case g.State() != GrantActive:
			return ErrNotActive
		}
		if err := checkValidUntil(until, now); err != nil || !until.After(g.ValidUntil) {
			return ErrValidUntil
		}
		if p, ok := s.providerOfUnit(g.UnitID); !ok || !p.EndsAt.IsZero() {
			return ErrProviderEnded
		}
		g.ValidUntil = until.UTC()
		return nil
	})
}

// EndGrant ends an active grant now.
func (s *Store) EndGrant(actor Access, id, reason string, now time.Time) (Grant, error) {
	return s.decide(actor, id, func(g *Grant) error {
		switch {
		case !s.MayManage(actor, *g):
			return ErrForbidden
		case g.UserID == actor.UserID:
			return ErrNotYourself
		case g.State() != GrantActive:
			return ErrNotActive
		}
		endGrant(g, actor.UserID, reason, now)
		return nil
	})
}

func endGrant(g *Grant, by, reason string, now time.Time) {
	g.Status = GrantEnded
	g.Ended = &Decision{By: by, At: now, Reason: reason}
	if g.ValidUntil.After(now) {
		g.ValidUntil = now
	}
}

func (s *Store) providerOfUnit(unitID string) (Provider, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.units[unitID]
	if !ok {
		return Provider{}, false
	}
	p, ok := s.providers[u.ProviderID]
	return p, ok
}

// PendingFor returns the pending grants that wait for the actor's decision, oldest
// first: those of a unit they manage (or, for an administrator, of a unit without a
// manager) that has not approved yet, never their own.
func (s *Store) PendingFor(actor Access, now time.Time) []Grant {
	s.mu.RLock()
	var pending []Grant
	for _, gs := range s.grants {
		for _, g := range gs {
			if g.State() == GrantPending && g.UserID != actor.UserID {
				pending = append(pending, g)
			}
		}
	}
	s.mu.RUnlock()
	var out []Grant
	for _, g := range pending {
		for _, u := range s.decides(actor, g, now) {
			if slices.Contains(g.Awaiting, u) {
				out = append(out, g)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b Grant) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// ActiveGrantsOf returns the grants valid at t in a unit and its sub-units, by user and
// grant id.
func (s *Store) ActiveGrantsOf(unitID string, t time.Time) []Grant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Grant
	for _, gs := range s.grants {
		for _, g := range gs {
			if g.ValidAt(t) && s.unitOf(g.UnitID) == unitID {
				out = append(out, g)
			}
		}
	}
	slices.SortFunc(out, func(a, b Grant) int { return strings.Compare(a.UserID+a.ID, b.UserID+b.ID) })
	return out
}
