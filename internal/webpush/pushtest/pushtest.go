// Package pushtest is a fake push service (standing in for FCM, Mozilla's autopush or
// Apple's) for tests: it checks the VAPID authorization strictly (RFC 8292), checks the
// TTL, Urgency and Content-Encoding headers, and decrypts each aes128gcm body (RFC 8188,
// RFC 8291) with the key of a subscription made as a browser makes one. It also speaks
// Mozilla's WebSocket push protocol (autopush.go), so that a real Firefox subscribes here
// and receives what the server sends, to decrypt it itself.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Browser is a subscription's key material as a browser holds it: a P-256 key pair and
// a 16-byte authentication secret.
type Browser struct {
	Name     string
	Endpoint string
	priv     *ecdh.PrivateKey
	auth     []byte
}

// NewBrowser makes the keys of a subscription to endpoint.
func NewBrowser(name, endpoint string) *Browser {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &Browser{Name: name, Endpoint: endpoint, priv: priv, auth: auth}
}

// P256dh is the subscription's public key as getKey("p256dh") gives it, in base64url.
func (b *Browser) P256dh() string {
	return base64.RawURLEncoding.EncodeToString(b.priv.PublicKey().Bytes())
}

// Auth is the authentication secret in base64url.
func (b *Browser) Auth() string { return base64.RawURLEncoding.EncodeToString(b.auth) }

// JSON is PushSubscription.toJSON().
func (b *Browser) JSON() map[string]any {
	return map[string]any{"endpoint": b.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": b.P256dh(), "auth": b.Auth()}}
}

// Decrypt opens an aes128gcm body (RFC 8188) encrypted for this subscription (RFC 8291).
func (b *Browser) Decrypt(body []byte) ([]byte, error) {
	// The header: salt (16), record size (4), key id length (1), key id (the application
	// server's ephemeral public key, 65 bytes).
	if len(body) < 21 {
		return nil, errors.New("body shorter than the aes128gcm header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 {
		return nil, fmt.Errorf("record size %d is below 18", rs)
	}
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("key id of %d bytes: want the 65-byte ephemeral public key", idlen)
	}
	asPublicRaw, ciphertext := body[21:21+idlen], body[21+idlen:]
	asPublic, err := ecdh.P256().NewPublicKey(asPublicRaw)
	if err != nil {
		return nil, fmt.Errorf("ephemeral key is not a P-256 point: %w", err)
	}
	if len(ciphertext) > int(rs) {
		return nil, fmt.Errorf("%d bytes of ciphertext exceed one record of %d: web push allows one record", len(ciphertext), rs)
	}
	if len(ciphertext) < 17 {
		return nil, errors.New("record shorter than its tag")
	}
	// RFC 8291 §3.3–3.4: ecdh_secret, then IKM from the auth secret and both public keys.
	ecdhSecret, err := b.priv.ECDH(asPublic)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, b.auth)
	mac.Write(ecdhSecret)
	prkKey := mac.Sum(nil)
	info := "WebPush: info\x00" + string(b.priv.PublicKey().Bytes()) + string(asPublicRaw)
	ikm, err := hkdf.Expand(sha256.New, prkKey, info, 32)
	if err != nil {
		return nil, err
	}
	// RFC 8188 §2.2–2.3: the content-encryption key and the nonce from the salt.
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The only record is record 0: the nonce XOR 0 is the nonce.
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("AES-GCM: %w", err)
	}
	// Padding: the data, a delimiter 0x02 (last record), then zeros.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 0x02 {
		return nil, errors.New("no last-record padding delimiter 0x02")
	}
	return plain[:end], nil
}

// Received is one notification the fake took in.
type Received struct {
	Browser string // the subscription's name, or its channel id (WebSocket protocol)
	Payload []byte // decrypted (nil for a channel's message: only its browser can)
	TTL     int
	Urgency string
	Topic   string
	Subject string // the VAPID JWT's sub
	At      time.Time
	Status  int // what the fake answered
}

// Reply is what the fake answers one request; Hang makes it never answer (until the
// request is cancelled or the test ends).
type Reply struct {
	Status int
	Header map[string]string
	Hang   bool
}

// Service is the fake push service.
type Service struct {
	*httptest.Server
	t testing.TB

	mu       sync.Mutex
	vapidKey string
	browsers map[string]*Browser
	got      []Received
	failures []string
	attempts map[string]int
	reply    func(browser string, attempt int) Reply
	hanging  int
	release  chan struct{}

	// Mozilla's WebSocket protocol (autopush.go).
	uaids        map[string]bool
	conns        map[string]*wsConn  // by uaid
	channels     map[string]*channel // by channel id
	versions     map[string]bool     // message ids sent
	unregistered []string
	acks         []Ack
}

// New starts a fake push service, stopped when the test ends.
func New(t testing.TB) *Service {
	s := &Service{t: t, browsers: map[string]*Browser{}, attempts: map[string]int{}, release: make(chan struct{}),
		uaids: map[string]bool{}, conns: map[string]*wsConn{}, channels: map[string]*channel{}, versions: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Server.Close)
	t.Cleanup(func() { close(s.release) }) // runs first: hanging requests end
	return s
}

// ExpectVAPIDKey makes the fake refuse any k= other than key (the server's published one).
func (s *Service) ExpectVAPIDKey(key string) { s.mu.Lock(); s.vapidKey = key; s.mu.Unlock() }

// Browser makes a subscription at this service.
func (s *Service) Browser(name string) *Browser {
	b := NewBrowser(name, s.URL+"/push/"+name)
	s.mu.Lock()
	s.browsers[name] = b
	s.mu.Unlock()
	return b
}

// Reply sets how the fake answers (default: 201).
func (s *Service) Reply(fn func(browser string, attempt int) Reply) {
	s.mu.Lock()
	s.reply = fn
	s.mu.Unlock()
}

// Received is every notification taken in so far (hung ones included, once read).
func (s *Service) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// For is what one subscription received.
func (s *Service) For(browser string) []Received {
	var out []Received
	for _, r := range s.Received() {
		if r.Browser == browser {
			out = append(out, r)
		}
	}
	return out
}

// Failures are the checks requests failed (each also answered 400).
func (s *Service) Failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.failures...)
}

// Hanging is how many requests are waiting for an answer right now.
func (s *Service) Hanging() int { s.mu.Lock(); defer s.mu.Unlock(); return s.hanging }

func (s *Service) fail(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.failures = append(s.failures, msg)
	s.mu.Unlock()
	http.Error(w, msg, http.StatusBadRequest)
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		s.serveWebSocket(w, r)
		return
	}
	name, local := strings.CutPrefix(r.URL.Path, "/push/")
	id, remote := strings.CutPrefix(r.URL.Path, "/wpush/")
	s.mu.Lock()
	b := s.browsers[name]
	ch := s.channels[id]
	key := s.vapidKey
	s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && local && b != nil:
	case r.Method == http.MethodPost && remote && ch != nil:
		// As autopush does: the VAPID key must be the one the subscription was made with.
		name = id
		key = base64.RawURLEncoding.EncodeToString(ch.Key)
	default:
		s.fail(w, "%s %s: not a subscription", r.Method, r.URL.Path)
		return
	}
	sub, err := s.checkVAPID(r.Header.Get("Authorization"), key)
	if err != nil {
		s.fail(w, "VAPID: %v", err)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		s.fail(w, "TTL header %q is not a number of seconds", r.Header.Get("TTL"))
		return
	}
	urgency := r.Header.Get("Urgency")
	switch urgency {
	case "very-low", "low", "normal", "high":
	default:
		s.fail(w, "Urgency header %q", urgency)
		return
	}
	topic := r.Header.Get("Topic")
	if len(topic) > 32 || strings.Trim(topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		s.fail(w, "Topic header %q is not up to 32 base64url characters", topic)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		s.fail(w, "Content-Encoding %q", ce)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		s.fail(w, "body: %v", err)
		return
	}
	var payload []byte
	if ch == nil {
		if payload, err = b.Decrypt(body); err != nil {
			s.fail(w, "decrypt: %v", err)
			return
		}
	} else if len(body) > 4096 { // autopush's limit
		s.fail(w, "body of %d bytes: at most 4096", len(body))
		return
	}
	s.mu.Lock()
	s.attempts[name]++
	attempt := s.attempts[name]
	reply := Reply{Status: http.StatusCreated}
	if s.reply != nil {
		reply = s.reply(name, attempt)
	}
	s.mu.Unlock()
	// A channel's message, taken in, goes to its browser as it came: only the browser
	// holds the keys. With no browser connected the fake answers 503 (autopush would
	// store it for later; this fake does not).
	if ch != nil && reply.Status/100 == 2 && !reply.Hang && !s.forward(r.Context(), ch, body) {
		reply = Reply{Status: http.StatusServiceUnavailable}
	}
	s.mu.Lock()
	s.got = append(s.got, Received{Browser: name, Payload: payload, TTL: ttl, Urgency: urgency, Topic: topic, Subject: sub, At: time.Now(), Status: reply.Status})
	if reply.Hang {
		s.hanging++
	}
	s.mu.Unlock()
	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
		s.mu.Lock()
		s.hanging--
		s.mu.Unlock()
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(reply.Status)
}

// checkVAPID checks "vapid t=<jwt>, k=<key>" (RFC 8292 §3): an ES256 JWT signed with the
// key k (which must be want, when set), for this service's origin, expiring within 24 h,
// with a mailto: or https: subject. It returns the subject.
func (s *Service) checkVAPID(header, want string) (string, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return "", fmt.Errorf("authorization scheme is not vapid: %.12q", header)
	}
	params := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return "", fmt.Errorf("parameter %q", p)
		}
		params[k] = v
	}
	token, key := params["t"], params["k"]
	if token == "" || key == "" {
		return "", errors.New("t or k missing")
	}
	if want != "" && key != want {
		return "", errors.New("k is not the server's published VAPID key")
	}
	rawKey, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return "", fmt.Errorf("k is not base64url without padding: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), rawKey)
	if err != nil {
		return "", fmt.Errorf("k is not an uncompressed P-256 point: %w", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("t is not a JWS compact serialisation")
	}
	var head struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := decodeSegment(parts[0], &head); err != nil || head.Alg != "ES256" {
		return "", fmt.Errorf("JWT header alg %q: want ES256", head.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", errors.New("signature is not 64 bytes of r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", errors.New("ES256 signature does not verify with k")
	}
	var claims struct {
		Aud string          `json:"aud"`
		Exp json.RawMessage `json:"exp"`
		Sub string          `json:"sub"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return "", fmt.Errorf("claims: %w", err)
	}
	if claims.Aud != s.URL {
		return "", fmt.Errorf("aud %q is not the push service's origin %q", claims.Aud, s.URL)
	}
	exp, err := strconv.ParseInt(string(claims.Exp), 10, 64)
	if err != nil {
		return "", fmt.Errorf("exp %s is not a number", claims.Exp)
	}
	now := time.Now().Unix()
	if exp <= now || exp > now+24*3600 {
		return "", fmt.Errorf("exp is %d s from now: want within 24 h", exp-now)
	}
	switch {
	case strings.HasPrefix(claims.Sub, "mailto:") && strings.Contains(claims.Sub, "@") && !strings.HasPrefix(claims.Sub, "mailto:mailto:"):
	case strings.HasPrefix(claims.Sub, "https://"):
	default:
		return "", fmt.Errorf("sub %q is neither mailto: nor https:", claims.Sub)
	}
	return claims.Sub, nil
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
