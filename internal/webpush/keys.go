// Package webpush sends Web Push notifications (RFC 8030, with VAPID, RFC 8292, and
// aes128gcm message encryption, RFC 8291) to the phones of the people a change concerns:
// a new assignment, a new message, a reported deviation, a missed signing. A notification
// carries only a category and a count, never what happened or to whom: tapping it opens
// the app, which syncs.
package webpush

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Keys is the server's VAPID key pair (application server key, P-256).
type Keys struct {
	// Public is the uncompressed P-256 point (65 bytes) in base64url without padding: what
	// browsers take as applicationServerKey.
	Public string
	// Private is the private scalar (32 bytes) in base64url without padding.
	Private string
}

// SecretStore keeps the server's secrets (in bbolt: boltstore.Secrets, bucket
// server_secrets), each made once and never replaced.
type SecretStore interface {
	// Secret returns the secret kept under name, keeping generate's result when there is
	// none yet; two callers at once get the same secret.
	Secret(name string, generate func() ([]byte, error)) ([]byte, error)
}

// secretVAPID is the name of the VAPID private scalar in the SecretStore.
const secretVAPID = "vapid_p256"

// ParseKeys makes the key pair from a private key given as base64url (padded or not) of
// its 32-byte scalar.
func ParseKeys(private string) (Keys, error) {
	raw, err := decodeB64URL(private)
	if err != nil || len(raw) != 32 {
		return Keys{}, errors.New("webpush: the VAPID private key must be 32 bytes in base64url")
	}
	return keysFromScalar(raw)
}

func keysFromScalar(raw []byte) (Keys, error) {
	priv, err := ecdh.P256().NewPrivateKey(raw)
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: invalid VAPID private key: %w", err)
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(raw),
	}, nil
}

// GenerateKeys makes a new key pair.
func GenerateKeys() (Keys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	return keysFromScalar(k.Bytes())
}

// StoredKeys returns the key pair kept in secrets (beside the token key), making and
// keeping one on first start.
func StoredKeys(secrets SecretStore) (Keys, error) {
	raw, err := secrets.Secret(secretVAPID, func() ([]byte, error) {
		keys, err := GenerateKeys()
		if err != nil {
			return nil, err
		}
		return decodeB64URL(keys.Private)
	})
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: unable to keep the VAPID key: %w", err)
	}
	return keysFromScalar(raw)
}

// decodeB64URL reads base64url with or without padding.
func decodeB64URL(s string) ([]byte, error) {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}
