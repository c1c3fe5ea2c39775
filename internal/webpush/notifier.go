package webpush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	wp "github.com/SherClockHolmes/webpush-go"

	"vardag/syncengine"
)

// Options configure a Notifier. Zero values take the defaults named.
type Options struct {
	Keys Keys
	// Subject is the VAPID subject: a bare e-mail address (webpush-go adds "mailto:") or
	// an https URL. NormalizeSubject checks it.
	Subject       string
	Subscriptions *Subscriptions
	Directory     Directory
	Read          RecordReader
	// SessionActive tells whether the session a subscription was made in still runs; a
	// subscription of an ended session is deleted instead of used. Nil: always.
	SessionActive func(sessionID string) bool
	// Client sends the requests (default: NewHTTPClient, with Timeout, no redirects and
	// connections to public addresses only).
	Client  wp.HTTPClient
	Timeout time.Duration // one request to a push service (10s)
	TTL     time.Duration // how long a push service keeps an undelivered notification (4h)
	Window  time.Duration // events of one category for one user within this go as one (3s)
	Workers int           // concurrent requests (4)
	Queue   int           // notifications waiting for a worker; more are dropped (1000)
	// Attempts is how many times a notification is tried when the push service answers
	// 429 or 5xx (3); RetryBase is the first backoff (2s), doubled each time, and a
	// Retry-After above MaxRetryAfter (10m) gives up.
	Attempts      int
	RetryBase     time.Duration
	MaxRetryAfter time.Duration
	Log           *slog.Logger

	// AllowLoopback also takes endpoints at 127.0.0.1 (http or https), where a test's
	// fake push service listens. For tests only: no flag or setting of the server sets it.
	AllowLoopback bool
}

// Notifier turns committed changes into notifications and sends them. Nothing it does
// blocks the sync engine or a request: events and notifications go through bounded
// queues, and what does not fit is dropped and counted.
type Notifier struct {
	opts    Options
	mapper  mapper
	metrics *Metrics

	events chan commit
	jobs   chan job

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool

	mu      sync.Mutex
	pending map[target]*pendingBatch
	timers  map[*time.Timer]struct{} // retries and windows not yet fired
}

type commit struct {
	at      time.Time
	changes []syncengine.CommittedChange
}

type pendingBatch struct{ count int }

// job is one notification to one subscription.
type job struct {
	subID    string
	category string
	count    int
	attempt  int
}

// NormalizeSubject checks a VAPID subject and returns it as webpush-go v1.4.0 wants it:
// that library prefixes "mailto:" to anything that does not begin with "https:", so an
// e-mail address goes bare and a "mailto:" given in configuration is taken off.
func NormalizeSubject(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "https:") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil {
			return "", errors.New("webpush: the subject must be an e-mail address or an https URL")
		}
		return s, nil
	}
	addr := s
	if len(addr) >= 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 || strings.ContainsAny(addr, " \t\r\n<>,;:\"") || strings.Contains(addr[at+1:], "@") {
		return "", errors.New("webpush: the subject must be an e-mail address or an https URL")
	}
	return addr, nil
}

// New makes a notifier and starts its goroutines; Close stops them.
func New(opts Options) (*Notifier, error) {
	subject, err := NormalizeSubject(opts.Subject)
	if err != nil {
		return nil, err
	}
	opts.Subject = subject
	if opts.Subscriptions == nil || opts.Directory == nil {
		return nil, errors.New("webpush: a notifier needs subscriptions and a directory")
	}
	if _, err := ParseKeys(opts.Keys.Private); err != nil {
		return nil, err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Timeout, 10*time.Second)
	def(&opts.TTL, 4*time.Hour)
	def(&opts.RetryBase, 2*time.Second)
	def(&opts.MaxRetryAfter, 10*time.Minute)
	if opts.Window < 0 {
		opts.Window = 0
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Queue <= 0 {
		opts.Queue = 1000
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{
		opts: opts, mapper: mapper{dir: opts.Directory, read: opts.Read},
		events: make(chan commit, 256), jobs: make(chan job, opts.Queue),
		ctx: ctx, cancel: cancel,
		pending: map[target]*pendingBatch{}, timers: map[*time.Timer]struct{}{},
	}
	n.metrics = newMetrics(func() float64 { return float64(len(n.jobs)) })
	if n.opts.Client == nil {
		n.opts.Client = newHTTPClient(opts.Timeout, opts.Workers, dialGuard{allowLoopback: opts.AllowLoopback, counted: n.metrics.connected}, nil)
	}
	n.wg.Add(1 + opts.Workers)
	go n.dispatch()
	for range opts.Workers {
		go n.work()
	}
	return n, nil
}

// Metrics are the notifier's Prometheus collectors.
func (n *Notifier) Metrics() *Metrics { return n.metrics }

// PublicKey is the VAPID public key (base64url uncompressed point).
func (n *Notifier) PublicKey() string { return n.opts.Keys.Public }

// Subscriptions are the kept subscriptions.
func (n *Notifier) Subscriptions() *Subscriptions { return n.opts.Subscriptions }

// ValidateEndpoint is the package's ValidateEndpoint, with this notifier's AllowLoopback.
func (n *Notifier) ValidateEndpoint(endpoint string) error {
	return validateEndpoint(endpoint, n.opts.AllowLoopback)
}

// Subscribe keeps a device's subscription (Subscriptions.Put). An endpoint held by
// another device is refused (ErrEndpointTaken) while the session it was made in runs.
func (n *Notifier) Subscribe(sub Subscription) error {
	return n.opts.Subscriptions.Put(sub, func(old Subscription) bool {
		return n.opts.SessionActive != nil && !n.opts.SessionActive(old.SessionID)
	})
}

// OnCommit is the sync engine's commit hook: it hands the changes on without blocking,
// dropping (and counting) them when the notifier is behind.
func (n *Notifier) OnCommit(at time.Time, changes []syncengine.CommittedChange) {
	if n.closed.Load() {
		return
	}
	select {
	case n.events <- commit{at: at, changes: changes}:
	default:
		n.metrics.dropped.WithLabelValues("events").Inc()
	}
}

// Close stops the notifier: requests in flight are cancelled and waiting notifications
// are dropped.
func (n *Notifier) Close() {
	if n.closed.Swap(true) {
		return
	}
	n.mu.Lock()
	for t := range n.timers {
		t.Stop()
	}
	n.timers = map[*time.Timer]struct{}{}
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}

func (n *Notifier) dispatch() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case c := <-n.events:
			for _, ch := range c.changes {
				for _, t := range n.mapper.targets(c.at, ch) {
					n.add(t)
				}
			}
		}
	}
}

// add counts one event for a user; the first of a window starts the window's timer.
func (n *Notifier) add(t target) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.pending[t]; p != nil {
		p.count++
		return
	}
	n.pending[t] = &pendingBatch{count: 1}
	n.after(n.opts.Window, func() { n.flush(t) })
}

// after runs fn after d unless the notifier closes first. n.mu must be held.
func (n *Notifier) after(d time.Duration, fn func()) {
	if n.closed.Load() {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		n.mu.Lock()
		_, live := n.timers[t]
		delete(n.timers, t)
		n.mu.Unlock()
		if live {
			fn()
		}
	})
	n.timers[t] = struct{}{}
}

// flush ends a user's window: one notification with the count to each subscription.
func (n *Notifier) flush(t target) {
	n.mu.Lock()
	p := n.pending[t]
	delete(n.pending, t)
	n.mu.Unlock()
	if p == nil {
		return
	}
	for _, sub := range n.opts.Subscriptions.ForUser(t.userID) {
		n.enqueue(job{subID: sub.ID, category: t.category, count: p.count})
	}
}

// enqueue hands a notification to the workers, or drops it when the queue is full.
func (n *Notifier) enqueue(j job) {
	if n.closed.Load() {
		return
	}
	select {
	case n.jobs <- j:
	default:
		n.metrics.dropped.WithLabelValues("queue").Inc()
	}
}

func (n *Notifier) work() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case j := <-n.jobs:
			n.send(j)
		}
	}
}

// Payload is what a notification carries: a category and a count, nothing personal.
type Payload struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
}

func urgency(category string) wp.Urgency {
	if category == CategoryMissedSigning {
		return wp.UrgencyHigh // a dose may still be given
	}
	return wp.UrgencyNormal
}

func (n *Notifier) send(j job) {
	sub, ok := n.opts.Subscriptions.Get(j.subID)
	if !ok {
		return // unsubscribed meanwhile
	}
	log := n.opts.Log.With("subscription", sub.ID, "category", j.category)
	if n.opts.SessionActive != nil && !n.opts.SessionActive(sub.SessionID) {
		n.remove(sub, "session_ended", log)
		return
	}
	if n.ValidateEndpoint(sub.Endpoint) != nil {
		n.remove(sub, "invalid_endpoint", log) // kept before endpoints were checked as now
		return
	}
	payload := []byte(`{"category":"` + j.category + `","count":` + strconv.Itoa(j.count) + `}`)
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.Timeout)
	defer cancel()
	res, err := wp.SendNotificationWithContext(ctx, payload, &wp.Subscription{
		Endpoint: sub.Endpoint, Keys: wp.Keys{P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth},
	}, &wp.Options{
		HTTPClient:      n.opts.Client,
		Subscriber:      n.opts.Subject,
		Topic:           j.category,
		TTL:             int(n.opts.TTL / time.Second),
		Urgency:         urgency(j.category),
		VAPIDPublicKey:  n.opts.Keys.Public,
		VAPIDPrivateKey: n.opts.Keys.Private,
	})
	if err != nil {
		if n.ctx.Err() != nil {
			return // stopping
		}
		if errors.Is(err, ErrRefusedAddress) {
			// The endpoint's name resolves to an address inside: no push service is there.
			n.metrics.failed.WithLabelValues("refused_address").Inc()
			n.remove(sub, "refused_address", log)
			return
		}
		n.metrics.failed.WithLabelValues("network").Inc()
		// Never the error's text: a *url.Error holds the endpoint.
		log.Warn("webpush: sending failed", "error_kind", errorKind(err))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		n.metrics.sent.WithLabelValues(j.category).Inc()
	case code == http.StatusNotFound || code == http.StatusGone:
		n.metrics.failed.WithLabelValues("gone").Inc()
		n.remove(sub, "gone", log)
	case code == http.StatusTooManyRequests || code >= 500:
		n.retry(j, res.Header.Get("Retry-After"), code, log)
	default:
		n.metrics.failed.WithLabelValues("rejected").Inc()
		log.Warn("webpush: the push service refused a notification", "status", code)
	}
}

func (n *Notifier) remove(sub Subscription, reason string, log *slog.Logger) {
	if err := n.opts.Subscriptions.Delete(sub.ID); err != nil {
		log.Error("webpush: unable to delete a subscription", "err", err)
		return
	}
	n.metrics.removed.WithLabelValues(reason).Inc()
	log.Info("webpush: subscription deleted", "reason", reason)
}

// retry tries a notification again after the push service's Retry-After, or a backoff
// that doubles with each attempt, up to Attempts in all.
func (n *Notifier) retry(j job, retryAfter string, status int, log *slog.Logger) {
	j.attempt++
	if j.attempt >= n.opts.Attempts {
		n.metrics.failed.WithLabelValues("unavailable").Inc()
		log.Warn("webpush: the push service stayed unavailable", "status", status, "attempts", j.attempt)
		return
	}
	backoff := n.opts.RetryBase << (j.attempt - 1)
	delay := backoff/2 + rand.N(backoff/2+1) // jitter, so that retries do not come in step
	if d, ok := parseRetryAfter(retryAfter, time.Now()); ok {
		if d > n.opts.MaxRetryAfter {
			n.metrics.failed.WithLabelValues("unavailable").Inc()
			log.Warn("webpush: the push service asked to wait too long", "status", status)
			return
		}
		delay = d
	}
	n.metrics.retried.Inc()
	n.mu.Lock()
	n.after(delay, func() { n.enqueue(j) })
	n.mu.Unlock()
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// errorKind names a sending error without its text.
func errorKind(err error) string {
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ue) && ue.Timeout():
		return "timeout"
	case errors.As(err, &ue):
		return "network"
	}
	return "request"
}

// Stats are the notifier's counts, for tests and the administrator.
type Stats struct {
	Sent, Failed, Dropped, Retried, Removed float64
	QueueLen, QueueCap                      int
	Subscriptions                           int
	// Connections to push services the dialer allowed, and refused (not public).
	Connections, RefusedConnections float64
}

// Stats reads the counters.
func (n *Notifier) Stats() Stats {
	return Stats{
		Sent: sum(n.metrics.sent), Failed: sum(n.metrics.failed), Dropped: sum(n.metrics.dropped),
		Retried: value(n.metrics.retried), Removed: sum(n.metrics.removed),
		QueueLen: len(n.jobs), QueueCap: cap(n.jobs), Subscriptions: n.opts.Subscriptions.Len(),
		Connections:        value(n.metrics.connects.WithLabelValues("allowed")),
		RefusedConnections: value(n.metrics.connects.WithLabelValues("refused")),
	}
}

func (s Stats) String() string {
	return fmt.Sprintf("sent %v, failed %v, dropped %v, retried %v, removed %v, queue %d/%d", s.Sent, s.Failed, s.Dropped, s.Retried, s.Removed, s.QueueLen, s.QueueCap)
}

// Sweep deletes the subscriptions whose session has ended, and returns how many.
func (n *Notifier) Sweep() (int, error) {
	if n.opts.SessionActive == nil {
		return 0, nil
	}
	subs := n.opts.Subscriptions
	subs.mu.RLock()
	var ended []string
	for id, sub := range subs.byID {
		if !n.opts.SessionActive(sub.SessionID) {
			ended = append(ended, id)
		}
	}
	subs.mu.RUnlock()
	for _, id := range ended {
		if err := subs.Delete(id); err != nil {
			return 0, err
		}
		n.metrics.removed.WithLabelValues("session_ended").Inc()
	}
	return len(ended), nil
}
