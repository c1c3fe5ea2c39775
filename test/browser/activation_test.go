package browser

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"vardag/internal/demo"
	"vardag/test/testserver"
)

// TestACareWorkerActivatesOnHerPhone: the administrator imports a care worker into Aspen;
// on a phone-sized window she opens "Aktivera konto" from the login screen, gives her
// username, the activation code and a new password twice, enrols the authenticator (the
// test computes the code from the secret the screen shows for typing in), accepts the
// terms and reaches Today with Aspen's clients. axe and the other screen checks find
// nothing on the activation and enrolment screens.
func TestACareWorkerActivatesOnHerPhone(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	until := s.Clock.Now().AddDate(0, 3, 0).Format(time.DateOnly)
	res := s.DoWith("POST", "/api/v1/admin/users/import?unit_id="+demo.AspenID+"&role=care_staff&valid_until="+until, admin.Token,
		map[string]string{"Content-Type": "text/csv"}, "sanna.ny;Sanna Ny;\n")
	var imp struct {
		Created []struct {
			Code string `json:"activation_code"`
		}
	}
	res.JSON(t, &imp)
	if res.Status != 201 || len(imp.Created) != 1 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	code := imp.Created[0].Code

	p := NewPhone(t, "sanna")
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	p.Click("login-activate")
	p.WaitScreen("activate")
	if h1 := Eval[string](p, `document.querySelector('main h1').innerText`); h1 != "Aktivera konto" {
		t.Errorf("the activation screen's heading: %q", h1)
	}
	checkFocusOrder(t, p, "activate", "activate-username", "activate-code", "activate-password", "activate-password-again", "activate-submit", "activate-back", "lang-toggle")
	checkScreen(t, p, "activate")

	// The two passwords differ: the app says so, in Swedish, and sends nothing.
	p.Type("activate-username", "sanna.ny")
	p.Type("activate-code", strings.ToLower(code))
	p.Type("activate-password", "grön kanot vid bryggan 7")
	p.Type("activate-password-again", "grön kanot vid bryggan 8")
	p.Click("activate-submit")
	p.WaitFor("the mismatch", `(e => e && !e.hidden && e.innerText.includes('inte likadana'))(document.querySelector('[data-testid=form-error]'))`)
	// A wrong code: the server's code, in the app's own Swedish words.
	retype(p, "activate-code", "AAAA-AAAA-AAAA-AAAA-AAAA")
	retype(p, "activate-password-again", "grön kanot vid bryggan 7")
	p.Click("activate-submit")
	p.WaitFor("the refused code", `(e => e && !e.hidden && e.innerText.includes('aktiveringskoden stämmer inte'))(document.querySelector('[data-testid=form-error]'))`)
	checkScreen(t, p, "activate with an error")

	retype(p, "activate-code", code)
	p.Click("activate-submit")
	secret := enrolAndAcceptTerms(t, s, p)
	p.SyncNow()
	p.WaitText("Astrid Nilsson")

	u, err := s.Identity.UserByUsername("sanna.ny")
	if err != nil || u.ActivationPending || u.TOTPSecret != secret {
		t.Fatalf("after activation on the phone: %v pending=%v", err, u.ActivationPending)
	}
}

// enrolAndAcceptTerms goes on from an accepted activation code: the enrolment screen shows
// the QR code and the secret for typing in (checked, with the screen's checks), the test
// types the authenticator's first code, accepts the terms and reaches Today. It returns
// the secret.
func enrolAndAcceptTerms(t *testing.T, s *testserver.Server, p *Phone) string {
	t.Helper()
	p.WaitScreen("enrol")
	p.WaitFor("the secret", `(b => !!b && !b.disabled)(document.querySelector('[data-testid=enrol-submit]'))`)
	shown := Eval[struct {
		Secret, Grouped string
		QR              bool
	}](p, `({secret: document.querySelector('[data-testid=enrol-secret]').dataset.secret,
		grouped: document.querySelector('[data-testid=enrol-secret]').innerText,
		qr: (i => !!i && i.complete && i.naturalWidth > 0 && i.alt.length > 0)(document.querySelector('[data-testid=enrol-qr] img'))})`)
	if len(shown.Secret) < 16 || strings.ReplaceAll(shown.Grouped, " ", "") != shown.Secret || !shown.QR {
		t.Fatalf("the enrolment screen: %+v", shown)
	}
	checkScreen(t, p, "enrol")
	totpCode, err := totp.GenerateCode(shown.Secret, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Type("enrol-code", totpCode)
	p.Click("enrol-submit")
	p.WaitScreen("terms")
	p.WaitFor("the terms' text", `(b => !!b && !b.disabled)(document.querySelector('[data-testid=terms-accept]'))`)
	p.Click("terms-accept")
	p.WaitScreen("today")
	return shown.Secret
}

// activateOnPhone activates an account from the login screen with its activation code and
// a new password, through to Today.
func activateOnPhone(t *testing.T, s *testserver.Server, p *Phone, username, code string) {
	t.Helper()
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	p.Click("login-activate")
	p.WaitScreen("activate")
	p.Type("activate-username", username)
	p.Type("activate-code", code)
	p.Type("activate-password", "grön kanot vid bryggan 7")
	p.Type("activate-password-again", "grön kanot vid bryggan 7")
	p.Click("activate-submit")
	enrolAndAcceptTerms(t, s, p)
}

// retype empties a field, then types text into it as a person would.
func retype(p *Phone, testid, text string) {
	p.t.Helper()
	Eval[bool](p, `(e => (e.value = '', true))(document.querySelector('[data-testid=`+testid+`]'))`)
	p.Type(testid, text)
}
