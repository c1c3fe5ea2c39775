package pushtest

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// The fake also speaks Mozilla's WebSocket push protocol (what autopush serves to
// Firefox; Firefox's PushServiceWebSocket.sys.mjs is the client): a real Firefox whose
// dom.push.serverURL is WebSocketURL subscribes here, gets an endpoint on this service,
// and receives what is posted to it, still encrypted, to decrypt with keys only the
// browser holds. The messages:
//
//	browser → {"messageType":"hello","use_webpush":true,"uaid"?,"broadcasts":{}}
//	service ← {"messageType":"hello","status":200,"uaid":"…","use_webpush":true,"broadcasts":{}}
//	browser → {"messageType":"register","channelID":"<uuid>","key":"<base64url P-256 key>"}
//	service ← {"messageType":"register","channelID":…,"status":200,"pushEndpoint":"…"}
//	service ← {"messageType":"notification","channelID":…,"version":"…","data":"<base64url>","headers":{"encoding":"aes128gcm"}}
//	browser → {"messageType":"ack","updates":[{"channelID":…,"version":…,"code":100}]}
//	browser → {"messageType":"unregister","channelID":…} ← {… "status":200}
//	browser → {} ← {} (ping)

// Registration is one subscription a browser made over the WebSocket protocol.
type Registration struct {
	Channel  string // the browser's channel id (a UUID)
	Key      []byte // the application server key it was made with (65-byte P-256 point)
	Endpoint string
	At       time.Time
}

// Ack is the browser's answer to one forwarded message: code 100 is delivered to the
// service worker, 101 could not be decrypted, 102 not delivered (Firefox's
// kACK_STATUS_TO_CODE).
type Ack struct {
	Channel string
	Version string
	Code    int
}

// channel is a registration and where its messages go.
type channel struct {
	Registration
	uaid string
}

// wsConn is one browser's connection.
type wsConn struct {
	uaid string
	c    *websocket.Conn
	mu   sync.Mutex // one writer at a time
}

func (w *wsConn) send(ctx context.Context, msg any) error {
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, raw)
}

// WebSocketURL is the address to give a browser as its push server
// (Firefox: dom.push.serverURL, with dom.push.testing.allowInsecureServerURL for ws:).
func (s *Service) WebSocketURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/" }

// Registrations are the subscriptions browsers made over the WebSocket protocol that
// are still registered.
func (s *Service) Registrations() []Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Registration
	for _, ch := range s.channels {
		out = append(out, ch.Registration)
	}
	return out
}

// Unregistered are the channels browsers unregistered, in order.
func (s *Service) Unregistered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unregistered...)
}

// Acks are the browsers' answers to the messages forwarded to them, in order.
func (s *Service) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// Connected is how many browsers are connected now.
func (s *Service) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Forget drops every browser's connection, identity (uaid) and registrations, as a
// push service that lost its data would: a browser reconnects, says hello with its old
// uaid, gets a new one, and must drop its subscriptions (Firefox then fires
// pushsubscriptionchange at each service worker).
func (s *Service) Forget() {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[string]*wsConn{}
	s.uaids = map[string]bool{}
	s.channels = map[string]*channel{}
	s.mu.Unlock()
	for _, c := range conns {
		c.c.Close(websocket.StatusGoingAway, "service restarted")
	}
}

// protocolError records what a browser sent against the protocol.
func (s *Service) protocolError(format string, args ...any) {
	s.mu.Lock()
	s.failures = append(s.failures, "websocket: "+fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// serveWebSocket runs one browser's connection until it closes.
func (s *Service) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.protocolError("upgrade: %v", err)
		return
	}
	c.SetReadLimit(64 << 10)
	conn := &wsConn{c: c}
	defer func() {
		s.mu.Lock()
		if s.conns[conn.uaid] == conn {
			delete(s.conns, conn.uaid)
		}
		s.mu.Unlock()
		c.CloseNow()
	}()
	ctx := r.Context()
	for {
		_, raw, err := c.Read(ctx)
		if err != nil {
			return // closed by the browser or at the test's end
		}
		if err := s.handleWebSocket(ctx, conn, raw); err != nil {
			s.protocolError("%v", err)
			c.Close(websocket.StatusProtocolError, "protocol error")
			return
		}
	}
}

func (s *Service) handleWebSocket(ctx context.Context, conn *wsConn, raw []byte) error {
	var msg struct {
		MessageType string          `json:"messageType"`
		UAID        *string         `json:"uaid"`
		UseWebPush  bool            `json:"use_webpush"`
		ChannelID   string          `json:"channelID"`
		Key         string          `json:"key"`
		RawUpdates  json.RawMessage `json:"updates"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return fmt.Errorf("not JSON: %.40q", raw)
	}
	if msg.MessageType == "" || msg.MessageType == "ping" { // "{}" is a ping
		return conn.send(ctx, map[string]any{})
	}
	if conn.uaid == "" && msg.MessageType != "hello" {
		return fmt.Errorf("%q before hello", msg.MessageType)
	}
	switch msg.MessageType {
	case "hello":
		if conn.uaid != "" {
			return fmt.Errorf("a second hello")
		}
		if !msg.UseWebPush {
			return fmt.Errorf("hello without use_webpush: a browser that cannot take encrypted data")
		}
		uaid := ""
		s.mu.Lock()
		if msg.UAID != nil && s.uaids[*msg.UAID] {
			uaid = *msg.UAID // a known browser again: its channels stay
		}
		if uaid == "" {
			b := make([]byte, 16)
			rand.Read(b)
			uaid = hex.EncodeToString(b)
			s.uaids[uaid] = true
		}
		conn.uaid = uaid
		if old := s.conns[uaid]; old != nil {
			old.c.CloseNow()
		}
		s.conns[uaid] = conn
		s.mu.Unlock()
		return conn.send(ctx, map[string]any{"messageType": "hello", "status": 200, "uaid": uaid, "use_webpush": true, "broadcasts": map[string]any{}})
	case "register":
		if _, err := uuid.Parse(msg.ChannelID); err != nil {
			return fmt.Errorf("register: channelID %q is not a UUID", msg.ChannelID)
		}
		// Firefox pads the key; the protocol allows either.
		key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(msg.Key, "="))
		if err != nil {
			return fmt.Errorf("register: key is not base64url: %v", err)
		}
		if _, err := ecdh.P256().NewPublicKey(key); err != nil {
			return fmt.Errorf("register: key is not an uncompressed P-256 point: %v", err)
		}
		reg := Registration{Channel: msg.ChannelID, Key: key, Endpoint: s.URL + "/wpush/" + msg.ChannelID, At: time.Now()}
		s.mu.Lock()
		s.channels[msg.ChannelID] = &channel{Registration: reg, uaid: conn.uaid}
		s.mu.Unlock()
		return conn.send(ctx, map[string]any{"messageType": "register", "channelID": msg.ChannelID, "status": 200, "pushEndpoint": reg.Endpoint})
	case "unregister":
		s.mu.Lock()
		ch := s.channels[msg.ChannelID]
		status := 200
		if ch == nil || ch.uaid != conn.uaid {
			status = 404
		} else {
			delete(s.channels, msg.ChannelID)
			s.unregistered = append(s.unregistered, msg.ChannelID)
		}
		s.mu.Unlock()
		return conn.send(ctx, map[string]any{"messageType": "unregister", "channelID": msg.ChannelID, "status": status})
	case "ack", "nack":
		var updates []struct {
			ChannelID string `json:"channelID"`
			Version   string `json:"version"`
			Code      int    `json:"code"`
		}
		if msg.MessageType == "ack" {
			if err := json.Unmarshal(msg.RawUpdates, &updates); err != nil || len(updates) == 0 {
				return fmt.Errorf("ack without updates: %.80s", raw)
			}
		} else {
			var n struct {
				Version string `json:"version"`
				Code    int    `json:"code"`
			}
			if err := json.Unmarshal(raw, &n); err != nil {
				return fmt.Errorf("nack: %v", err)
			}
			updates = append(updates, struct {
				ChannelID string `json:"channelID"`
				Version   string `json:"version"`
				Code      int    `json:"code"`
			}{Version: n.Version, Code: n.Code})
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, u := range updates {
			if !s.versions[u.Version] {
				return fmt.Errorf("%s of version %q never sent", msg.MessageType, u.Version)
			}
			s.acks = append(s.acks, Ack{Channel: u.ChannelID, Version: u.Version, Code: u.Code})
		}
		return nil
	case "broadcast_subscribe":
		return nil // no broadcasts here
	}
	return fmt.Errorf("unknown messageType %q", msg.MessageType)
}

// forward hands a checked, still encrypted message to the browser of channel ch. It
// answers false when no browser is connected (autopush would store it; this fake does
// not, and the test sees Status 503).
func (s *Service) forward(ctx context.Context, ch *channel, body []byte) bool {
	s.mu.Lock()
	conn := s.conns[ch.uaid]
	version := uuid.NewString()
	s.versions[version] = true
	s.mu.Unlock()
	if conn == nil {
		return false
	}
	err := conn.send(ctx, map[string]any{
		"messageType": "notification", "channelID": ch.Channel, "version": version,
		"data":    base64.RawURLEncoding.EncodeToString(body),
		"headers": map[string]string{"encoding": "aes128gcm"},
	})
	return err == nil
}
