package api

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accounts"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/terms"
	"vardag/internal/webpush"
	"vardag/syncengine"
)

// Handlers holds what the handlers need.
type Handlers struct {
	Engine   *syncengine.Engine
	Login    *login.Service
	Identity *identity.Store
	// SessionMax is the absolute session limit, for showing when a session ends.
	SessionMax time.Duration
	// LoginLimit is how many login requests one address may make per minute.
	LoginLimit int
	// Proxies are the reverse proxies whose X-Forwarded-For gives the caller's address.
	Proxies TrustedProxies
	// RefreshLimit is how many token refreshes one address may make per minute.
	RefreshLimit int
	// PhoneWipeAfter is how long a phone keeps its data without a successful sync.
	PhoneWipeAfter time.Duration
	// SignEarlyWarning is how long before a due time the phone asks before signing.
	SignEarlyWarning time.Duration
	Log              *slog.Logger
	Now              func() time.Time
	KeepAlive        time.Duration // comment lines on the live stream
	// WriteTimeout is renewed before each write of the live stream.
	WriteTimeout time.Duration
	// Push sends web push notifications (push.go); nil when web push is off.
	Push *webpush.Notifier
	// FirstGrant makes the grant of an account created by an import (nil:
	// accounts.DirectGrant).
	FirstGrant accounts.Grants
}

const localPrincipal = "principal"

// principal is the authenticated caller of a request behind RequireAuth.
func principal(c *fiber.Ctx) login.Principal {
	p, _ := c.Locals(localPrincipal).(login.Principal)
	return p
}

// actor turns the caller into the sync engine's view of them.
func actor(p login.Principal) syncengine.Actor {
	return syncengine.Actor{UserID: p.User.ID, DeviceID: p.Claims.DeviceID, Scopes: p.Access.Scopes, Domain: p.Access}
}

// RequireLogin checks the bearer token and puts the caller in the request. It serves the
// few routes a user reaches before accepting the terms (the terms themselves, password
// change, authenticator enrolment, logout).
func (h *Handlers) RequireLogin(c *fiber.Ctx) error {
	if err := h.authenticate(c); err != nil {
		return err
	}
	return c.Next()
}

func (h *Handlers) authenticate(c *fiber.Ctx) error {
	header := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return errUnauthenticated
	}
	p, err := h.Login.Authenticate(token)
	if err != nil {
		return mapLoginError(err)
	}
	c.Locals(localPrincipal, p)
	return nil
}

// RequireAuth is RequireLogin for every route that serves or changes data: nothing opens
// before the user has accepted the current terms of use, nor after someone else reset
// their password until they choose a new one.
func (h *Handlers) RequireAuth(c *fiber.Ctx) error {
	if err := h.authenticate(c); err != nil {
		return err
	}
	switch p := principal(c); {
	case p.User.TermsVersion != terms.Version && !systemOnly(p.Access):
		return errTermsRequired
	case p.User.MustChangePassword:
		return errMustChangePass
	}
	return c.Next()
}

// systemOnly tells whether the caller is only the authority's system (no person to
// accept terms of use).
func systemOnly(a identity.Access) bool {
	if len(a.Roles) == 0 {
		return false
	}
	for _, roles := range a.Roles {
		for _, r := range roles {
			if r != identity.RoleIntegration {
				return false
			}
		}
	}
	return true
}

// RequireTraining closes a route until the caller's training is recorded.
func RequireTraining(c *fiber.Ctx) error {
	if !principal(c).Access.Trained {
		return errTrainingRequired
	}
	return c.Next()
}

// NoStore marks API answers as never to be cached.
func NoStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// securityHeaders go on every answer: the routes' through SecurityHeaders, errors through
// the error handler (also those the server answers before any route, such as a body over
// the limit) and the live stream's head, which the stream writes itself.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"},
}

// hsts is sent only over TLS (RFC 6797 §7.2): a browser must not learn it from plain HTTP.
var hsts = [2]string{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"}

// securityHeadersFor are the security headers of an answer on a connection with or
// without TLS.
func securityHeadersFor(tls bool) [][2]string {
	if tls {
		return append(securityHeaders[:len(securityHeaders):len(securityHeaders)], hsts)
	}
	return securityHeaders
}

func setSecurityHeaders(c *fiber.Ctx) {
	for _, h := range securityHeadersFor(c.Context().IsTLS()) {
		c.Set(h[0], h[1])
	}
}

// SecurityHeaders are sent on every answer.
func SecurityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// RequestLog logs each request by its route pattern (never its path, body or query: they
// may hold ids of clients), its status and its time.
func RequestLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			var apiErr *Error
			var fe *fiber.Error
			switch {
			case asError(err, &apiErr):
				status = apiErr.Status
			case asError(err, &fe):
				status = fe.Code
			default:
				status = 500
			}
		}
		attrs := []any{"method", c.Method(), "route", routeOf(c), "status", status, "ms", time.Since(start).Milliseconds()}
		if p, ok := c.Locals(localPrincipal).(login.Principal); ok {
			attrs = append(attrs, "user_id", p.User.ID)
		}
		log.Info("request", attrs...)
		return err
	}
}

func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "/" && r.Path != "" {
		return r.Path
	}
	return "(unmatched)"
}

func itoa(n int) string { return strconv.Itoa(n) }
