package pushtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// client is a browser's side of the WebSocket protocol, as Firefox speaks it.
type client struct {
	t *testing.T
	c *websocket.Conn
}

func dial(t *testing.T, s *Service) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.WebSocketURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &client{t: t, c: c}
}

func (c *client) send(msg any) {
	c.t.Helper()
	raw, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, raw); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads one message; closed is true when the service closed the connection.
func (c *client) recv() (msg map[string]any, closed bool) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, raw, err := c.c.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) == websocket.StatusProtocolError {
			return nil, true
		}
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		c.t.Fatal(err)
	}
	return msg, false
}

func (c *client) hello() string {
	c.t.Helper()
	c.send(map[string]any{"messageType": "hello", "use_webpush": true, "broadcasts": map[string]any{}})
	m, _ := c.recv()
	if m["messageType"] != "hello" || m["status"] != 200.0 || m["use_webpush"] != true {
		c.t.Fatalf("hello answered %v", m)
	}
	uaid, _ := m["uaid"].(string)
	if uaid == "" || len(uaid) > 128 {
		c.t.Fatalf("uaid %q", uaid)
	}
	return uaid
}

const channelID = "5b4f7c3e-1d2a-4e6b-9c8d-0a1b2c3d4e5f"

// The fake answers the protocol as autopush does, and refuses what Firefox would never
// send: each fault is recorded and the connection closed.
func TestWebSocketProtocol(t *testing.T) {
	s := New(t)
	key := NewBrowser("k", "").priv.PublicKey().Bytes() // any P-256 point: an application server key

	c := dial(t, s)
	c.send(map[string]any{}) // a ping before hello is answered
	if m, _ := c.recv(); len(m) != 0 {
		t.Fatalf("ping answered %v", m)
	}
	uaid := c.hello()
	c.send(map[string]any{"messageType": "register", "channelID": channelID, "key": base64.URLEncoding.EncodeToString(key)}) // padded, as Firefox sends it
	m, _ := c.recv()
	if m["messageType"] != "register" || m["status"] != 200.0 || m["channelID"] != channelID || m["pushEndpoint"] != s.URL+"/wpush/"+channelID {
		t.Fatalf("register answered %v", m)
	}
	if regs := s.Registrations(); len(regs) != 1 || string(regs[0].Key) != string(key) {
		t.Fatalf("registrations %+v", regs)
	}
	c.send(map[string]any{"messageType": "unregister", "channelID": channelID, "code": 200})
	if m, _ := c.recv(); m["status"] != 200.0 || len(s.Registrations()) != 0 || strings.Join(s.Unregistered(), ",") != channelID {
		t.Fatalf("unregister answered %v; registrations %v, unregistered %v", m, s.Registrations(), s.Unregistered())
	}
	// An unknown channel is not this browser's to unregister.
	c.send(map[string]any{"messageType": "unregister", "channelID": channelID})
	if m, _ := c.recv(); m["status"] != 404.0 {
		t.Fatalf("a second unregister answered %v", m)
	}
	if f := s.Failures(); len(f) != 0 {
		t.Fatalf("faults in a correct exchange: %v", f)
	}

	// A browser that comes back with its uaid keeps it.
	c2 := dial(t, s)
	c2.send(map[string]any{"messageType": "hello", "use_webpush": true, "uaid": uaid})
	if m, _ := c2.recv(); m["uaid"] != uaid {
		t.Fatalf("a known browser's hello answered %v, want uaid %s", m, uaid)
	}

	for _, tc := range []struct {
		name   string
		before []any
		msg    any
		fault  string
	}{
		{"register before hello", nil, map[string]any{"messageType": "register", "channelID": channelID, "key": ""}, "before hello"},
		{"hello without use_webpush", nil, map[string]any{"messageType": "hello"}, "use_webpush"},
		{"channel id not a UUID", []any{"hello"}, map[string]any{"messageType": "register", "channelID": "abc", "key": base64.RawURLEncoding.EncodeToString(key)}, "not a UUID"},
		{"key not a point", []any{"hello"}, map[string]any{"messageType": "register", "channelID": channelID, "key": base64.RawURLEncoding.EncodeToString(key[:33])}, "P-256"},
		{"ack of nothing sent", []any{"hello"}, map[string]any{"messageType": "ack", "updates": []any{map[string]any{"channelID": channelID, "version": "v9", "code": 100}}}, "never sent"},
		{"unknown message", []any{"hello"}, map[string]any{"messageType": "subscribe"}, "unknown messageType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Failures())
			c := dial(t, s)
			for range tc.before {
				c.hello()
			}
			c.send(tc.msg)
			if _, closed := c.recv(); !closed {
				t.Fatal("the connection stays open")
			}
			f := s.Failures()
			if len(f) != before+1 || !strings.Contains(f[before], tc.fault) {
				t.Fatalf("faults %v, want one about %q", f[before:], tc.fault)
			}
		})
	}
}
