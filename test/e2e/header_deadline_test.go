package e2e

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"vardag/server/config"
	"vardag/test/testserver"
)

// TestAConnectionWithoutAWholeHeaderIsClosed: a half-open connection (a flood of them ran
// a server out of descriptors) holds its descriptor only for the header timeout, not for
// the read timeout: the server closes one that sent a partial header, or nothing, once
// the header timeout (1 s here) has passed. The ceiling (15 s) is generous, and still half
// the read timeout (30 s) that held such connections before.
func TestAConnectionWithoutAWholeHeaderIsClosed(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.HeaderTimeout, c.ReadTimeout = time.Second, 30*time.Second })
	for name, sent := range map[string]string{
		"a partial header": "GET /healthz HTTP/1.1\r\nHost: vardag\r\nX-Waiting: ",
		"nothing at all":   "",
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, sent); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			conn.SetReadDeadline(start.Add(15 * time.Second))
			answer, err := io.ReadAll(conn) // returns at EOF: the server closed the connection
			if err != nil {
				t.Fatalf("not closed by the server within 15 s: %v", err)
			}
			if sent != "" && !strings.Contains(string(answer), `"code":"request_timeout"`) {
				t.Errorf("closed without the error shape: %q", answer)
			}
			t.Logf("closed after %v", time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// TestASlowBodyStillHasTheReadTimeout: the header timeout is for the header; once it has
// arrived, the body has the whole read timeout. The client here waits past the header
// timeout on purpose before it sends the body.
func TestASlowBodyStillHasTheReadTimeout(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.HeaderTimeout, c.ReadTimeout = time.Second, 30*time.Second })
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"refresh_token":"not-a-token"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: vardag\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	time.Sleep(2 * time.Second) // the slow client: past the header timeout
	io.WriteString(conn, body)
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	answer, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(answer), "HTTP/1.1 401") {
		t.Fatalf("the body was not read as a request's: %q", answer)
	}
}
