package syncengine

import (
	"errors"
	"sync"
)

// Refusals of a live stream beyond the hub's limits.
var (
	ErrDeviceStreams = errors.New("syncengine: the device holds as many live streams as it may")
	ErrUserStreams   = errors.New("syncengine: the user's devices hold as many live streams as they may")
	ErrStreamsFull   = errors.New("syncengine: the server holds as many live streams as it may")
)

// StreamLimits bound the live streams: each stream holds a connection, and so a file
// descriptor, for as long as it is open. Zero is no limit.
type StreamLimits struct {
	PerDevice, PerUser, Total int
}

// StreamOwner is who holds a live stream.
type StreamOwner struct {
	UserID, DeviceID string
}

// Hub tells live streams that one of their scopes changed. A poke carries nothing: the
// phone pulls to learn what.
type Hub struct {
	limits  StreamLimits
	refused func(limit string) // counts a refusal by the limit reached

	mu       sync.Mutex
	subs     map[string]map[*Subscription]struct{}
	open     map[*Subscription]struct{}
	byUser   map[string]int
	byDevice map[string]int
	closed   bool
}

// Subscription is one live stream's doorbell.
type Subscription struct {
	// C receives a value when one of the scopes changed; pokes coalesce while unread.
	C      <-chan struct{}
	c      chan struct{}
	scopes []string
	owner  StreamOwner
	// Done is closed when the hub shuts down.
	Done <-chan struct{}
	done chan struct{}
}

// NewHub makes an empty hub that holds at most limits.
func NewHub(limits StreamLimits) *Hub {
	return &Hub{limits: limits, refused: func(string) {},
		subs: map[string]map[*Subscription]struct{}{}, open: map[*Subscription]struct{}{},
		byUser: map[string]int{}, byDevice: map[string]int{}}
}

// Subscribe registers a stream's interest in scopes, unless its device, its user or the
// whole server already holds as many streams as the limits allow (ErrDeviceStreams,
// ErrUserStreams, ErrStreamsFull).
func (h *Hub) Subscribe(owner StreamOwner, scopes []string) (*Subscription, error) {
	c, done := make(chan struct{}, 1), make(chan struct{})
	s := &Subscription{C: c, c: c, scopes: append([]string(nil), scopes...), owner: owner, Done: done, done: done}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(done)
		return s, nil
	}
	if err := h.admit(owner); err != nil {
		return nil, err
	}
	for _, sc := range s.scopes {
		m := h.subs[sc]
		if m == nil {
			m = map[*Subscription]struct{}{}
			h.subs[sc] = m
		}
		m[s] = struct{}{}
	}
	h.open[s] = struct{}{}
	h.byUser[owner.UserID]++
	h.byDevice[owner.DeviceID]++
	return s, nil
}

// admit checks the limits, the device's first: it is what the phone can act on.
func (h *Hub) admit(owner StreamOwner) error {
	l := h.limits
	switch {
	case l.PerDevice > 0 && h.byDevice[owner.DeviceID] >= l.PerDevice:
		h.refused("device")
		return ErrDeviceStreams
	case l.PerUser > 0 && h.byUser[owner.UserID] >= l.PerUser:
		h.refused("user")
		return ErrUserStreams
	case l.Total > 0 && len(h.open) >= l.Total:
		h.refused("server")
		return ErrStreamsFull
	}
	return nil
}

// Unsubscribe removes a subscription.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.open[s]; !ok {
		return // never admitted, or already removed (or the hub closed)
	}
	delete(h.open, s)
	for _, sc := range s.scopes {
		if m := h.subs[sc]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(h.subs, sc)
			}
		}
	}
	decrement(h.byUser, s.owner.UserID)
	decrement(h.byDevice, s.owner.DeviceID)
}

func decrement(counts map[string]int, key string) {
	if counts[key] <= 1 {
		delete(counts, key)
	} else {
		counts[key]--
	}
}

// Count is the number of open subscriptions.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.open)
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
	for s := range h.open {
		close(s.done)
	}
	h.subs = map[string]map[*Subscription]struct{}{}
	h.open = map[*Subscription]struct{}{}
	h.byUser, h.byDevice = map[string]int{}, map[string]int{}
}
