package boltstore

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/webpush"
)

// bucketSubscriptions: subscription id → webpush.Subscription JSON.
var bucketSubscriptions = []byte("push_subscriptions")

// Subscriptions keeps web push subscriptions; it implements webpush.SubscriptionStore.
type Subscriptions struct {
	db *bolt.DB
}

// Subscriptions is the store of web push subscriptions.
func (s *Store) Subscriptions() *Subscriptions { return &Subscriptions{db: s.db} }

// LoadSubscriptions implements webpush.SubscriptionStore; it creates the bucket on first start.
func (s *Subscriptions) LoadSubscriptions() ([]webpush.Subscription, error) {
	var out []webpush.Subscription
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubscriptions)
		if err != nil {
			return err
		}
		return b.ForEach(func(_, v []byte) error {
			var sub webpush.Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("boltstore: corrupt push subscription: %w", err)
			}
			out = append(out, sub)
			return nil
		})
	})
	return out, err
}

// PutSubscription implements webpush.SubscriptionStore.
func (s *Subscriptions) PutSubscription(sub webpush.Subscription, drop []string) error {
	raw, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubscriptions)
		if err != nil {
			return err
		}
		if err := deleteKeys(b, drop); err != nil {
			return err
		}
		return b.Put([]byte(sub.ID), raw)
	})
}

// DeleteSubscriptions implements webpush.SubscriptionStore.
func (s *Subscriptions) DeleteSubscriptions(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubscriptions)
		if err != nil {
			return err
		}
		return deleteKeys(b, ids)
	})
}

func deleteKeys(b *bolt.Bucket, keys []string) error {
	for _, k := range keys {
		if err := b.Delete([]byte(k)); err != nil {
			return err
		}
	}
	return nil
}
