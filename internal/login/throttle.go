package login

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"vardag/internal/identity"
)

// Throttling of failed logins per account (NIST SP 800-63B §5.2.2, OWASP ASVS 5.0 V6.3.1):
// the counter lives in the user's stored record, so neither a restart nor a new login
// attempt resets it; only a successful login or an unlock by a unit representative or
// manager does.
const (
	freeFailures = 5                // failures in a row before delays begin
	LockAfter    = 50               // failures in a row that lock the account (SP 800-63B: at most 100)
	maxDelay     = 15 * time.Minute // the longest delay between two tries
)

// maxUnknownNames bounds the usernames without an account whose failures are kept (about
// 150 bytes each); see unknownName.
const maxUnknownNames = 10000

// ThrottledError is a try made before the account's delay has passed.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("login: too many failed logins; try again in %s", e.RetryAfter)
}

// delayAfter is the wait before the next try after n failures in a row: none for the
// first few, then doubling from one second up to maxDelay.
func delayAfter(n int) time.Duration {
	if n < freeFailures {
		return 0
	}
	return min(time.Second<<min(n-freeFailures, 20), maxDelay)
}

// standing is an account's failures in a row, as the throttle sees them.
type standing struct {
	failures    int
	lastFailure time.Time
	locked      bool
}

// counted is a standing after one more failure at now.
func (st standing) counted(now time.Time) standing {
	st.failures++
	st.lastFailure = now
	st.locked = st.locked || st.failures >= LockAfter
	return st
}

func standingOf(u identity.User) standing {
	return standing{failures: u.FailedLogins, lastFailure: u.LastFailureAt, locked: u.Locked()}
}

// ledger makes the throttle hold under concurrent tries. A try is counted in the store
// only once its password or code has been checked, a tenth of a second later; tries that
// came meanwhile would all have seen the old count, so 25 at once were all checked. Here a
// try first takes a place in the ledger, in the same step (under one lock) as the stored
// count is read and the delay checked, and a try in flight counts as a failure to come: at
// most the free failures left are checked at once, and once delays begin, one at a time.
// The place is given back when the try's outcome is in the store.
//
// The ledger also keeps the failures of usernames that name no account, so that an unknown
// name answers exactly as an account does (401, then 429 with growing delays, then 423),
// and a username cannot be told to exist from the answers. They are kept in memory, at
// most maxUnknownNames of them; when full, the names with the fewest failures (the oldest
// among equals) are forgotten first, so flushing one name out takes thousands of names
// with as many failures each. They do not survive a restart, which accounts' failures do.
type ledger struct {
	mu       sync.Mutex
	inFlight map[string]int         // account key → tries being checked now
	unknown  map[[32]byte]*standing // sha-256 of a lower-case unknown username → its failures
}

func newLedger() *ledger {
	return &ledger{inFlight: map[string]int{}, unknown: map[[32]byte]*standing{}}
}

// admit refuses a try on a locked account or one inside its delay, counting the tries in
// flight as failures to come; the caller holds l.mu.
func (l *ledger) admit(key string, st standing, now time.Time) error {
	if st.locked {
		return ErrAccountLocked
	}
	if wait := st.lastFailure.Add(delayAfter(st.failures)).Sub(now); wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	if n := l.inFlight[key]; n > 0 {
		if wait := delayAfter(st.failures + n); wait > 0 {
			return &ThrottledError{RetryAfter: wait}
		}
	}
	return nil
}

// try is one try at a password or code holding its place in the ledger: settle it once
// with fail or release.
type try struct {
	s       *Service
	key     string
	userID  string   // "" for an unknown username
	name    [32]byte // the unknown username's hash
	settled bool
}

func userKey(userID string) string { return "u:" + userID }

// begin takes a place for a try on a user's account, reading the user afresh.
func (s *Service) begin(userID string) (*try, identity.User, error) {
	l := s.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	u, err := s.cfg.Identity.User(userID)
	if err != nil {
		return nil, u, err
	}
	key := userKey(u.ID)
	if err := l.admit(key, standingOf(u), s.cfg.Now()); err != nil {
		return nil, u, err
	}
	l.inFlight[key]++
	return &try{s: s, key: key, userID: u.ID}, u, nil
}

// beginName takes a place for a password try by username; known tells whether it names an
// account. An unknown name is admitted or refused by its own failures like an account.
func (s *Service) beginName(username string) (t *try, u identity.User, known bool, err error) {
	u, err = s.cfg.Identity.UserByUsername(username)
	if err == nil {
		t, u, err = s.begin(u.ID)
		if errors.Is(err, identity.ErrNotFound) {
			err = ErrInvalidCredentials // gone since the lookup: never "no such user"
		}
		return t, u, true, err
	}
	if !errors.Is(err, identity.ErrNotFound) {
		return nil, u, false, err
	}
	name := sha256.Sum256([]byte(strings.ToLower(username)))
	key := fmt.Sprintf("n:%x", name)
	l := s.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	var st standing
	if p := l.unknown[name]; p != nil {
		st = *p
	}
	if err := l.admit(key, st, s.cfg.Now()); err != nil {
		return nil, u, false, err
	}
	l.inFlight[key]++
	return &try{s: s, key: key, name: name}, u, false, nil
}

// gate refuses a try on a locked account or one inside its delay, without taking a place
// (for asking for an SMS code, which checks no secret).
func (s *Service) gate(userID string) error {
	t, _, err := s.begin(userID)
	if err == nil {
		t.release()
	}
	return err
}

// fail counts the try as a failed password or code and returns cause, or ErrAccountLocked
// when this failure locked the account. The count and the giving back of the try's place
// are one step under the ledger's lock: a try begun between the two would otherwise see
// this failure twice (in the store and in flight) and be throttled one failure early.
func (t *try) fail(cause error) error {
	if t.settled {
		return cause
	}
	l := t.s.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	defer t.releaseLocked()
	now := t.s.cfg.Now()
	var st standing
	if t.userID == "" {
		st = l.countUnknown(t.name, now)
	} else {
		u, err := t.s.cfg.Identity.ModifyUser(t.userID, func(u *identity.User) error {
			st = standingOf(*u).counted(now)
			u.FailedLogins, u.LastFailureAt = st.failures, st.lastFailure
			if st.locked && !u.Locked() {
				u.LockedAt = now
			}
			return nil
		})
		if err != nil {
			return err
		}
		st = standingOf(u)
	}
	if st.locked {
		return ErrAccountLocked
	}
	return cause
}

// release gives the try's place back without counting it (a right password or code, or one
// that was never checked). It does nothing once the try is settled.
func (t *try) release() {
	l := t.s.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	t.releaseLocked()
}

// releaseLocked is release for a caller holding the ledger's lock.
func (t *try) releaseLocked() {
	if t.settled {
		return
	}
	t.settled = true
	l := t.s.ledger
	if l.inFlight[t.key]--; l.inFlight[t.key] <= 0 {
		delete(l.inFlight, t.key)
	}
}

// countUnknown counts a failure of an unknown username, making room first when the ledger
// is full; the caller holds l.mu.
func (l *ledger) countUnknown(name [32]byte, now time.Time) standing {
	p := l.unknown[name]
	if p == nil {
		if len(l.unknown) >= maxUnknownNames {
			l.forgetUnknown(maxUnknownNames / 10)
		}
		p = &standing{}
		l.unknown[name] = p
	}
	*p = p.counted(now)
	return *p
}

// forgetUnknown forgets the n unknown usernames with the fewest failures, the oldest among
// equals: a tenth at a time, so that the sort is paid once per thousand new names.
func (l *ledger) forgetUnknown(n int) {
	type entry struct {
		name [32]byte
		st   standing
	}
	all := make([]entry, 0, len(l.unknown))
	for k, v := range l.unknown {
		all = append(all, entry{k, *v})
	}
	slices.SortFunc(all, func(a, b entry) int {
		if a.st.failures != b.st.failures {
			return a.st.failures - b.st.failures
		}
		return a.st.lastFailure.Compare(b.st.lastFailure)
	})
	for _, e := range all[:min(n, len(all))] {
		delete(l.unknown, e.name)
	}
}
