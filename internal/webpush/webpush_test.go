package webpush_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vardag/internal/assignments"
	"vardag/internal/boltstore"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/signing"
	"vardag/internal/webpush"
	"vardag/internal/webpush/pushtest"
	"vardag/syncengine"
)

// openDB opens a real bbolt file, as the server does.
func openDB(t *testing.T) *boltstore.Store {
	t.Helper()
	st, err := syncengine.OpenBolt(filepath.Join(t.TempDir(), "push.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return boltstore.New(st)
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
	keys, err := webpush.StoredKeys(db.Secrets())
	if err != nil {
		t.Fatal(err)
	}
	subs, err := webpush.OpenSubscriptions(db.Subscriptions())
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
		AllowLoopback: true, // the fake push service listens on 127.0.0.1
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
		UserID: user, DeviceID: "device-" + name, SessionID: "session-" + name}, nil)
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
		{"http://127.0.0.1:9/push/x", false}, // only with the tests' AllowLoopback
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

// TestEndpointsInsideAreRefused: an endpoint must be an https URL whose host is a DNS
// name or a public address; localhost, loopback, private, shared (CGNAT), link-local,
// unique-local, multicast, unspecified and reserved addresses are refused, in any of their
// spellings. With the tests' AllowLoopback, 127.0.0.1 (only) is taken too.
func TestEndpointsInsideAreRefused(t *testing.T) {
	refused := []string{
		"http://localhost:8080/push", "https://localhost/push", "https://LOCALHOST./push", "https://push.localhost/x",
		"http://127.0.0.1:9/push/x", "https://127.0.0.1/x", "https://127.1.2.3/x", "https://[::1]/x", "http://[::1]:9/x",
		"https://10.0.0.1/x", "https://10.255.255.255/x", "https://172.16.0.1/x", "https://172.31.255.1/x",
		"https://192.168.1.1/x", "https://169.254.169.254/latest/meta-data/", "https://100.64.0.1/x", "https://100.127.255.254/x",
		"https://0.0.0.0/x", "https://[::]/x", "https://224.0.0.1/x", "https://239.255.255.250/x", "https://255.255.255.255/x",
		"https://240.0.0.1/x", "https://[fc00::1]/x", "https://[fd12:3456::1]/x", "https://[fe80::1%25eth0]/x", "https://[ff02::1]/x",
		"https://[::ffff:127.0.0.1]/x", "https://[::ffff:10.0.0.1]/x", "https://[64:ff9b::a00:1]/x", "https://[2002:a00:1::]/x",
		"https://2130706433/x", "https://0x7f.1/x", "https://017700000001/x", "https://127.1/x",
		"http://push.example/x", "ftp://push.example/x", "https://push_service.example/x", "https://-push.example/x",
	}
	for _, e := range refused {
		var fe *webpush.FieldError
		if err := webpush.ValidateEndpoint(e); !errors.As(err, &fe) || fe.Field != "endpoint" {
			t.Errorf("%s: %v, want refused", e, err)
		}
	}
	for _, e := range []string{
		"https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
		"https://web.push.apple.com/QGuQyavXutnMH", "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
		"https://push.example:8443/x", "https://8.8.8.8/x", "https://[2a00:1450:4001:80b::200a]/x", "https://push.example./x",
	} {
		if err := webpush.ValidateEndpoint(e); err != nil {
			t.Errorf("%s: %v, want taken", e, err)
		}
	}
	r := newRig(t, nil) // AllowLoopback, as test servers have it
	for e, ok := range map[string]bool{
		"http://127.0.0.1:9/push/x": true, "https://127.0.0.1:9/push/x": true,
		"http://127.0.0.2:9/push/x": false, "http://localhost:9/push/x": false, "http://[::1]:9/push/x": false, "http://10.0.0.1/x": false,
	} {
		if err := r.n.ValidateEndpoint(e); (err == nil) != ok {
			t.Errorf("with AllowLoopback, %s: %v", e, err)
		}
	}
}

// TestAStoredEndpointInsideIsDroppedUnsent: a subscription kept before endpoints were
// checked as they are now is deleted when a notification is due, and nothing connects.
func TestAStoredEndpointInsideIsDroppedUnsent(t *testing.T) {
	r := newRig(t, func(o *webpush.Options) { o.AllowLoopback = false })
	b := r.svc.Browser("inside")
	if err := r.subs.Put(webpush.Subscription{Endpoint: "https://169.254.169.254/latest/meta-data/", Keys: webpush.SubscriptionKeys{P256dh: b.P256dh(), Auth: b.Auth()},
		UserID: "bo", DeviceID: "device-inside", SessionID: "session-inside"}, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	r.n.OnCommit(at, []syncengine.CommittedChange{message("m1", "anna", "bo", at)})
	wait(t, "the subscription to go", func() bool { return r.subs.Len() == 0 })
	if st := r.n.Stats(); st.Connections != 0 || st.RefusedConnections != 0 || st.Sent != 0 || st.Removed != 1 {
		t.Fatalf("%v; connections %v, refused %v", st, st.Connections, st.RefusedConnections)
	}
}

// TestAnEndpointBelongsToOneDevice: an endpoint another device holds is refused and stays
// its holder's; the same device subscribing again replaces its own; once the holder's
// session has ended, another device may take it.
func TestAnEndpointBelongsToOneDevice(t *testing.T) {
	r := newRig(t, nil)
	b := r.subscribe("anna", "phone")
	id := webpush.SubscriptionID(b.Endpoint)
	keys := webpush.SubscriptionKeys{P256dh: b.P256dh(), Auth: b.Auth()}
	bo := webpush.Subscription{Endpoint: b.Endpoint, Keys: keys, UserID: "bo", DeviceID: "device-bo", SessionID: "session-bo"}
	if err := r.n.Subscribe(bo); !errors.Is(err, webpush.ErrEndpointTaken) {
		t.Fatalf("another user's endpoint: %v", err)
	}
	if got, _ := r.subs.Get(id); got.UserID != "anna" || got.DeviceID != "device-phone" || len(r.subs.ForUser("bo")) != 0 {
		t.Fatalf("the endpoint moved: %+v", got)
	}
	again := webpush.Subscription{Endpoint: b.Endpoint, Keys: keys, UserID: "anna", DeviceID: "device-phone", SessionID: "session-2"}
	if err := r.n.Subscribe(again); err != nil {
		t.Fatalf("the holder subscribing again: %v", err)
	}
	r.ended.Store("session-2", true)
	if err := r.n.Subscribe(bo); err != nil {
		t.Fatalf("an endpoint whose holder's session ended: %v", err)
	}
	if got, _ := r.subs.Get(id); got.UserID != "bo" || len(r.subs.ForUser("anna")) != 0 {
		t.Fatalf("after the holder's session ended: %+v", got)
	}
}

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
	k1, err := webpush.StoredKeys(db.Secrets())
	if err != nil {
		t.Fatal(err)
	}
	k2, err := webpush.StoredKeys(db.Secrets())
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

// TestTheDeviationMessageThatNamesTheClientPushesNoName: the system's message of a new
// deviation names the client for the app (client_id, client_name); its notification is
// still the category and a count.
func TestTheDeviationMessageThatNamesTheClientPushesNoName(t *testing.T) {
	r := newRig(t, nil)
	r.subscribe("david", "david")
	at := time.Now().UTC()
	r.n.OnCommit(at, []syncengine.CommittedChange{
		put(deviations.Kind, "d1", deviations.Deviation{ReportArgs: deviations.ReportArgs{UnitID: "aspen", ClientID: "c1", CourseOfEvents: "Astrid föll i hallen"},
			ReportServerFields: deviations.ReportServerFields{ReporterID: "bo", ServerTime: at}}),
		put(messages.Kind, "dm1", messages.Message{MessageID: "dm1", From: messages.FromSystem, ToUnitManagers: "aspen", DeviationID: "d1",
			ClientID: "c1", ClientName: "Astrid Andersson", Text: "En ny avvikelse", SentAt: at}),
	})
	wait(t, "the notification", func() bool { return len(r.svc.For("david")) == 1 })
	if got := payloads(r.svc.For("david")); got[0] != `{"category":"deviation","count":1}` {
		t.Fatalf("david got %v", got)
	}
}
