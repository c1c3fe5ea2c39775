package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"vardag/internal/adminlog"
	"vardag/internal/codes"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// newPassword is a password the rules take (long, not on the breached list).
const newPassword = "grön kanot vid bryggan 7"

type createdUser struct {
	UserID         string    `json:"user_id"`
	ActivationCode string    `json:"activation_code"`
	ExpiresAt      time.Time `json:"activation_expires_at"`
}

// createUser creates an account as d (201 expected) and returns its code.
func createUser(t *testing.T, s *testserver.Server, d *testserver.Device, username, providerID string) createdUser {
	t.Helper()
	res := s.Do("POST", "/api/v1/admin/users", d.Token, map[string]string{"username": username, "name": "Ny " + username, "provider_id": providerID})
	if res.Status != 201 {
		t.Fatalf("create %s: %d %s", username, res.Status, res.Body)
	}
	var c createdUser
	res.JSON(t, &c)
	return c
}

type activation struct {
	MFAToken string   `json:"mfa_token"`
	Methods  []string `json:"methods"`
	Enrol    string   `json:"enrol"`
}

func activate(s *testserver.Server, username, code, password string) testserver.Response {
	return s.Do("POST", "/api/v1/auth/activate", "", map[string]string{"username": username, "activation_code": code, "new_password": password})
}

// enrolAndVerify enrols an authenticator with the activation's mfa token and logs in with
// its first code; it returns the secret and the verify answer.
func enrolAndVerify(t *testing.T, s *testserver.Server, mfa string) (string, testserver.Response) {
	t.Helper()
	secret := enrol(t, s, mfa)
	return secret, verifyTOTP(t, s, mfa, secret)
}

// enrol asks for the authenticator secret of an activation and checks its shape.
func enrol(t *testing.T, s *testserver.Server, mfa string) string {
	t.Helper()
	res := s.Do("POST", "/api/v1/auth/enrol/totp", "", map[string]string{"mfa_token": mfa})
	if res.Status != 200 {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	var e struct {
		Secret     string `json:"secret"`
		OTPAuthURI string `json:"otpauth_uri"`
		QRPNG      string `json:"qr_png"`
	}
	res.JSON(t, &e)
	if !strings.HasPrefix(e.OTPAuthURI, "otpauth://totp/") || !strings.Contains(e.OTPAuthURI, "secret="+e.Secret) ||
		!strings.HasPrefix(e.QRPNG, "data:image/png;base64,iVBOR") {
		t.Fatalf("enrolment: %+v", e)
	}
	return e.Secret
}

// verifyTOTP gives the code of secret at the server's time for the mfa token.
func verifyTOTP(t *testing.T, s *testserver.Server, mfa, secret string) testserver.Response {
	t.Helper()
	code, err := totp.GenerateCode(secret, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": mfa, "method": "totp", "code": code})
}

func loginStatus(s *testserver.Server, username, password string) (int, string) {
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	return res.Status, res.ErrorCode()
}

// TestActivationWorksOnceAndNeedsTheSecondFactor: an administrator creates an account; it
// cannot log in; a breached password is refused and changes nothing; the right code and a
// good password lead to enrolment, and only the first TOTP code logs in. The code is then
// spent, and the account logs in with password and authenticator like any other.
func TestActivationWorksOnceAndNeedsTheSecondFactor(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	c := createUser(t, s, admin, "nyanstalld", demo.OwnProviderID)
	if ok, _ := regexp.MatchString(`^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$`, c.ActivationCode); !ok {
		t.Fatalf("activation code %q is not five groups of four", c.ActivationCode)
	}
	if want := s.Clock.Now().Add(72 * time.Hour); !c.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", c.ExpiresAt, want)
	}
	stored, _ := s.Identity.User(c.UserID)
	if strings.Contains(string(mustJSON(t, stored)), strings.ReplaceAll(c.ActivationCode, "-", "")) {
		t.Fatal("the activation code is stored in the clear")
	}
	if st, code := loginStatus(s, "nyanstalld", ""); st != 400 {
		t.Fatalf("login with no password: %d %s", st, code)
	}
	if st, code := loginStatus(s, "nyanstalld", "anything at all 123"); st != 401 || code != codes.InvalidCredentials {
		t.Fatalf("login before activation: %d %s", st, code)
	}

	// A breached password: refused, nothing changed, the code not spent.
	before, _ := s.Identity.User(c.UserID)
	if res := activate(s, "nyanstalld", c.ActivationCode, "password123"); res.Status != 400 || res.ErrorCode() != codes.PasswordRejected {
		t.Fatalf("breached password: %d %s", res.Status, res.Body)
	}
	after, _ := s.Identity.User(c.UserID)
	if after.PasswordHash != "" || after.ActivationCodeHash != before.ActivationCodeHash || after.ActivationFailures != 0 {
		t.Fatalf("a refused password changed the account: %+v", after)
	}

	// Lower case and without dashes reads too.
	typed := strings.ToLower(strings.ReplaceAll(c.ActivationCode, "-", " "))
	res := activate(s, "nyanstalld", typed, newPassword)
	if res.Status != 200 {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	var a activation
	res.JSON(t, &a)
	if a.Enrol != "totp" || !slices.Equal(a.Methods, []string{"totp"}) || a.MFAToken == "" {
		t.Fatalf("activation answer: %s", res.Body)
	}
	// The code is spent at once; the password alone opens nothing.
	if res := activate(s, "nyanstalld", c.ActivationCode, newPassword+"x"); res.Status != 401 || res.ErrorCode() != codes.InvalidActivationCode {
		t.Fatalf("second use of the code: %d %s", res.Status, res.Body)
	}
	if st, code := loginStatus(s, "nyanstalld", newPassword); st != 401 || code != codes.InvalidCredentials {
		t.Fatalf("login before the second factor: %d %s", st, code)
	}
	// A wrong first code is refused and enrols nothing.
	secret := enrol(t, s, a.MFAToken)
	wrong := s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": a.MFAToken, "method": "totp", "code": "000000"})
	if wrong.Status != 401 {
		t.Fatalf("a wrong first code: %d %s", wrong.Status, wrong.Body)
	}
	if u, _ := s.Identity.User(c.UserID); u.TOTPSecret != "" || !u.ActivationPending {
		t.Fatal("a wrong first code enrolled the authenticator")
	}
	res = verifyTOTP(t, s, a.MFAToken, secret)
	if res.Status != 200 {
		t.Fatalf("verify the first code: %d %s", res.Status, res.Body)
	}
	u, _ := s.Identity.User(c.UserID)
	if u.ActivationPending || u.TOTPSecret != secret || u.PendingTOTPSecret != "" || u.LastLoginAt.IsZero() {
		t.Fatalf("after activation: pending=%v totp=%v last login %v", u.ActivationPending, u.TOTPSecret == secret, u.LastLoginAt)
	}

	// Now a login like any other.
	s.Clock.Advance(30 * time.Second)
	res = s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "nyanstalld", "password": newPassword})
	if res.Status != 200 {
		t.Fatalf("login after activation: %d %s", res.Status, res.Body)
	}
	var ch activation
	res.JSON(t, &ch)
	code, _ := totp.GenerateCode(secret, s.Clock.Now())
	if res := s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": code}); res.Status != 200 {
		t.Fatalf("verify after activation: %d %s", res.Status, res.Body)
	}

	// The audit trail: created by the administrator from their device, activated by her.
	acts, err := adminlog.OnAccount(s.Engine, c.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 || acts[0].What != adminlog.WhatCreate || acts[0].ByUserID != demo.UserID("admin") || acts[0].ByDeviceID != admin.DeviceID ||
		acts[0].Object != demo.OwnProviderID || acts[1].What != adminlog.WhatActivate || acts[1].ByUserID != c.UserID || acts[0].At.IsZero() {
		t.Fatalf("audit trail: %+v", acts)
	}
}

// TestActivationCodeExpiresAfter72Hours, on the moved clock.
func TestActivationCodeExpiresAfter72Hours(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	early := createUser(t, s, admin, "tidig", demo.OwnProviderID)
	late := createUser(t, s, admin, "sen", demo.OwnProviderID)
	s.Clock.Advance(72*time.Hour - time.Minute)
	if res := activate(s, "tidig", early.ActivationCode, newPassword); res.Status != 200 {
		t.Fatalf("a minute before the end: %d %s", res.Status, res.Body)
	}
	s.Clock.Advance(time.Minute)
	if res := activate(s, "sen", late.ActivationCode, newPassword); res.Status != 401 || res.ErrorCode() != codes.InvalidActivationCode {
		t.Fatalf("after 72 h: %d %s", res.Status, res.Body)
	}
	if u, _ := s.Identity.User(late.UserID); u.PasswordHash != "" || u.ActivationFailures != 0 {
		t.Fatalf("an expired code changed the account: failures %d", u.ActivationFailures)
	}
}

// TestActivationCodeIsVoidAfterFiveWrongTries: the 6th try, with the right code, is
// refused like the wrong ones; an unknown username answers the same. A new code from the
// administrator replaces the old and works.
func TestActivationCodeIsVoidAfterFiveWrongTries(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	c := createUser(t, s, admin, "glomsk", demo.OwnProviderID)
	unknown := activate(s, "finns.inte", c.ActivationCode, newPassword)
	for i := range 5 {
		res := activate(s, "glomsk", "AAAA-AAAA-AAAA-AAAA-AAA"+fmt.Sprint(i), newPassword)
		if res.Status != 401 || res.ErrorCode() != codes.InvalidActivationCode {
			t.Fatalf("wrong code %d: %d %s", i+1, res.Status, res.Body)
		}
		if string(res.Body) != string(unknown.Body) {
			t.Fatalf("a wrong code answers otherwise than an unknown username:\n%s\n%s", res.Body, unknown.Body)
		}
	}
	if res := activate(s, "glomsk", c.ActivationCode, newPassword); res.Status != 401 || res.ErrorCode() != codes.InvalidActivationCode {
		t.Fatalf("the right code after 5 wrong: %d %s", res.Status, res.Body)
	}
	if u, _ := s.Identity.User(c.UserID); u.PasswordHash != "" {
		t.Fatal("a void code set a password")
	}

	// A new code replaces the old one.
	res := s.Do("POST", "/api/v1/admin/users/"+c.UserID+"/activation", admin.Token, nil)
	if res.Status != 200 {
		t.Fatalf("new code: %d %s", res.Status, res.Body)
	}
	var first createdUser
	res.JSON(t, &first)
	res = s.Do("POST", "/api/v1/admin/users/"+c.UserID+"/activation", admin.Token, nil)
	var second createdUser
	res.JSON(t, &second)
	if first.ActivationCode == second.ActivationCode {
		t.Fatal("the same code twice")
	}
	if res := activate(s, "glomsk", first.ActivationCode, newPassword); res.Status != 401 {
		t.Fatalf("the replaced code: %d %s", res.Status, res.Body)
	}
	res = activate(s, "glomsk", second.ActivationCode, newPassword)
	if res.Status != 200 {
		t.Fatalf("the new code: %d %s", res.Status, res.Body)
	}
	var a activation
	res.JSON(t, &a)
	if _, res := enrolAndVerify(t, s, a.MFAToken); res.Status != 200 {
		t.Fatalf("verify: %d %s", res.Status, res.Body)
	}
	acts, _ := adminlog.OnAccount(s.Engine, c.UserID)
	var whats []string
	for _, a := range acts {
		whats = append(whats, a.What)
	}
	if !slices.Equal(whats, []string{adminlog.WhatCreate, adminlog.WhatActivationIssue, adminlog.WhatActivationIssue, adminlog.WhatActivate}) {
		t.Fatalf("audit trail: %v", whats)
	}
}

// TestActivationWithARegisteredPhoneOrToken: an account with an SMS phone (and SMS
// sending) is not asked to enrol; its phone is the second factor.
func TestActivationWithARegisteredFactorSkipsEnrolment(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	c := createUser(t, s, admin, "dosa", demo.OwnProviderID)
	// A hardware token handed out before activation (as the representative does).
	if _, err := s.Identity.ModifyUser(c.UserID, func(u *identity.User) error {
		u.TOTPSecret, u.TokenSerial = demo.TOTPSecret, "HW-1"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res := activate(s, "dosa", c.ActivationCode, newPassword)
	var a activation
	res.JSON(t, &a)
	if res.Status != 200 || a.Enrol != "" || !slices.Equal(a.Methods, []string{"totp"}) {
		t.Fatalf("activation with a token: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/auth/enrol/totp", "", map[string]string{"mfa_token": a.MFAToken}); res.Status != 400 || res.ErrorCode() != codes.MethodNotAvailable {
		t.Fatalf("enrol with a token: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/auth/verify", "", map[string]string{"mfa_token": a.MFAToken, "method": "totp", "code": s.Code()}); res.Status != 200 {
		t.Fatalf("verify with the token: %d %s", res.Status, res.Body)
	}
	if u, _ := s.Identity.User(c.UserID); u.ActivationPending {
		t.Fatal("still pending after the token's code")
	}
}

// TestInitOnTheRealBinary: `vardag init` on an empty directory prints a code; the server
// then started on it answers the administrator's login 401 until she activates; init
// refuses the directory the second time (and a demo directory), changing nothing. An
// empty server started without -demo has nobody to log in as and no route to claim it.
func TestInitOnTheRealBinary(t *testing.T) {
	bin := testserver.BuildBinary(t)
	empty := filepath.Join(t.TempDir(), "empty")
	p := testserver.StartBinary(t, bin, "-data", empty)
	for _, name := range []string{"admin", "it.admin"} {
		if st := postStatus(t, p.URL+"/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":"whatever you say 1"}`, name)); st != 401 {
			t.Fatalf("login on an empty server as %s: %d", name, st)
		}
	}
	if st := postStatus(t, p.URL+"/api/v1/auth/activate", `{"username":"admin","activation_code":"AAAA-AAAA-AAAA-AAAA-AAAA","new_password":"whatever you say 1"}`); st != 401 {
		t.Fatalf("activate on an empty server: %d", st)
	}
	p.Stop()

	data := filepath.Join(t.TempDir(), "data")
	out, err := exec.Command(bin, "init", "-data", data, "-municipality", "Testby kommun", "-admin", "it.admin", "-admin-name", "Ada Admin").CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	code := regexp.MustCompile(`[0-9A-Z]{4}(-[0-9A-Z]{4}){4}`).FindString(string(out))
	if code == "" || !strings.Contains(string(out), "72 hours") {
		t.Fatalf("init printed no code:\n%s", out)
	}
	again, err := exec.Command(bin, "init", "-data", data, "-municipality", "Annan kommun", "-admin", "other", "-admin-name", "Other").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 || !strings.Contains(string(again), "already holds") {
		t.Fatalf("init on a set-up store: %v\n%s", err, again)
	}

	p = testserver.StartBinary(t, bin, "-data", data)
	if st := postStatus(t, p.URL+"/api/v1/auth/login", `{"username":"other","password":"whatever you say 1"}`); st != 401 {
		t.Fatalf("the refused init made a user: %d", st)
	}
	if st := postStatus(t, p.URL+"/api/v1/auth/login", `{"username":"it.admin","password":"grön kanot vid bryggan 7"}`); st != 401 {
		t.Fatalf("login before activation: %d", st)
	}
	body := fmt.Sprintf(`{"username":"it.admin","activation_code":%q,"new_password":%q}`, code, newPassword)
	var a activation
	if st := postJSON(t, p.URL+"/api/v1/auth/activate", "", body, &a); st != 200 || a.Enrol != "totp" {
		t.Fatalf("activate: %d %+v", st, a)
	}
	var e struct{ Secret string }
	if st := postJSON(t, p.URL+"/api/v1/auth/enrol/totp", "", fmt.Sprintf(`{"mfa_token":%q}`, a.MFAToken), &e); st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	totpCode, _ := totp.GenerateCode(e.Secret, time.Now())
	var tok struct {
		AccessToken string `json:"access_token"`
		User        struct{ Roles []struct{ Role string } }
	}
	if st := postJSON(t, p.URL+"/api/v1/auth/verify", "", fmt.Sprintf(`{"mfa_token":%q,"method":"totp","code":%q}`, a.MFAToken, totpCode), &tok); st != 200 ||
		len(tok.User.Roles) != 1 || tok.User.Roles[0].Role != "administrator" {
		t.Fatalf("verify: %d %+v", st, tok)
	}
	p.Stop()

	demoDir := filepath.Join(t.TempDir(), "demo")
	p = testserver.StartBinary(t, bin, "-demo", "-data", demoDir)
	p.Stop()
	if out, err := exec.Command(bin, "init", "-data", demoDir, "-municipality", "X", "-admin", "xadmin", "-admin-name", "X").CombinedOutput(); err == nil {
		t.Fatalf("init on a demo store succeeded:\n%s", out)
	}
}

func postStatus(t *testing.T, url, body string) int {
	t.Helper()
	st, err := httpPost(url, "", body)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// postJSON posts JSON and decodes the answer into v.
func postJSON(t *testing.T, url, token, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_ = json.NewDecoder(res.Body).Decode(v)
	return res.StatusCode
}

// TestAnActivationCodeWorksOnceUnderConcurrentTries: eight tries at once with the right
// code (and four with wrong ones, fewer than void it): exactly one activates; the others
// are refused (or find every password slot taken); the code is then spent.
func TestAnActivationCodeWorksOnceUnderConcurrentTries(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	c := createUser(t, s, admin, "samtidig", demo.OwnProviderID)
	statuses := make(chan int, 12)
	for i := range 12 {
		code := c.ActivationCode
		if i%3 == 2 {
			code = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZ" + fmt.Sprint(i%10)
		}
		go func() {
			st, err := httpPost(s.URL+"/api/v1/auth/activate", "", fmt.Sprintf(`{"username":"samtidig","activation_code":%q,"new_password":%q}`, code, newPassword))
			if err != nil {
				st = -1
			}
			statuses <- st
		}()
	}
	counts := map[int]int{}
	for range 12 {
		counts[<-statuses]++
	}
	if counts[200] != 1 || counts[200]+counts[401]+counts[503] != 12 {
		t.Fatalf("answers: %v, want exactly one 200", counts)
	}
	if res := activate(s, "samtidig", c.ActivationCode, newPassword); res.Status != 401 {
		t.Fatalf("after the race: %d %s", res.Status, res.Body)
	}
}
