package boltstore

import (
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/identity"
)

var (
	bucketMunicipalities = []byte("id_municipalities") // id → identity.Municipality
	bucketProviders      = []byte("id_providers")      // id → identity.Provider
	bucketUnits          = []byte("id_units")          // id → identity.Unit
	bucketUsers          = []byte("id_users")          // id → identity.User
	bucketUsernames      = []byte("id_usernames")      // lower-case username → user id
	bucketGrants         = []byte("id_grants")         // user id|0|grant id → identity.Grant
	bucketReviews        = []byte("id_access_reviews") // unit id|0|RFC 3339 time → identity.Review
	bucketTokens         = []byte("id_hw_tokens")      // serial → identity.HardwareToken
)

// Identity keeps the organisation, accounts, grants, access reviews and hardware tokens;
// it implements identity.Storage. bbolt has one writer at a time, so a write transaction
// sees what it read unchanged until it commits.
type Identity struct {
	db *bolt.DB
}

// Identity is the store of the organisation and its people; it creates its buckets on
// first start.
func (s *Store) Identity() (*Identity, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMunicipalities, bucketProviders, bucketUnits, bucketUsers, bucketUsernames, bucketGrants, bucketReviews, bucketTokens} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identity: unable to create buckets: %w", err)
	}
	return &Identity{db: s.db}, nil
}

// ViewIdentity implements identity.Storage.
func (s *Identity) ViewIdentity(fn func(identity.RecordsTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(identityTx{tx}) })
}

// UpdateIdentity implements identity.Storage.
func (s *Identity) UpdateIdentity(fn func(identity.RecordsTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(identityTx{tx}) })
}

type identityTx struct{ tx *bolt.Tx }

// get reads the JSON record under key: identity.ErrNotFound when there is none.
func get[T any](tx *bolt.Tx, bucket []byte, key string) (T, error) {
	var v T
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return v, identity.ErrNotFound
	}
	return v, json.Unmarshal(raw, &v)
}

func put(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

// each visits the JSON records of a bucket whose keys start with prefix, in key order.
func each[T any](tx *bolt.Tx, bucket []byte, prefix string, fn func(T) error) error {
	c := tx.Bucket(bucket).Cursor()
	for k, raw := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, raw = c.Next() {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

func anyKey(tx *bolt.Tx, bucket []byte) bool {
	k, _ := tx.Bucket(bucket).Cursor().First()
	return k != nil
}

func (t identityTx) Municipality(id string) (identity.Municipality, error) {
	return get[identity.Municipality](t.tx, bucketMunicipalities, id)
}

func (t identityTx) PutMunicipality(m identity.Municipality) error {
	return put(t.tx, bucketMunicipalities, m.ID, m)
}

func (t identityTx) AnyMunicipality() (bool, error) { return anyKey(t.tx, bucketMunicipalities), nil }

func (t identityTx) Provider(id string) (identity.Provider, error) {
	return get[identity.Provider](t.tx, bucketProviders, id)
}

func (t identityTx) PutProvider(p identity.Provider) error {
	return put(t.tx, bucketProviders, p.ID, p)
}

func (t identityTx) EachProvider(fn func(identity.Provider) error) error {
	return each(t.tx, bucketProviders, "", fn)
}

func (t identityTx) Unit(id string) (identity.Unit, error) {
	return get[identity.Unit](t.tx, bucketUnits, id)
}

func (t identityTx) PutUnit(u identity.Unit) error { return put(t.tx, bucketUnits, u.ID, u) }

func (t identityTx) EachUnit(fn func(identity.Unit) error) error {
	return each(t.tx, bucketUnits, "", fn)
}

func (t identityTx) User(id string) (identity.User, error) {
	return get[identity.User](t.tx, bucketUsers, id)
}

func (t identityTx) PutUser(u identity.User) error { return put(t.tx, bucketUsers, u.ID, u) }

func (t identityTx) EachUser(fn func(identity.User) error) error {
	return each(t.tx, bucketUsers, "", fn)
}

func (t identityTx) AnyUser() (bool, error) { return anyKey(t.tx, bucketUsers), nil }

func (t identityTx) UserIDByUsername(lower string) (string, error) {
	id := t.tx.Bucket(bucketUsernames).Get([]byte(lower))
	if id == nil {
		return "", identity.ErrNotFound
	}
	return string(id), nil
}

func (t identityTx) PutUsername(lower, id string) error {
	return t.tx.Bucket(bucketUsernames).Put([]byte(lower), []byte(id))
}

func (t identityTx) PutGrant(g identity.Grant) error {
	return put(t.tx, bucketGrants, g.UserID+"\x00"+g.ID, g)
}

func (t identityTx) EachGrant(fn func(identity.Grant) error) error {
	return each(t.tx, bucketGrants, "", fn)
}

func (t identityTx) EachGrantOf(userID string, fn func(identity.Grant) error) error {
	return each(t.tx, bucketGrants, userID+"\x00", fn)
}

// reviewKey orders a unit's reviews by time: the time is written at a fixed width.
func reviewKey(r identity.Review) string {
	return r.UnitID + "\x00" + r.At.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

func (t identityTx) PutReview(r identity.Review) error {
	return put(t.tx, bucketReviews, reviewKey(r), r)
}

func (t identityTx) LastReview(unitID string) (identity.Review, bool, error) {
	var r identity.Review
	prefix := unitID + "\x00"
	c := t.tx.Bucket(bucketReviews).Cursor()
	// The last key with the prefix: seek past it, step back.
	k, v := c.Seek([]byte(unitID + "\x01"))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !strings.HasPrefix(string(k), prefix) {
		return r, false, nil
	}
	err := json.Unmarshal(v, &r)
	return r, true, err
}

func (t identityTx) Token(serial string) (identity.HardwareToken, error) {
	return get[identity.HardwareToken](t.tx, bucketTokens, serial)
}

func (t identityTx) PutToken(tok identity.HardwareToken) error {
	return put(t.tx, bucketTokens, tok.Serial, tok)
}
