package webpush

import (
	"crypto/ecdh"
	"net"
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

// ValidateEndpoint checks an endpoint: an https URL of at most 2048 characters (http only
// to a loopback host, for tests), without credentials or fragment.
func ValidateEndpoint(endpoint string) error {
	if endpoint == "" || len(endpoint) > MaxEndpoint {
		return &FieldError{"endpoint", "must be a URL of at most 2048 characters"}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return &FieldError{"endpoint", "must be an absolute https URL"}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return &FieldError{"endpoint", "must be an https URL"}
		}
	default:
		return &FieldError{"endpoint", "must be an https URL"}
	}
	if strings.ContainsAny(endpoint, " \t\r\n") {
		return &FieldError{"endpoint", "must be an absolute https URL"}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
