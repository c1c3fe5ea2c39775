package identity

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Errors of account creation: a field the rules refuse. The HTTP layer maps each to its
// own code, so that the phone shows its own words.
var (
	ErrInvalidUsername = errors.New("identity: a username is 3–32 characters of a–z, 0–9, '.', '_' and '-'")
	ErrInvalidName     = errors.New("identity: a name is required (at most 200 characters, no control characters)")
	ErrInvalidPhone    = errors.New("identity: a phone number is in E.164 form, such as +46701234567")
)

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9._-]{3,32}$`)
	phonePattern    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// CheckUsername checks a new username: lower case, 3–32 characters of [a-z0-9._-].
func CheckUsername(s string) error {
	if !usernamePattern.MatchString(s) {
		return ErrInvalidUsername
	}
	return nil
}

// CheckName checks a person's name: not blank, at most 200 characters, printable.
func CheckName(s string) error {
	if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
		return ErrInvalidName
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return ErrInvalidName
		}
	}
	return nil
}

// CheckPhone checks a phone number ("" is none): E.164.
func CheckPhone(s string) error {
	if s != "" && !phonePattern.MatchString(s) {
		return ErrInvalidPhone
	}
	return nil
}

// Blank tells whether the store holds no municipality and no user: the only store that
// `vardag init` takes.
func (s *Store) Blank() (bool, error) {
	blank := true
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		municipality, err := tx.AnyMunicipality()
		if err != nil {
			return err
		}
		user, err := tx.AnyUser()
		blank = !municipality && !user
		return err
	})
	return blank, err
}

// UsersWhere returns the users for which keep is true, in username order. It reads every
// account once (a municipality has thousands, not millions).
func (s *Store) UsersWhere(keep func(User) bool) ([]User, error) {
	var out []User
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		return tx.EachUser(func(u User) error {
			if keep(u) {
				out = append(out, u)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return out, err
}

// HasGrants tells whether a user holds or ever held a grant (from memory).
func (s *Store) HasGrants(userID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.grants[userID]) > 0
}

// MayCreateAccount tells whether actor may create an account for providerID: an
// administrator for any provider; a unit manager or unit representative for the provider
// of a unit where they hold that role.
func MayCreateAccount(actor Access, providerID string) bool {
	if actor.UserID == "" {
		return false
	}
	if actor.Admin {
		return true
	}
	for unit, p := range actor.ProviderOf {
		if p == providerID && actor.Has(unit, RoleUnitManager, RoleUnitRep) {
			return true
		}
	}
	return false
}

// MayGrantRole tells whether actor may give role in unitID (parent is the unit's parent
// unit, "" for a unit): an administrator any role; a unit manager of the unit (or of its
// parent) the roles a manager administers; a unit representative there only care staff.
func MayGrantRole(actor Access, unitID, parent string, role Role) bool {
	if actor.UserID == "" || !role.Valid() {
		return false
	}
	if actor.Admin {
		return true
	}
	for _, u := range []string{unitID, parent} {
		if u == "" {
			continue
		}
		for _, r := range actor.Roles[u] {
			if slices.Contains(administers[r], role) {
				return true
			}
		}
	}
	return false
}

// CreateUsers stores new users and their first grants in one transaction: all of them, or
// (a username taken, a unit unknown) none. Usernames are compared without case.
func (s *Store) CreateUsers(users []User, grants []Grant) error {
	for _, g := range grants {
		if !g.Role.Valid() {
			return fmt.Errorf("identity: unknown role %q", g.Role)
		}
	}
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		for _, u := range users {
			if err := createUser(tx, u); err != nil {
				return err
			}
		}
		for _, g := range grants {
			if err := putGrantOfKnown(tx, g); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		for _, g := range grants {
			s.grants[g.UserID] = append(s.grants[g.UserID], g)
		}
		s.mu.Unlock()
	}
	return err
}

// TargetOf is Target for a user already read: grants and units from memory.
func (s *Store) TargetOf(u User, t time.Time) Target {
	target := Target{UserID: u.ID, Admin: u.Admin, Roles: map[string][]Role{}}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Only an account that never held a grant is its provider's managers' and
	// representatives' (a new care worker's activation code, her first grant): one whose
	// grants lapsed or ended is administered where it was granted, or by the
	// administrator, so that it cannot be taken into another unit without its approvals.
	if len(s.grants[u.ID]) == 0 {
		target.ProviderID = u.ProviderID
	}
	add := func(unit string, r Role) {
		if !slices.Contains(target.Roles[unit], r) {
			target.Roles[unit] = append(target.Roles[unit], r)
		}
	}
	for _, g := range s.grants[u.ID] {
		unit, ok := s.units[g.UnitID]
		if !ok || !g.ValidAt(t) {
			continue
		}
		add(g.UnitID, g.Role)
		if unit.ParentID != "" {
			add(unit.ParentID, g.Role)
		}
	}
	return target
}

// MayListUnit tells whether actor may list the people of unitID: an administrator, or a
// unit manager or representative of the unit or of its parent unit.
func (s *Store) MayListUnit(actor Access, unitID string) bool {
	if actor.Admin {
		return actor.UserID != ""
	}
	if actor.Has(unitID, RoleUnitManager, RoleUnitRep) {
		return true
	}
	u, ok := s.Unit(unitID)
	return ok && u.ParentID != "" && actor.Has(u.ParentID, RoleUnitManager, RoleUnitRep)
}

// Administered returns the accounts actor may administer at t (MayAdminister), in username
// order: when unitID is given, those with a grant valid at t in that unit or its
// sub-units; otherwise every such account, new accounts that never held a grant included.
func (s *Store) Administered(actor Access, unitID string, t time.Time) ([]User, error) {
	return s.UsersWhere(func(u User) bool {
		if unitID != "" && !s.grantedIn(u.ID, unitID, t) {
			return false
		}
		return MayAdminister(actor, s.TargetOf(u, t))
	})
}

// PeopleOf returns every account with a grant valid at t in unitID or its sub-units, in
// username order, whether or not a given caller may administer it (the unit's people
// screen lists them all and offers acts only on those MayAdminister allows).
func (s *Store) PeopleOf(unitID string, t time.Time) ([]User, error) {
	return s.UsersWhere(func(u User) bool { return s.grantedIn(u.ID, unitID, t) })
}

// grantedIn tells whether userID holds a grant valid at t in unitID or its sub-units.
func (s *Store) grantedIn(userID, unitID string, t time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.grants[userID] {
		if !g.ValidAt(t) {
			continue
		}
		if g.UnitID == unitID {
			return true
		}
		if u, ok := s.units[g.UnitID]; ok && u.ParentID == unitID {
			return true
		}
	}
	return false
}
