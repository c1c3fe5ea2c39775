package syncengine

import "sync"

// Hub tells live streams that one of their scopes changed. A poke carries nothing: the
// phone pulls to learn what.
type Hub struct {
	mu     sync.Mutex
	subs   map[string]map[*Subscription]struct{}
	count  int
	closed bool
}

// Subscription is one live stream's doorbell.
type Subscription struct {
	// C receives a value when one of the scopes changed; pokes coalesce while unread.
	C      <-chan struct{}
	c      chan struct{}
	scopes []string
	// Done is closed when the hub shuts down.
	Done <-chan struct{}
	done chan struct{}
}

// NewHub makes an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[*Subscription]struct{}{}} }

// Subscribe registers interest in scopes.
func (h *Hub) Subscribe(scopes []string) *Subscription {
	c, done := make(chan struct{}, 1), make(chan struct{})
	s := &Subscription{C: c, c: c, scopes: append([]string(nil), scopes...), Done: done, done: done}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(done)
		return s
	}
	for _, sc := range s.scopes {
		m := h.subs[sc]
		if m == nil {
			m = map[*Subscription]struct{}{}
			h.subs[sc] = m
		}
		m[s] = struct{}{}
	}
	h.count++
	return s
}

// Unsubscribe removes a subscription.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	removed := false
	for _, sc := range s.scopes {
		if m := h.subs[sc]; m != nil {
			if _, ok := m[s]; ok {
				removed = true
				delete(m, s)
			}
			if len(m) == 0 {
				delete(h.subs, sc)
			}
		}
	}
	if removed {
		h.count--
	}
}

// Count is the number of open subscriptions.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// Notify pokes every subscription holding one of the scopes, without ever blocking.
func (h *Hub) Notify(scopes []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sc := range scopes {
		for s := range h.subs[sc] {
			select {
			case s.c <- struct{}{}:
			default: // a poke is already waiting
			}
		}
	}
}

// Close ends every subscription (on shutdown).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	seen := map[*Subscription]bool{}
	for _, m := range h.subs {
		for s := range m {
			if !seen[s] {
				seen[s] = true
				close(s.done)
			}
		}
	}
	h.subs = map[string]map[*Subscription]struct{}{}
	h.count = 0
}
