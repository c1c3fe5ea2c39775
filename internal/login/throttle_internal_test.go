package login

import (
	"crypto/sha256"
	"strconv"
	"testing"
	"time"
)

// TestTheUnknownUsernamesKeptAreBounded: the failures of unknown usernames take bounded
// memory; when full, the name with the fewest failures goes first, so a name probed past
// the free failures is not flushed out by a spray of names tried once each.
func TestTheUnknownUsernamesKeptAreBounded(t *testing.T) {
	l := newLedger()
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	probe := sha256.Sum256([]byte("probed"))
	for range freeFailures {
		l.countUnknown(probe, now)
	}
	for i := range 2 * maxUnknownNames {
		l.countUnknown(sha256.Sum256([]byte("spray-"+strconv.Itoa(i))), now.Add(time.Duration(i)*time.Millisecond))
	}
	if len(l.unknown) > maxUnknownNames {
		t.Fatalf("%d unknown names kept, the bound is %d", len(l.unknown), maxUnknownNames)
	}
	if p := l.unknown[probe]; p == nil || p.failures != freeFailures {
		t.Fatalf("the probed name was forgotten: %+v", p)
	}
}
