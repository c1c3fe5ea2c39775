package webpush_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vardag/internal/assignments"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/signing"
	"vardag/internal/webpush"
	"vardag/internal/webpush/pushtest"
	"vardag/syncengine"
)

func openDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "push.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// directory is a fixed organisation: unit → role → users.
type directory map[string]map[identity.Role][]string

func (d directory) Members(unit string, _ time.Time, roles ...identity.Role) []string {
	var out []string
	for _, r := range roles {
		out = append(out, d[unit][r]...)
	}
	return out
}

var org = directory{
	"aspen":      {identity.RoleCareStaff: {"anna", "bo"}, identity.RoleLicensed: {"cecilia"}, identity.RoleUnitManager: {"david"}, identity.RoleCoordinator: {"eva"}},
	"aspen-norr": {},
}

type rig struct {
	t       *testing.T
	n       *webpush.Notifier
	svc     *pushtest.Service
	subs    *webpush.Subscriptions
	ended   sync.Map // session ids that ended
	records map[string]json.RawMessage
}

func newRig(t *testing.T, edit func(*webpush.Options)) *rig {
	t.Helper()
	db := openDB(t)
	keys, err := webpush.StoredKeys(db)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := webpush.OpenSubscriptions(db)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, svc: pushtest.New(t), subs: subs, records: map[string]json.RawMessage{}}
	r.svc.ExpectVAPIDKey(keys.Public)
	opts := webpush.Options{
		Keys: keys, Subject: "mailto:drift@vardag.example", Subscriptions: subs, Directory: org,
		Read:          func(kind, id string) (json.RawMessage, bool) { v, ok := r.records[kind+"/"+id]; return v, ok },
		SessionActive: func(id string) bool { _, ended := r.ended.Load(id); return !ended },
		Window:        100 * time.Millisecond, Timeout: 2 * time.Second, RetryBase: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(&opts)
	}
	n, err := webpush.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	r.n = n
	return r
}

// subscribe makes a browser subscription for user on a device of its own.
func (r *rig) subscribe(user, name string) *pushtest.Browser {
	r.t.Helper()
	b := r.svc.Browser(name)
	err := r.subs.Put(webpush.Subscription{Endpoint: b.Endpoint, Keys: webpush.SubscriptionKeys{P256dh: b.P256dh(), Auth: b.Auth()},
		UserID: user, DeviceID: "device-" + name, SessionID: "session-" + name})
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

func put(kind, id string, v any) syncengine.CommittedChange {
	raw, _ := json.Marshal(v)
	return syncengine.CommittedChange{Kind: kind, ID: id, Op: syncengine.OpPut, Data: raw}
}

func message(id, from, to string, at time.Time) syncengine.CommittedChange {
	return put(messages.Kind, id, messages.Message{MessageID: id, FromUserID: from, ToUserID: to, Text: "Astrid Andersson 19400101-1234 behöver hjälp", SentAt: at})
}

// wait polls until cond holds or fails the test.
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func payloads(rs []pushtest.Received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Payload))
	}
	return out
}

func TestSendsCategoryAndCountOnly(t *testing.T) {
	r := newRig(t, nil)
	r.subscribe("bo", "bo-phone")
	r.subscribe("anna", "anna-phone")
	at := time.Now().UTC()
	// Three messages to bo in one window go as one notification with the count; anna's
	// own message tells anna nothing.
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at), message("m2", "anna", "bo", at)})
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m3", "anna", "bo", at)})
	wait(t, "a notification", func() bool { return len(r.svc.For("bo-phone")) == 1 })
	time.Sleep(300 * time.Millisecond)
	got := r.svc.For("bo-phone")
	if len(got) != 1 || string(got[0].Payload) != `{"category":"message","count":3}` {
		t.Fatalf("bo got %q", payloads(got))
	}
	if g := got[0]; g.TTL != int((4*time.Hour)/time.Second) || g.Urgency != "normal" || g.Topic != "message" || g.Subject != "mailto:drift@vardag.example" {
		t.Errorf("headers: TTL %d, Urgency %q, Topic %q, sub %q", g.TTL, g.Urgency, g.Topic, g.Subject)
	}
	if len(r.svc.For("anna-phone")) != 0 {
		t.Errorf("the sender was told of her own message")
	}
	for _, p := range payloads(got) {
		for _, bad := range []string{"Astrid", "19400101", "hjälp", "anna", "bo"} {
			if strings.Contains(p, bad) {
				t.Errorf("payload %s holds %q", p, bad)
			}
		}
	}
	if f := r.svc.Failures(); len(f) > 0 {
		t.Fatalf("the push service refused: %v", f)
	}
	if s := r.n.Stats(); s.Sent != 1 {
		t.Errorf("stats: %v", s)
	}
}

func TestEventsAndRecipients(t *testing.T) {
	r := newRig(t, nil)
	for _, u := range []string{"anna", "bo", "cecilia", "david", "eva"} {
		r.subscribe(u, u)
	}
	at := time.Now().UTC()
	earlier := at.Add(-time.Hour)
	r.records[signing.KindList+"/list1"] = json.RawMessage(`{"created_by":"cecilia"}`)
	r.n.OnCommit(at, []syncengine.CommittedChange{
		// a new assignment: the unit's coordinators and managers
		put(assignments.Kind, "a1", assignments.Assignment{UnitID: "aspen", Status: assignments.StatusNew, ReceivedAt: at, UpdatedAt: at}),
		// an old one delivered again: nothing
		put(assignments.Kind, "a2", assignments.Assignment{UnitID: "aspen", Status: assignments.StatusNew, ReceivedAt: earlier, UpdatedAt: at}),
		// distributed now by eva to a group where nobody holds a grant: the unit's care staff
		put(assignments.Kind, "a3", assignments.Assignment{UnitID: "aspen", Status: assignments.StatusDistributed, SubUnitID: "aspen-norr", ReceivedAt: earlier,
			Distribution: &assignments.Distribution{UserID: "eva", At: at}}),
		// a deviation reported by bo: the unit's managers
		put(deviations.Kind, "d1", deviations.Deviation{ReportArgs: deviations.ReportArgs{UnitID: "aspen"}, ReportServerFields: deviations.ReportServerFields{ReporterID: "bo", ServerTime: at}}),
		// the system's message about it: told as the deviation, not again as a message
		put(messages.Kind, "dm1", messages.Message{MessageID: "dm1", From: messages.FromSystem, ToUnitManagers: "aspen", DeviationID: "d1", SentAt: at}),
		// a missed occurrence: the list's nurse and the unit's care staff
		put(signing.KindAlert, "al1", signing.Alert{Type: signing.AlertMissed, ListID: "list1", UnitID: "aspen", RaisedAt: at, UpdatedAt: at}),
		// a double signing is not a missed one
		put(signing.KindAlert, "al2", signing.Alert{Type: signing.AlertDoubleSigning, ListID: "list1", UnitID: "aspen", RaisedAt: at, UpdatedAt: at}),
		// a message to the unit: its staff but the sender
		put(messages.Kind, "m1", messages.Message{MessageID: "m1", FromUserID: "david", ToUnitID: "aspen", Text: "Möte", SentAt: at}),
		// deletions say nothing
		{Kind: messages.Kind, ID: "m0", Op: syncengine.OpDelete},
	})
	want := map[string][]string{
		"anna":    {`{"category":"assignment","count":1}`, `{"category":"message","count":1}`, `{"category":"missed_signing","count":1}`},
		"bo":      {`{"category":"assignment","count":1}`, `{"category":"message","count":1}`, `{"category":"missed_signing","count":1}`},
		"cecilia": {`{"category":"message","count":1}`, `{"category":"missed_signing","count":1}`},
		"david":   {`{"category":"assignment","count":1}`, `{"category":"deviation","count":1}`},
		"eva":     {`{"category":"assignment","count":1}`, `{"category":"message","count":1}`},
	}
	total := 0
	for _, w := range want {
		total += len(w)
	}
	wait(t, "every notification", func() bool { return len(r.svc.Received()) >= total })
	time.Sleep(300 * time.Millisecond)
	for user, w := range want {
		got := payloads(r.svc.For(user))
		if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(w)) {
			t.Errorf("%s got %v, want %v", user, got, w)
		}
	}
	for _, g := range r.svc.For("anna") {
		if g.Topic == webpush.CategoryMissedSigning && g.Urgency != "high" {
			t.Errorf("a missed signing goes with urgency %q", g.Urgency)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestGoneDeletesSubscription(t *testing.T) {
	r := newRig(t, nil)
	r.subscribe("bo", "bo-phone")
	r.svc.Reply(func(string, int) pushtest.Reply { return pushtest.Reply{Status: http.StatusGone} })
	at := time.Now().UTC()
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at)})
	wait(t, "the subscription to go", func() bool { return r.subs.Len() == 0 })
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m2", "anna", "bo", at)})
	time.Sleep(400 * time.Millisecond)
	if n := len(r.svc.For("bo-phone")); n != 1 {
		t.Fatalf("%d requests after 410: want the one that answered 410", n)
	}
}

func TestRetriesAfter429(t *testing.T) {
	r := newRig(t, nil)
	r.subscribe("bo", "bo-phone")
	r.svc.Reply(func(_ string, attempt int) pushtest.Reply {
		if attempt == 1 {
			return pushtest.Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "1"}}
		}
		return pushtest.Reply{Status: http.StatusCreated}
	})
	at := time.Now().UTC()
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at)})
	wait(t, "the retry", func() bool { return len(r.svc.For("bo-phone")) == 2 })
	got := r.svc.For("bo-phone")
	if gap := got[1].At.Sub(got[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %v: Retry-After said 1 s", gap)
	}
	wait(t, "the count", func() bool { return r.n.Stats().Sent == 1 })
	if s := r.n.Stats(); s.Retried != 1 || s.Failed != 0 || r.subs.Len() != 1 {
		t.Errorf("stats %v, %d subscriptions", s, r.subs.Len())
	}
}

func TestServerErrorsGiveUpAndKeep(t *testing.T) {
	r := newRig(t, func(o *webpush.Options) { o.Attempts = 3 })
	r.subscribe("bo", "bo-phone")
	r.svc.Reply(func(string, int) pushtest.Reply { return pushtest.Reply{Status: http.StatusServiceUnavailable} })
	at := time.Now().UTC()
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at)})
	wait(t, "three attempts", func() bool { return r.n.Stats().Failed == 1 })
	if n := len(r.svc.For("bo-phone")); n != 3 || r.subs.Len() != 1 {
		t.Fatalf("%d attempts, %d subscriptions", n, r.subs.Len())
	}
}

func TestEndedSessionDeletesSubscription(t *testing.T) {
	r := newRig(t, nil)
	r.subscribe("bo", "bo-phone")
	r.ended.Store("session-bo-phone", true)
	at := time.Now().UTC()
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at)})
	wait(t, "the subscription to go", func() bool { return r.subs.Len() == 0 })
	if n := len(r.svc.Received()); n != 0 {
		t.Fatalf("%d notifications to an ended session", n)
	}
}

// A push service that never answers fills the bounded queue, which then drops; handing
// events over never blocks.
func TestHangingServiceDropsInsteadOfBlocking(t *testing.T) {
	r := newRig(t, func(o *webpush.Options) {
		o.Workers, o.Queue, o.Window, o.Timeout = 2, 4, 0, time.Minute
	})
	r.svc.Reply(func(string, int) pushtest.Reply { return pushtest.Reply{Hang: true} })
	for i := range 10 {
		r.subscribe("bo", fmt.Sprintf("bo-phone-%d", i))
	}
	start := time.Now()
	for i := range 200 {
		at := time.Now().UTC()
		r.n.OnCommit(at, []syncengine.CommittedChange{message(fmt.Sprint("m", i), "anna", "bo", at)})
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("handing 200 commits over took %v", d)
	}
	wait(t, "drops", func() bool { return r.n.Stats().Dropped > 0 })
	if s := r.n.Stats(); s.QueueLen > s.QueueCap || s.QueueCap != 4 {
		t.Fatalf("queue: %v", s)
	}
	if h := r.svc.Hanging(); h > 2 {
		t.Fatalf("%d requests in flight with 2 workers", h)
	}
}

func TestValidation(t *testing.T) {
	b := pushtest.NewBrowser("x", "https://push.example/x")
	for _, c := range []struct {
		endpoint string
		ok       bool
	}{
		{"https://fcm.googleapis.com/fcm/send/abc", true},
		{"http://127.0.0.1:9/push/x", true},
		{"http://localhost:9/push/x", true},
		{"http://[::1]:9/push/x", true},
		{"http://push.example/x", false},
		{"ftp://push.example/x", false},
		{"https://", false},
		{"/relative", false},
		{"https://user:pw@push.example/x", false},
		{"https://push.example/" + strings.Repeat("a", 2048), false},
		{"", false},
	} {
		if err := webpush.ValidateEndpoint(c.endpoint); (err == nil) != c.ok {
			t.Errorf("endpoint %.40q: %v", c.endpoint, err)
		}
	}
	good := webpush.SubscriptionKeys{P256dh: b.P256dh(), Auth: b.Auth()}
	if err := webpush.ValidateKeys(good); err != nil {
		t.Fatal(err)
	}
	offCurve := make([]byte, 65)
	offCurve[0], offCurve[64] = 4, 1
	for name, k := range map[string]webpush.SubscriptionKeys{
		"short key":       {P256dh: b.P256dh()[:40], Auth: b.Auth()},
		"off the curve":   {P256dh: b64(offCurve), Auth: b.Auth()},
		"compressed":      {P256dh: b64(append([]byte{2}, make([]byte, 32)...)), Auth: b.Auth()},
		"not base64":      {P256dh: "!!!", Auth: b.Auth()},
		"short auth":      {P256dh: b.P256dh(), Auth: b64(make([]byte, 8))},
		"missing auth":    {P256dh: b.P256dh()},
		"missing p256dh":  {Auth: b.Auth()},
		"auth not base64": {P256dh: b.P256dh(), Auth: "%%%%"},
	} {
		if err := webpush.ValidateKeys(k); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestSubjectForWebpushGo(t *testing.T) {
	for in, want := range map[string]string{
		"drift@vardag.example":           "drift@vardag.example", // webpush-go adds mailto:
		"mailto:drift@vardag.example":    "drift@vardag.example", // not mailto:mailto:
		"https://vardag.example/kontakt": "https://vardag.example/kontakt",
	} {
		got, err := webpush.NormalizeSubject(in)
		if err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "drift", "http://vardag.example", "a b@c", "@vardag.example", "drift@"} {
		if _, err := webpush.NormalizeSubject(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestKeysAreKept(t *testing.T) {
	db := openDB(t)
	k1, err := webpush.StoredKeys(db)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := webpush.StoredKeys(db)
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 {
		t.Fatal("a second start made a new key")
	}
	parsed, err := webpush.ParseKeys(k1.Private)
	if err != nil || parsed != k1 {
		t.Fatalf("ParseKeys: %v, %v", parsed == k1, err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(k1.Public); err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("public key: %d bytes, %v", len(raw), err)
	}
}
