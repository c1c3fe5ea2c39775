package auth_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"vardag/internal/auth"
	"vardag/internal/boltstore"
	"vardag/syncengine"
)

// newStore keeps sessions in a real bbolt file, as the server does; the test reads the
// file (st.DB()) to see what is stored.
func newStore(t *testing.T, c *clock) (*auth.SessionStore, *syncengine.BoltStore) {
	t.Helper()
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := auth.NewSessionStore(sessionStorage(t, st), c.Now, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func sessionStorage(t *testing.T, st *syncengine.BoltStore) auth.SessionStorage {
	t.Helper()
	sessions, err := boltstore.New(st).Sessions()
	if err != nil {
		t.Fatal(err)
	}
	return sessions
}

func TestSessionRotate(t *testing.T) {
	c := newClock()
	s, db := newStore(t, c)
	tok1, sess, err := s.Create("u1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if sess.UserID != "u1" || sess.DeviceID != "d1" || len(sess.ID) != 36 || sess.ID[14] != '7' {
		t.Fatalf("session %+v (want uuid v7)", sess)
	}
	c.Advance(10 * time.Minute)
	tok2, sess2, err := s.Rotate(tok1)
	if err != nil {
		t.Fatal(err)
	}
	if tok2 == tok1 || sess2.ID != sess.ID || !sess2.LastUsedAt.Equal(c.Now()) {
		t.Fatalf("rotate: token %q session %+v", tok2, sess2)
	}
	if _, _, err := s.Rotate(tok2); err != nil {
		t.Fatalf("second rotation: %v", err)
	}
	if _, _, err := s.Rotate("unknown"); !errors.Is(err, auth.ErrRefreshInvalid) {
		t.Fatalf("unknown token: got %v", err)
	}
	if _, err := s.Active(sess.ID); err != nil {
		t.Fatalf("active: %v", err)
	}
	// Only hashes are stored: the raw token appears nowhere in the bucket.
	db.DB().View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("auth_refresh")).ForEach(func(k, v []byte) error {
			if string(k) == tok1 || string(k) == tok2 {
				t.Error("raw refresh token stored as key")
			}
			return nil
		})
	})
}

func TestSessionReuseRevokesFamily(t *testing.T) {
	c := newClock()
	s, _ := newStore(t, c)
	tok1, sess, _ := s.Create("u1", "d1")
	tok2, _, err := s.Rotate(tok1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Rotate(tok1); !errors.Is(err, auth.ErrRefreshReused) {
		t.Fatalf("reuse: got %v, want ErrRefreshReused", err)
	}
	if _, _, err := s.Rotate(tok2); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("newer token after reuse: got %v, want ErrSessionEnded", err)
	}
	got, err := s.Active(sess.ID)
	if !errors.Is(err, auth.ErrSessionEnded) || got.RevokeReason != "refresh_token_reused" || got.RevokedAt.IsZero() {
		t.Fatalf("active after reuse: %+v %v", got, err)
	}
}

func TestSessionAbsoluteLimit(t *testing.T) {
	c := newClock()
	s, _ := newStore(t, c)
	tok, sess, _ := s.Create("u1", "d1")
	c.Advance(12*time.Hour - time.Minute)
	tok, _, err := s.Rotate(tok)
	if err != nil {
		t.Fatalf("before limit: %v", err)
	}
	c.Advance(time.Minute)
	if _, _, err := s.Rotate(tok); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("at limit: got %v, want ErrSessionEnded", err)
	}
	if _, err := s.Active(sess.ID); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("active at limit: got %v", err)
	}
	if n, err := s.Prune(); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if _, err := s.Get(sess.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("after prune: got %v", err)
	}
	if _, _, err := s.Rotate(tok); !errors.Is(err, auth.ErrRefreshInvalid) {
		t.Fatalf("token after prune: got %v", err)
	}
}

func TestSessionRevoke(t *testing.T) {
	c := newClock()
	s, _ := newStore(t, c)
	tok, sess, _ := s.Create("u1", "d1")
	other, osess, _ := s.Create("u1", "d2")
	if err := s.Revoke(sess.ID, "logout"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Rotate(tok); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("rotate revoked: got %v, want ErrSessionEnded", err)
	}
	got, err := s.Get(sess.ID)
	if err != nil || got.RevokeReason != "logout" {
		t.Fatalf("get revoked: %+v %v", got, err)
	}
	if _, err := s.Active(sess.ID); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("active revoked: got %v", err)
	}
	if _, _, err := s.Rotate(other); err != nil {
		t.Fatalf("other session affected: %v", err)
	}
	if _, err := s.Active(osess.ID); err != nil {
		t.Fatalf("other session not active: %v", err)
	}
	if err := s.Revoke("nope", "x"); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("revoke unknown: got %v", err)
	}
	if _, err := s.Get("nope"); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("get unknown: got %v", err)
	}
}

func TestSessionStoreReopen(t *testing.T) {
	c := newClock()
	s, db := newStore(t, c)
	tok, _, _ := s.Create("u1", "d1")
	s2, err := auth.NewSessionStore(sessionStorage(t, db), c.Now, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s2.Rotate(tok); err != nil {
		t.Fatalf("second store on same db: %v", err)
	}
}
