package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/server/config"
	"vardag/test/testserver"
)

// smsGateway is a fake SMS provider that checks what it gets as strictly as a real one:
// method, path, basic auth, content type and a JSON body with exactly to, from and
// message. It hands each message to the test.
type smsGateway struct {
	t    *testing.T
	srv  *httptest.Server
	sent chan smsMessage
}

type smsMessage struct{ To, From, Message string }

func startSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{t: t, sent: make(chan smsMessage, 10)}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		switch {
		case r.Method != "POST" || r.URL.Path != "/a1/sms":
			http.Error(w, "not found", 404)
			return
		case !ok || user != "u-vardag" || pass != "gateway-secret":
			http.Error(w, "unauthorized", 401)
			return
		case r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "bad content type", 415)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil || len(m) != 3 || m["to"] == "" || m["message"] == "" {
			http.Error(w, "bad body", 400)
			return
		}
		g.sent <- smsMessage{To: m["to"], From: m["from"], Message: m["message"]}
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"status":"created"}`))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// next returns the code of the next message, checking it went to the right phone and
// holds nothing but the code and fixed words.
func (g *smsGateway) next(phone string) string {
	g.t.Helper()
	select {
	case m := <-g.sent:
		if m.To != phone || m.From != "Vardag" {
			g.t.Fatalf("SMS to %q from %q, want %q from Vardag", m.To, m.From, phone)
		}
		codes := sixDigits.FindAllString(m.Message, -1)
		if len(codes) != 1 {
			g.t.Fatalf("SMS text holds %d codes", len(codes))
		}
		return codes[0]
	case <-time.After(5 * time.Second):
		g.t.Fatal("no SMS reached the gateway")
	}
	return ""
}

func startWithSMS(t *testing.T, g *smsGateway) *testserver.Server {
	return testserver.Start(t, func(c *config.Config) {
		c.SMS, c.SMSURL, c.SMSUser, c.SMSPassword = "http", g.srv.URL+"/a1/sms", "u-vardag", "gateway-secret"
	})
}

func smsLogin(t *testing.T, s *testserver.Server, user string) string {
	t.Helper()
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": demo.Password})
	var ch struct {
		MFAToken string   `json:"mfa_token"`
		Methods  []string `json:"methods"`
	}
	res.JSON(t, &ch)
	if res.Status != 200 || len(ch.Methods) != 2 || ch.Methods[1] != "sms" {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": ch.MFAToken}); res.Status != 202 {
		t.Fatalf("ask for SMS: %d %s", res.Status, res.Body)
	}
	return ch.MFAToken
}

func verifySMS(s *testserver.Server, mfa, code string) testserver.Response {
	return s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": mfa, "method": "sms", "code": code})
}

// SMS codes (NIST SP 800-63B §5.1.3 out-of-band): 6 random digits, to the registered
// phone, accepted once, bound to their login attempt, valid 5 minutes.
func TestSMSCodeLogsInOnceWithinFiveMinutes(t *testing.T) {
	g := startSMSGateway(t)
	s := startWithSMS(t, g)
	phone := demo.PhoneOf(0) // anna

	mfa := smsLogin(t, s, "anna")
	code := g.next(phone)
	if res := verifySMS(s, mfa, wrongCode(code)); res.Status != 401 || res.ErrorCode() != "invalid_code" {
		t.Fatalf("wrong SMS code: %d %s", res.Status, res.Body)
	}
	if res := verifySMS(s, mfa, code); res.Status != 200 {
		t.Fatalf("right SMS code: %d %s", res.Status, res.Body)
	}
	if res := verifySMS(s, mfa, code); res.Status != 401 {
		t.Fatalf("the same code again: %d %s", res.Status, res.Body)
	}

	// Bound to its login attempt: another attempt's code does not open this one.
	first := smsLogin(t, s, "anna")
	firstCode := g.next(phone)
	second := smsLogin(t, s, "anna")
	secondCode := g.next(phone)
	if firstCode != secondCode {
		if res := verifySMS(s, second, firstCode); res.ErrorCode() != "invalid_code" {
			t.Fatalf("code of another attempt: %d %s", res.Status, res.Body)
		}
	}
	// Valid 5 minutes.
	s.Clock.Advance(5*time.Minute + time.Second)
	if res := verifySMS(s, first, firstCode); res.ErrorCode() != "invalid_code" {
		t.Fatalf("code after 5 minutes: %d %s", res.Status, res.Body)
	}
	_ = secondCode
}

// Asking for a new code never resets the 5 attempts of a login attempt (NIST SP 800-63B
// §5.2.2), and a new code replaces the old one.
func TestNewSMSCodeKeepsTheAttemptCount(t *testing.T) {
	g := startSMSGateway(t)
	s := startWithSMS(t, g)
	phone := demo.PhoneOf(1) // bo
	mfa := smsLogin(t, s, "bo")
	old := g.next(phone)
	for range 3 {
		if res := verifySMS(s, mfa, wrongCode(old)); res.ErrorCode() != "invalid_code" {
			t.Fatalf("wrong code: %s", res.Body)
		}
	}
	if res := s.Do("POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": mfa}); res.Status != 202 {
		t.Fatalf("new code: %d %s", res.Status, res.Body)
	}
	code := g.next(phone)
	if code != old {
		if res := verifySMS(s, mfa, old); res.ErrorCode() != "invalid_code" {
			t.Fatalf("the replaced code: %s", res.Body)
		}
	} else if res := verifySMS(s, mfa, wrongCode(old)); res.ErrorCode() != "invalid_code" {
		t.Fatalf("wrong code: %s", res.Body)
	}
	if res := verifySMS(s, mfa, wrongCode(code)); res.ErrorCode() != "invalid_code" {
		t.Fatalf("fifth attempt: %s", res.Body)
	}
	if res := verifySMS(s, mfa, code); res.Status != 429 || res.ErrorCode() != "too_many_attempts" {
		t.Fatalf("sixth attempt with the right code: %d %s", res.Status, res.Body)
	}
	// A third and fourth code for one attempt: the third is the last. (Five failures in
	// a row cost a second's delay first.)
	s.Clock.Advance(time.Second)
	mfa = smsLogin(t, s, "bo")
	g.next(phone)
	for i := 2; i <= 4; i++ {
		res := s.Do("POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": mfa})
		if i <= 3 && res.Status != 202 || i == 4 && res.ErrorCode() != "too_many_sms" {
			t.Fatalf("code %d: %d %s", i, res.Status, res.Body)
		}
		if i <= 3 {
			g.next(phone)
		}
	}
}

// A user without SMS, or a server without a gateway, is not offered SMS.
func TestSMSOnlyWhereItCanBeSent(t *testing.T) {
	s := testserver.Start(t) // no gateway configured
	_, _, mfa := login(t, s, "anna", demo.Password)
	if res := s.Do("POST", "/api/v1/auth/sms", "", map[string]string{"mfa_token": mfa}); res.ErrorCode() != "method_not_available" {
		t.Fatalf("SMS without a gateway: %d %s", res.Status, res.Body)
	}
	if res := verifySMS(s, mfa, "123456"); res.ErrorCode() != "method_not_available" {
		t.Fatalf("SMS code without a gateway: %d %s", res.Status, res.Body)
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}
