package api

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// TrustedProxies are the reverse proxies (-trusted-proxies) whose X-Forwarded-For the
// server believes. The zero value trusts none.
type TrustedProxies struct {
	nets []netip.Prefix
}

// ParseTrustedProxies reads IPs and CIDRs.
func ParseTrustedProxies(list []string) (TrustedProxies, error) {
	var t TrustedProxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			t.nets = append(t.nets, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return TrustedProxies{}, fmt.Errorf("api: trusted proxy %q is not an IP or CIDR", s)
		}
		a = a.Unmap().WithZone("")
		t.nets = append(t.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return t, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	for _, n := range t.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddress is the caller's address for the per-address limits. The peer is the
// address the connection comes from; forwardedFor are the X-Forwarded-For headers in the
// order they came. A peer that is no trusted proxy is the caller, whatever the header
// says. Behind trusted proxies the caller is the right-most address in X-Forwarded-For
// that is not a trusted proxy: each proxy appends the address it saw (nginx's
// $proxy_add_x_forwarded_for), so everything left of that was written by the caller, who
// may write anything. An entry that is no address stops the walk at the proxy that
// passed it on, so a garbled header puts its sender in that proxy's bucket.
func (t TrustedProxies) ClientAddress(peer netip.Addr, forwardedFor []string) netip.Addr {
	addr := peer.Unmap().WithZone("")
	if !t.trusts(addr) || len(forwardedFor) == 0 {
		return addr
	}
	entries := strings.Split(strings.Join(forwardedFor, ","), ",")
	for i := len(entries) - 1; i >= 0; i-- {
		next, ok := parseForwarded(strings.TrimSpace(entries[i]))
		if !ok {
			break
		}
		addr = next
		if !t.trusts(addr) {
			break
		}
	}
	return addr
}

// parseForwarded reads one X-Forwarded-For entry: an address, with a port or not.
func parseForwarded(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// clientAddress is the caller's address of a request, as ClientAddress tells it.
func (h *Handlers) clientAddress(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var forwarded []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		forwarded = append(forwarded, string(v))
	}
	return h.Proxies.ClientAddress(peer, forwarded).String()
}
