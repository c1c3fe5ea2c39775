package browser

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/internal/webpush/pushtest"
	"vardag/server/config"
	"vardag/test/firefox"
	"vardag/test/testserver"
)

// TestFirefoxSubscriptionIsStoredAndDelivers (issue 7: "in the browser test, a
// subscription made by the real service worker is stored"). Chromium's push service is
// always Google's FCM, out of reach here; Firefox takes its push service from
// dom.push.serverURL, so the test gives it a local one speaking Mozilla's WebSocket push
// protocol (pushtest). Nothing of the browser is stood in for: Firefox ESR (Debian's)
// runs the app, its service worker and its own push client.
//
//   - anna logs in and taps "Aviseringar": Firefox's pushManager.subscribe registers a
//     channel with the server's VAPID key at the push service, and the app posts the
//     subscription; the server stores exactly that endpoint and those keys.
//   - bo sends anna a message: the server's notifier posts the encrypted notification to
//     the endpoint, the push service checks its VAPID signature against the key the
//     subscription was made with and hands the still encrypted body to Firefox, which
//     decrypts it (its acknowledgement says so) and the service worker shows
//     "Nytt meddelande" — no name, no text.
//   - The logout deletes the subscription on the server and unsubscribes in Firefox,
//     which unregisters the channel at the push service.
func TestFirefoxSubscriptionIsStoredAndDelivers(t *testing.T) {
	svc := pushtest.New(t)
	s := testserver.Start(t, func(c *config.Config) {
		c.PushSubject = config.DemoPushSubject
		c.PushWindow = 300 * time.Millisecond
		c.PushTimeout = 5 * time.Second
	})
	if s.App.Push == nil {
		t.Fatal("web push is off")
	}
	// The demo's seed is a burst of events: let its window pass.
	time.Sleep(2 * s.Config.PushWindow)

	ff := firefox.Start(t, map[string]any{
		"dom.push.serverURL":                      svc.WebSocketURL(),
		"dom.push.testing.allowInsecureServerURL": true,  // ws: on loopback
		"dom.push.connection.enabled":             true,  // the remote agent turns it off otherwise
		"alerts.useSystemBackend":                 false, // see the notifications below
		"dom.push.retryBaseInterval":              500,   // reconnect soon after svc.Forget
	})
	// The user allows notifications for the app (as Firefox's prompt would record it).
	ff.Grant(s.URL, "notifications")
	ff.Navigate(s.URL + "/")
	screen := func(name string) {
		t.Helper()
		ff.WaitFor("screen "+name, fmt.Sprintf(`document.body && document.body.dataset.screen === %q`, name), 20*time.Second)
	}
	screen("login")
	ff.Type("login-username", "anna")
	ff.Type("login-password", demo.Password)
	ff.Click("login-submit")
	ff.WaitFor("the code screen", `document.querySelector('[data-testid=code-input], [data-testid=method-totp]')`, 20*time.Second)
	if firefox.Eval[bool](ff, `!document.querySelector('[data-testid=code-input]')`) {
		ff.Click("method-totp")
		ff.WaitFor("the code field", `document.querySelector('[data-testid=code-input]')`, 20*time.Second)
	}
	ff.Type("code-input", s.CodeFor("anna"))
	ff.Click("code-submit")
	screen("today")
	ff.WaitFor("the active service worker", `navigator.serviceWorker.ready.then(r => r.active && r.active.state === 'activated')`, 20*time.Second)
	testserver.WaitUntil(t, "Firefox's connection to the push service", func() bool { return svc.Connected() == 1 })

	ff.Click("menu")
	ff.WaitFor("the menu item Aviseringar", `(e => e && !e.hidden)(document.querySelector('[data-testid=push-toggle]'))`, 20*time.Second)
	ff.Click("push-toggle")
	ff.WaitFor("notifications on, or an error", `(b => b.getAttribute('aria-pressed') === 'true' || !!document.querySelector('[data-testid=push-status][data-error]'))(document.querySelector('[data-testid=push-toggle]'))`, 40*time.Second)
	if errText := firefox.Eval[string](ff, `(e => e ? e.dataset.error || '' : '')(document.querySelector('[data-testid=push-status]'))`); errText != "" {
		t.Fatalf("subscribing failed in Firefox: %s\npush service: %v\nFirefox:\n%s", errText, svc.Failures(), ff.Log())
	}

	// What the browser holds, what the push service registered, what the server stored.
	type browserSub struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	held := firefox.Eval[browserSub](ff, `navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription()).then(s => s.toJSON())`)
	regs := svc.Registrations()
	if len(regs) != 1 || regs[0].Endpoint != held.Endpoint {
		t.Fatalf("the push service registered %+v; the browser holds %q", regs, held.Endpoint)
	}
	bo := s.Login("bo")
	published := serverVAPIDKey(t, s, bo)
	if !bytes.Equal(regs[0].Key, published) {
		t.Errorf("the subscription was made with key %x, not the server's %x", regs[0].Key, published)
	}
	stored := s.App.Push.Subscriptions().ForUser(demo.UserID("anna"))
	if len(stored) != 1 {
		t.Fatalf("the server stores %d subscriptions of anna's, want 1", len(stored))
	}
	if got := stored[0]; got.Endpoint != held.Endpoint || got.Keys.P256dh != held.Keys.P256dh || got.Keys.Auth != held.Keys.Auth {
		t.Errorf("the server stores %+v; Firefox's subscription is %+v", got, held)
	}
	if n := s.App.Push.Subscriptions().Len(); n != 1 {
		t.Errorf("the server stores %d subscriptions in all, want 1", n)
	}

	// A message to anna wakes her phone.
	secret := "Astrid har ont i höften"
	if r := bo.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("anna"), "text": secret}); r.Results[0].Status != "applied" {
		t.Fatalf("message.send: %+v", r.Results[0])
	}
	testserver.WaitUntil(t, "Firefox's acknowledgement", func() bool { return len(svc.Acks()) > 0 })
	acks := svc.Acks()
	if len(acks) != 1 || acks[0].Channel != regs[0].Channel || acks[0].Code != 100 {
		t.Errorf("acknowledgements %+v: want one, code 100 (decrypted and handed to the service worker) for channel %s", acks, regs[0].Channel)
	}
	// What the service worker shows (Firefox's own alerts, not the desktop's: headless
	// has no notification daemon, and the system backend would close it at once).
	var shown []Notification
	deadline := time.Now().Add(20 * time.Second)
	for len(shown) == 0 && time.Now().Before(deadline) {
		shown = firefox.Eval[[]Notification](ff, `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, lang: n.lang, data: n.data})))`)
		time.Sleep(100 * time.Millisecond)
	}
	if len(shown) != 1 || shown[0].Tag != "message" || shown[0].Title != "Nytt meddelande" || shown[0].Body != "Öppna Vardag för att se mer." {
		t.Errorf("notifications shown: %+v, want one: Nytt meddelande", shown)
	}
	for _, n := range shown {
		if raw := fmt.Sprintf("%+v", n); strings.Contains(raw, "Astrid") || strings.Contains(raw, demo.UserID("bo")) {
			t.Errorf("a notification holds personal data: %s", raw)
		}
	}
	for _, r := range svc.Received() {
		if r.Browser != regs[0].Channel || r.Status != 201 || r.Topic != "message" {
			t.Errorf("the push service took in %+v", r)
		}
	}

	// The push service loses its data (a new uaid for Firefox when it reconnects): Firefox
	// drops the subscription and fires pushsubscriptionchange; the service worker
	// subscribes again with the same key and the app posts the new subscription and
	// deletes the old one. The server then stores the new endpoint only, and it works.
	svc.Forget()
	testserver.WaitUntil(t, "Firefox's new registration", func() bool { return len(svc.Registrations()) == 1 })
	renewed := svc.Registrations()[0]
	if renewed.Channel == regs[0].Channel || !bytes.Equal(renewed.Key, published) {
		t.Errorf("after pushsubscriptionchange the registration is %+v (the first was %s)", renewed, regs[0].Channel)
	}
	testserver.WaitUntil(t, "the server to store the renewed subscription", func() bool {
		subs := s.App.Push.Subscriptions().ForUser(demo.UserID("anna"))
		return len(subs) == 1 && subs[0].Endpoint == renewed.Endpoint
	})
	ff.WaitFor("the renewed subscription in the browser", fmt.Sprintf(`navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription()).then(s => s && s.endpoint === %q)`, renewed.Endpoint), 20*time.Second)
	if n := s.App.Push.Subscriptions().Len(); n != 1 {
		t.Errorf("the server stores %d subscriptions after the renewal, want 1", n)
	}
	firefox.Eval[any](ff, `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.forEach(n => n.close()))`)
	if r := bo.Push("message.send", map[string]any{"message_id": uuids.New(), "to_user_id": demo.UserID("anna"), "text": secret}); r.Results[0].Status != "applied" {
		t.Fatalf("message.send: %+v", r.Results[0])
	}
	testserver.WaitUntil(t, "Firefox's acknowledgement of the second message", func() bool { return len(svc.Acks()) > 1 })
	if acks := svc.Acks(); len(acks) != 2 || acks[1].Channel != renewed.Channel || acks[1].Code != 100 {
		t.Errorf("acknowledgements %+v: want the second, code 100, for the renewed channel %s", acks, renewed.Channel)
	}

	// Logout: the server's subscription goes first, then Firefox's, at the push service too.
	if !ff.Visible("logout") {
		ff.Click("menu")
	}
	ff.Click("logout")
	screen("login")
	if n := s.App.Push.Subscriptions().Len(); n != 0 {
		t.Errorf("the server stores %d subscriptions after the logout", n)
	}
	testserver.WaitUntil(t, "the channel's unregistration", func() bool { return len(svc.Unregistered()) == 1 })
	if got := svc.Unregistered(); got[0] != renewed.Channel {
		t.Errorf("unregistered %v, want %s", got, renewed.Channel)
	}
	if f := svc.Failures(); len(f) > 0 {
		t.Errorf("the push service found faults: %v", f)
	}
}

// serverVAPIDKey is the key the server publishes, decoded.
func serverVAPIDKey(t *testing.T, s *testserver.Server, d *testserver.Device) []byte {
	t.Helper()
	res := s.Do("GET", "/api/v1/push/vapid-public-key", d.Token, nil)
	var body struct{ Key string }
	res.JSON(t, &body)
	raw, err := base64.RawURLEncoding.DecodeString(body.Key)
	if err != nil || len(raw) != 65 {
		t.Fatalf("vapid key %q: %v", body.Key, err)
	}
	return raw
}
