package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// otherMethod stands for every request method Fiber does not know (PROPFIND, TRACK, a
// made-up one). Fiber would answer those itself, in plain text and before any middleware;
// routed under this name they get what any method a route does not take gets: 405
// method_not_allowed with Allow on a known address, 404 not_found elsewhere, in the error
// shape and with the security headers. The request log shows the method as OTHER.
const otherMethod = "OTHER"

// RequestMethods are the methods the Fiber app must know (fiber.Config.RequestMethods):
// Fiber's own and otherMethod.
var RequestMethods = append(slices.Clone(fiber.DefaultMethods), otherMethod)

// routeOtherMethods makes the server route every method Fiber does not know as
// otherMethod.
func routeOtherMethods(app *fiber.App) {
	if !slices.Contains(app.Config().RequestMethods, otherMethod) {
		panic("api: the Fiber app needs RequestMethods: api.RequestMethods")
	}
	known := map[string]bool{}
	for _, m := range app.Config().RequestMethods {
		known[m] = true
	}
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if !known[string(ctx.Method())] {
			ctx.Request.Header.SetMethod(otherMethod)
		}
		next(ctx)
	}
}

// routeTable holds each route pattern with the methods it takes, to answer a request no
// route took: 405 with Allow (RFC 9110 §15.5.6) for a known address, 404 for any other.
type routeTable struct {
	cfg    fiber.Config
	routes []patternMethods
}

type patternMethods struct {
	pattern string
	methods []string
}

// learn takes in the routes registered on app so far. The API's routes take no HEAD
// (refuseHead), so their Allow lists none.
func (t *routeTable) learn(app *fiber.App) {
	t.cfg = app.Config()
	at := map[string]int{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead && strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		i, ok := at[r.Path]
		if !ok {
			i = len(t.routes)
			at[r.Path] = i
			t.routes = append(t.routes, patternMethods{pattern: r.Path})
		}
		if !slices.Contains(t.routes[i].methods, r.Method) {
			t.routes[i].methods = append(t.routes[i].methods, r.Method)
		}
	}
}

// allowed are the methods the routes matching path take, sorted.
func (t *routeTable) allowed(path string) []string {
	var methods []string
	for _, r := range t.routes {
		if fiber.RoutePatternMatch(path, r.pattern, t.cfg) {
			for _, m := range r.methods {
				if !slices.Contains(methods, m) {
					methods = append(methods, m)
				}
			}
		}
	}
	slices.Sort(methods)
	return methods
}

// noRoute answers a request that no route took.
func (t *routeTable) noRoute(c *fiber.Ctx) error {
	allow := t.allowed(c.Path())
	if len(allow) == 0 {
		return errNotFound
	}
	c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
	return errMethod
}

// refuseHead answers HEAD on the API as a method the route does not take. A HEAD runs
// the GET's handler and drops the body, and on the API a GET's work is not free: a pull
// or a backup logs a read of every client it holds (and a backup first copies the whole
// data file), which a HEAD would do for data that never leaves.
func (t *routeTable) refuseHead(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodHead {
		return t.noRoute(c)
	}
	return c.Next()
}
