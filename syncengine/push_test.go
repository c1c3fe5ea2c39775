package syncengine_test

import (
	"context"
	"testing"
	"time"

	"vardag/syncengine"
)

// TestAClientTimeOutsideTheDevicesReachIsRejected: client_time may lie at most 10
// minutes ahead of the server's clock and at most the offline limit (the phones' wipe
// window) and an hour behind it; years 0001 and 9999 were stored as sent. A rejected one
// writes nothing, and its id is used (the phone keeps it in "needs attention").
func TestAClientTimeOutsideTheDevicesReachIsRejected(t *testing.T) {
	e, clk, _ := newEngine(t) // the default offline limit: 72 hours
	ctx := context.Background()
	anna := syncengine.Actor{UserID: "anna", DeviceID: "d1", Scopes: []string{"unit:a"}}
	now := clk.Now()
	cases := []struct {
		at   time.Time
		want string
	}{
		{now.Add(9 * time.Minute), "applied"},
		{now.Add(11 * time.Minute), "rejected"},
		{now.Add(-72 * time.Hour), "applied"},
		{now.Add(-73*time.Hour + time.Minute), "applied"},
		{now.Add(-74 * time.Hour), "rejected"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "rejected"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "rejected"},
		{time.Time{}, "rejected"},
	}
	var head uint64
	for i, c := range cases {
		m := mut(uint64(i+1), noteArgs{ID: "n" + string(rune('a'+i)), Scopes: []string{"unit:a"}})
		m.ClientTime = c.at
		e.View(func(r syncengine.ReadTx) error { head = r.Head(); return nil })
		res, err := e.Push(ctx, anna, []syncengine.Mutation{m})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Results[0]
		if r.Status != c.want {
			t.Errorf("client_time %s: %s %+v, want %s", c.at.Format(time.RFC3339), r.Status, r.Error, c.want)
			continue
		}
		var after uint64
		e.View(func(r syncengine.ReadTx) error { after = r.Head(); return nil })
		if c.want == "rejected" && (r.Error.Code != syncengine.CodeInvalidClientTime || r.Error.Fields["client_time"] == "" || after != head) {
			t.Errorf("client_time %s: %+v, head %d → %d; want invalid_client_time and nothing written", c.at.Format(time.RFC3339), r.Error, head, after)
		}
	}
}
