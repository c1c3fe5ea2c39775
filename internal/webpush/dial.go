package webpush

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrRefusedAddress is a connection to a push service refused because the address its
// name resolved to is not public: the server never sends a notification inside its own
// machine or networks, whatever the endpoint's name resolves to when it is sent (DNS
// rebinding).
var ErrRefusedAddress = errors.New("webpush: refused to connect to a non-public address")

// dialGuard checks each address a push request is about to connect to, after its name is
// resolved and before the connection is made (net.Dialer.Control): only public addresses
// (publicAddr), or 127.0.0.1 too when allowLoopback is set (tests only).
type dialGuard struct {
	allowLoopback bool
	// counted, when set, is told of each address checked and whether it was allowed.
	counted func(allowed bool)
	// connect, when set, runs for an allowed address just before the connection is made;
	// its error stops the connection (a test's way to be sure nothing leaves).
	connect func(address string) error
}

func (g dialGuard) control(_, address string, _ syscall.RawConn) error {
	allowed := false
	if ap, err := netip.ParseAddrPort(address); err == nil {
		addr := ap.Addr().Unmap().WithZone("")
		allowed = publicAddr(addr) || g.allowLoopback && addr == netip.MustParseAddr(testLoopback)
	}
	if g.counted != nil {
		g.counted(allowed)
	}
	if !allowed {
		return ErrRefusedAddress
	}
	if g.connect != nil {
		return g.connect(address)
	}
	return nil
}

// NewHTTPClient is a client for push services: every phase has a timeout, redirects are
// not followed, and it connects only to public addresses (dialGuard; allowLoopback, for
// tests only, adds 127.0.0.1). A proxy from the environment (HTTPS_PROXY) is the
// operator's and is connected to as it is; the proxy then reaches the push service.
func NewHTTPClient(timeout time.Duration, conns int, allowLoopback bool) *http.Client {
	return newHTTPClient(timeout, conns, dialGuard{allowLoopback: allowLoopback}, nil)
}

// newHTTPClient is NewHTTPClient with the guard given, and resolver (nil: the system's)
// for the names of push services.
func newHTTPClient(timeout time.Duration, conns int, guard dialGuard, resolver *net.Resolver) *http.Client {
	guarded := &net.Dialer{Timeout: min(timeout, 5*time.Second), KeepAlive: 30 * time.Second, Control: guard.control, Resolver: resolver}
	proxied := &net.Dialer{Timeout: min(timeout, 5*time.Second), KeepAlive: 30 * time.Second}
	proxy := proxyAddr()
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if proxy != "" && addr == proxy {
					return proxied.DialContext(ctx, network, addr)
				}
				return guarded.DialContext(ctx, network, addr)
			},
			TLSHandshakeTimeout:   min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   max(conns, 2),
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// proxyAddr is the host:port of the proxy the environment names for https requests, as
// the transport dials it ("" for none).
func proxyAddr() string {
	u, err := http.ProxyFromEnvironment(&http.Request{URL: &url.URL{Scheme: "https", Host: "push.invalid"}})
	if err != nil || u == nil || u.Hostname() == "" {
		return ""
	}
	if port := u.Port(); port != "" {
		return net.JoinHostPort(u.Hostname(), port)
	}
	switch u.Scheme {
	case "https":
		return net.JoinHostPort(u.Hostname(), "443")
	case "socks5", "socks5h":
		return net.JoinHostPort(u.Hostname(), "1080")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
