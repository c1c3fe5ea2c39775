package accesslog_test

import (
	"testing"

	"vardag/internal/accesslog"
	"vardag/internal/signing"
	"vardag/internal/uuids"
)

// A pulled follow-up of a signing (signing_follow_up) is a read of its client: it names
// the client, the measure and the nurse's comment.
func TestAFollowUpIsAReadOfItsClient(t *testing.T) {
	client, id := uuids.New(), uuids.New()
	change := []byte(`{"kind":"` + signing.KindFollowUp + `","id":"` + id + `","op":"put","version":3,"scopes":["unit:a"],"data":{"follow_up_id":"` + id +
		`","client_id":"` + client + `","comment":"Kontrollerat"}}`)
	v, ok := accesslog.Observe(signing.KindFollowUp, change)
	if !ok {
		t.Fatal("a follow-up is not observed")
	}
	got := accesslog.FromPull("u1", "d1", []any{v})
	if len(got) != 1 || got[0].ClientID != client || got[0].What != signing.KindFollowUp || got[0].Count != 1 || len(got[0].Units) != 1 || got[0].Units[0] != "a" {
		t.Fatalf("entries: %+v", got)
	}
}
