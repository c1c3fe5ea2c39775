package syncengine_test

import (
	"errors"
	"testing"

	"vardag/syncengine"
)

// TestHubLimitsCountEachStreamOnce: a refused stream takes no place, a stream removed
// twice frees one place, and a closed hub starts again from nothing.
func TestHubLimitsCountEachStreamOnce(t *testing.T) {
	h := syncengine.NewHub(syncengine.StreamLimits{PerDevice: 1, PerUser: 2, Total: 3})
	anna1, anna2 := syncengine.StreamOwner{UserID: "anna", DeviceID: "a1"}, syncengine.StreamOwner{UserID: "anna", DeviceID: "a2"}
	s1, err := h.Subscribe(anna1, []string{"unit:a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(anna1, []string{"unit:a"}); !errors.Is(err, syncengine.ErrDeviceStreams) {
		t.Fatalf("a second stream of a device allowed one: %v", err)
	}
	if _, err := h.Subscribe(anna2, nil); err != nil { // no scopes: still a stream
		t.Fatal(err)
	}
	if _, err := h.Subscribe(syncengine.StreamOwner{UserID: "anna", DeviceID: "a3"}, nil); !errors.Is(err, syncengine.ErrUserStreams) {
		t.Fatalf("a third stream of a user allowed two: %v", err)
	}
	if _, err := h.Subscribe(syncengine.StreamOwner{UserID: "bo", DeviceID: "b1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Subscribe(syncengine.StreamOwner{UserID: "cecilia", DeviceID: "c1"}, nil); !errors.Is(err, syncengine.ErrStreamsFull) {
		t.Fatalf("a fourth stream on a server of three: %v", err)
	}
	if n := h.Count(); n != 3 {
		t.Fatalf("count %d after the refusals, want 3", n)
	}
	h.Unsubscribe(s1)
	h.Unsubscribe(s1)
	if n := h.Count(); n != 2 {
		t.Fatalf("count %d after removing one stream twice, want 2", n)
	}
	if _, err := h.Subscribe(anna1, nil); err != nil {
		t.Fatalf("the device's place was not freed: %v", err)
	}
	h.Close()
	if n := h.Count(); n != 0 {
		t.Fatalf("count %d after Close", n)
	}
}
