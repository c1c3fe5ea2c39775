package identity

import (
	"fmt"
	"time"
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
	err := s.db.UpdateIdentity(func(tx RecordsTx) error {
		for _, g := range ended {
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return tx.PutReview(r)
	})
	if err != nil {
		return fmt.Errorf("identity: unable to record an access review: %w", err)
	}
	s.remember(ended...)
	return nil
}

// LastReview returns a unit's latest access review; ok is false when it has had none.
func (s *Store) LastReview(unitID string) (r Review, ok bool, err error) {
	err = s.db.ViewIdentity(func(tx RecordsTx) error {
		var err error
		r, ok, err = tx.LastReview(unitID)
		return err
	})
	return r, ok, err
}
