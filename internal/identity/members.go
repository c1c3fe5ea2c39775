package identity

import (
	"slices"
	"time"
)

// Members returns the users who hold one of roles in unitID by a grant valid at t, each
// once and in a stable order. It reads memory only. A disabled user may still be named:
// callers that reach people check their sessions as well.
func (s *Store) Members(unitID string, t time.Time, roles ...Role) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for userID, grants := range s.grants {
		for _, g := range grants {
			if g.UnitID == unitID && g.ValidAt(t) && slices.Contains(roles, g.Role) {
				out = append(out, userID)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// StaffRoles are the roles of people who work in a unit (every role but the authority's
// system).
var StaffRoles = []Role{RoleCareStaff, RoleUnitRep, RoleCoordinator, RoleUnitManager, RoleLicensed}
