package boltstore

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/auth"
)

var (
	bucketSessions       = []byte("auth_sessions")        // session id → auth.Session JSON
	bucketRefresh        = []byte("auth_refresh")         // SHA-256 of a refresh token → auth.RefreshRecord JSON
	bucketRevokedDevices = []byte("auth_revoked_devices") // device id → auth.RevokedDevice JSON
)

// Sessions keeps login sessions; it implements auth.SessionStorage. bbolt has one writer
// at a time, so a write transaction sees what it read unchanged until it commits.
type Sessions struct {
	db *bolt.DB
}

// Sessions is the store of login sessions; it creates its buckets on first start.
func (s *Store) Sessions() (*Sessions, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSessions, bucketRefresh, bucketRevokedDevices} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: create session buckets: %w", err)
	}
	return &Sessions{db: s.db}, nil
}

// ViewSessions implements auth.SessionStorage.
func (s *Sessions) ViewSessions(fn func(auth.SessionTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(sessionTx{tx}) })
}

// UpdateSessions implements auth.SessionStorage.
func (s *Sessions) UpdateSessions(fn func(auth.SessionTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(sessionTx{tx}) })
}

type sessionTx struct{ tx *bolt.Tx }

func (t sessionTx) Session(id string) (auth.Session, bool, error) {
	var sess auth.Session
	found, err := getJSON(t.tx.Bucket(bucketSessions), []byte(id), &sess)
	return sess, found, err
}

func (t sessionTx) PutSession(sess auth.Session) error {
	return putJSON(t.tx.Bucket(bucketSessions), []byte(sess.ID), sess)
}

func (t sessionTx) EachSession(fn func(auth.Session) error) error {
	return t.tx.Bucket(bucketSessions).ForEach(func(_, v []byte) error {
		var sess auth.Session
		if err := json.Unmarshal(v, &sess); err != nil {
			return fmt.Errorf("corrupt record: %w", err)
		}
		return fn(sess)
	})
}

func (t sessionTx) DeleteSession(id string) error {
	return t.tx.Bucket(bucketSessions).Delete([]byte(id))
}

func (t sessionTx) Refresh(hash []byte) (auth.RefreshRecord, bool, error) {
	var rec auth.RefreshRecord
	found, err := getJSON(t.tx.Bucket(bucketRefresh), hash, &rec)
	return rec, found, err
}

func (t sessionTx) PutRefresh(hash []byte, rec auth.RefreshRecord) error {
	return putJSON(t.tx.Bucket(bucketRefresh), hash, rec)
}

func (t sessionTx) EachRefresh(fn func([]byte, auth.RefreshRecord) error) error {
	return t.tx.Bucket(bucketRefresh).ForEach(func(k, v []byte) error {
		var rec auth.RefreshRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("corrupt record: %w", err)
		}
		return fn(k, rec)
	})
}

func (t sessionTx) DeleteRefresh(hash []byte) error {
	return t.tx.Bucket(bucketRefresh).Delete(hash)
}

func (t sessionTx) RevokedDevice(deviceID string) (bool, error) {
	return deviceID != "" && t.tx.Bucket(bucketRevokedDevices).Get([]byte(deviceID)) != nil, nil
}

func (t sessionTx) PutRevokedDevice(deviceID string, rd auth.RevokedDevice) error {
	return putJSON(t.tx.Bucket(bucketRevokedDevices), []byte(deviceID), rd)
}

// getJSON reads the JSON value under key into v (found false: none, or an empty key).
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	if len(key) == 0 {
		return false, nil
	}
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("corrupt record: %w", err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
