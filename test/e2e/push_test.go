package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/uuids"
	"vardag/internal/webpush"
	"vardag/internal/webpush/pushtest"
	"vardag/server/config"
	"vardag/test/testserver"
)

// startPush starts a demo server with web push on, and a fake push service that only
// takes notifications signed with the server's published VAPID key.
func startPush(t *testing.T, edit ...func(*config.Config)) (*testserver.Server, *pushtest.Service) {
	t.Helper()
	svc := pushtest.New(t)
	s := testserver.Start(t, append([]func(*config.Config){func(c *config.Config) {
		c.PushSubject = "drift@vardag.example"
		c.PushWindow = 300 * time.Millisecond
		c.PushTimeout = 5 * time.Second
	}}, edit...)...)
	if s.Push == nil {
		t.Fatal("web push is off")
	}
	// The demo's seed is a burst of events: let its window pass before phones subscribe.
	time.Sleep(2 * s.Config.PushWindow)
	return s, svc
}

// vapidKey fetches the published key and tells the fake push service to expect it.
func vapidKey(t *testing.T, s *testserver.Server, svc *pushtest.Service, token string) string {
	t.Helper()
	res := s.Do("GET", "/api/v1/push/vapid-public-key", token, nil)
	if res.Status != 200 {
		t.Fatalf("vapid key: %d %s", res.Status, res.Body)
	}
	var body struct{ Key string }
	res.JSON(t, &body)
	raw, err := base64.RawURLEncoding.DecodeString(body.Key)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("the key %q is not a base64url uncompressed P-256 point", body.Key)
	}
	svc.ExpectVAPIDKey(body.Key)
	return body.Key
}

func subscribe(t *testing.T, s *testserver.Server, d *testserver.Device, b *pushtest.Browser) {
	t.Helper()
	if res := s.Do("POST", "/api/v1/push/subscriptions", d.Token, b.JSON()); res.Status != 201 {
		t.Fatalf("subscribe %s: %d %s", b.Name, res.Status, res.Body)
	}
}

func sendMessage(t *testing.T, from *testserver.Device, to, text string) {
	t.Helper()
	r := from.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID(to), "text": text})
	if r.Results[0].Status != "applied" {
		t.Fatalf("message.send: %+v", r.Results[0])
	}
}

func payloadsOf(rs []pushtest.Received) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, string(r.Payload))
	}
	slices.Sort(out)
	return out
}

// A message, a deviation, a new assignment and its distribution reach the right phones
// as notifications that say only what kind of thing is new and how many.
func TestWebPushEndToEnd(t *testing.T) {
	s, svc := startPush(t)
	s.AddUser("myndighet", demo.AspenID, identity.RoleIntegration, s.Clock.Now().Add(24*time.Hour))
	s.AddUser("alma", demo.AspenID, identity.RoleCoordinator, s.Clock.Now().Add(24*time.Hour))
	anna, bo, cecilia, david, alma, authority := s.Login("anna"), s.Login("bo"), s.Login("cecilia"), s.Login("david"), s.Login("alma"), s.Login("myndighet")
	vapidKey(t, s, svc, bo.Token)
	for _, d := range []*testserver.Device{anna, bo, cecilia, david, alma} {
		subscribe(t, s, d, svc.Browser(d.Username))
	}

	secret := "Astrid har ont i höften, ring 070-1234567"
	sendMessage(t, anna, "bo", secret)
	sendMessage(t, anna, "bo", secret+" igen")
	if r := anna.Push("deviation.report", map[string]any{"deviation_id": uuids.New(), "client_id": demo.ClientID(2), "type": "deviation",
		"person_alone": true, "activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
		"occurred_at": s.Clock.Now().Add(-time.Hour), "course_of_events": "Brukaren föll i badrummet."}); r.Results[0].Status != "applied" {
		t.Fatalf("deviation: %+v", r.Results[0])
	}
	month := s.Clock.Now().UTC().Format("2006-01")
	res := s.Do("POST", "/api/v1/integration/assignments", authority.Token, map[string]any{
		"authority_id": "TRE-2026-0099", "client_id": demo.ClientID(3), "unit_id": demo.AspenID, "decided_at": s.Clock.Now().Add(-time.Hour),
		"measures": []map[string]any{{"measure_id": "m-1", "type": "personal_care", "minutes_per_month": 600, "start": month + "-01"}},
	})
	if res.Status != 201 {
		t.Fatalf("delivery: %d %s", res.Status, res.Body)
	}
	var a struct {
		AssignmentID string `json:"assignment_id"`
	}
	res.JSON(t, &a)
	// The distribution comes in a later window than the delivery.
	testserver.WaitUntil(t, "the delivery's notifications", func() bool { return len(svc.For("alma")) == 1 })
	if r := alma.Push("assignment.distribute", map[string]any{"assignment_id": a.AssignmentID, "subunit_id": demo.AspenNorrID}); r.Results[0].Status != "applied" {
		t.Fatalf("distribute: %+v", r.Results[0])
	}

	want := map[string][]string{
		"anna":    {`{"category":"assignment","count":1}`},
		"bo":      {`{"category":"assignment","count":1}`, `{"category":"message","count":2}`},
		"cecilia": {},
		"david":   {`{"category":"assignment","count":1}`, `{"category":"deviation","count":1}`},
		"alma":    {`{"category":"assignment","count":1}`},
	}
	testserver.WaitUntil(t, "every notification", func() bool {
		for user, w := range want {
			if len(svc.For(user)) < len(w) {
				return false
			}
		}
		return true
	})
	time.Sleep(700 * time.Millisecond) // nothing more comes
	for user, w := range want {
		if got := payloadsOf(svc.For(user)); !slices.Equal(got, w) {
			t.Errorf("%s got %v, want %v", user, got, w)
		}
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Fatalf("the push service refused: %v", f)
	}

	// No personal data: no name, personal number, username, note or message text.
	forbidden := []string{secret, "Astrid", "höften", "Brukaren", "TRE-2026", "anna", "bo\"", "david", "alma", demo.UserID("bo"), demo.ClientID(3)}
	for _, u := range demo.Users {
		forbidden = append(forbidden, u.Name)
	}
	changes, _ := anna.Pull()
	for _, c := range changes {
		if c.Kind == "client" {
			var cl struct {
				Name       string `json:"name"`
				PersonalID string `json:"personal_id"`
			}
			_ = json.Unmarshal(c.Data, &cl)
			forbidden = append(forbidden, cl.Name, cl.PersonalID)
		}
	}
	for _, r := range svc.Received() {
		var p struct {
			Category string `json:"category"`
			Count    int    `json:"count"`
		}
		if err := json.Unmarshal(r.Payload, &p); err != nil || p.Category == "" || p.Count < 1 {
			t.Errorf("payload %s", r.Payload)
		}
		for _, f := range forbidden {
			if f != "" && strings.Contains(string(r.Payload), f) {
				t.Errorf("payload %s holds %q", r.Payload, f)
			}
		}
		if r.TTL <= 0 || r.Topic == "" || r.Subject != "mailto:drift@vardag.example" {
			t.Errorf("TTL %d, Topic %q, sub %q", r.TTL, r.Topic, r.Subject)
		}
	}
	if strings.Contains(s.Logs.String(), strings.TrimPrefix(svc.URL, "http://")) {
		t.Error("an endpoint was logged")
	}

	// Missed occurrences, raised as the minute ticker would 23 hours on (every time of the
	// demo's list since it was saved): one notification with the count to the nurse and
	// the care staff.
	n, err := signing.RaiseMissed(context.Background(), s.Engine, s.Clock.Now().Add(23*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		missed := `{"category":"missed_signing","count":` + itoa(n) + `}`
		for _, user := range []string{"anna", "bo", "cecilia"} {
			testserver.WaitUntil(t, user+"'s missed signing", func() bool { return slices.Contains(payloadsOf(svc.For(user)), missed) })
		}
	} else {
		t.Error("no occurrence was missed")
	}
}

func TestWebPushSubscriptionValidation(t *testing.T) {
	s, svc := startPush(t)
	bo := s.Login("bo")
	b := svc.Browser("bo")
	good := b.JSON()
	if res := s.Do("POST", "/api/v1/push/subscriptions", "", good); res.Status != 401 {
		t.Fatalf("without a token: %d", res.Status)
	}
	offCurve := make([]byte, 65)
	offCurve[0], offCurve[64] = 4, 7
	enc := base64.RawURLEncoding.EncodeToString
	bad := map[string]map[string]any{
		"http to another host":  {"endpoint": "http://push.example/x", "keys": good["keys"]},
		"not a URL":             {"endpoint": "push service", "keys": good["keys"]},
		"javascript":            {"endpoint": "javascript:alert(1)", "keys": good["keys"]},
		"too long":              {"endpoint": "https://push.example/" + strings.Repeat("a", 2048), "keys": good["keys"]},
		"no endpoint":           {"keys": good["keys"]},
		"key off the curve":     {"endpoint": b.Endpoint, "keys": map[string]string{"p256dh": enc(offCurve), "auth": b.Auth()}},
		"key too short":         {"endpoint": b.Endpoint, "keys": map[string]string{"p256dh": enc(offCurve[:33]), "auth": b.Auth()}},
		"key not base64url":     {"endpoint": b.Endpoint, "keys": map[string]string{"p256dh": "***", "auth": b.Auth()}},
		"auth of 8 bytes":       {"endpoint": b.Endpoint, "keys": map[string]string{"p256dh": b.P256dh(), "auth": enc(make([]byte, 8))}},
		"no keys":               {"endpoint": b.Endpoint},
		"https but credentials": {"endpoint": "https://u:p@push.example/x", "keys": good["keys"]},
	}
	for name, body := range bad {
		res := s.Do("POST", "/api/v1/push/subscriptions", bo.Token, body)
		var e struct {
			Error struct{ Code, Message string }
		}
		res.JSON(t, &e)
		if res.Status != 400 || e.Error.Code != "invalid_subscription" || e.Error.Message == "" {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if res := s.Do("POST", "/api/v1/push/subscriptions", bo.Token, "{"); res.Status != 400 || res.ErrorCode() != "invalid_json" {
		t.Errorf("bad JSON: %d %s", res.Status, res.Body)
	}
	if n := s.Push.Subscriptions().Len(); n != 0 {
		t.Fatalf("%d subscriptions kept from bad requests", n)
	}
	subscribe(t, s, bo, b)
	if res := s.Do("DELETE", "/api/v1/push/subscriptions", bo.Token, map[string]any{"endpoint": "ftp://x"}); res.Status != 400 || res.ErrorCode() != "invalid_subscription" {
		t.Errorf("unsubscribe a bad endpoint: %d %s", res.Status, res.Body)
	}
	// Another device cannot remove bo's subscription.
	anna := s.Login("anna")
	if res := s.Do("DELETE", "/api/v1/push/subscriptions", anna.Token, map[string]any{"endpoint": b.Endpoint}); res.Status != 204 || s.Push.Subscriptions().Len() != 1 {
		t.Fatalf("another device unsubscribing: %d, %d left", res.Status, s.Push.Subscriptions().Len())
	}
	if res := s.Do("DELETE", "/api/v1/push/subscriptions", bo.Token, map[string]any{"endpoint": b.Endpoint}); res.Status != 204 || s.Push.Subscriptions().Len() != 0 {
		t.Fatalf("unsubscribe: %d, %d left", res.Status, s.Push.Subscriptions().Len())
	}

	// Without a subject web push is off, and says so.
	off := testserver.Start(t)
	d := off.Login("bo")
	if res := off.Do("GET", "/api/v1/push/vapid-public-key", d.Token, nil); res.Status != 404 || res.ErrorCode() != "push_unavailable" {
		t.Errorf("push off: %d %s", res.Status, res.Body)
	}
}

// TestWebPushRefusesEndpointsInsideBeforeAnyConnection: subscriptions to endpoints on the
// server's machine or networks (the outside test's SSRF) are refused with
// invalid_subscription naming the endpoint, nothing is stored, and the notifier's dialer
// counts no connection, refused or made, until a real (test) push service is subscribed.
func TestWebPushRefusesEndpointsInsideBeforeAnyConnection(t *testing.T) {
	s, svc := startPush(t)
	anna, bo := s.Login("anna"), s.Login("bo")
	vapidKey(t, s, svc, bo.Token)
	b := svc.Browser("bo")
	port := svc.URL[strings.LastIndexByte(svc.URL, ':'):]
	for _, endpoint := range []string{
		"http://localhost" + port + "/push/bo", "https://localhost/push", "http://127.0.0.2" + port + "/push/bo",
		"http://[::1]" + port + "/push/bo", "https://10.1.2.3/push", "https://192.168.0.1/push", "https://172.20.0.1/push",
		"https://169.254.169.254/latest/meta-data/", "https://100.64.0.1/push", "https://[fd00::1]/push", "https://[fe80::1]/push",
		"https://0.0.0.0/push", "https://224.0.0.251/push", "https://2130706433/push", "https://[::ffff:127.0.0.1]/push",
	} {
		body := b.JSON()
		body["endpoint"] = endpoint
		res := s.Do("POST", "/api/v1/push/subscriptions", bo.Token, body)
		var e struct {
			Error struct{ Code string }
			Field string
		}
		res.JSON(t, &e)
		if res.Status != 400 || e.Error.Code != "invalid_subscription" || e.Field != "endpoint" {
			t.Errorf("%s: %d %s", endpoint, res.Status, res.Body)
		}
	}
	if n := s.Push.Subscriptions().Len(); n != 0 {
		t.Fatalf("%d subscriptions kept", n)
	}
	sendMessage(t, anna, "bo", "hej")
	// Now one at the test's push service: its notification is the first connection.
	subscribe(t, s, bo, b)
	sendMessage(t, anna, "bo", "hej igen")
	testserver.WaitUntil(t, "the notification", func() bool { return len(svc.For("bo")) == 1 })
	if st := s.Push.Stats(); st.Connections < 1 || st.RefusedConnections != 0 {
		t.Fatalf("connections %v, refused %v", st.Connections, st.RefusedConnections)
	}
}

// TestAnotherUsersPushEndpointIsRefusedAndStaysItsOwners: registering an endpoint another
// user's device holds answers 409 push_endpoint_taken instead of moving it, and the first
// owner keeps receiving on it.
func TestAnotherUsersPushEndpointIsRefusedAndStaysItsOwners(t *testing.T) {
	s, svc := startPush(t)
	anna, bo, david := s.Login("anna"), s.Login("bo"), s.Login("david")
	vapidKey(t, s, svc, anna.Token)
	b := svc.Browser("annas-phone")
	subscribe(t, s, anna, b)
	res := s.Do("POST", "/api/v1/push/subscriptions", bo.Token, b.JSON())
	if res.Status != 409 || res.ErrorCode() != "push_endpoint_taken" {
		t.Fatalf("bo registering anna's endpoint: %d %s", res.Status, res.Body)
	}
	if sub, ok := s.Push.Subscriptions().Get(webpush.SubscriptionID(b.Endpoint)); !ok || sub.UserID != demo.UserID("anna") || sub.DeviceID != anna.DeviceID {
		t.Fatalf("the endpoint after the refusal: %+v", sub)
	}
	// Two messages to bo, one to anna: the endpoint gets anna's notification (count 1),
	// not bo's (count 2).
	sendMessage(t, david, "bo", "ett")
	sendMessage(t, david, "bo", "två")
	sendMessage(t, david, "anna", "tre")
	testserver.WaitUntil(t, "anna's notification", func() bool { return len(svc.For("annas-phone")) >= 1 })
	if got := string(svc.For("annas-phone")[0].Payload); got != `{"category":"message","count":1}` {
		t.Fatalf("anna's endpoint got %s", got)
	}
}

// sessionID reads the session id from an access token (the test's own token).
func sessionID(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		SID string `json:"sid"`
	}
	_ = json.Unmarshal(raw, &c)
	return c.SID
}

// 410 deletes a subscription; so do logout and any other end of the session.
func TestWebPushSubscriptionEnds(t *testing.T) {
	s, svc := startPush(t)
	anna, bo := s.Login("anna"), s.Login("bo")
	vapidKey(t, s, svc, bo.Token)
	subscribe(t, s, bo, svc.Browser("gone"))
	svc.Reply(func(browser string, _ int) pushtest.Reply {
		if browser == "gone" {
			return pushtest.Reply{Status: http.StatusGone}
		}
		return pushtest.Reply{Status: http.StatusCreated}
	})
	sendMessage(t, anna, "bo", "hej")
	testserver.WaitUntil(t, "the 410 to delete the subscription", func() bool { return s.Push.Subscriptions().Len() == 0 })
	sendMessage(t, anna, "bo", "hej igen")
	time.Sleep(800 * time.Millisecond)
	if n := len(svc.For("gone")); n != 1 {
		t.Fatalf("%d requests to a subscription that answered 410", n)
	}

	// Logout ends the device's subscription at once.
	bo2 := s.Login("bo")
	subscribe(t, s, bo2, svc.Browser("logout"))
	if res := s.Do("POST", "/api/v1/auth/logout", bo2.Token, nil); res.Status != 204 {
		t.Fatalf("logout: %d %s", res.Status, res.Body)
	}
	if n := s.Push.Subscriptions().Len(); n != 0 {
		t.Fatalf("%d subscriptions after logout", n)
	}

	// A session ended some other way (here straight in the store) is found before sending.
	bo3 := s.Login("bo")
	subscribe(t, s, bo3, svc.Browser("revoked"))
	if err := s.App.Login.RevokeSession(sessionID(t, bo3.Token)); err != nil {
		t.Fatal(err)
	}
	sendMessage(t, anna, "bo", "hallå")
	testserver.WaitUntil(t, "the ended session's subscription to go", func() bool { return s.Push.Subscriptions().Len() == 0 })
	time.Sleep(300 * time.Millisecond)
	if n := len(svc.For("logout")) + len(svc.For("revoked")); n != 0 {
		t.Fatalf("%d notifications to ended sessions", n)
	}
}

func TestWebPushRetriesAfter429(t *testing.T) {
	s, svc := startPush(t)
	anna, bo := s.Login("anna"), s.Login("bo")
	vapidKey(t, s, svc, bo.Token)
	subscribe(t, s, bo, svc.Browser("bo"))
	svc.Reply(func(_ string, attempt int) pushtest.Reply {
		if attempt == 1 {
			return pushtest.Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "1"}}
		}
		return pushtest.Reply{Status: http.StatusCreated}
	})
	sendMessage(t, anna, "bo", "hej")
	testserver.WaitUntil(t, "the retry", func() bool { return len(svc.For("bo")) == 2 })
	got := svc.For("bo")
	if gap := got[1].At.Sub(got[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After said 1 s: %+v", gap, got)
	}
	if string(got[1].Payload) != `{"category":"message","count":1}` {
		t.Errorf("retried payload %s", got[1].Payload)
	}
	testserver.WaitUntil(t, "the count", func() bool { return s.Push.Stats().Sent == 1 })
}

// A push service that never answers delays no push and no pull: notifications wait in a
// bounded queue for a few workers, and what does not fit is dropped.
func TestWebPushHangingServiceDelaysNoSync(t *testing.T) {
	s, svc := startPush(t, func(c *config.Config) {
		c.PushWorkers, c.PushQueue, c.PushWindow, c.PushTimeout = 2, 4, 0, 30*time.Second
	})
	svc.Reply(func(string, int) pushtest.Reply { return pushtest.Reply{Hang: true} })
	anna := s.Login("anna")
	var bos []*testserver.Device
	for i := range 5 {
		bo := s.Login("bo")
		subscribe(t, s, bo, svc.Browser(fmt.Sprint("bo-", i)))
		bos = append(bos, bo)
	}
	var mu sync.Mutex
	var slowest time.Duration
	timed := func(what string, fn func()) {
		start := time.Now()
		fn()
		d := time.Since(start)
		mu.Lock()
		slowest = max(slowest, d)
		mu.Unlock()
		if d > time.Second {
			t.Errorf("%s took %v", what, d)
		}
	}
	for i := range 40 {
		timed("a push", func() { sendMessage(t, anna, "bo", fmt.Sprint("meddelande ", i)) })
		if i%5 == 0 {
			timed("a pull", func() { bos[i%len(bos)].Pull() })
		}
	}
	testserver.WaitUntil(t, "drops", func() bool { return s.Push.Stats().Dropped > 0 })
	st := s.Push.Stats()
	if st.QueueLen > st.QueueCap || st.QueueCap != 4 {
		t.Errorf("queue %d of %d", st.QueueLen, st.QueueCap)
	}
	if h := svc.Hanging(); h > 2 {
		t.Errorf("%d requests in flight with 2 workers", h)
	}
	t.Logf("slowest sync request %v; %v", slowest, st)
	res := s.Do("GET", "/metrics", "", nil)
	if !strings.Contains(string(res.Body), "vardag_push_dropped_total") {
		t.Error("/metrics lacks vardag_push_dropped_total")
	}
}
