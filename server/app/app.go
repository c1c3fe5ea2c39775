// Package app wires the server together: store, sync engine, care handlers, login, HTTP
// API and metrics. The binary in server/ and the end-to-end tests both start it.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"

	"vardag/internal/accesslog"
	"vardag/internal/accessreview"
	"vardag/internal/assignments"
	"vardag/internal/auth"
	"vardag/internal/boltstore"
	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/login"
	"vardag/internal/messages"
	"vardag/internal/plans"
	"vardag/internal/reference"
	"vardag/internal/signing"
	"vardag/internal/sms"
	"vardag/internal/training"
	"vardag/internal/webpush"
	"vardag/mobileweb"
	"vardag/server/api"
	"vardag/server/config"
	"vardag/syncengine"
)

// App is a running Vardag server.
type App struct {
	Config   config.Config
	Store    *syncengine.BoltStore
	Engine   *syncengine.Engine
	Identity *identity.Store
	Login    *login.Service
	Fiber    *fiber.App
	// Push sends web push notifications; nil when web push is off (no -push-subject).
	Push *webpush.Notifier
	// Seeded tells whether this start seeded the demo.
	Seeded bool

	log             *slog.Logger
	acceptFailures  prometheus.Counter
	stopMaintenance context.CancelFunc
	conns           atomic.Pointer[connTracker] // set by Serve, read by Shutdown
	tls             *tls.Config                 // nil: plain HTTP
}

// New opens the store in cfg.DataDir and builds the server (not yet listening).
func New(cfg config.Config, log *slog.Logger) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StreamsMax == 0 {
		cfg.StreamsMax = streamsMax()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: unable to create data directory: %w", err)
	}
	store, err := syncengine.OpenBolt(filepath.Join(cfg.DataDir, "vardag.db"))
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: store, log: log}
	if err := a.build(); err != nil {
		if a.Push != nil {
			a.Push.Close()
		}
		store.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build() error {
	cfg := a.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("app: unable to load the TLS certificate: %w", err)
		}
		a.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	kept := boltstore.New(a.Store)
	secret := cfg.JWTSecret
	if len(secret) == 0 {
		var err error
		if secret, err = storedSecret(kept.Secrets()); err != nil {
			return err
		}
	}
	identityStorage, err := kept.Identity()
	if err != nil {
		return err
	}
	ids, err := identity.NewStore(identityStorage)
	if err != nil {
		return err
	}
	sessionStorage, err := kept.Sessions()
	if err != nil {
		return err
	}
	sessions, err := auth.NewSessionStore(sessionStorage, cfg.Now, cfg.SessionMax)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokenIssuer(secret, cfg.Issuer, cfg.Audience, cfg.AccessTTL, cfg.Now)
	if err != nil {
		return err
	}
	var eng *syncengine.Engine
	push, err := a.webPush(ids, sessions, func(kind, id string) (json.RawMessage, bool) {
		var data json.RawMessage
		var ok bool
		_ = eng.View(func(r syncengine.ReadTx) error {
			rec, found, err := r.Record(kind, id)
			if err == nil && found {
				data, ok = append(json.RawMessage(nil), rec.Data...), true
			}
			return err
		})
		return data, ok
	})
	if err != nil {
		return err
	}
	a.Push = push
	// A phone keeps its outbox at most until it wipes: older client times are refused.
	engOpts := syncengine.Options{Store: a.Store, Now: cfg.Now, Retention: cfg.Retention, OfflineLimit: cfg.PhoneWipeAfter,
		Logger: a.log, Observe: accesslog.Observe,
		Streams: syncengine.StreamLimits{PerDevice: cfg.StreamsPerDevice, PerUser: cfg.StreamsPerUser, Total: cfg.StreamsMax}}
	if push != nil {
		engOpts.OnCommit = push.OnCommit
	}
	eng = syncengine.New(engOpts)
	for _, handlers := range []map[string]syncengine.Handler{
		journal.Handlers(), deviations.Handlers(), messages.Handlers(ids.Colleagues),
		assignments.Handlers(ids.SubunitOf), reference.Handlers(), signing.Handlers(ids.WorksIn),
		accesslog.Handlers(ids.WorksIn), clients.Handlers(), plans.Handlers(),
	} {
		for name, h := range training.Guard(handlers) {
			eng.Register(name, h)
		}
	}
	eng.Start()
	a.Engine, a.Identity = eng, ids
	sender, err := smsSender(cfg)
	if err != nil {
		return err
	}
	passwords := auth.NewPasswordSlots(cfg.PasswordChecks, cfg.PasswordWait)
	a.Login = login.New(login.Config{Identity: ids, Sessions: sessions, Tokens: tokens, Devices: eng, Now: cfg.Now, SMS: sender, Passwords: passwords})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := eng.Metrics().Register(reg); err != nil {
		return err
	}
	if push != nil {
		if err := push.Metrics().Register(reg); err != nil {
			return err
		}
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vardag_live_streams", Help: "Open live (SSE) streams.",
	}, func() float64 { return float64(eng.Hub().Count()) }))
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vardag_password_check_slots", Help: "Password checks (argon2id) that may run at once.",
		}, func() float64 { return float64(passwords.Size()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "vardag_password_checks_total", Help: "Password checks and hashes (argon2id) run, unknown usernames included.",
		}, func() float64 { return float64(passwords.Runs()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "vardag_password_checks_refused_total", Help: "Logins answered 503 busy: no password check slot freed up in time.",
		}, func() float64 { return float64(passwords.Refused()) }),
	)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vardag_access_reviews_overdue", Help: "Units whose twice-yearly access review (behörighetskontroll) is overdue.",
	}, func() float64 {
		overdue, err := accessreview.Overdue(ids, cfg.Now(), nil)
		if err != nil {
			a.log.Error("app: unable to count overdue access reviews", "err", err)
			return math.NaN()
		}
		return float64(len(overdue))
	}))
	a.acceptFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vardag_accept_errors_total", Help: "Connections the server could not accept (out of file descriptors, say) and retried.",
	})
	reg.MustRegister(a.acceptFailures)

	fc := fiber.Config{
		AppName:               "vardag",
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           cfg.HeaderTimeout, // the body's time is set once the header is in (below)
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		DisableStartupMessage: true,
		ErrorHandler:          api.ErrorHandler(a.log),
		RequestMethods:        api.RequestMethods,
		// No route takes a form: a multipart body is not parsed (nor spooled to disk)
		// before a route refuses it (415 unsupported_media_type).
		DisablePreParseMultipartForm: true,
	}
	// Behind the municipality's proxy the caller's address (for the per-address login
	// limits) comes from X-Forwarded-For, but only from these proxies, and the right-most
	// address no trusted proxy wrote (api.TrustedProxies). Fiber itself trusts no proxy
	// header: c.IP() is the connection's address, and X-Forwarded-Proto and -Host count
	// only from these proxies.
	proxies, err := api.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	fc.EnableTrustedProxyCheck, fc.TrustedProxies = true, cfg.TrustedProxies
	a.Fiber = fiber.New(fc)
	// fasthttp's ReadTimeout runs from a connection's start (or a request's first byte) to
	// the end of the request. As the header timeout it closes a connection that never sends
	// a whole header (one of a flood of half-open ones) early; the body then gets the full
	// read timeout from the header's arrival.
	a.Fiber.Server().HeaderReceived = func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
		return fasthttp.RequestConfig{ReadTimeout: cfg.ReadTimeout}
	}
	h := &api.Handlers{Engine: eng, Login: a.Login, Identity: ids, Log: a.log, Now: cfg.Now, KeepAlive: cfg.KeepAlive,
		WriteTimeout: cfg.WriteTimeout, SessionMax: cfg.SessionMax, LoginLimit: cfg.LoginLimit, RefreshLimit: cfg.RefreshLimit, Proxies: proxies,
		PhoneWipeAfter: cfg.PhoneWipeAfter, SignEarlyWarning: cfg.SignEarlyWarning, Push: push}
	h.Routes(a.Fiber, adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})), mobileweb.FS())

	if cfg.Demo {
		if a.Seeded, err = demo.Seed(context.Background(), ids, eng, cfg.Now()); err != nil {
			return fmt.Errorf("app: unable to seed the demo: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stopMaintenance = cancel
	go a.every(ctx, time.Hour, "compaction", func(ctx context.Context) (int, error) { return eng.Compact(ctx) })
	go a.every(ctx, time.Hour, "pruning ended sessions", func(context.Context) (int, error) { return sessions.Prune() })
	if push != nil {
		go a.every(ctx, time.Hour, "deleting push subscriptions of ended sessions", func(context.Context) (int, error) { return push.Sweep() })
	}
	// An occurrence left unsigned an hour past its time raises an alert.
	go a.every(ctx, time.Minute, "raising missed signings", func(ctx context.Context) (int, error) {
		return signing.RaiseMissed(ctx, eng, cfg.Now())
	})
	return nil
}

// webPush builds the web push notifier (nil when web push is off): the VAPID key from the
// configuration or kept in the store, subscriptions in the store, and a subscription
// ending with its session.
func (a *App) webPush(ids *identity.Store, sessions *auth.SessionStore, read webpush.RecordReader) (*webpush.Notifier, error) {
	cfg := a.Config
	if cfg.PushSubject == "" {
		return nil, nil
	}
	var keys webpush.Keys
	var err error
	kept := boltstore.New(a.Store)
	if cfg.VAPIDPrivateKey != "" {
		keys, err = webpush.ParseKeys(cfg.VAPIDPrivateKey)
	} else {
		keys, err = webpush.StoredKeys(kept.Secrets())
	}
	if err != nil {
		return nil, err
	}
	subs, err := webpush.OpenSubscriptions(kept.Subscriptions())
	if err != nil {
		return nil, err
	}
	return webpush.New(webpush.Options{
		Keys: keys, Subject: cfg.PushSubject, Subscriptions: subs, Directory: ids, Read: read,
		SessionActive: func(id string) bool {
			_, err := sessions.Active(id)
			// A store error keeps the subscription: only an ended session deletes it.
			return !(errors.Is(err, auth.ErrSessionEnded) || errors.Is(err, auth.ErrDeviceRevoked) || errors.Is(err, auth.ErrSessionNotFound))
		},
		TTL: cfg.PushTTL, Window: cfg.PushWindow, Workers: cfg.PushWorkers, Queue: cfg.PushQueue, Timeout: cfg.PushTimeout,
		AllowLoopback: cfg.PushAllowLoopback, Log: a.log,
	})
}

// smsSender is the configured way of sending SMS codes (nil: SMS is not offered).
func smsSender(cfg config.Config) (sms.Sender, error) {
	switch cfg.SMS {
	case "console":
		return &sms.ConsoleSender{W: os.Stdout}, nil
	case "http":
		s, err := sms.NewHTTPSender(sms.HTTPConfig{
			URL: cfg.SMSURL, Username: cfg.SMSUser, Password: cfg.SMSPassword, BearerToken: cfg.SMSToken,
			ContentType: cfg.SMSContentType, BodyTemplate: cfg.SMSTemplate, From: cfg.SMSFrom,
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("app: SMS gateway: %w", err)
		}
		return s, nil
	}
	return nil, nil
}

// every runs a maintenance task every interval until ctx ends, logging failures and how
// much it did (counts only: never what).
func (a *App) every(ctx context.Context, interval time.Duration, what string, task func(context.Context) (int, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := task(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("app: "+what+" failed", "err", err)
			} else if n > 0 {
				a.log.Info("app: "+what, "count", n)
			}
		}
	}
}

// storedSecret returns the token key kept in the store, making one on first start.
func storedSecret(secrets webpush.SecretStore) ([]byte, error) {
	key, err := secrets.Secret("jwt_hs256", func() ([]byte, error) {
		key := make([]byte, 32)
		_, err := rand.Read(key)
		return key, err
	})
	if err != nil {
		return nil, fmt.Errorf("app: unable to keep the token key: %w", err)
	}
	return key, nil
}

// Serve answers on ln until Shutdown. Call it once. An accept error that passes (out of file
// descriptors) waits and retries rather than ending Serve; Serve returning before
// Shutdown is called is a failure of the server.
func (a *App) Serve(ln net.Listener) error {
	t := trackConns(retryAccepts(ln, a.log, a.acceptFailures))
	a.conns.Store(t)
	if a.tls != nil {
		return a.Fiber.Listener(tls.NewListener(t, a.tls))
	}
	return a.Fiber.Listener(t)
}

// Shutdown ends live streams, lets in-flight requests (pushes waiting for their commit)
// finish, drains the writer and closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	a.stopMaintenance()
	a.Engine.Hub().Close()
	done := make(chan error, 1)
	go func() { done <- a.Fiber.ShutdownWithContext(ctx) }()
	var httpErr error
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
wait:
	for {
		select {
		case httpErr = <-done:
			break wait
		case <-ticker.C:
			if t := a.conns.Load(); t != nil {
				t.closeUnused() // opened, never used: nothing in flight
			}
		}
	}
	engErr := a.Engine.Close(ctx)
	if a.Push != nil {
		a.Push.Close() // after the writer: no commit comes any more
	}
	return errors.Join(httpErr, engErr, a.Store.Close())
}
