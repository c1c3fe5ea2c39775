package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// SessionStorage keeps sessions, refresh tokens (by hash) and revoked devices durably (in
// bbolt: boltstore.Sessions, buckets auth_sessions, auth_refresh, auth_revoked_devices).
// A revoked device id is never given a session again; its next request answers
// device_revoked and the phone wipes its data.
type SessionStorage interface {
	// ViewSessions runs fn in a read transaction.
	ViewSessions(fn func(SessionTx) error) error
	// UpdateSessions runs fn in a write transaction, committed durably when fn returns nil
	// and not at all otherwise. Write transactions are serialised: what fn read is still
	// so when it commits (a refresh token is used once, even by two servers at once).
	UpdateSessions(fn func(SessionTx) error) error
}

// SessionTx is a transaction of a SessionStorage. Records are given and returned by
// value; nothing it returns stays valid beyond the transaction but what it copied.
type SessionTx interface {
	// Session returns the session with id (found false: none).
	Session(id string) (sess Session, found bool, err error)
	PutSession(sess Session) error
	// EachSession calls fn for every session; fn must not write.
	EachSession(fn func(Session) error) error
	DeleteSession(id string) error
	// Refresh returns the record of a refresh token by the token's hash.
	Refresh(hash []byte) (rec RefreshRecord, found bool, err error)
	PutRefresh(hash []byte, rec RefreshRecord) error
	// EachRefresh calls fn for every refresh token's record; fn must not write.
	EachRefresh(fn func(hash []byte, rec RefreshRecord) error) error
	DeleteRefresh(hash []byte) error
	// RevokedDevice tells whether a device was revoked.
	RevokedDevice(deviceID string) (bool, error)
	PutRevokedDevice(deviceID string, rd RevokedDevice) error
}

// Reasons recorded when a session ends early.
const (
	RevokeReused        = "refresh_token_reused" // a used refresh token came back
	RevokeDevice        = "device_revoked"       // an administrator revoked the device
	RevokeLogout        = "logout"
	RevokeAdmin         = "revoked"          // an administrator ended the session
	RevokeUserDisabled  = "user_disabled"    // the account was disabled
	RevokePasswordReset = "password_changed" // the password changed: other sessions end
)

var (
	ErrRefreshInvalid  = errors.New("auth: invalid refresh token")
	ErrRefreshReused   = errors.New("auth: refresh token reused")
	ErrSessionEnded    = errors.New("auth: session ended")
	ErrSessionNotFound = errors.New("auth: session not found")
	ErrDeviceRevoked   = errors.New("auth: device revoked")
)

// Session is one login on one device: a family of refresh tokens.
type Session struct {
	ID           string    `json:"id"`
	UserID       string    `json:"user_id"`
	DeviceID     string    `json:"device_id"`
	CreatedAt    time.Time `json:"created_at"`
	LastUsedAt   time.Time `json:"last_used_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// RefreshRecord is stored under the SHA-256 of a refresh token.
type RefreshRecord struct {
	SessionID string    `json:"session_id"`
	IssuedAt  time.Time `json:"issued_at"`
	UsedAt    time.Time `json:"used_at,omitzero"`
}

// SessionStore keeps refresh sessions in a SessionStorage. Only hashes of refresh
// tokens are stored.
type SessionStore struct {
	db       SessionStorage
	now      func() time.Time
	absolute time.Duration
}

// NewSessionStore keeps sessions in db. absolute is the maximum age of a session (one
// shift). A nil now means time.Now.
func NewSessionStore(db SessionStorage, now func() time.Time, absolute time.Duration) (*SessionStore, error) {
	if db == nil || absolute <= 0 {
		return nil, errors.New("auth: session store needs a db and a positive absolute limit")
	}
	if now == nil {
		now = time.Now
	}
	return &SessionStore{db: db, now: now, absolute: absolute}, nil
}

// Create starts a session for userID on deviceID and returns its first
// refresh token.
func (s *SessionStore) Create(userID, deviceID string) (refreshToken string, sess Session, err error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", Session{}, fmt.Errorf("auth: session id: %w", err)
	}
	now := s.now()
	sess = Session{ID: id.String(), UserID: userID, DeviceID: deviceID, CreatedAt: now, LastUsedAt: now}
	refreshToken = newOpaqueToken()
	err = s.db.UpdateSessions(func(tx SessionTx) error {
		if err := putSession(tx, sess); err != nil {
			return err
		}
		return putRefresh(tx, refreshToken, RefreshRecord{SessionID: sess.ID, IssuedAt: now})
	})
	if err != nil {
		return "", Session{}, wrap("create session", err)
	}
	return refreshToken, sess, nil
}

// Rotate exchanges a refresh token for a new one in the same session.
//
// A token that has been used before revokes the whole session and returns
// ErrRefreshReused. There is no grace period: a retry after a lost answer
// means logging in again; chosen because a replayed refresh token is
// indistinguishable from theft.
//
// An unknown token, or one of an ended session, is refused after a read transaction alone:
// a write costs two fdatasyncs under the store's single writer, and nobody should be able
// to spend those with made-up tokens. Only a token that would rotate or revoke writes, and
// the write checks it again.
func (s *SessionStore) Rotate(refreshToken string) (newToken string, sess Session, err error) {
	if err := s.db.ViewSessions(func(tx SessionTx) error {
		_, _, err := s.refreshable(tx, refreshToken)
		return err
	}); err != nil {
		return "", Session{}, refusal("rotate", err)
	}
	reused := false
	err = s.db.UpdateSessions(func(tx SessionTx) error {
		rec, cur, err := s.refreshable(tx, refreshToken) // again: another rotation may have come first
		if err != nil {
			return err // a refusal writes nothing
		}
		now := s.now()
		sess = cur
		if !rec.UsedAt.IsZero() {
			sess.RevokedAt, sess.RevokeReason = now, RevokeReused
			reused = true
			return putSession(tx, sess) // committed: the reuse ends the session
		}
		rec.UsedAt = now
		if err := tx.PutRefresh(tokenHash(refreshToken), rec); err != nil {
			return err
		}
		newToken = newOpaqueToken()
		if err := putRefresh(tx, newToken, RefreshRecord{SessionID: sess.ID, IssuedAt: now}); err != nil {
			return err
		}
		sess.LastUsedAt = now
		return putSession(tx, sess)
	})
	switch {
	case err != nil:
		return "", Session{}, refusal("rotate", err)
	case reused:
		return "", Session{}, ErrRefreshReused
	}
	return newToken, sess, nil
}

// refreshable finds the record of a refresh token and its running session, reading only:
// ErrRefreshInvalid for an unknown token or session, ErrSessionEnded or ErrDeviceRevoked
// for one of an ended session (used or not: an ended session has nothing left to revoke).
func (s *SessionStore) refreshable(tx SessionTx, refreshToken string) (RefreshRecord, Session, error) {
	rec, found, err := tx.Refresh(tokenHash(refreshToken))
	if err != nil {
		return rec, Session{}, err
	}
	if !found {
		return rec, Session{}, ErrRefreshInvalid
	}
	sess, err := getSession(tx, rec.SessionID)
	if errors.Is(err, ErrSessionNotFound) {
		return rec, Session{}, ErrRefreshInvalid
	} else if err != nil {
		return rec, Session{}, err
	}
	if s.ended(sess, s.now()) {
		if sess.RevokeReason == RevokeDevice {
			return rec, sess, ErrDeviceRevoked
		}
		return rec, sess, ErrSessionEnded
	}
	return rec, sess, nil
}

// refusal passes the refusals of Rotate through as they are and wraps anything else.
func refusal(op string, err error) error {
	for _, r := range []error{ErrRefreshInvalid, ErrSessionEnded, ErrDeviceRevoked} {
		if errors.Is(err, r) {
			return r
		}
	}
	return wrap(op, err)
}

// Get returns the session with id, ended or not.
func (s *SessionStore) Get(id string) (Session, error) {
	var sess Session
	err := s.db.ViewSessions(func(tx SessionTx) error {
		var err error
		sess, err = getSession(tx, id)
		return err
	})
	return sess, wrap("get session", err)
}

// Active returns the session with id if it is neither revoked nor older than
// the absolute limit, else ErrSessionEnded.
func (s *SessionStore) Active(id string) (Session, error) {
	sess, err := s.Get(id)
	if err != nil {
		return Session{}, err
	}
	if s.ended(sess, s.now()) {
		if sess.RevokeReason == RevokeDevice {
			return sess, ErrDeviceRevoked
		}
		return sess, ErrSessionEnded
	}
	return sess, nil
}

// RevokedDevice records who revoked a device and when.
type RevokedDevice struct {
	RevokedAt time.Time `json:"revoked_at"`
	RevokedBy string    `json:"revoked_by"`
}

// RevokeDevice ends every session on a device and remembers the device as revoked, so
// that its next request answers device_revoked. It returns how many sessions it ended.
func (s *SessionStore) RevokeDevice(deviceID, by string) (int, error) {
	n := 0
	err := s.db.UpdateSessions(func(tx SessionTx) error {
		now := s.now()
		if err := tx.PutRevokedDevice(deviceID, RevokedDevice{RevokedAt: now, RevokedBy: by}); err != nil {
			return err
		}
		var err error
		n, err = revokeWhere(tx, now, RevokeDevice, func(sess Session) bool { return sess.DeviceID == deviceID })
		return err
	})
	return n, wrap("revoke device", err)
}

// DeviceRevoked tells whether a device was revoked.
func (s *SessionStore) DeviceRevoked(deviceID string) (bool, error) {
	revoked := false
	err := s.db.ViewSessions(func(tx SessionTx) error {
		if deviceID == "" {
			return nil
		}
		var err error
		revoked, err = tx.RevokedDevice(deviceID)
		return err
	})
	return revoked, err
}

// DeviceUser returns the user of the latest session opened on a device ("" when none),
// so that a device that has logged in but never pushed still has an owner.
func (s *SessionStore) DeviceUser(deviceID string) (string, error) {
	var user string
	var latest time.Time
	err := s.db.ViewSessions(func(tx SessionTx) error {
		return tx.EachSession(func(sess Session) error {
			if sess.DeviceID == deviceID && !sess.CreatedAt.Before(latest) {
				user, latest = sess.UserID, sess.CreatedAt
			}
			return nil
		})
	})
	return user, wrap("device user", err)
}

// RevokeUser ends every running session of a user but keep (which may be ""), and
// returns how many it ended.
func (s *SessionStore) RevokeUser(userID, reason, keep string) (int, error) {
	n := 0
	err := s.db.UpdateSessions(func(tx SessionTx) error {
		var err error
		n, err = revokeWhere(tx, s.now(), reason, func(sess Session) bool { return sess.UserID == userID && sess.ID != keep })
		return err
	})
	return n, wrap("revoke user", err)
}

// UserSessions lists a user's sessions that have not ended, oldest first.
func (s *SessionStore) UserSessions(userID string) ([]Session, error) {
	var out []Session
	now := s.now()
	err := s.db.ViewSessions(func(tx SessionTx) error {
		return tx.EachSession(func(sess Session) error {
			if sess.UserID == userID && !s.ended(sess, now) {
				out = append(out, sess)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, wrap("list sessions", err)
}

// revokeWhere revokes the running sessions that match; sessions are few (one per
// logged-in phone, pruned after a shift), so a scan is cheap.
func revokeWhere(tx SessionTx, now time.Time, reason string, match func(Session) bool) (int, error) {
	var hit []Session
	err := tx.EachSession(func(sess Session) error {
		if sess.RevokedAt.IsZero() && match(sess) {
			hit = append(hit, sess)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, sess := range hit {
		sess.RevokedAt, sess.RevokeReason = now, reason
		if err := putSession(tx, sess); err != nil {
			return 0, err
		}
	}
	return len(hit), nil
}

// Revoke ends a session. Revoking an ended session keeps the first reason.
func (s *SessionStore) Revoke(id, reason string) error {
	return wrap("revoke", s.db.UpdateSessions(func(tx SessionTx) error {
		sess, err := getSession(tx, id)
		if err != nil {
			return err
		}
		if !sess.RevokedAt.IsZero() {
			return nil
		}
		sess.RevokedAt, sess.RevokeReason = s.now(), reason
		return putSession(tx, sess)
	}))
}

// Prune deletes sessions older than the absolute limit, revoked or not, and
// their refresh tokens. It returns how many sessions it deleted.
func (s *SessionStore) Prune() (int, error) {
	cutoff := s.now().Add(-s.absolute)
	gone := map[string]bool{}
	err := s.db.UpdateSessions(func(tx SessionTx) error {
		var old []string
		if err := tx.EachSession(func(sess Session) error {
			if !sess.CreatedAt.After(cutoff) {
				old = append(old, sess.ID)
				gone[sess.ID] = true
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range old {
			if err := tx.DeleteSession(id); err != nil {
				return err
			}
		}
		var hashes [][]byte
		if err := tx.EachRefresh(func(hash []byte, rec RefreshRecord) error {
			if gone[rec.SessionID] {
				hashes = append(hashes, append([]byte(nil), hash...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, h := range hashes {
			if err := tx.DeleteRefresh(h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, wrap("prune", err)
	}
	return len(gone), nil
}

// wrap prefixes err, leaving nil and the package's sentinels untouched.
func wrap(op string, err error) error {
	if err == nil || errors.Is(err, ErrSessionNotFound) {
		return err
	}
	return fmt.Errorf("auth: %s: %w", op, err)
}

func (s *SessionStore) ended(sess Session, now time.Time) bool {
	return !sess.RevokedAt.IsZero() || !now.Before(sess.CreatedAt.Add(s.absolute))
}

func newOpaqueToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand: " + err.Error()) // never happens since Go 1.24
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func getSession(tx SessionTx, id string) (Session, error) {
	if id == "" {
		return Session{}, ErrSessionNotFound
	}
	sess, found, err := tx.Session(id)
	if err != nil {
		return Session{}, err
	}
	if !found {
		return Session{}, ErrSessionNotFound
	}
	return sess, nil
}

func putSession(tx SessionTx, sess Session) error { return tx.PutSession(sess) }

func putRefresh(tx SessionTx, token string, rec RefreshRecord) error {
	return tx.PutRefresh(tokenHash(token), rec)
}

// ExpiresAt is when a session ends at the latest (one shift after it began).
func (s *SessionStore) ExpiresAt(sess Session) time.Time { return sess.CreatedAt.Add(s.absolute) }
