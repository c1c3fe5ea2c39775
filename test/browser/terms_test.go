package browser

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/terms"
	"vardag/test/testserver"
)

// TestTermsBeforeData: anna has not accepted the terms of use in force (as a new user,
// or after a new version). After her password and code the app shows the terms, in
// Swedish, and nothing else: no frame, no care data on the screen, nothing in the store,
// and no sync request at all (the server would refuse one: her own token gets 403
// terms_not_accepted from the pull). The terms screen passes the accessibility checks of
// TestAccessibility. She accepts: the app posts the version it showed, opens the today
// screen and syncs her clients; the server has recorded her acceptance of that version,
// at its clock's time.
func TestTermsBeforeData(t *testing.T) {
	s := testserver.Start(t)
	annaID := demo.UserID("anna")
	if _, err := s.Identity.ModifyUser(annaID, func(u *identity.User) error {
		u.TermsVersion, u.TermsAcceptedAt = "", time.Time{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	p := NewPhone(t, "anna")
	p.InitScript(netRecorder)
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	p.Type("login-username", "anna")
	p.Type("login-password", demo.Password)
	p.Click("login-submit")
	p.EnterCode(s, "anna")
	p.WaitScreen("terms")
	p.WaitFor("the terms' text", `(b => !!b && !b.disabled)(document.querySelector('[data-testid=terms-accept]'))`)
	p.Quiet()

	// The terms, in Swedish: the heading, the text the server holds for "sv", the button.
	shown := Eval[struct {
		Lang   string `json:"lang"`
		Title  string `json:"title"`
		Text   string `json:"text"`
		Accept string `json:"accept"`
		Body   string `json:"body"`
		Chrome string `json:"chrome"`
	}](p, `({
		lang: document.documentElement.lang,
		title: document.querySelector('main h1').innerText,
		text: document.querySelector('[data-testid=terms-text]').innerText,
		accept: document.querySelector('[data-testid=terms-accept]').innerText,
		body: document.body.innerText,
		chrome: document.getElementById('chrome').innerHTML,
	})`)
	if shown.Lang != "sv" || shown.Title != "Användarvillkor" || shown.Accept != "Jag har läst och godkänner villkoren" {
		t.Errorf("the terms screen is not in Swedish: lang %q, heading %q, button %q", shown.Lang, shown.Title, shown.Accept)
	}
	if got, want := strings.Join(strings.Fields(shown.Text), " "), strings.Join(strings.Fields(terms.Text["sv"]), " "); got != want {
		t.Errorf("the terms screen shows\n%s\nwant the Swedish terms (version %s)\n%s", shown.Text, terms.Version, terms.Text["sv"])
	}

	// Nothing of the care data before the acceptance: no frame (navigation, sync status),
	// an empty store, no sync request.
	if shown.Chrome != "" {
		t.Errorf("the frame is shown before the terms are accepted: %s", shown.Chrome)
	}
	if st := p.Stats(); st.Records != 0 || st.Outbox != 0 || string(st.Cursor) != `""` {
		t.Errorf("the store before the terms are accepted: %+v, want no records and no cursor", st)
	}
	if n := Eval[int](p, `import(new URL('db.js', document.querySelector('script[type=module]').src).href).then(m => m.db()).then(d => d.count('frags'))`); n != 0 {
		t.Errorf("%d fragments in the store before the terms are accepted", n)
	}
	before := p.Requests()
	for _, r := range before {
		if strings.HasPrefix(r.Path, "/api/v1/sync/") {
			t.Errorf("before the terms are accepted the app asked %s %s: %d %s", r.Method, r.Path, r.Status, r.Code)
		} else if r.Status >= 200 && r.Status < 300 && !gateRoute(r.Method, r.Path) {
			t.Errorf("before the terms are accepted the server answered %s %s with %d", r.Method, r.Path, r.Status)
		}
	}
	t.Logf("requests before the acceptance: %v", requestList(before))
	// The server refuses data to this session: a pull with the phone's own token.
	token := Eval[string](p, `import(new URL('db.js', document.querySelector('script[type=module]').src).href).then(m => m.getMeta('tokens')).then(t => t.access_token)`)
	if res := s.Do("GET", "/api/v1/sync/pull?limit=10", token, nil); res.Status != 403 || res.ErrorCode() != "terms_not_accepted" {
		t.Errorf("a pull before the terms are accepted: %d %s, want 403 terms_not_accepted", res.Status, res.Body)
	}

	checkScreen(t, p, "terms")

	// Accept.
	from := s.Clock.Now()
	p.Click("terms-accept")
	p.WaitScreen("today")
	to := s.Clock.Now()
	p.SyncNow()
	p.WaitText("Astrid Nilsson")
	names := Eval[[]string](p, `[...document.querySelectorAll('main [data-testid^=client-]')].map(e => e.innerText.split('\n')[0].trim()).filter(Boolean)`)
	if len(names) == 0 {
		t.Errorf("no client on the today screen after the acceptance")
	}
	for _, n := range names {
		if strings.Contains(shown.Body, n) {
			t.Errorf("the client %q was on the screen before the terms were accepted", n)
		}
	}
	if st := p.Stats(); st.Records == 0 {
		t.Errorf("no records after the acceptance and a sync: %+v", st)
	}

	// The app posted the version it showed, and synced only after the server took it.
	reqs := p.Requests()
	accepted := slices.IndexFunc(reqs, func(r Request) bool { return r.Method == "POST" && r.Path == "/api/v1/me/terms" })
	switch {
	case accepted < 0:
		t.Errorf("no POST /api/v1/me/terms in %v", requestList(reqs))
	case reqs[accepted].Status != 204:
		t.Errorf("POST /api/v1/me/terms: %d %s", reqs[accepted].Status, reqs[accepted].Code)
	}
	pulled := false
	for i, r := range reqs {
		if strings.HasPrefix(r.Path, "/api/v1/sync/") && i < accepted {
			t.Errorf("%s %s (%d) went before the acceptance", r.Method, r.Path, r.Status)
		}
		if strings.HasPrefix(r.Path, "/api/v1/sync/pull") && r.Status == 200 {
			pulled = true
		}
	}
	if !pulled {
		t.Errorf("no pull answered 200 after the acceptance: %v", requestList(reqs))
	}

	// The server recorded the acceptance, of the version in force, when it was given.
	u, err := s.Identity.User(annaID)
	if err != nil {
		t.Fatal(err)
	}
	if u.TermsVersion != terms.Version || u.TermsAcceptedAt.Before(from) || u.TermsAcceptedAt.After(to) {
		t.Errorf("the server has anna's terms as version %q accepted at %s, want %q at %s–%s", u.TermsVersion, u.TermsAcceptedAt, terms.Version, from, to)
	}
	if me := Meta[struct {
		TermsAccepted bool `json:"terms_accepted"`
	}](p, "me"); !me.TermsAccepted {
		t.Errorf("the app's meta me still says the terms are not accepted")
	}
}

// gateRoute tells whether an API route is one a user may use before accepting the terms:
// the login, who they are, the terms themselves.
func gateRoute(method, path string) bool {
	return strings.HasPrefix(path, "/api/v1/auth/") || (method == "GET" && (path == "/api/v1/me" || path == "/api/v1/terms"))
}

// requestList is the requests as "METHOD path status" for a message.
func requestList(reqs []Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}
