// Package boltstore keeps the server's durable things other than the sync log (which
// syncengine.BoltStore keeps) in the same embedded bbolt file: server secrets and web push
// subscriptions, each behind the small store interface its consumer defines. With
// syncengine it is the only package that opens the bbolt file (see TestOnlyTheStoreUsesBolt):
// a second store (PostgreSQL) implements the same interfaces.
package boltstore

import (
	bolt "go.etcd.io/bbolt"

	"vardag/syncengine"
)

// Store is the bbolt file of a syncengine.BoltStore, seen through the interfaces of the
// packages that keep things in it. It does not own the file: closing the BoltStore closes it.
type Store struct {
	db *bolt.DB
}

// New gives the file of s to the stores below.
func New(s *syncengine.BoltStore) *Store { return &Store{db: s.DB()} }
