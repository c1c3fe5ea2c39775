// Package e2e tests Vardag through its HTTP API against a real server with a real bbolt
// file, as phones and operators meet it.
package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

func findChange(cs []testserver.Change, kind, id string) (testserver.Change, bool) {
	for _, c := range cs {
		if c.Kind == kind && c.ID == id {
			return c, true
		}
	}
	return testserver.Change{}, false
}

func TestNoteFromAnnaReachesBoButNeverFarid(t *testing.T) {
	s := testserver.Start(t)
	anna, bo, farid := s.Login("anna"), s.Login("bo"), s.Login("farid")
	bo.Pull()
	farid.Pull()

	noteID := uuids.New()
	res := anna.Push("journal.note.add", testserver.Note(noteID, demo.ClientID(1), "Hjälpte till med dusch.", s.Clock.Now().Add(-time.Hour)))
	if res.Results[0].Status != "applied" || res.LastMutationID != 1 {
		t.Fatalf("push: %+v", res)
	}

	changes, _ := bo.Pull()
	c, ok := findChange(changes, "journal_note", noteID)
	if !ok {
		t.Fatalf("bo did not get the note: %+v", changes)
	}
	var note struct {
		Text       string    `json:"text"`
		AuthorID   string    `json:"author_id"`
		AuthorRole string    `json:"author_role"`
		ServerTime time.Time `json:"server_time"`
		UnitID     string    `json:"unit_id"`
	}
	if err := json.Unmarshal(c.Data, &note); err != nil {
		t.Fatal(err)
	}
	if note.Text != "Hjälpte till med dusch." || note.AuthorID != demo.UserID("anna") || note.AuthorRole != "care_staff" ||
		!note.ServerTime.Equal(s.Clock.Now()) || note.UnitID != demo.AspenID {
		t.Fatalf("note as bo sees it: %+v", note)
	}

	changes, _ = farid.Pull()
	if _, ok := findChange(changes, "journal_note", noteID); ok || len(changes) != 0 {
		t.Fatalf("farid (another provider) got %d changes after anna's note: %+v", len(changes), changes)
	}
}

func TestFirstPullHoldsOnlyOwnUnitsClients(t *testing.T) {
	s := testserver.Start(t)
	changes, _ := s.Login("farid").Pull()
	clients := 0
	for _, c := range changes {
		if c.Kind != "client" {
			continue
		}
		clients++
		if !slices.Equal(c.Scopes, []string{identity.UnitScope(demo.BjorkenID)}) {
			t.Errorf("farid got a client outside Björken: %v", c.Scopes)
		}
	}
	if clients != 4 {
		t.Fatalf("farid should see Björken's 4 clients, got %d", clients)
	}
}

func TestRepeatedPushAppliesNothingTwice(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	at := s.Clock.Now().Add(-time.Hour)
	first, second := uuids.New(), uuids.New()
	batch := anna.Batch(
		"journal.note.add", testserver.Note(first, demo.ClientID(1), "Första", at),
		"journal.note.add", testserver.Note(uuids.New(), demo.ClientID(9), "Björkens brukare: inte min", at),
		"journal.note.add", testserver.Note(second, demo.ClientID(2), "Andra", at),
	)
	sent := anna.Send(batch)
	head := s.Head()
	again := anna.Send(batch) // the answer to the first was lost; the phone sends again
	if sent.Status != 200 || again.Status != 200 {
		t.Fatalf("pushes: %d %d %s", sent.Status, again.Status, again.Body)
	}
	var a, b testserver.PushResult
	sent.JSON(t, &a)
	again.JSON(t, &b)
	for i := range a.Results {
		if a.Results[i].Duplicate || !b.Results[i].Duplicate || a.Results[i].Status != b.Results[i].Status || a.Results[i].Version != b.Results[i].Version {
			t.Fatalf("mutation %d: first %+v, repeat %+v", i+1, a.Results[i], b.Results[i])
		}
	}
	if a.Results[1].Status != "rejected" || a.Results[1].Error.Code != "client_not_found" {
		t.Fatalf("a note for another provider's client must be rejected: %+v", a.Results[1])
	}
	if s.Head() != head || b.LastMutationID != 3 {
		t.Fatalf("the repeat wrote: head %d → %d, last %d", head, s.Head(), b.LastMutationID)
	}
	changes, _ := s.Login("bo").Pull()
	seen := map[string]int{}
	for _, c := range changes {
		if c.Kind == "journal_note" {
			seen[c.ID]++
		}
	}
	if seen[first] != 1 || seen[second] != 1 {
		t.Fatalf("bo should see each of the two notes once, got %d and %d", seen[first], seen[second])
	}
}

func TestExpiredGrantDropsTheUnit(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("gustav", demo.AspenID, identity.RoleCareStaff, s.Clock.Now().Add(time.Hour))
	gustav := s.Login("gustav")
	changes, drops := gustav.Pull()
	if _, ok := findChange(changes, "client", demo.ClientID(1)); !ok || len(drops) != 0 {
		t.Fatalf("gustav should hold Aspen's clients: %d changes, drops %v", len(changes), drops)
	}
	s.Clock.Advance(2 * time.Hour) // the grant has expired (and the access token too)
	if res := gustav.Refresh(); res.Status != 200 {
		t.Fatalf("refresh within the shift: %d %s", res.Status, res.Body)
	}
	changes, drops = gustav.Pull()
	if !slices.Equal(drops, []string{identity.UnitScope(demo.AspenID)}) || len(changes) != 0 {
		t.Fatalf("want drop_scopes [unit:Aspen] and nothing else, got %v and %d changes", drops, len(changes))
	}
	res := gustav.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Efter att behörigheten gått ut", s.Clock.Now()))
	if res.Results[0].Status != "rejected" || res.Results[0].Error.Code != "client_not_found" {
		t.Fatalf("an expired grant must give nothing: %+v", res.Results[0])
	}
}

func TestFiftyDevicesPushConcurrently(t *testing.T) {
	s := testserver.Start(t)
	const devices, pushes, per = 50, 4, 5
	phones := make([]*testserver.Device, devices)
	for i := range phones {
		name := fmt.Sprintf("vikarie%02d", i)
		s.AddUser(name, demo.AspenID, identity.RoleCareStaff, s.Clock.Now().Add(24*time.Hour))
		phones[i] = s.Login(name)
	}
	start := s.Head()
	at := s.Clock.Now().Add(-time.Minute)
	var wg sync.WaitGroup
	errs := make(chan string, devices)
	for i, d := range phones {
		wg.Add(1)
		go func(i int, d *testserver.Device) {
			defer wg.Done()
			for p := 0; p < pushes; p++ {
				var args []any
				for k := 0; k < per; k++ {
					args = append(args, "journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1+k%6), fmt.Sprintf("d%d n%d", i, p*per+k+1), at))
				}
				res := d.Send(d.Batch(args...))
				var pr testserver.PushResult
				if res.Status != 200 || json.Unmarshal(res.Body, &pr) != nil || pr.LastMutationID != uint64((p+1)*per) {
					errs <- fmt.Sprintf("device %d push %d: %d %s", i, p, res.Status, res.Body)
					return
				}
			}
		}(i, d)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if got := s.Head() - start; got != devices*pushes*per {
		t.Fatalf("want %d new log entries, got %d", devices*pushes*per, got)
	}
	// Gap-free, and each device's notes in the order it sent them.
	next := map[int]int{}
	err := s.Engine.View(func(r syncengine.ReadTx) error {
		for seq := start + 1; seq <= r.Head(); seq++ {
			raw, _, err := r.Entry(seq)
			if err != nil {
				return fmt.Errorf("sequence %d missing: %w", seq, err)
			}
			var c struct{ Data struct{ Text string } }
			json.Unmarshal(raw, &c)
			var d, n int
			fmt.Sscanf(c.Data.Text, "d%d n%d", &d, &n)
			if n != next[d]+1 {
				return fmt.Errorf("device %d: note %d after %d", d, n, next[d])
			}
			next[d] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
