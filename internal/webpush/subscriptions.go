package webpush

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SubscriptionStore keeps the subscriptions durably (in bbolt: boltstore.Subscriptions,
// bucket push_subscriptions); Subscriptions holds them in memory for the sender.
type SubscriptionStore interface {
	// LoadSubscriptions returns every kept subscription.
	LoadSubscriptions() ([]Subscription, error)
	// PutSubscription keeps sub under sub.ID and deletes the subscriptions with the ids in
	// drop, at once.
	PutSubscription(sub Subscription, drop []string) error
	// DeleteSubscriptions deletes the subscriptions with these ids; a missing one is no error.
	DeleteSubscriptions(ids []string) error
}

// Subscription is one browser's push subscription, held for the device and the session
// that made it: it ends with that session.
type Subscription struct {
	ID        string           `json:"id"` // a hash of the endpoint: what logs name
	Endpoint  string           `json:"endpoint"`
	Keys      SubscriptionKeys `json:"keys"`
	UserID    string           `json:"user_id"`
	DeviceID  string           `json:"device_id"`
	SessionID string           `json:"session_id"`
	CreatedAt time.Time        `json:"created_at"`
}

// SubscriptionID is the id of an endpoint: a hash, so that logs and metrics never hold
// the endpoint (which identifies a device).
func SubscriptionID(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(sum[:12])
}

// Subscriptions keeps subscriptions in a SubscriptionStore, and in memory for the sender.
type Subscriptions struct {
	store SubscriptionStore

	mu     sync.RWMutex
	byID   map[string]Subscription
	byUser map[string]map[string]struct{}
}

// OpenSubscriptions loads the subscriptions kept in store.
func OpenSubscriptions(store SubscriptionStore) (*Subscriptions, error) {
	s := &Subscriptions{store: store, byID: map[string]Subscription{}, byUser: map[string]map[string]struct{}{}}
	kept, err := store.LoadSubscriptions()
	if err != nil {
		return nil, fmt.Errorf("webpush: unable to load subscriptions: %w", err)
	}
	for _, sub := range kept {
		s.index(sub)
	}
	return s, nil
}

func (s *Subscriptions) index(sub Subscription) {
	s.byID[sub.ID] = sub
	m := s.byUser[sub.UserID]
	if m == nil {
		m = map[string]struct{}{}
		s.byUser[sub.UserID] = m
	}
	m[sub.ID] = struct{}{}
}

func (s *Subscriptions) unindex(id string) {
	sub, ok := s.byID[id]
	if !ok {
		return
	}
	delete(s.byID, id)
	if m := s.byUser[sub.UserID]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(s.byUser, sub.UserID)
		}
	}
}

// ErrEndpointTaken is an endpoint another device holds: an endpoint belongs to one device,
// and a user cannot take another's notifications by registering their endpoint.
var ErrEndpointTaken = errors.New("webpush: the endpoint is held by another device")

// Put keeps a subscription; it replaces the device's earlier subscription (one per
// device). An endpoint another device holds is refused (ErrEndpointTaken) and left to its
// holder, unless ended (when not nil) tells that the holder's session has ended: then it is
// replaced, as a phone whose login has ended no longer receives notifications.
func (s *Subscriptions) Put(sub Subscription, ended func(holder Subscription) bool) error {
	sub.ID = SubscriptionID(sub.Endpoint)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[sub.ID]; ok && old.DeviceID != sub.DeviceID && (ended == nil || !ended(old)) {
		return ErrEndpointTaken
	}
	var drop []string
	for id, old := range s.byID {
		if id != sub.ID && old.DeviceID == sub.DeviceID {
			drop = append(drop, id)
		}
	}
	if err := s.store.PutSubscription(sub, drop); err != nil {
		return fmt.Errorf("webpush: unable to keep a subscription: %w", err)
	}
	for _, id := range drop {
		s.unindex(id)
	}
	s.unindex(sub.ID)
	s.index(sub)
	return nil
}

// Get returns a subscription by id.
func (s *Subscriptions) Get(id string) (Subscription, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub, ok := s.byID[id]
	return sub, ok
}

// ForUser returns a user's subscriptions.
func (s *Subscriptions) ForUser(userID string) []Subscription {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Subscription, 0, len(s.byUser[userID]))
	for id := range s.byUser[userID] {
		out = append(out, s.byID[id])
	}
	return out
}

// Len is how many subscriptions are kept.
func (s *Subscriptions) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byID)
}

// Delete removes a subscription by id; a missing one is no error.
func (s *Subscriptions) Delete(id string) error {
	return s.deleteWhere(func(sub Subscription) bool { return sub.ID == id })
}

// DeleteDevice removes the subscription of deviceID whose endpoint is endpoint ("" for
// any): a device removes only its own.
func (s *Subscriptions) DeleteDevice(deviceID, endpoint string) error {
	return s.deleteWhere(func(sub Subscription) bool {
		return sub.DeviceID == deviceID && (endpoint == "" || sub.Endpoint == endpoint)
	})
}

// DeleteSession removes the subscriptions made in a session (it ended).
func (s *Subscriptions) DeleteSession(sessionID string) error {
	return s.deleteWhere(func(sub Subscription) bool { return sub.SessionID == sessionID })
}

func (s *Subscriptions) deleteWhere(match func(Subscription) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var drop []string
	for id, sub := range s.byID {
		if match(sub) {
			drop = append(drop, id)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	if err := s.store.DeleteSubscriptions(drop); err != nil {
		return fmt.Errorf("webpush: unable to delete a subscription: %w", err)
	}
	for _, id := range drop {
		s.unindex(id)
	}
	return nil
}

// DeleteUser removes every subscription of a user (the account was disabled).
func (s *Subscriptions) DeleteUser(userID string) error {
	return s.deleteWhere(func(sub Subscription) bool { return sub.UserID == userID })
}
