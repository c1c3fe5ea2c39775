package syncengine

import "sync"

// valueCache keeps values by log sequence: decoded records in the store, domain values
// derived from them in the engine. A committed sequence never changes, so an entry is
// never stale; only committed ones are put in. It is cleared whole when full.
type valueCache struct {
	mu   sync.Mutex
	max  int
	vals map[uint64]any
}

func newValueCache(max int) *valueCache {
	return &valueCache{max: max, vals: make(map[uint64]any, max)}
}

func (c *valueCache) get(seq uint64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vals[seq]
	return v, ok
}

func (c *valueCache) put(seq uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.vals) >= c.max {
		clear(c.vals)
	}
	c.vals[seq] = v
}
