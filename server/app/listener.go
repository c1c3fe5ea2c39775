package app

import (
	"net"
	"sync"
	"sync/atomic"
)

// connTracker wraps a listener to know which connections never sent a byte. fasthttp's
// graceful shutdown closes idle keep-alive connections but waits for one that was opened
// and never used (a browser's preconnect) until its read timeout; those can be closed at
// once, as nothing is in flight on them.
type connTracker struct {
	net.Listener
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func trackConns(ln net.Listener) *connTracker {
	return &connTracker{Listener: ln, conns: map[*trackedConn]struct{}{}}
}

func (t *connTracker) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	return tc, nil
}

// closeUnused closes every connection that has not sent a byte.
func (t *connTracker) closeUnused() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.conns {
		if !c.used.Load() {
			_ = c.Conn.Close()
		}
	}
}

type trackedConn struct {
	net.Conn
	t    *connTracker
	used atomic.Bool
	once sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.used.Store(true)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}
