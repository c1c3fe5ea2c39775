package syncengine

import (
	"sync"
	"sync/atomic"
)

// seqsPerChunk is how many sequences one chunk of validSeqs covers (8 KB of bits).
const seqsPerChunk = 1 << 16

type seqChunk [seqsPerChunk / 64]atomic.Uint64

// validSeqs remembers the log entries a pull has found to be valid JSON. A committed
// entry never changes (a sequence is written once; a restore starts a new process), so
// each is checked once per process rather than in every pull: json.Valid costs several
// times what the rest of a page does. One bit per sequence; reads take no lock.
type validSeqs struct {
	mu     sync.Mutex // held only to add a chunk
	chunks atomic.Pointer[[]*seqChunk]
}

func (v *validSeqs) has(seq uint64) bool {
	if c := v.find(seq / seqsPerChunk); c != nil {
		return c[seq%seqsPerChunk/64].Load()&(1<<(seq%64)) != 0
	}
	return false
}

func (v *validSeqs) add(seq uint64) {
	c := v.find(seq / seqsPerChunk)
	if c == nil {
		c = v.grow(seq / seqsPerChunk)
	}
	c[seq%seqsPerChunk/64].Or(1 << (seq % 64))
}

func (v *validSeqs) find(i uint64) *seqChunk {
	if cs := v.chunks.Load(); cs != nil && i < uint64(len(*cs)) {
		return (*cs)[i]
	}
	return nil
}

// grow adds chunk i, copying the list so that readers of the old one are not disturbed.
func (v *validSeqs) grow(i uint64) *seqChunk {
	v.mu.Lock()
	defer v.mu.Unlock()
	var cs []*seqChunk
	if p := v.chunks.Load(); p != nil {
		cs = *p
	}
	if i < uint64(len(cs)) && cs[i] != nil {
		return cs[i]
	}
	grown := make([]*seqChunk, max(uint64(len(cs)), i+1))
	copy(grown, cs)
	grown[i] = new(seqChunk)
	v.chunks.Store(&grown)
	return grown[i]
}
