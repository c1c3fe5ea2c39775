package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"vardag/server/config"
	"vardag/test/testserver"
)

// TestLiveStreamsAreLimitedPerDevicePerUserAndInAll: each open stream holds a connection,
// so a device, a user's devices together and the whole server may hold only so many.
// Beyond them a stream is refused in the error shape with Retry-After: 429 for a device
// or a user, 503 for the server; a closed stream frees its place.
func TestLiveStreamsAreLimitedPerDevicePerUserAndInAll(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.StreamsPerDevice, c.StreamsPerUser, c.StreamsMax = 2, 3, 5 })
	anna1, anna2 := s.Login("anna"), s.Login("anna") // two devices of one user
	bo, cecilia, david := s.Login("bo"), s.Login("cecilia"), s.Login("david")
	var held []*http.Response
	for _, row := range []struct {
		name   string
		phone  *testserver.Device
		status int
		code   string
	}{
		{"a device's first stream", anna1, 200, ""},
		{"its second", anna1, 200, ""},
		{"its third: over the device's 2", anna1, 429, "too_many_streams"},
		{"the user's second device", anna2, 200, ""},
		{"its second: over the user's 3", anna2, 429, "too_many_streams"},
		{"another user", bo, 200, ""},
		{"the server's fifth", cecilia, 200, ""},
		{"the sixth: over the server's 5", david, 503, "server_busy"},
	} {
		res := openStream(t, s, row.phone.Token)
		if res.StatusCode != row.status {
			t.Fatalf("%s: %d, want %d", row.name, res.StatusCode, row.status)
		}
		if row.status == 200 {
			held = append(held, res)
			continue
		}
		var body testserver.Response
		body.Body, _ = io.ReadAll(res.Body)
		if body.ErrorCode() != row.code || res.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %s %q (Retry-After %q)", row.name, res.Header.Get("Content-Type"), body.Body, res.Header.Get("Retry-After"))
		}
	}
	if n := s.Engine.Hub().Count(); n != 5 {
		t.Fatalf("the hub holds %d streams, want 5", n)
	}
	held[0].Body.Close() // one of anna's first device
	testserver.WaitUntil(t, "the closed stream to leave the hub", func() bool { return s.Engine.Hub().Count() == 4 })
	if res := openStream(t, s, david.Token); res.StatusCode != 200 {
		t.Fatalf("a place was freed, yet: %d", res.StatusCode)
	}
	metrics := string(s.Do("GET", "/metrics", "", nil).Body)
	for _, want := range []string{`vardag_live_streams_refused_total{limit="device"} 1`, `vardag_live_streams_refused_total{limit="user"} 1`, `vardag_live_streams_refused_total{limit="server"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(metrics, "refused"))
		}
	}
}

// openStream asks for the live stream; a 200 stays open until the test ends.
func openStream(t *testing.T, s *testserver.Server, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}
