package syncengine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Errors of the engine that the HTTP layer turns into answers.
var (
	ErrClosed        = errors.New("syncengine: closed")
	ErrDeviceOwner   = errors.New("syncengine: the device belongs to another user")
	ErrCursorExpired = errors.New("syncengine: history before the cursor has been compacted")
	ErrInvalidCursor = errors.New("syncengine: the cursor cannot be read")
)

// GapError answers a push whose first mutation id is above the device's last plus one.
type GapError struct{ LastMutationID uint64 }

func (g *GapError) Error() string { return "syncengine: mutation ids have a gap" }

// Options configure an Engine.
type Options struct {
	Store Store
	// Now is the server clock (time.Now by default).
	Now func() time.Time
	// MaxBatch is the most jobs one commit takes (default 512).
	MaxBatch int
	// KeepResults is how many stored mutation results a device keeps (default 1000).
	KeepResults uint64
	// Retention is how long tombstones are kept before compaction (default 180 days).
	Retention time.Duration
	// OfflineLimit is the longest a device keeps a change before it reaches the server
	// (default 72 hours): phones wipe their data, outbox included, after so long without
	// a sync. A mutation whose client_time lies further back than this and an hour (for a
	// lagging clock), or more than 10 minutes ahead of the server, is rejected with
	// invalid_client_time.
	OfflineLimit time.Duration
	Logger       *slog.Logger
	// Streams bound the live streams the hub holds (zero: no limit).
	Streams StreamLimits
	// Observe, when set, sees each live change a pull sends: its record kind, then the
	// change's JSON as sent (valid only during the call). What it returns with ok goes to
	// PullResult.Observed, in the order sent. It runs for every record of every pull, so
	// it must answer at once for kinds it does not care about.
	Observe func(kind string, change []byte) (any, bool)
	// OnCommit, when set, receives every change of each group commit once the commit is on
	// disk, in log order, with the commit's server time (the handlers' Tx.Now). It runs on
	// the writer goroutine after the pushes are answered, so it must return at once: hand
	// the changes to a queue of its own and never block. The slice is the callee's; the
	// Data of each change must not be modified. A panic in it is logged and ignored.
	OnCommit func(at time.Time, changes []CommittedChange)
}

// CommittedChange is one change of a commit, as OnCommit sees it.
type CommittedChange struct {
	Seq    uint64
	Kind   string
	ID     string
	Op     string // OpPut or OpDelete
	Scopes []string
	Data   json.RawMessage // the record as put (nil for a delete)
}

// Engine is the sync core. Start it before use and Close it to drain pending writes.
type Engine struct {
	opts     Options
	store    Store
	handlers map[string]Handler
	hub      *Hub
	metrics  *Metrics
	decoded  *valueCache
	valid    validSeqs // log entries found valid JSON by a pull

	// committed collects the changes of the commit in progress for OnCommit; only the
	// writer goroutine touches it.
	committed []CommittedChange

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *job
	done   chan struct{}
}

// New makes an engine over a store.
func New(opts Options) *Engine {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.KeepResults == 0 {
		opts.KeepResults = 1000
	}
	if opts.Retention <= 0 {
		opts.Retention = 180 * 24 * time.Hour
	}
	if opts.OfflineLimit <= 0 {
		opts.OfflineLimit = 72 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	metrics := newMetrics()
	hub := NewHub(opts.Streams)
	hub.refused = func(limit string) { metrics.streamsRefused.WithLabelValues(limit).Inc() }
	return &Engine{
		opts:     opts,
		store:    opts.Store,
		handlers: map[string]Handler{},
		hub:      hub,
		decoded:  newValueCache(8192),
		metrics:  metrics,
		queue:    make(chan *job, 4096),
		done:     make(chan struct{}),
	}
}

// Register adds a mutation handler by name. Call it before Start.
func (e *Engine) Register(name string, h Handler) {
	if h.Decode == nil || h.Apply == nil {
		panic("syncengine: handler " + name + " needs Decode and Apply")
	}
	e.handlers[name] = h
}

// Hub is the live poke hub.
func (e *Engine) Hub() *Hub { return e.hub }

// Metrics are the engine's Prometheus collectors.
func (e *Engine) Metrics() *Metrics { return e.metrics }

// Start runs the single writer goroutine.
func (e *Engine) Start() { go e.writer() }

// Close stops taking jobs, finishes those already queued and waits for the writer, or
// until ctx ends.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.queue)
	}
	e.mu.Unlock()
	e.hub.Close()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// View reads a consistent snapshot of the store.
func (e *Engine) View(fn func(ReadTx) error) error { return e.store.View(fn) }

// Do runs fn in the writer's next transaction (for server-side writes such as seeding or
// an integration). Its staged writes commit only if it returns nil.
func (e *Engine) Do(ctx context.Context, fn func(tx *Tx) error) error {
	j := &job{fn: fn, done: make(chan jobResult, 1)}
	res, err := e.submit(ctx, j)
	if err != nil {
		return err
	}
	return res.err
}

func (e *Engine) submit(ctx context.Context, j *job) (jobResult, error) {
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		return jobResult{}, ErrClosed
	}
	select {
	case e.queue <- j:
	case <-ctx.Done():
		e.mu.RUnlock()
		return jobResult{}, ctx.Err()
	}
	e.mu.RUnlock()
	// Once queued, the job is applied whatever the caller does: wait for its result so
	// that an answer is never given before the commit.
	return <-j.done, nil
}

// DeviceOwner returns the user a device id belongs to ("" when it never pushed).
func (e *Engine) DeviceOwner(deviceID string) (string, error) {
	var st DeviceState
	err := e.store.View(func(r ReadTx) error {
		var err error
		st, err = r.Device(deviceID)
		return err
	})
	return st.OwnerID, err
}
