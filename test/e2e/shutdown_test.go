package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestShutdownKeepsEveryAcknowledgedNote stops the server while devices push, restarts it
// on the same file and finds every note whose push was answered 200.
func TestShutdownKeepsEveryAcknowledgedNote(t *testing.T) {
	s := testserver.Start(t)
	const devices = 8
	phones := make([]*testserver.Device, devices)
	for i := range phones {
		phones[i] = s.Login([]string{"anna", "bo", "cecilia", "david"}[i%4])
	}
	st := startStorm(s, phones, "Under nedstängning")
	time.Sleep(300 * time.Millisecond)
	s.Stop()
	acked, _ := st.Stop() // pushes cut off by the stop prove nothing; the answered ones must stay
	if len(acked) == 0 {
		t.Fatal("no push was acknowledged before the stop")
	}
	again := testserver.StartIn(t, s.Dir(), s.Clock)
	s.Clock.Advance(30 * time.Second) // david used this TOTP step before the restart
	changes, _ := again.Login("david").Pull()
	found := 0
	for _, c := range changes {
		if c.Kind == "journal_note" && acked[c.ID] {
			found++
		}
	}
	if found != len(acked) {
		t.Fatalf("%d notes were acknowledged, %d survived the restart", len(acked), found)
	}
}

func TestLogsHoldNoNoteTextNamesOrPersonalNumbers(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	secret := "Hemlig anteckning om Astrid Nilssons hälsa"
	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), secret, s.Clock.Now()))
	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(9), secret, s.Clock.Now())) // rejected
	s.Login("bo").Pull()
	logs := s.Logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/sync/push"`) {
		t.Fatalf("requests are not being logged at all:\n%s", logs)
	}
	for _, forbidden := range []string{"Hemlig", "Astrid", "Nilsson", "Anna Lind", demo.PersonalNumber("19340212", 1), "vardag-demo", anna.Token} {
		if strings.Contains(logs, forbidden) {
			t.Errorf("the log holds %q", forbidden)
		}
	}
}

func TestMetricsCountMutations(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "x", s.Clock.Now()))
	res := s.Do("GET", "/metrics", "", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `vardag_sync_mutations_total{status="applied"} 1`) {
		t.Fatalf("metrics: %d\n%s", res.Status, res.Body)
	}
	if ready := s.Do("GET", "/readyz", "", nil); ready.Status != 200 {
		t.Fatalf("readyz: %d", ready.Status)
	}
}

// TestShutdownIsNotHeldByAnUnusedConnection: a browser's preconnect opens a connection and
// sends nothing. The stop must not wait for it until the read timeout (30 s); Stop fails
// the test if the shutdown overruns its 10 s.
func TestShutdownIsNotHeldByAnUnusedConnection(t *testing.T) {
	s := testserver.Start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // accepted by the server
	s.Stop()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("the unused connection was not closed")
	}
}
