package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors of the identity store.
var (
	ErrNotFound  = errors.New("identity: not found")
	ErrDuplicate = errors.New("identity: already exists")
)

// Store keeps the organisation, users and grants in a Storage.
// Units and grants are also kept in memory, so that mutation handlers can ask about them
// without opening a transaction inside the sync engine's write transaction.
type Store struct {
	db Storage

	// writeMu orders the writes that change the memory copies (a grant decided by two
	// managers at once): each holds it from its transaction to its memory update. It is
	// taken before the storage's write lock and mu after it, never the other way round (the
	// sync engine reads memory inside its own write transaction).
	writeMu sync.Mutex

	mu        sync.RWMutex
	units     map[string]Unit
	providers map[string]Provider
	grants    map[string][]Grant // by user id
	grantUser map[string]string  // grant id → user id
}

// NewStore loads units, providers and grants from db into memory.
func NewStore(db Storage) (*Store, error) {
	if db == nil {
		return nil, errors.New("identity: the store needs a storage")
	}
	s := &Store{db: db, units: map[string]Unit{}, providers: map[string]Provider{}, grants: map[string][]Grant{}, grantUser: map[string]string{}}
	err := db.ViewIdentity(func(tx RecordsTx) error {
		err := tx.EachProvider(func(p Provider) error {
			s.providers[p.ID] = p
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.EachUnit(func(u Unit) error {
			s.units[u.ID] = u
			return nil
		})
		if err != nil {
			return err
		}
		return tx.EachGrant(func(g Grant) error {
			s.grants[g.UserID] = append(s.grants[g.UserID], g)
			s.grantUser[g.ID] = g.UserID
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("identity: unable to load units and grants: %w", err)
	}
	return s, nil
}

// PutMunicipality stores a municipality.
func (s *Store) PutMunicipality(m Municipality) error {
	return s.db.UpdateIdentity(func(tx RecordsTx) error { return tx.PutMunicipality(m) })
}

// PutProvider stores a provider (of kind own unless it says private).
func (s *Store) PutProvider(p Provider) error {
	if p.Kind == "" {
		p.Kind = ProviderOwn
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.UpdateIdentity(func(tx RecordsTx) error { return tx.PutProvider(p) })
	if err == nil {
		s.mu.Lock()
		s.providers[p.ID] = p
		s.mu.Unlock()
	}
	return err
}

// PutUnit stores a unit; its provider must exist. A unit without a creation time gets
// the time of storing.
func (s *Store) PutUnit(u Unit) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		if err := exists(tx.Provider(u.ProviderID)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("identity: unit %s names unknown provider: %w", u.ID, ErrNotFound)
			}
			return err
		}
		return tx.PutUnit(u)
	})
	if err == nil {
		s.mu.Lock()
		s.units[u.ID] = u
		s.mu.Unlock()
	}
	return err
}

// Units are the ids of every unit and sub-unit, sorted.
func (s *Store) Units() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.units))
	for id := range s.units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SubunitOf tells whether subunitID is a sub-unit (grupp) of unitID. It reads memory
// only, so handlers may call it inside the engine's write transaction.
func (s *Store) SubunitOf(subunitID, unitID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.units[subunitID]
	return ok && u.ParentID == unitID
}

// Subunits are the sub-units (grupper) of unitID, by name.
func (s *Store) Subunits(unitID string) []Unit {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Unit
	for _, u := range s.units {
		if u.ParentID == unitID {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b Unit) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WorksIn tells whether a user holds a valid staff grant in a unit at t. It reads memory
// only, so handlers may call it inside the engine's write transaction.
func (s *Store) WorksIn(userID, unitID string, t time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.grants[userID] {
		if g.UnitID == unitID && g.ValidAt(t) && g.Role != RoleIntegration {
			return true
		}
	}
	return false
}

// Colleagues tells whether two users hold valid staff grants in a common unit at t. It
// reads memory only, so handlers may call it inside the engine's write transaction.
func (s *Store) Colleagues(a, b string, t time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	units := map[string]bool{}
	for _, g := range s.grants[a] {
		if g.ValidAt(t) && g.Role != RoleIntegration {
			units[g.UnitID] = true
		}
	}
	for _, g := range s.grants[b] {
		if g.ValidAt(t) && g.Role != RoleIntegration && units[g.UnitID] {
			return true
		}
	}
	return false
}

// CreateUser stores a new user; the username must be free (compared without case).
func (s *Store) CreateUser(u User) error {
	return s.db.UpdateIdentity(func(tx RecordsTx) error {
		return createUser(tx, u)
	})
}

// User returns a user by id.
func (s *Store) User(id string) (User, error) {
	var u User
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		var err error
		u, err = tx.User(id)
		return err
	})
	return u, err
}

// UserByUsername returns a user by username (without case).
func (s *Store) UserByUsername(name string) (User, error) {
	var u User
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		id, err := tx.UserIDByUsername(strings.ToLower(name))
		if err != nil {
			return err
		}
		u, err = tx.User(id)
		return err
	})
	return u, err
}

// ModifyUser changes a user in one transaction: fn gets the stored user and edits it; an
// error from fn changes nothing. The id and username cannot change this way.
func (s *Store) ModifyUser(userID string, fn func(*User) error) (User, error) {
	var u User
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		id, name := u.ID, u.Username
		if err := fn(&u); err != nil {
			return err
		}
		u.ID, u.Username = id, name
		return tx.PutUser(u)
	})
	return u, err
}

// Grants returns a user's grants (valid or not), from memory.
func (s *Store) Grants(userID string) []Grant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Grant(nil), s.grants[userID]...)
}

// Unit returns a unit from memory.
func (s *Store) Unit(id string) (Unit, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.units[id]
	return u, ok
}

// PutGrant stores a grant as it is (seeds, tests); the user and the unit must exist.
// Administration goes through CreateGrant and the decisions of grants.go.
func (s *Store) PutGrant(g Grant) error {
	if !g.Role.Valid() {
		return fmt.Errorf("identity: unknown role %q", g.Role)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		return putGrantOfKnown(tx, g)
	})
	if err == nil {
		s.remember(g)
	}
	return err
}

// createUser keeps a new user; the username must be free (compared without case).
func createUser(tx RecordsTx, u User) error {
	key := strings.ToLower(u.Username)
	_, errName := tx.UserIDByUsername(key)
	errUser := exists(tx.User(u.ID))
	for _, err := range []error{errName, errUser} {
		if err == nil {
			return fmt.Errorf("identity: user %s: %w", u.ID, ErrDuplicate)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := tx.PutUsername(key, u.ID); err != nil {
		return err
	}
	return tx.PutUser(u)
}

// putGrantOfKnown keeps a grant whose user and unit are kept (else ErrNotFound).
func putGrantOfKnown(tx RecordsTx, g Grant) error {
	for _, err := range []error{exists(tx.User(g.UserID)), exists(tx.Unit(g.UnitID))} {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("identity: grant %s: %w", g.ID, ErrNotFound)
		} else if err != nil {
			return err
		}
	}
	return tx.PutGrant(g)
}

// exists drops the record of a getter's answer, keeping its error (ErrNotFound: none).
func exists[T any](_ T, err error) error { return err }

// remember puts a stored grant in memory; the caller holds writeMu.
func (s *Store) remember(gs ...Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range gs {
		kept := s.grants[g.UserID][:0:0]
		for _, old := range s.grants[g.UserID] {
			if old.ID != g.ID {
				kept = append(kept, old)
			}
		}
		s.grants[g.UserID] = append(kept, g)
		s.grantUser[g.ID] = g.UserID
	}
}

// Access computes what a user may do at t, in one read of the store.
func (s *Store) Access(userID string, t time.Time) (User, Access, error) {
	var u User
	var grants []Grant
	units := map[string]Unit{}
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		return tx.EachGrantOf(userID, func(g Grant) error {
			grants = append(grants, g)
			if unit, err := tx.Unit(g.UnitID); err == nil {
				units[unit.ID] = unit
			}
			return nil
		})
	})
	if err != nil {
		return u, Access{}, err
	}
	a := AccessFor(u, grants, units, t)
	if s.Barred(u, t) {
		// The provider has ended: nothing of the municipality's either (the next pull
		// drops it), and the login ends at the next refresh.
		a.Scopes = slices.DeleteFunc(a.Scopes, func(sc string) bool { return sc == OrgScope(u.MunicipalityID) })
	}
	return u, a, nil
}

// Empty tells whether no user exists yet (a new data directory).
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.ViewIdentity(func(tx RecordsTx) error {
		any, err := tx.AnyUser()
		empty = !any
		return err
	})
	return empty, err
}
