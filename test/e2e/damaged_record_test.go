package e2e

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAPullNeverSendsAPageThePhoneCannotParse: a record whose stored JSON is damaged (cut
// short, written here through bbolt into the log entry of a real note) is not sent as
// invalid JSON with 200, which would stop the phone at that page for good. The pull
// answers 500 damaged_record in the error shape, the metric counts it, and the log names
// the record by kind, id and version, never by what it holds.
func TestAPullNeverSendsAPageThePhoneCannotParse(t *testing.T) {
	s := testserver.Start(t)
	secret := "Hemlig anteckning om Astrid Nilssons hälsa"
	noteID := uuids.New()
	res := s.Login("anna").Push("journal.note.add", testserver.Note(noteID, demo.ClientID(1), secret, s.Clock.Now()))
	seq := res.Results[0].Version
	err := s.Store.DB().Update(func(tx *bolt.Tx) error {
		log := tx.Bucket([]byte("sync_log")) // seq (8 bytes, big-endian) → server time (8) + change JSON
		key := binary.BigEndian.AppendUint64(nil, seq)
		entry := log.Get(key)
		if !strings.Contains(string(entry), secret) {
			t.Fatalf("log entry %d is not the note: %q", seq, entry)
		}
		return log.Put(key, append([]byte(nil), entry[:len(entry)-20]...))
	})
	if err != nil {
		t.Fatal(err)
	}

	bo := s.Login("bo")
	pull := s.Do("GET", "/api/v1/sync/pull", bo.Token, nil)
	if pull.Status != 500 || pull.ErrorCode() != "damaged_record" {
		t.Fatalf("pull: %d %.300s", pull.Status, pull.Body)
	}
	if !json.Valid(pull.Body) {
		t.Fatalf("the answer is not JSON: %s", pull.Body)
	}
	metrics := string(s.Do("GET", "/metrics", "", nil).Body)
	if !strings.Contains(metrics, "\nvardag_damaged_records_total 1\n") {
		t.Fatalf("the damaged record is not counted once:\n%s", grepLines(metrics, "vardag_damaged"))
	}
	logs := s.Logs.String()
	line := grepLines(logs, "damaged record")
	for _, want := range []string{`"kind":"journal_note"`, `"id":"` + noteID + `"`, `"version":` + strconv.FormatUint(seq, 10)} {
		if !strings.Contains(line, want) {
			t.Errorf("the log does not name the record (%s): %s", want, line)
		}
	}
	for _, forbidden := range []string{"Hemlig", "Astrid", "Nilsson"} {
		if strings.Contains(logs, forbidden) {
			t.Errorf("the log holds %q", forbidden)
		}
	}
}

// grepLines is the lines of text holding s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
