package e2e

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/server/config"
	"vardag/test/testserver"
)

// stream opens the live stream and returns its lines as they come.
func stream(t *testing.T, s *testserver.Server, token string) (<-chan string, *http.Response) {
	t.Helper()
	res := openStream(t, s, token)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, res
}

// nextEvent waits for the next "event:" line (comments and data skipped).
func nextEvent(lines <-chan string, within time.Duration) (string, bool) {
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return "closed", true
			}
			if ev, found := strings.CutPrefix(l, "event: "); found {
				return ev, true
			}
		case <-deadline:
			return "", false
		}
	}
}

func TestLiveStreamPokesOnlyThoseWhoseScopesChanged(t *testing.T) {
	s := testserver.Start(t)
	anna, bo, farid := s.Login("anna"), s.Login("bo"), s.Login("farid")
	boLines, _ := stream(t, s, bo.Token)
	faridLines, _ := stream(t, s, farid.Token)
	time.Sleep(100 * time.Millisecond) // both subscribed

	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Aspen", s.Clock.Now()))
	if ev, ok := nextEvent(boLines, 5*time.Second); !ok || ev != "poke" {
		t.Fatalf("bo got no poke for a note in his unit: %q", ev)
	}
	// farid's first poke must be for his own unit's note, not for anna's.
	if ev, ok := nextEvent(faridLines, 300*time.Millisecond); ok {
		t.Fatalf("farid was poked for another provider's unit: %q", ev)
	}
	farid.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(9), "Björken", s.Clock.Now()))
	if ev, ok := nextEvent(faridLines, 5*time.Second); !ok || ev != "poke" {
		t.Fatalf("farid got no poke for his own unit: %q", ev)
	}
}

func TestLiveStreamKeepsAliveAndEndsWhenTheServerStops(t *testing.T) {
	s := testserver.Start(t)
	bo := s.Login("bo")
	lines, _ := stream(t, s, bo.Token)
	keepalive := false
	deadline := time.After(5 * time.Second)
	for !keepalive {
		select {
		case l := <-lines:
			keepalive = l == ": keepalive"
		case <-deadline:
			t.Fatal("no keepalive comment")
		}
	}
	// The server's stop ends the stream rather than hanging the shutdown.
	s.Stop()
	for l := range lines {
		_ = l
	}
}

func TestLiveStreamEndsWhenTheAccessTokenExpires(t *testing.T) {
	s := testserver.Start(t, func(c *config.Config) { c.AccessTTL = 2 * time.Second })
	lines, _ := stream(t, s, s.Login("bo").Token)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, open := <-lines:
			if !open {
				return // the server ended the stream: the phone reconnects with a new token
			}
		case <-deadline:
			t.Fatal("the stream outlived its 2-second access token by 8 seconds")
		}
	}
}
