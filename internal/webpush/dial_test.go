package webpush

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDNS answers the Go resolver's queries from a table, over an in-memory pipe: no
// query leaves the process. A name it does not know has no address.
type fakeDNS struct {
	mu      sync.Mutex
	names   map[string]netip.Addr // name (no trailing dot) → its one IPv4 address
	queries []string
}

func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go f.serve(server)
		return client, nil
	}}
}

// serve answers one query on conn. The resolver speaks to a connection that is not a
// packet connection as over TCP: a query and its answer carry their length first.
func (f *fakeDNS) serve(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		return
	}
	if n < 14 {
		return
	}
	q := buf[2:n]
	if len(q) < 12 {
		return
	}
	// The question: labels up to the root, then type and class.
	i, labels := 12, []string{}
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, "."))
	f.mu.Lock()
	f.queries = append(f.queries, name)
	addr, known := f.names[name]
	f.mu.Unlock()
	answer := []byte{}
	if known && qtype == 1 { // A
		answer = append(answer, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		a4 := addr.As4()
		answer = append(answer, a4[:]...)
	}
	rcode := byte(0)
	if !known {
		rcode = 3 // NXDOMAIN
	}
	ancount := uint16(0)
	if len(answer) > 0 {
		ancount = 1
	}
	msg := append([]byte{q[0], q[1], 0x81, 0x80 | rcode, 0, 1, byte(ancount >> 8), byte(ancount), 0, 0, 0, 0}, question...)
	msg = append(msg, answer...)
	_, _ = conn.Write(append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...))
}

// errStopped ends every connection the guard allows, before it is made: nothing leaves.
var errStopped = errors.New("test: stopped before connecting")

// TestTheDialerRefusesAPrivateAddressANameResolvesTo: a push service's name that resolves
// to an address inside (DNS rebinding: the endpoint passed its check as a name) is refused
// by the dialer after resolution and before any connection is made; a public address
// reaches the point of connecting (where the test stops it), and 127.0.0.1 does only with
// the tests' AllowLoopback. No packet leaves the machine: the resolver is in memory and
// every allowed connection is stopped before it is made.
func TestTheDialerRefusesAPrivateAddressANameResolvesTo(t *testing.T) {
	dns := &fakeDNS{names: map[string]netip.Addr{
		"push.rebind.test":   netip.MustParseAddr("10.0.0.1"),
		"push.metadata.test": netip.MustParseAddr("169.254.169.254"),
		"push.cgnat.test":    netip.MustParseAddr("100.64.0.7"),
		"push.loopback.test": netip.MustParseAddr("127.0.0.1"),
		"push.public.test":   netip.MustParseAddr("93.184.216.34"),
	}}
	for _, c := range []struct {
		name          string
		allowLoopback bool
		connects      string // the address that reached the point of connecting; "" for refused
	}{
		{"push.rebind.test", false, ""},
		{"push.metadata.test", false, ""},
		{"push.cgnat.test", false, ""},
		{"push.loopback.test", false, ""},
		{"push.rebind.test", true, ""},
		{"push.loopback.test", true, "127.0.0.1:443"},
		{"push.public.test", false, "93.184.216.34:443"},
	} {
		var mu sync.Mutex
		var connects []string
		allowed, refused := 0, 0
		guard := dialGuard{allowLoopback: c.allowLoopback,
			counted: func(ok bool) {
				mu.Lock()
				defer mu.Unlock()
				if ok {
					allowed++
				} else {
					refused++
				}
			},
			connect: func(address string) error {
				mu.Lock()
				defer mu.Unlock()
				connects = append(connects, address)
				return errStopped
			}}
		client := newHTTPClient(2*time.Second, 1, guard, dns.resolver())
		client.Transport.(*http.Transport).Proxy = nil // a proxy in the environment would be dialed instead
		_, err := client.Get("https://" + c.name + "/wpush/v2/abc")
		mu.Lock()
		switch {
		case c.connects == "":
			if !errors.Is(err, ErrRefusedAddress) || len(connects) != 0 || refused != 1 || allowed != 0 {
				t.Errorf("%s (loopback %v): %v; connects %v, refused %d, allowed %d", c.name, c.allowLoopback, err, connects, refused, allowed)
			}
		default:
			if !errors.Is(err, errStopped) || len(connects) != 1 || connects[0] != c.connects || refused != 0 {
				t.Errorf("%s (loopback %v): %v; connects %v, refused %d", c.name, c.allowLoopback, err, connects, refused)
			}
		}
		mu.Unlock()
	}
	dns.mu.Lock()
	defer dns.mu.Unlock()
	if len(dns.queries) == 0 {
		t.Fatal("the names were never resolved: the check did not run after resolution")
	}
}
