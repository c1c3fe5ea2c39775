package e2e

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"vardag/internal/auth"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/test/testserver"
)

// RFC 6238 enrolment of an authenticator app after a full login (NIST SP 800-63B §6.1.2:
// binding an authenticator needs an authenticated session; OWASP ASVS 5.0 V6.4: changing
// a factor asks for the password again): an otpauth URI and a QR code, confirmed with a
// code; from then on only the new secret's codes open the account.
func TestAuthenticatorEnrolment(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	if res := s.Do("POST", "/api/v1/me/totp", anna.Token, map[string]string{"password": "not it"}); res.Status != 403 || res.ErrorCode() != "wrong_password" {
		t.Fatalf("enrol with a wrong password: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/me/totp/confirm", anna.Token, map[string]string{"code": s.Code()}); res.ErrorCode() != "no_enrolment" {
		t.Fatalf("confirm before enrolling: %d %s", res.Status, res.Body)
	}
	res := s.Do("POST", "/api/v1/me/totp", anna.Token, map[string]string{"password": demo.Password})
	var e struct {
		Secret string `json:"secret"`
		URI    string `json:"otpauth_uri"`
		QR     string `json:"qr_png"`
	}
	res.JSON(t, &e)
	if res.Status != 201 {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	u, err := url.Parse(e.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != e.Secret ||
		u.Query().Get("issuer") != "Vardag" || u.Query().Get("digits") != "6" || u.Query().Get("period") != "30" ||
		!strings.HasSuffix(u.Path, ":anna") {
		t.Fatalf("otpauth URI %q", e.URI)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(e.QR, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 256 {
		t.Fatalf("QR code is not a 256 px PNG: %v", err)
	}
	// Until confirmed, the old factor still holds.
	wrong, _ := auth.TOTPCode(demo.TOTPSecret, s.Clock.Now())
	newCode, _ := auth.TOTPCode(e.Secret, s.Clock.Now())
	if wrong == newCode {
		t.Skip("the two secrets gave the same code this step") // one in a million
	}
	if res := s.Do("POST", "/api/v1/me/totp/confirm", anna.Token, map[string]string{"code": wrong}); res.ErrorCode() != "invalid_code" {
		t.Fatalf("confirm with the old secret's code: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/me/totp/confirm", anna.Token, map[string]string{"code": newCode}); res.Status != 204 {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	// The confirming code's step is used; the next step's code of the new secret logs in,
	// the old secret's does not.
	s.Clock.Advance(30 * time.Second)
	_, _, mfa := login(t, s, "anna", demo.Password)
	if res := verify(s, mfa, s.Code()); res.ErrorCode() != "invalid_code" {
		t.Fatalf("old secret after enrolment: %d %s", res.Status, res.Body)
	}
	code, _ := auth.TOTPCode(e.Secret, s.Clock.Now())
	if res := verify(s, mfa, code); res.Status != 200 {
		t.Fatalf("new secret: %d %s", res.Status, res.Body)
	}
}

// Hardware tokens (inloggningsdosor): a provider's seeds are imported from a CSV or PSKC
// (RFC 6030) file, by an administrator or the provider's own unit representative or
// manager; a token is handed out by its serial, only to a user of its provider (or by an
// administrator), and its codes open the account.
func TestHardwareTokenImportAndBinding(t *testing.T) {
	s := testserver.Start(t)
	s.AddUser("rut", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().Add(24*time.Hour))
	s.AddUser("rolf", demo.BjorkenID, identity.RoleUnitRep, s.Clock.Now().Add(24*time.Hour))
	admin, anna, david, eva, rut, rolf := s.Login("admin"), s.Login("anna"), s.Login("david"), s.Login("eva"), s.Login("rut"), s.Login("rolf")
	const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890", RFC 6238 Appendix B
	csv := "serial;secret\n# leverans 2026-11\nVD-0001;" + seed + "\nVD-0002;JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n"
	impFor := func(provider, token, ctype, body string) testserver.Response {
		return s.DoWith("POST", "/api/v1/admin/tokens?provider_id="+provider, token, map[string]string{"Content-Type": ctype}, body)
	}
	imp := func(token, ctype, body string) testserver.Response {
		return impFor(demo.OwnProviderID, token, ctype, body)
	}
	if res := imp(anna.Token, "text/csv", csv); res.Status != 403 {
		t.Fatalf("care staff importing: %d %s", res.Status, res.Body)
	}
	if res := imp(eva.Token, "text/csv", csv); res.Status != 403 {
		t.Fatalf("another provider's coordinator importing: %d %s", res.Status, res.Body)
	}
	if res := impFor("", admin.Token, "text/csv", csv); res.Status != 400 || res.ErrorCode() != "invalid_request" {
		t.Fatalf("an import for no provider: %d %s", res.Status, res.Body)
	}
	if res := imp(admin.Token, "text/csv", "VD-9;tooshort\n"); res.Status != 400 || res.ErrorCode() != "invalid_token_file" {
		t.Fatalf("bad CSV: %d %s", res.Status, res.Body)
	}
	res := imp(david.Token, "text/csv", csv) // Aspen's manager, for his own provider
	var got identity.ImportResult
	res.JSON(t, &got)
	if res.Status != 200 || len(got.Added) != 2 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	// Another provider's file holding one of these serials is refused whole.
	if res := impFor(demo.NorrProviderID, admin.Token, "text/csv", "VD-0003;"+seed+"\nVD-0001;"+seed+"\n"); res.Status != 409 || res.ErrorCode() != "token_of_another_provider" {
		t.Fatalf("another provider importing a serial: %d %s", res.Status, res.Body)
	}
	pskc := `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
 <KeyPackage>
  <DeviceInfo><Manufacturer>Manufacturer</Manufacturer><SerialNo>987654321</SerialNo></DeviceInfo>
  <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
   <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
   <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
  </Key>
 </KeyPackage>
</KeyContainer>`
	if res := imp(admin.Token, "application/pskc+xml", pskc); res.Status != 200 {
		t.Fatalf("PSKC import: %d %s", res.Status, res.Body)
	}
	bind := func(token, user, serial string) testserver.Response {
		return s.Do("POST", "/api/v1/admin/users/"+demo.UserID(user)+"/token", token, map[string]string{"serial": serial})
	}
	if res := bind(anna.Token, "bo", "VD-0001"); res.Status != 403 {
		t.Fatalf("care staff binding: %d %s", res.Status, res.Body)
	}
	if res := bind(admin.Token, "bo", "VD-4040"); res.ErrorCode() != "token_not_found" {
		t.Fatalf("unknown serial: %d %s", res.Status, res.Body)
	}
	if res := bind(admin.Token, "farid", "VD-0003"); res.ErrorCode() != "token_not_found" {
		t.Fatalf("a serial of a refused import: %d %s", res.Status, res.Body)
	}
	// Björken's unit representative cannot hand out Aspen's provider's token, and it
	// answers as no token; Aspen's can.
	if res := bind(rolf.Token, "farid", "VD-0002"); res.Status != 404 || res.ErrorCode() != "token_not_found" {
		t.Fatalf("another provider's token handed out: %d %s", res.Status, res.Body)
	}
	if res := bind(rut.Token, "anna", "VD-0002"); res.Status != 204 {
		t.Fatalf("the provider's own representative binding: %d %s", res.Status, res.Body)
	}
	if res := bind(admin.Token, "bo", "VD-0001"); res.Status != 204 {
		t.Fatalf("bind: %d %s", res.Status, res.Body)
	}
	if res := bind(admin.Token, "cecilia", "VD-0001"); res.ErrorCode() != "token_bound" {
		t.Fatalf("a token handed out twice: %d %s", res.Status, res.Body)
	}
	s.Clock.Advance(30 * time.Second)
	_, _, mfa := login(t, s, "bo", demo.Password)
	if res := verify(s, mfa, s.Code()); res.ErrorCode() != "invalid_code" {
		t.Fatalf("the app's code after a token is bound: %d %s", res.Status, res.Body)
	}
	code, _ := auth.TOTPCode(seed, s.Clock.Now())
	if res := verify(s, mfa, code); res.Status != 200 {
		t.Fatalf("the token's code: %d %s", res.Status, res.Body)
	}
	// The PSKC token, same seed, bound to cecilia: her codes come from it.
	if res := bind(admin.Token, "cecilia", "987654321"); res.Status != 204 {
		t.Fatalf("bind the PSKC token: %d %s", res.Status, res.Body)
	}
	// bo moves to an authenticator app: his token is free to hand out again.
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res = verify(s, mfaFor(t, s, "bo"), mustCode(t, seed, s))
	res.JSON(t, &tok)
	var e struct {
		Secret string `json:"secret"`
	}
	s.Do("POST", "/api/v1/me/totp", tok.AccessToken, map[string]string{"password": demo.Password}).JSON(t, &e)
	if res := s.Do("POST", "/api/v1/me/totp/confirm", tok.AccessToken, map[string]string{"code": mustCode(t, e.Secret, s)}); res.Status != 204 {
		t.Fatalf("bo enrolling an app: %d %s", res.Status, res.Body)
	}
	if res := bind(admin.Token, "david", "VD-0001"); res.Status != 204 {
		t.Fatalf("handing bo's old token to david: %d %s", res.Status, res.Body)
	}
}

// mfaFor logs a user in with the demo password, a fresh time step later.
func mfaFor(t *testing.T, s *testserver.Server, user string) string {
	t.Helper()
	s.Clock.Advance(30 * time.Second)
	st, code, mfa := login(t, s, user, demo.Password)
	if st != 200 {
		t.Fatalf("login %s: %d %s", user, st, code)
	}
	return mfa
}

func mustCode(t *testing.T, secret string, s *testserver.Server) string {
	t.Helper()
	code, err := auth.TOTPCode(secret, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Passwords (NIST SP 800-63B §3.1.1.2, OWASP ASVS 5.0 V6.2): common or breached
// passwords are refused; a change needs the current password and ends the user's other
// sessions; a reset by someone else never skips the second factor and makes the user
// choose their own password before any data opens.
func TestPasswordChangeAndReset(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	other := s.Login("anna")
	change := func(token, current, next string) testserver.Response {
		return s.Do("POST", "/api/v1/me/password", token, map[string]string{"current_password": current, "new_password": next})
	}
	for _, bad := range []string{"password1", "sommar2024", "iloveyou", "kort", "anna-anna-anna"} {
		if res := change(anna.Token, demo.Password, bad); res.Status != 400 || res.ErrorCode() != "password_rejected" {
			t.Fatalf("new password %q: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := change(anna.Token, "not the password", "ålgräs vinter sju"); res.ErrorCode() != "wrong_password" {
		t.Fatalf("wrong current password: %d %s", res.Status, res.Body)
	}
	if res := change(anna.Token, demo.Password, "ålgräs vinter sju"); res.Status != 204 {
		t.Fatalf("change: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", other.Token, nil); res.ErrorCode() != "session_expired" {
		t.Fatalf("the other session after a change: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.Status != 200 {
		t.Fatalf("this session after a change: %d %s", res.Status, res.Body)
	}
	if st, _, _ := login(t, s, "anna", demo.Password); st != 401 {
		t.Fatalf("the old password: %d", st)
	}

	// A reset by the unit manager.
	david, bo := s.Login("david"), s.Login("bo")
	reset := func(token, next string) testserver.Response {
		return s.Do("POST", "/api/v1/admin/users/"+demo.UserID("anna")+"/password", token, map[string]string{"new_password": next})
	}
	if res := reset(bo.Token, "tillfälligt lösen 42"); res.Status != 403 {
		t.Fatalf("care staff resetting: %d %s", res.Status, res.Body)
	}
	if res := reset(david.Token, "qwertyuiop"); res.ErrorCode() != "password_rejected" {
		t.Fatalf("reset to a common password: %d %s", res.Status, res.Body)
	}
	if res := reset(david.Token, "tillfälligt lösen 42"); res.Status != 204 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.ErrorCode() != "session_expired" {
		t.Fatalf("anna's session after a reset: %d %s", res.Status, res.Body)
	}
	// The reset password still needs the code: login answers a challenge, not tokens.
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": "tillfälligt lösen 42"})
	var ch map[string]any
	res.JSON(t, &ch)
	if res.Status != 200 || ch["mfa_token"] == nil || ch["access_token"] != nil {
		t.Fatalf("login after reset: %d %s", res.Status, res.Body)
	}
	s.Clock.Advance(30 * time.Second)
	if res := verify(s, ch["mfa_token"].(string), s.Code()); res.Status != 200 {
		t.Fatalf("code after reset: %d %s", res.Status, res.Body)
	} else {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		res.JSON(t, &tok)
		if res := s.Do("GET", "/api/v1/sync/pull", tok.AccessToken, nil); res.Status != 403 || res.ErrorCode() != "password_change_required" {
			t.Fatalf("data before choosing a password: %d %s", res.Status, res.Body)
		}
		if res := change(tok.AccessToken, "tillfälligt lösen 42", "mitt eget långa lösenord"); res.Status != 204 {
			t.Fatalf("choose a password: %d %s", res.Status, res.Body)
		}
		if res := s.Do("GET", "/api/v1/sync/pull", tok.AccessToken, nil); res.Status != 200 {
			t.Fatalf("data after choosing a password: %d %s", res.Status, res.Body)
		}
	}
}

// Terms of use are accepted once before any data is served; functions that need training
// answer training_required until it is recorded: a nurse's by the unit manager (a unit
// representative records care staff's only).
func TestTermsThenTraining(t *testing.T) {
	s := testserver.Start(t)
	nurse := s.AddUser("nora", demo.AspenID, identity.RoleLicensed, s.Clock.Now().AddDate(0, 6, 0))
	rep := s.AddUser("rut", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().AddDate(0, 6, 0))
	if _, err := s.Identity.ModifyUser(nurse, func(u *identity.User) error {
		u.TermsVersion, u.TermsAcceptedAt, u.TrainedAt, u.TrainedBy = "", time.Time{}, time.Time{}, ""
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	nora := s.Login("nora")
	for _, path := range []string{"/api/v1/sync/pull", "/api/v1/sync/events", "/api/v1/units/" + demo.AspenID + "/statistics"} {
		if res := s.Do("GET", path, nora.Token, nil); res.Status != 403 || res.ErrorCode() != "terms_not_accepted" {
			t.Fatalf("%s before the terms: %d %s", path, res.Status, res.Body)
		}
	}
	if res := s.Do("POST", "/api/v1/sync/push", nora.Token, map[string]any{"device_id": nora.DeviceID, "mutations": []any{}}); res.ErrorCode() != "terms_not_accepted" {
		t.Fatalf("push before the terms: %d %s", res.Status, res.Body)
	}
	var me struct {
		TermsAccepted bool   `json:"terms_accepted"`
		TermsVersion  string `json:"terms_version"`
		Trained       bool   `json:"trained"`
		WipeAfter     int    `json:"offline_wipe_after_s"`
	}
	s.Do("GET", "/api/v1/me", nora.Token, nil).JSON(t, &me)
	if me.WipeAfter != 72*3600 {
		t.Fatalf("offline_wipe_after_s %d, want 72 h", me.WipeAfter)
	}
	var terms struct {
		Version string            `json:"version"`
		Text    map[string]string `json:"text"`
	}
	s.Do("GET", "/api/v1/terms", "", nil).JSON(t, &terms)
	if me.TermsAccepted || me.Trained || terms.Version != me.TermsVersion || !strings.Contains(terms.Text["sv"], "loggas") {
		t.Fatalf("me %+v, terms %+v", me, terms.Version)
	}
	if res := s.Do("POST", "/api/v1/me/terms", nora.Token, map[string]string{"version": "1999-01-01"}); res.Status != 409 || res.ErrorCode() != "terms_changed" {
		t.Fatalf("accepting old terms: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/me/terms", nora.Token, map[string]string{"version": terms.Version}); res.Status != 204 {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", nora.Token, nil); res.Status != 200 {
		t.Fatalf("pull after the terms: %d %s", res.Status, res.Body)
	}

	// Training: a signing list is closed until it is recorded.
	list := map[string]any{"list_id": "0193a000-0000-7000-8000-0000000000a1", "client_id": demo.ClientID(1),
		"measures": []any{map[string]any{"measure_id": "0193a000-0000-7000-8000-0000000000a2", "kind": "medication",
			"instruction": "Alvedon 500 mg", "times": []string{"08:00"}, "prn": false}},
		"valid_from": s.Clock.Now(), "valid_until": s.Clock.Now().AddDate(0, 1, 0)}
	r := nora.Push("signing.list.save", list)
	if got := r.Results[0]; got.Status != "rejected" || got.Error == nil || got.Error.Code != "training_required" {
		t.Fatalf("untrained nurse saving a list: %+v %+v", got, got.Error)
	}
	anna := s.Login("anna")
	rut := s.Login("rut")
	training := "/api/v1/admin/users/" + nurse + "/training"
	if res := s.Do("POST", training, anna.Token, nil); res.Status != 403 {
		t.Fatalf("care staff recording training: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/users/"+rep+"/training", rut.Token, nil); res.ErrorCode() != "not_yourself" {
		t.Fatalf("recording one's own training: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", training, rut.Token, nil); res.Status != 403 || res.ErrorCode() != "forbidden" {
		t.Fatalf("unit representative recording a nurse's training: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", training, s.Login("david").Token, nil); res.Status != 204 {
		t.Fatalf("unit manager recording training: %d %s", res.Status, res.Body)
	}
	r = nora.Push("signing.list.save", list)
	if got := r.Results[0]; got.Status != "applied" {
		t.Fatalf("trained nurse saving a list: %+v %+v", got, got.Error)
	}
}

// A device id belongs to the user who first logged in with it, even before it pushes:
// another user asking for it gets a new one, and the unit manager can revoke it.
func TestADeviceBelongsToItsFirstUserBeforeItPushes(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna") // never pushes
	res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "bo", "password": demo.Password, "device_id": anna.DeviceID})
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	res.JSON(t, &ch)
	res = verify(s, ch.MFAToken, s.Code())
	var tok struct {
		DeviceID string `json:"device_id"`
	}
	res.JSON(t, &tok)
	if res.Status != 200 || tok.DeviceID == anna.DeviceID || tok.DeviceID == "" {
		t.Fatalf("bo asking for anna's device id: %d %s", res.Status, res.Body)
	}
	// anna may revoke her own (lost) phone; care staff may not revoke anyone else's.
	other := s.Login("anna")
	if res := s.Do("POST", "/api/v1/admin/devices/"+tok.DeviceID+"/revoke", other.Token, nil); res.Status != 403 {
		t.Fatalf("care staff revoking bo's phone: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/admin/devices/"+other.DeviceID+"/revoke", anna.Token, nil); res.Status != 200 {
		t.Fatalf("revoking one's own phone: %d %s", res.Status, res.Body)
	}
	david := s.Login("david")
	if res := s.Do("POST", "/api/v1/admin/devices/"+anna.DeviceID+"/revoke", david.Token, nil); res.Status != 200 {
		t.Fatalf("manager revoking a phone that never pushed: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/api/v1/sync/pull", anna.Token, nil); res.ErrorCode() != "device_revoked" {
		t.Fatalf("revoked phone: %d %s", res.Status, res.Body)
	}
}
