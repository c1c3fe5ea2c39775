package syncengine

import (
	"sync"
	"testing"
)

// TestValidSeqsRemembersEachSequenceAlone: a sequence is valid once added, its neighbours
// and far-away ones are not, across chunks and while others add concurrently.
func TestValidSeqsRemembersEachSequenceAlone(t *testing.T) {
	var v validSeqs
	added := []uint64{0, 1, 63, 64, seqsPerChunk - 1, seqsPerChunk, 5*seqsPerChunk + 7}
	var wg sync.WaitGroup
	for _, s := range added {
		wg.Add(1)
		go func() { defer wg.Done(); v.add(s) }()
	}
	wg.Wait()
	for _, s := range added {
		if !v.has(s) {
			t.Errorf("%d was added but is not there", s)
		}
	}
	for _, s := range []uint64{2, 62, 65, seqsPerChunk + 1, 3 * seqsPerChunk, 5*seqsPerChunk + 6, 100 * seqsPerChunk} {
		if v.has(s) {
			t.Errorf("%d is there but was never added", s)
		}
	}
}
