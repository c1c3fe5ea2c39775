package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Errors of the identity store.
var (
	ErrNotFound  = errors.New("identity: not found")
	ErrDuplicate = errors.New("identity: already exists")
)

var (
	bucketMunicipalities = []byte("id_municipalities")
	bucketProviders      = []byte("id_providers")
	bucketUnits          = []byte("id_units")
	bucketUsers          = []byte("id_users")
	bucketUsernames      = []byte("id_usernames")      // lower-case username → user id
	bucketGrants         = []byte("id_grants")         // user id|0|grant id → Grant
	bucketReviews        = []byte("id_access_reviews") // unit id|0|RFC 3339 time → Review
)

// Store keeps the organisation, users and grants in buckets of the server's bbolt file.
// Units and grants are also kept in memory, so that mutation handlers can ask about them
// without opening a transaction inside the sync engine's write transaction.
type Store struct {
	db *bolt.DB

	// writeMu orders the writes that change the memory copies (a grant decided by two
	// managers at once): each holds it from its transaction to its memory update. It is
	// taken before the bbolt write lock and mu after it, never the other way round (the
	// sync engine reads memory inside its own write transaction).
	writeMu sync.Mutex

	mu        sync.RWMutex
	units     map[string]Unit
	providers map[string]Provider
	grants    map[string][]Grant // by user id
	grantUser map[string]string  // grant id → user id
}

// NewStore opens the identity buckets in db.
func NewStore(db *bolt.DB) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMunicipalities, bucketProviders, bucketUnits, bucketUsers, bucketUsernames, bucketGrants, bucketReviews} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identity: unable to create buckets: %w", err)
	}
	s := &Store{db: db, units: map[string]Unit{}, providers: map[string]Provider{}, grants: map[string][]Grant{}, grantUser: map[string]string{}}
	err = db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketProviders).ForEach(func(_, v []byte) error {
			var p Provider
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			s.providers[p.ID] = p
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketUnits).ForEach(func(_, v []byte) error {
			var u Unit
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			s.units[u.ID] = u
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketGrants).ForEach(func(_, v []byte) error {
			var g Grant
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
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

func putJSON(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

func getJSON(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	return json.Unmarshal(raw, v)
}

// PutMunicipality stores a municipality.
func (s *Store) PutMunicipality(m Municipality) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx, bucketMunicipalities, m.ID, m) })
}

// PutProvider stores a provider (of kind own unless it says private).
func (s *Store) PutProvider(p Provider) error {
	if p.Kind == "" {
		p.Kind = ProviderOwn
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx, bucketProviders, p.ID, p) })
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketProviders).Get([]byte(u.ProviderID)) == nil {
			return fmt.Errorf("identity: unit %s names unknown provider: %w", u.ID, ErrNotFound)
		}
		return putJSON(tx, bucketUnits, u.ID, u)
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
	return s.db.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketUsernames)
		key := []byte(strings.ToLower(u.Username))
		if names.Get(key) != nil || tx.Bucket(bucketUsers).Get([]byte(u.ID)) != nil {
			return fmt.Errorf("identity: user %s: %w", u.ID, ErrDuplicate)
		}
		if err := names.Put(key, []byte(u.ID)); err != nil {
			return err
		}
		return putJSON(tx, bucketUsers, u.ID, u)
	})
}

// User returns a user by id.
func (s *Store) User(id string) (User, error) {
	var u User
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx, bucketUsers, id, &u) })
	return u, err
}

// UserByUsername returns a user by username (without case).
func (s *Store) UserByUsername(name string) (User, error) {
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUsernames).Get([]byte(strings.ToLower(name)))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx, bucketUsers, string(id), &u)
	})
	return u, err
}

// ModifyUser changes a user in one transaction: fn gets the stored user and edits it; an
// error from fn changes nothing. The id and username cannot change this way.
func (s *Store) ModifyUser(userID string, fn func(*User) error) (User, error) {
	var u User
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := getJSON(tx, bucketUsers, userID, &u); err != nil {
			return err
		}
		id, name := u.ID, u.Username
		if err := fn(&u); err != nil {
			return err
		}
		u.ID, u.Username = id, name
		return putJSON(tx, bucketUsers, u.ID, u)
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers).Get([]byte(g.UserID)) == nil || tx.Bucket(bucketUnits).Get([]byte(g.UnitID)) == nil {
			return fmt.Errorf("identity: grant %s: %w", g.ID, ErrNotFound)
		}
		return putJSON(tx, bucketGrants, grantKey(g), g)
	})
	if err == nil {
		s.remember(g)
	}
	return err
}

func grantKey(g Grant) string { return g.UserID + "\x00" + g.ID }

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
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := getJSON(tx, bucketUsers, userID, &u); err != nil {
			return err
		}
		prefix := []byte(userID + "\x00")
		c := tx.Bucket(bucketGrants).Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var g Grant
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			grants = append(grants, g)
			var unit Unit
			if err := getJSON(tx, bucketUnits, g.UnitID, &unit); err == nil {
				units[unit.ID] = unit
			}
		}
		return nil
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
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketUsers).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}
