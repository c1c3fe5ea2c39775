package webpush

import (
	"crypto/ecdh"
	"net/netip"
	"net/url"
	"strings"
)

// MaxEndpoint is the longest endpoint URL taken.
const MaxEndpoint = 2048

// SubscriptionKeys are the keys of a browser's PushSubscription (getKey, base64url).
type SubscriptionKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// FieldError names the field of a subscription that is wrong, and why.
type FieldError struct {
	Field  string
	Reason string
}

func (f *FieldError) Error() string { return f.Field + " " + f.Reason }

// ValidateEndpoint checks an endpoint: an https URL of at most 2048 characters, without
// credentials or fragment, whose host is a DNS name or a public IP address (see
// publicAddr): never localhost, nor an address on the server's own machine or networks,
// so that a subscription cannot make the server send requests inside (SSRF). A name is
// checked again after it is resolved, when the notifier connects (dialGuard).
func ValidateEndpoint(endpoint string) error { return validateEndpoint(endpoint, false) }

// validateEndpoint is ValidateEndpoint; allowLoopback (tests only, Options.AllowLoopback)
// also takes http or https to 127.0.0.1, where a test's fake push service listens.
func validateEndpoint(endpoint string, allowLoopback bool) error {
	if endpoint == "" || len(endpoint) > MaxEndpoint {
		return &FieldError{"endpoint", "must be a URL of at most 2048 characters"}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(endpoint, " \t\r\n") {
		return &FieldError{"endpoint", "must be an absolute https URL"}
	}
	host := u.Hostname()
	if allowLoopback && host == testLoopback && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	if u.Scheme != "https" {
		return &FieldError{"endpoint", "must be an https URL"}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(addr) {
			return &FieldError{"endpoint", "must not point at a private, loopback, link-local or other non-public address"}
		}
		return nil
	}
	if !dnsName(host) {
		return &FieldError{"endpoint", "must name its host by a DNS name or a public IP address"}
	}
	return nil
}

// testLoopback is the one address Options.AllowLoopback opens.
const testLoopback = "127.0.0.1"

// dnsName tells whether host is a DNS name a push service can have: labels of letters,
// digits and hyphens, the last one beginning with a letter (so that "2130706433" or
// "0x7f.1", which some resolvers read as addresses, are refused), and not localhost or a
// name under it (RFC 6761 §6.3).
func dnsName(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || len(host) > 253 || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return last[0] >= 'a' && last[0] <= 'z'
}

// nonPublic are the address blocks no push service is in: the machine itself, private and
// shared networks, link-local, multicast and reserved space (RFC 6890, the IANA special-
// purpose registries), and the IPv6 forms that carry an IPv4 address inside.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8",       // "this network", unspecified
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // shared address space (carrier-grade NAT)
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local (cloud metadata at 169.254.169.254)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/128",          // unspecified
		"::1/128",         // loopback
		"::ffff:0:0/96",   // IPv4-mapped: written as IPv4 it is checked as such
		"64:ff9b::/96",    // NAT64: an IPv4 address inside
		"64:ff9b:1::/48",  // local NAT64
		"100::/64",        // discard
		"2001::/23",       // IETF protocol assignments (Teredo inside)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4: an IPv4 address inside
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// publicAddr tells whether a push service may be at addr: a global unicast address in
// none of the nonPublic blocks.
func publicAddr(addr netip.Addr) bool {
	addr = addr.WithZone("")
	if !addr.IsGlobalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// ValidateKeys checks a subscription's keys: p256dh an uncompressed P-256 point on the
// curve (65 bytes), auth 16 bytes, both base64url.
func ValidateKeys(k SubscriptionKeys) error {
	pub, err := decodeB64URL(k.P256dh)
	if err != nil || len(pub) != 65 || pub[0] != 4 {
		return &FieldError{"keys.p256dh", "must be an uncompressed P-256 public key (65 bytes) in base64url"}
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return &FieldError{"keys.p256dh", "is not a point on the P-256 curve"}
	}
	auth, err := decodeB64URL(k.Auth)
	if err != nil || len(auth) != 16 {
		return &FieldError{"keys.auth", "must be 16 bytes in base64url"}
	}
	return nil
}
