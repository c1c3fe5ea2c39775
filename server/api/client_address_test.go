package api

import (
	"net/netip"
	"testing"
)

// TestTheCallerIsTheRightMostAddressNoTrustedProxyWrote: behind proxies that append to
// X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), the caller is the right-most
// address that is not a trusted proxy; what lies left of it the caller wrote. Without a
// trusted peer the header is ignored.
func TestTheCallerIsTheRightMostAddressNoTrustedProxyWrote(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"127.0.0.1", "192.0.2.0/24", "2001:db8:1::/48"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		proxies TrustedProxies
		peer    string
		xff     []string
		want    string
	}{
		{"no trusted proxies: the header is ignored", TrustedProxies{}, "127.0.0.1", []string{"203.0.113.7"}, "127.0.0.1"},
		{"a peer that is no proxy: the header is ignored", proxies, "198.51.100.9", []string{"203.0.113.7"}, "198.51.100.9"},
		{"a proxy that sets the header", proxies, "127.0.0.1", []string{"203.0.113.7"}, "203.0.113.7"},
		{"a proxy that appends: the forged left-most is skipped", proxies, "127.0.0.1", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"several forged ones", proxies, "127.0.0.1", []string{"10.0.0.1,198.51.100.1 ,  203.0.113.7"}, "203.0.113.7"},
		{"two proxies in a row", proxies, "127.0.0.1", []string{"198.51.100.1, 203.0.113.7, 192.0.2.10"}, "203.0.113.7"},
		{"a forged trusted address left of the caller is not reached", proxies, "127.0.0.1", []string{"192.0.2.1, 203.0.113.7"}, "203.0.113.7"},
		{"the header in two fields, in order", proxies, "127.0.0.1", []string{"198.51.100.1", "203.0.113.7"}, "203.0.113.7"},
		{"an address with a port", proxies, "127.0.0.1", []string{"198.51.100.1, 203.0.113.7:51234"}, "203.0.113.7"},
		{"IPv6", proxies, "2001:db8:1::5", []string{"2001:db8:2::1, [2001:db8:3::7]:443"}, "2001:db8:3::7"},
		{"an IPv4-mapped peer is the IPv4 proxy", proxies, "::ffff:127.0.0.1", []string{"203.0.113.7"}, "203.0.113.7"},
		{"garbage from the caller left of the proxy's entry", proxies, "127.0.0.1", []string{"<script>, 203.0.113.7"}, "203.0.113.7"},
		{"garbage where the proxy's entry should be: the proxy", proxies, "127.0.0.1", []string{"203.0.113.7, unknown"}, "127.0.0.1"},
		{"an empty entry where the proxy's entry should be: the proxy", proxies, "127.0.0.1", []string{"203.0.113.7,"}, "127.0.0.1"},
		{"no header from a proxy: the proxy", proxies, "127.0.0.1", nil, "127.0.0.1"},
		{"only proxies: the left-most of them", proxies, "127.0.0.1", []string{"192.0.2.3, 192.0.2.4"}, "192.0.2.3"},
	} {
		got := c.proxies.ClientAddress(netip.MustParseAddr(c.peer), c.xff)
		if got.String() != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseTrustedProxiesRefusesWhatIsNoAddress(t *testing.T) {
	for _, s := range []string{"proxy.example", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParseTrustedProxies([]string{s}); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
