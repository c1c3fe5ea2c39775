package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Errors of the organisation.
var (
	ErrProviderEnded  = errors.New("identity: the provider has ended")
	ErrOrgNumberTaken = errors.New("identity: another private provider has this organisation number")
	// ErrBadParent: a sub-unit's parent is not a unit of the same provider, or is itself
	// a sub-unit (the tree has two levels: enhet and grupp).
	ErrBadParent = errors.New("identity: the parent unit is not a unit of this provider")
)

// Municipality returns a municipality by id.
func (s *Store) Municipality(id string) (Municipality, error) {
	var m Municipality
	err := s.db.ViewIdentity(func(tx RecordsTx) (err error) { m, err = tx.Municipality(id); return })
	return m, err
}

// Provider returns a provider from memory.
func (s *Store) Provider(id string) (Provider, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.providers[id]
	return p, ok
}

// Providers returns the providers of a municipality, by name.
func (s *Store) Providers(municipalityID string) []Provider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Provider
	for _, p := range s.providers {
		if p.MunicipalityID == municipalityID {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Provider) int { return strings.Compare(a.Name+a.ID, b.Name+b.ID) })
	return out
}

// UnitsOf returns the units and sub-units of a provider, by name.
func (s *Store) UnitsOf(providerID string) []Unit {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Unit
	for _, u := range s.units {
		if u.ProviderID == providerID {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b Unit) int { return strings.Compare(a.Name+a.ID, b.Name+b.ID) })
	return out
}

// CreateProvider stores a new provider. A private provider's organisation number is its
// own (the municipality's own providers share the municipality's).
func (s *Store) CreateProvider(p Provider) error {
	if p.Kind != ProviderOwn && p.Kind != ProviderPrivate {
		return fmt.Errorf("identity: unknown kind of provider %q", p.Kind)
	}
	if _, err := ParseOrgNumber(p.OrgNumber); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	for _, other := range s.providers {
		if p.Kind == ProviderPrivate && other.Kind == ProviderPrivate && other.OrgNumber == p.OrgNumber {
			s.mu.RUnlock()
			return ErrOrgNumberTaken
		}
	}
	s.mu.RUnlock()
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		switch err := exists(tx.Provider(p.ID)); {
		case err == nil:
			return ErrDuplicate
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return tx.PutProvider(p)
	})
	if err == nil {
		s.mu.Lock()
		s.providers[p.ID] = p
		s.mu.Unlock()
	}
	return err
}

// CreateUnit stores a new unit, or a sub-unit when ParentID is set: the provider must
// exist and not have ended; a parent must be a unit (not a sub-unit) of the same
// provider.
func (s *Store) CreateUnit(u Unit) error {
	p, ok := s.Provider(u.ProviderID)
	switch {
	case !ok:
		return fmt.Errorf("identity: provider of unit %s: %w", u.ID, ErrNotFound)
	case !p.EndsAt.IsZero():
		return ErrProviderEnded
	}
	if u.ParentID != "" {
		parent, ok := s.Unit(u.ParentID)
		if !ok || parent.ProviderID != u.ProviderID || parent.ParentID != "" {
			return ErrBadParent
		}
	}
	if _, exists := s.Unit(u.ID); exists {
		return ErrDuplicate
	}
	return s.PutUnit(u)
}

// EndProvider sets the provider's end (avveckling) and ends every grant in its units,
// and every grant of the people who work for it, at endsAt at the latest: one
// transaction. A provider ends once.
func (s *Store) EndProvider(providerID string, endsAt time.Time) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	p, ok := s.Provider(providerID)
	if !ok {
		return ErrNotFound
	}
	if !p.EndsAt.IsZero() {
		return ErrProviderEnded
	}
	p.EndsAt = endsAt
	employees := map[string]bool{} // accounts that name the provider as theirs
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		return tx.EachUser(func(u User) error {
			if u.ProviderID == providerID {
				employees[u.ID] = true
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.mu.RLock()
	var changed []Grant
	for userID, gs := range s.grants {
		for _, g := range gs {
			unit, ok := s.units[g.UnitID]
			inUnit := ok && unit.ProviderID == providerID
			if (inUnit || employees[userID]) && g.ValidUntil.After(endsAt) {
				g.ValidUntil = endsAt
				changed = append(changed, g)
			}
		}
	}
	s.mu.RUnlock()
	err = s.db.UpdateIdentity(func(tx RecordsTx) error {
		if err := tx.PutProvider(p); err != nil {
			return err
		}
		for _, g := range changed {
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("identity: unable to end provider %s: %w", providerID, err)
	}
	s.mu.Lock()
	s.providers[p.ID] = p
	s.mu.Unlock()
	s.remember(changed...)
	return nil
}

// Barred tells whether a person may no longer log in because their provider has ended
// by t: the provider their account names, or, for an account that names none, the
// providers of every unit they were ever granted (all ended). An administrator, and an
// account without grants or provider, is never barred this way.
func (s *Store) Barred(u User, t time.Time) bool {
	if u.Admin {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u.ProviderID != "" {
		p, ok := s.providers[u.ProviderID]
		return ok && p.Ended(t)
	}
	gs := s.grants[u.ID]
	if len(gs) == 0 {
		return false
	}
	for _, g := range gs {
		unit, ok := s.units[g.UnitID]
		if !ok {
			return false
		}
		if p, ok := s.providers[unit.ProviderID]; !ok || !p.Ended(t) {
			return false
		}
	}
	return true
}
