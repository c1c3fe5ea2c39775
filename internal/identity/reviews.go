package identity

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Review is a unit's access review (behörighetskontroll): who made it and when, the grants
// kept and ended, and the reviewer's note.
type Review struct {
	ID     string    `json:"id"`
	UnitID string    `json:"unit_id"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Kept   []string  `json:"kept"`
	Ended  []string  `json:"ended"`
	Note   string    `json:"note,omitempty"`
}

func reviewKey(unitID string, at time.Time) string {
	return unitID + "\x00" + at.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// RecordReview stores a review and ends the grants it ends, in one transaction. Every
// ended grant must be active in the unit at r.At (the caller checked the review is
// complete and the reviewer's right).
func (s *Store) RecordReview(r Review, reason string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var ended []Grant
	for _, id := range r.Ended {
		g, ok := s.Grant(id)
		if !ok || !g.ValidAt(r.At) {
			return fmt.Errorf("identity: review ends grant %s, which is not active: %w", id, ErrNotActive)
		}
		endGrant(&g, r.By, reason, r.At)
		ended = append(ended, g)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, g := range ended {
			if err := putJSON(tx, bucketGrants, grantKey(g), g); err != nil {
				return err
			}
		}
		return putJSON(tx, bucketReviews, reviewKey(r.UnitID, r.At), r)
	})
	if err != nil {
		return fmt.Errorf("identity: unable to record an access review: %w", err)
	}
	s.remember(ended...)
	return nil
}

// LastReview returns a unit's latest access review; ok is false when it has had none.
func (s *Store) LastReview(unitID string) (r Review, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		prefix := unitID + "\x00"
		c := tx.Bucket(bucketReviews).Cursor()
		// The last key with the prefix: seek past it, step back.
		k, v := c.Seek([]byte(unitID + "\x01"))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		if k == nil || !strings.HasPrefix(string(k), prefix) {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &r)
	})
	return r, ok, err
}
