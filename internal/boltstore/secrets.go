package boltstore

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketSecrets: secret name → bytes (the token key "jwt_hs256", the VAPID key
// "vapid_p256"). This package is the bucket's one owner.
var bucketSecrets = []byte("server_secrets")

// Secrets keeps the server's secrets; it implements webpush.SecretStore.
type Secrets struct {
	db *bolt.DB
}

// Secrets is the store of server secrets.
func (s *Store) Secrets() *Secrets { return &Secrets{db: s.db} }

// Secret returns the secret kept under name, keeping what generate makes when there is
// none yet (in one write transaction: two callers get the same secret). A secret is never
// replaced.
func (s *Secrets) Secret(name string, generate func() ([]byte, error)) ([]byte, error) {
	if name == "" {
		return nil, errors.New("boltstore: a secret needs a name")
	}
	var secret []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSecrets)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(name)); v != nil {
			secret = append([]byte(nil), v...)
			return nil
		}
		if secret, err = generate(); err != nil {
			return err
		}
		return b.Put([]byte(name), secret)
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: unable to keep the secret %s: %w", name, err)
	}
	return secret, nil
}
