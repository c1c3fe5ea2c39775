package auth

import (
	"errors"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// ErrBusy is a password check that found no free slot in time: the server is checking as
// many passwords as its memory allows, and the caller should try again shortly.
var ErrBusy = errors.New("auth: too many password checks at once")

// ArgonMemoryBytes is what one argon2id computation holds while it runs.
const ArgonMemoryBytes = argonMemory << 10

// defaultPasswordBudget is the memory given to password checks when GOMEMLIMIT is not set:
// 13 checks at once, about a quarter of a small server's memory.
const defaultPasswordBudget = 256 << 20

// DefaultPasswordSlots is how many argon2id computations may run at once when the operator
// has not said: two per core (each uses one), and no more than a memory budget holds — a
// quarter of GOMEMLIMIT when it is set, else 256 MiB.
func DefaultPasswordSlots() int {
	budget := int64(defaultPasswordBudget)
	if limit := debug.SetMemoryLimit(-1); limit > 0 && limit < 1<<62 {
		budget = limit / 4
	}
	return max(1, min(2*runtime.GOMAXPROCS(0), int(budget/ArgonMemoryBytes)))
}

// PasswordSlots bounds the argon2id computations (password checks and hashes) that run at
// once. Each holds 19 MiB for about 0.1 s, so without a bound a few hundred logins at once
// take gigabytes and starve every other request. A computation waits at most wait for a
// slot, then gives up with ErrBusy: nothing is queued without end.
type PasswordSlots struct {
	slots   chan struct{}
	wait    time.Duration
	runs    atomic.Uint64
	refused atomic.Uint64
}

// NewPasswordSlots allows n computations at once (n < 1: DefaultPasswordSlots) and a wait
// of at most wait for a slot.
func NewPasswordSlots(n int, wait time.Duration) *PasswordSlots {
	if n < 1 {
		n = DefaultPasswordSlots()
	}
	return &PasswordSlots{slots: make(chan struct{}, n), wait: wait}
}

// Size is how many computations may run at once.
func (p *PasswordSlots) Size() int { return cap(p.slots) }

// Runs is how many argon2id computations have run through the slots.
func (p *PasswordSlots) Runs() uint64 { return p.runs.Load() }

// Refused is how many computations were refused with ErrBusy.
func (p *PasswordSlots) Refused() uint64 { return p.refused.Load() }

// run runs f in a slot, or answers ErrBusy when none frees up within the wait.
func (p *PasswordSlots) run(f func()) error {
	select {
	case p.slots <- struct{}{}:
	default:
		t := time.NewTimer(p.wait)
		defer t.Stop()
		select {
		case p.slots <- struct{}{}:
		case <-t.C:
			p.refused.Add(1)
			return ErrBusy
		}
	}
	defer func() { <-p.slots }()
	p.runs.Add(1)
	f()
	return nil
}

// Check is CheckPassword in a slot.
func (p *PasswordSlots) Check(encoded, pw string) (ok bool, err error) {
	err = p.run(func() { ok = CheckPassword(encoded, pw) })
	return ok, err
}

// CheckDummy is CheckDummy in a slot: an unknown user costs a slot and an argon2id run
// with the parameters of HashPassword, as a wrong password does.
func (p *PasswordSlots) CheckDummy(pw string) error {
	return p.run(func() { CheckDummy(pw) })
}

// Hash is HashPassword in a slot.
func (p *PasswordSlots) Hash(pw string) (hash string, err error) {
	if busy := p.run(func() { hash, err = HashPassword(pw) }); busy != nil {
		return "", busy
	}
	return hash, err
}
