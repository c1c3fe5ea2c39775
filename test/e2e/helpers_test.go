package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// postWhileReading sends a body on a raw connection and reads the answer while still
// writing: a server may answer (413) and close before a large body is through, which
// net/http's client reports as a reset instead of the answer.
func postWhileReading(t *testing.T, rawURL, token, body string) *http.Response {
	t.Helper()
	return sendWhileReading(t, "POST", rawURL, token, body)
}

// sendWhileReading is postWhileReading for any method (a GET with a long address).
func sendWhileReading(t *testing.T, method, rawURL, token, body string) *http.Response {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	go func() {
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, u.RequestURI(), u.Host, token, len(body))
		io.WriteString(conn, body) // may fail once the server has answered and closed
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return res
}

func errorCode(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var e struct{ Error struct{ Code string } }
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatalf("error answer is not JSON: %v", err)
	}
	return e.Error.Code
}

// httpPost posts JSON and reports a transport error instead of failing the test.
func httpPost(url, token, body string) (int, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}
