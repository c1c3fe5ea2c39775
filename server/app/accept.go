package app

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Backoff between accepts that failed for a passing reason, as net/http's Server does.
const (
	acceptDelayMin = 5 * time.Millisecond
	acceptDelayMax = time.Second
	// acceptLogEvery is how often a run of failed accepts is logged (with a count).
	acceptLogEvery = 10 * time.Second
)

// retryingListener keeps accepting through errors that pass: out of file descriptors
// (EMFILE, ENFILE), out of buffers, a connection aborted before it was accepted. fasthttp's
// Serve returns on any accept error but a timeout, which would stop the server for good
// (on a descriptor flood, say); here such an error waits, doubling from 5 ms to 1 s, and
// tries again, so Serve only sees the listener closed or an error that will not pass.
type retryingListener struct {
	net.Listener
	log    *slog.Logger
	failed prometheus.Counter

	closeOnce sync.Once
	closed    chan struct{}

	// Only Accept's goroutine (fasthttp's single accept loop) touches these.
	lastLog  time.Time
	unlogged int
}

func retryAccepts(ln net.Listener, log *slog.Logger, failed prometheus.Counter) *retryingListener {
	return &retryingListener{Listener: ln, log: log, failed: failed, closed: make(chan struct{})}
}

func (l *retryingListener) Accept() (net.Conn, error) {
	delay := time.Duration(0)
	for {
		c, err := l.Listener.Accept()
		if err == nil || !passing(err) {
			return c, err
		}
		l.failed.Inc()
		delay = min(max(2*delay, acceptDelayMin), acceptDelayMax)
		l.logFailure(err, delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.closed: // shutting down: the next Accept answers that the listener is closed
			t.Stop()
		}
	}
}

// logFailure logs the first failure of a run at once, then one line per acceptLogEvery
// with how many failed in between.
func (l *retryingListener) logFailure(err error, delay time.Duration) {
	l.unlogged++
	if now := time.Now(); now.Sub(l.lastLog) >= acceptLogEvery {
		l.log.Error("app: accepting a connection failed; retrying", "err", err, "retry_in", delay.String(), "failures", l.unlogged)
		l.lastLog, l.unlogged = now, 0
	}
}

func (l *retryingListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// passingErrors are the accept errors that a wait can cure: resources that free up, and
// (on Linux) network errors of the connection being accepted, which accept(2) says to
// treat as EAGAIN.
var passingErrors = []error{
	syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
	syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN,
	syscall.EPROTO, syscall.EPERM, syscall.ENOPROTOOPT, syscall.EOPNOTSUPP,
	syscall.ENETDOWN, syscall.ENETUNREACH, syscall.EHOSTDOWN, syscall.EHOSTUNREACH,
}

func passing(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range passingErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
