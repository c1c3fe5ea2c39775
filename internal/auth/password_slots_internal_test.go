package auth

import (
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestAFullSetOfPasswordSlotsAnswersBusyAfterTheWait: with every slot taken, a check waits
// at most the wait, then gives up with ErrBusy without running argon2id; once a slot is
// free it runs.
func TestAFullSetOfPasswordSlotsAnswersBusyAfterTheWait(t *testing.T) {
	hash, err := HashPassword("rätt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	p := NewPasswordSlots(1, 50*time.Millisecond)
	held, free := make(chan struct{}), make(chan struct{})
	go p.run(func() { close(held); <-free })
	<-held
	start := time.Now()
	if _, err := p.Check(hash, "rätt lösenord"); !errors.Is(err, ErrBusy) {
		t.Fatalf("a check with every slot taken: %v", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("gave up after %s, before the wait", waited)
	}
	if p.Refused() != 1 || p.Runs() != 1 {
		t.Fatalf("refused %d, runs %d", p.Refused(), p.Runs())
	}
	close(free)
	if ok, err := p.Check(hash, "rätt lösenord"); !ok || err != nil {
		t.Fatalf("a check with a free slot: %v %v", ok, err)
	}
	if err := p.CheckDummy("vad som helst"); err != nil || p.Runs() != 3 {
		t.Fatalf("a dummy check: %v, runs %d", err, p.Runs())
	}
}

// TestPasswordSlotsFitTheMemoryLimit: by default two slots per core, but never more than
// a quarter of GOMEMLIMIT holds, and at least one.
func TestPasswordSlotsFitTheMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	if got, want := DefaultPasswordSlots(), min(2*runtime.GOMAXPROCS(0), defaultPasswordBudget/ArgonMemoryBytes); got != want {
		t.Errorf("without GOMEMLIMIT: %d slots, want %d", got, want)
	}
	debug.SetMemoryLimit(8 * ArgonMemoryBytes) // a quarter holds 2
	if got := DefaultPasswordSlots(); got != min(2, 2*runtime.GOMAXPROCS(0)) {
		t.Errorf("GOMEMLIMIT of 8 checks: %d slots", got)
	}
	debug.SetMemoryLimit(ArgonMemoryBytes)
	if got := DefaultPasswordSlots(); got != 1 {
		t.Errorf("GOMEMLIMIT below 4 checks: %d slots, want 1", got)
	}
}
