package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	vlogin "vardag/internal/login"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// TestAManagerActsOnACareWorkersAccount: on an office computer's screen Aspen's manager
// sees on the unit's people that Anna's account is locked, opens her account, unlocks it,
// disables it (confirmed; her login ends on the server) and enables it again, records her
// training and, once she has logged in on a phone again, revokes that phone (its next
// request answers device_revoked). Each act is said in words only after the server has
// answered, and the server holds it. Last he gives her a new password (shown once) and a
// hardware token. axe and the other screen checks find nothing on the person's screen.
func TestAManagerActsOnACareWorkersAccount(t *testing.T) {
	s := testserver.Start(t)
	annaID := demo.UserID("anna")
	first := s.Login("anna")
	// Fifty wrong codes lock an account (e2e TestAccountLocksBefore100Failures…); the
	// test sets the lock they leave.
	if _, err := s.Identity.ModifyUser(annaID, func(u *identity.User) error {
		u.FailedLogins, u.LastFailureAt, u.LockedAt = vlogin.LockAfter, s.Clock.Now(), s.Clock.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	trainedBefore := accountOf(t, s, annaID).TrainedAt

	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.OpenUnitAdmin(demo.AspenID)
	row := fmt.Sprintf(`document.querySelector('[data-testid=person-%s]')`, annaID)
	david.WaitFor("Anna's row, locked", fmt.Sprintf(`(e => !!e && e.innerText.includes('Låst'))(%s)`, row))
	david.Click("open-" + annaID)
	david.WaitScreen("person")
	david.WaitFor("Anna's account", `(e => !!e && e.innerText.includes('Låst'))(document.querySelector('[data-testid=person-state]'))`)
	checkScreen(t, david, "a person's account")

	doneSays := func(what, text string) {
		t.Helper()
		david.WaitFor(what, fmt.Sprintf(`(e => !!e && e.innerText.includes(%s))(document.querySelector('[data-testid=person-done]'))`, js(text)))
	}
	david.Click("person-unlock")
	doneSays("the unlock said", "upplåst")
	if accountOf(t, s, annaID).Locked() {
		t.Fatal("the screen said unlocked, the server's account is locked")
	}

	david.Click("person-disable")
	david.WaitFor("the confirmation", `!!document.querySelector('[data-testid=confirm-dialog]')`)
	checkScreen(t, david, "disable's confirmation")
	david.Click("confirm-ok")
	doneSays("the disable said", "avstängt")
	david.WaitFor("enable offered", `!!document.querySelector('[data-testid=person-enable]') && !document.querySelector('[data-testid=person-disable]')`)
	if !accountOf(t, s, annaID).Disabled {
		t.Fatal("the screen said disabled, the server's account is not")
	}
	if res := s.Do("GET", "/api/v1/sync/pull", first.Token, nil); res.Status != 401 {
		t.Fatalf("the disabled account's login still answers: %d %s", res.Status, res.Body)
	}
	david.Click("person-enable")
	doneSays("the enable said", "aktiverat igen")
	if accountOf(t, s, annaID).Disabled {
		t.Fatal("the screen said enabled, the server's account is disabled")
	}

	// The training was five days ago (the field holds today unless changed).
	trained := time.Now().AddDate(0, 0, -5).Format(time.DateOnly)
	Eval[bool](david, fmt.Sprintf(`(document.querySelector('[data-testid=person-training-date]').value = %s, true)`, js(trained)))
	david.Click("person-training-save")
	doneSays("the training said", "Utbildningen är registrerad")
	if after := accountOf(t, s, annaID).TrainedAt; after.Equal(trainedBefore) || after.Local().Format(time.DateOnly) != trained {
		t.Fatalf("training on the server: before %v, after %v, want on %s", trainedBefore, after, trained)
	}

	// Anna logs in on her phone again; the manager revokes that phone.
	phone := s.Login("anna")
	david.Click("back")
	david.WaitScreen("unit")
	david.Click("open-" + annaID)
	david.WaitScreen("person")
	david.WaitFor("Anna's phone", fmt.Sprintf(`!!document.querySelector('[data-testid=revoke-device-%s]')`, phone.DeviceID))
	checkScreen(t, david, "a person's logins and phones")
	david.Click("revoke-device-" + phone.DeviceID)
	david.WaitFor("the confirmation", `!!document.querySelector('[data-testid=confirm-dialog]')`)
	david.Click("confirm-ok")
	doneSays("the revocation said", "Telefonen är spärrad")
	david.WaitFor("the phone gone from the list", fmt.Sprintf(`!document.querySelector('[data-testid=revoke-device-%s]')`, phone.DeviceID))
	if res := s.Do("GET", "/api/v1/sync/pull", phone.Token, nil); res.Status != 401 || res.ErrorCode() != "device_revoked" {
		t.Fatalf("the revoked phone's pull: %d %s", res.Status, res.Body)
	}

	// A new password, shown once: the old one no longer opens the account, the new one does.
	david.Click("person-password")
	david.WaitFor("the confirmation", `!!document.querySelector('[data-testid=confirm-dialog]')`)
	david.Click("confirm-ok")
	doneSays("the reset said", "tillfälligt lösenord")
	temporary := Eval[string](david, `document.querySelector('[data-testid=person-temporary-password]').innerText`)
	checkScreen(t, david, "a temporary password")
	if res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": demo.Password}); res.ErrorCode() != "invalid_credentials" {
		t.Fatalf("the old password after the reset: %d %s", res.Status, res.Body)
	}
	if res := s.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "anna", "password": temporary}); res.Status != 200 {
		t.Fatalf("the temporary password %q: %d %s", temporary, res.Status, res.Body)
	}

	// A hardware token of the provider, handed to her.
	if res := s.DoWith("POST", "/api/v1/admin/tokens?provider_id="+demo.OwnProviderID, s.Login("admin").Token, map[string]string{"Content-Type": "text/csv"},
		"VD-B01;GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"); res.Status != 200 {
		t.Fatalf("token import: %d %s", res.Status, res.Body)
	}
	david.Type("person-token-serial", "VD-B01")
	david.Click("person-token-save")
	doneSays("the token said", "Dosan VD-B01")
	if got := accountOf(t, s, annaID).TokenSerial; got != "VD-B01" {
		t.Fatalf("the server's token of Anna: %q", got)
	}

	// The same screen, with its acts, on a phone-sized window.
	small := NewPhone(t, "david-phone")
	small.Login(s, "david")
	Eval[bool](small, fmt.Sprintf(`(location.hash = %s, true)`, js("#/person/"+demo.AspenID+"/"+annaID)))
	small.WaitScreen("person")
	small.WaitFor("the acts", `!!document.querySelector('[data-testid=person-disable]') && !!document.querySelector('[data-testid=person-training]')`)
	checkScreen(t, small, "a person's account, on a phone")
}

// TestARepresentativeIsOfferedNothingOnTheManagersAccount: Aspen's unit representative
// sees the unit's manager among its people, and on his account is told she may not
// administer it, with no act offered (the server would refuse each).
func TestARepresentativeIsOfferedNothingOnTheManagersAccount(t *testing.T) {
	s := testserver.Start(t)
	davidID := demo.UserID("david")
	s.AddUser("arvid", demo.AspenID, identity.RoleUnitRep, s.Clock.Now().AddDate(0, 3, 0))
	arvid := NewPhone(t, "arvid")
	arvid.Desktop()
	arvid.Login(s, "arvid")
	arvid.OpenUnitAdmin(demo.AspenID)
	arvid.Click("open-" + davidID)
	arvid.WaitScreen("person")
	arvid.WaitFor("the refusal in words", `!!document.querySelector('[data-testid=person-not-yours]')`)
	for _, act := range []string{"person-unlock", "person-disable", "person-enable", "person-password", "person-activation", "person-training", "person-token", "person-sessions"} {
		if Eval[bool](arvid, fmt.Sprintf(`!!document.querySelector('[data-testid=%s]')`, act)) {
			t.Errorf("the representative is offered %s on the manager's account", act)
		}
	}
	checkScreen(t, arvid, "an account one may not administer")
	// On a phone-sized window too.
	phone := NewPhone(t, "arvid-phone")
	phone.Login(s, "arvid")
	Eval[bool](phone, fmt.Sprintf(`(location.hash = %s, true)`, js("#/person/"+demo.AspenID+"/"+davidID)))
	phone.WaitScreen("person")
	phone.WaitFor("the refusal in words", `!!document.querySelector('[data-testid=person-not-yours]')`)
	checkScreen(t, phone, "an account one may not administer, on a phone")
	// What the screen did not offer, the server refuses.
	if res := s.Do("POST", "/api/v1/admin/users/"+davidID+"/disable", s.Login("arvid").Token, nil); res.Status != 403 {
		t.Fatalf("the representative disables the manager: %d %s", res.Status, res.Body)
	}
}

// TestTheAdministratorCannotEndAProviderWithOpenWork: the administrator tries to end
// Omsorg Norr, whose journals (and a deviation just reported) are open; after the
// confirmation the screen names every open one and the provider goes on, on the server too.
func TestTheAdministratorCannotEndAProviderWithOpenWork(t *testing.T) {
	s := testserver.Start(t)
	farid := s.Login("farid")
	farid.Pull()
	deviation := uuids.New()
	if r := farid.Push("deviation.report", map[string]any{"deviation_id": deviation, "client_id": demo.ClientID(9), "type": "deviation",
		"person_alone": true, "activity": "SoL", "area": "fall", "involved_professions": []string{"care_staff"},
		"occurred_at": s.Clock.Now().Add(-time.Hour), "course_of_events": "Brukaren föll i köket."}).Results[0]; r.Status != "applied" {
		t.Fatalf("report: %+v", r)
	}
	admin := NewPhone(t, "admin")
	admin.Desktop()
	admin.Login(s, "admin")
	admin.WaitFor("the organisation", fmt.Sprintf(`!!document.querySelector('[data-testid=provider-%s]')`, demo.NorrProviderID))
	admin.Click("provider-end-" + demo.NorrProviderID)
	day := s.Clock.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	Eval[bool](admin, fmt.Sprintf(`(document.querySelector('[data-testid=provider-end-date-%s]').value = %s, true)`, demo.NorrProviderID, js(day)))
	checkScreen(t, admin, "ending a provider")
	admin.Click("provider-end-save-" + demo.NorrProviderID)
	admin.WaitFor("the confirmation", `!!document.querySelector('[data-testid=confirm-dialog]')`)
	admin.Click("confirm-ok")
	open := fmt.Sprintf(`document.querySelector('[data-testid=provider-open-%s]')`, demo.NorrProviderID)
	admin.WaitFor("the open work", fmt.Sprintf(`(e => !!e && !e.hidden)(%s)`, open))
	text := Eval[string](admin, open+".innerText")
	if !strings.Contains(text, "Avvikelse nr "+deviation[:8]) {
		t.Errorf("the open deviation is not named:\n%s", text)
	}
	for n := 9; n <= 12; n++ {
		id := journal.JournalID(demo.ClientID(n))
		if !Eval[bool](admin, fmt.Sprintf(`!!document.querySelector('[data-testid=open-journal-%s]')`, id)) || !strings.Contains(text, "journal, nr "+id[:8]) {
			t.Errorf("the open journal %s is not named:\n%s", id, text)
		}
	}
	if msg := Eval[string](admin, fmt.Sprintf(`document.querySelector('[data-testid=provider-end-error-%s]').innerText`, demo.NorrProviderID)); !strings.Contains(msg, "avvikelser eller journaler som inte är avslutade") {
		t.Errorf("the refusal reads %q", msg)
	}
	checkScreen(t, admin, "a provider's open work")
	if p, _ := s.Identity.Provider(demo.NorrProviderID); !p.EndsAt.IsZero() {
		t.Fatal("a refused end set the provider's end")
	}
}

// TestTheImportChecksAndThenCreates: Aspen's manager checks a file with a faulty line
// (the dry run lists it, by line, and creates nobody), corrects it and imports: the screen
// shows each new person's activation code, and the server holds the accounts.
func TestTheImportChecksAndThenCreates(t *testing.T) {
	s := testserver.Start(t)
	david := NewPhone(t, "david")
	david.Desktop()
	david.Login(s, "david")
	david.OpenUnitAdmin(demo.AspenID)
	david.Click("unit-import")
	david.WaitScreen("import")
	checkScreen(t, david, "the import")
	choose := func(csv string) {
		t.Helper()
		Eval[bool](david, fmt.Sprintf(`(() => { const dt = new DataTransfer(); dt.items.add(new File([%s], 'personal.csv', { type: 'text/csv' }));
			document.querySelector('[data-testid=import-file]').files = dt.files; return true; })()`, js(csv)))
	}
	choose("ida.ny;Ida Ny;+46701234567\n=cmd;Fel Rad;\n")
	david.Click("import-check")
	david.WaitFor("the line's fault", `!!document.querySelector('[data-testid=import-error-0]')`)
	if fault := Eval[string](david, `document.querySelector('[data-testid=import-error-0]').innerText`); !strings.Contains(fault, "2") || !strings.Contains(fault, "formel") {
		t.Errorf("the dry run's fault reads %q", fault)
	}
	checkScreen(t, david, "the import's faults")
	if _, err := s.Identity.UserByUsername("ida.ny"); err == nil {
		t.Fatal("the dry run created ida.ny")
	}

	choose("ida.ny;Ida Ny;+46701234567\njon.ny;Jon Ny;\n")
	david.Click("import-check")
	david.WaitFor("the check passed", `!!document.querySelector('[data-testid=import-ok]')`)
	david.Click("import-run")
	david.WaitFor("the codes", `!!document.querySelector('[data-testid=import-code-ida\\.ny]') && !!document.querySelector('[data-testid=import-code-jon\\.ny]')`)
	checkScreen(t, david, "the import's codes")
	for _, name := range []string{"ida.ny", "jon.ny"} {
		u, err := s.Identity.UserByUsername(name)
		if err != nil || !u.ActivationPending {
			t.Fatalf("after the import the server's %s: %+v (%v)", name, u, err)
		}
		code := Eval[string](david, fmt.Sprintf(`document.querySelector('[data-testid="import-code-%s"] .code').innerText`, name))
		if len(code) < 20 {
			t.Errorf("%s's code on screen: %q", name, code)
		}
	}
}

// accountOf reads an account from the server's store.
func accountOf(t *testing.T, s *testserver.Server, id string) identity.User {
	t.Helper()
	u, err := s.Identity.User(id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
