package e2e

import (
	"encoding/json"
	"strings"
	"sync"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// storm has phones push notes, one a push, until it is stopped. A phone whose push is
// not answered 200 records why and stops pushing.
type storm struct {
	mu       sync.Mutex
	acked    map[string]bool // note ids answered 200
	failures []string
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startStorm(s *testserver.Server, phones []*testserver.Device, text string) *storm {
	st := &storm{acked: map[string]bool{}, stop: make(chan struct{})}
	for _, d := range phones {
		st.wg.Add(1)
		go func(d *testserver.Device) {
			defer st.wg.Done()
			for {
				select {
				case <-st.stop:
					return
				default:
				}
				id := uuids.New()
				status, err := pushNote(s, d, id, text)
				st.mu.Lock()
				if err != nil || status != 200 {
					st.failures = append(st.failures, strings.TrimSpace(itoa(status)+" "+errString(err)))
					st.mu.Unlock()
					return
				}
				st.acked[id] = true
				st.mu.Unlock()
			}
		}(d)
	}
	return st
}

// Acked is a copy of the note ids acknowledged so far.
func (st *storm) Acked() map[string]bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]bool, len(st.acked))
	for id := range st.acked {
		out[id] = true
	}
	return out
}

// Count is how many notes have been acknowledged.
func (st *storm) Count() int { st.mu.Lock(); defer st.mu.Unlock(); return len(st.acked) }

// Stop ends the storm and returns every acknowledged note id and every failure.
func (st *storm) Stop() (map[string]bool, []string) {
	close(st.stop)
	st.wg.Wait()
	return st.Acked(), st.failures
}

// pushNote pushes one note for Aspen's first client, reporting a transport error
// instead of failing the test (the server may be going away).
func pushNote(s *testserver.Server, d *testserver.Device, id, text string) (int, error) {
	ms := d.Batch("journal.note.add", testserver.Note(id, demo.ClientID(1), text, s.Clock.Now()))
	body, err := json.Marshal(map[string]any{"device_id": d.DeviceID, "mutations": ms})
	if err != nil {
		return 0, err
	}
	return httpPost(s.URL+"/api/v1/sync/push", d.Token, string(body))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
