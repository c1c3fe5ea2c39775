package browser

import (
	"testing"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/test/testserver"
)

// TestHealthFlagsShowFirstOnTheClientScreen: the nurse sets a client's health flags
// (client.health.update) and the manager the door code; the care worker's phone shows the
// flags first on the client's screen, right under the name and before everything else,
// on the overview, in the journal and on the note screen alike, and axe finds nothing on the screen.
func TestHealthFlagsShowFirstOnTheClientScreen(t *testing.T) {
	s := testserver.Start(t)
	sven := demo.ClientID(4)
	s.Apply("cecilia", clients.MutationHealthUpdate, map[string]any{"client_id": sven, "infection": "Calicivirus", "hypersensitivity": "Penicillin"})
	s.Apply("david", clients.MutationContactUpdate, map[string]any{"client_id": sven, "door_code": "4711", "key_note": "I nyckelskåpet vid porten",
		"relatives": []map[string]any{{"name": "Eva Persson", "relation": "dotter", "phone": "+46701234567"}}})
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("today's assignments", `document.querySelectorAll('main [data-testid^=assignment-]').length === 3`)
	anna.Click("client-" + sven)
	anna.WaitFor("Sven's overview", `document.body.dataset.screen === 'client' && document.body.dataset.clientView === ''`)
	first := `(() => {
		const h1 = document.querySelector('main h1');
		const flags = h1 && h1.nextElementSibling;
		return !!flags && flags.dataset.testid === 'health-flags'
			&& flags.querySelector('[data-testid=health-infection]').textContent === 'Smitta: Calicivirus'
			&& flags.querySelector('[data-testid=health-hypersensitivity]').textContent === 'Överkänslighet: Penicillin';
	})()`
	if !Eval[bool](anna, first) {
		t.Fatalf("the health flags are not first under the client's name: %s", Eval[string](anna, `document.querySelector('main').innerText`))
	}
	if !Eval[bool](anna, `document.querySelector('[data-testid=client-door_code]').textContent === '4711' && document.querySelector('[data-testid=client-key_note]').textContent === 'I nyckelskåpet vid porten'`) {
		t.Fatalf("the door code and key note are not shown: %s", Eval[string](anna, `document.querySelector('main').innerText`))
	}
	checkScreen(t, anna, "a client with health flags")

	anna.Click("open-journal")
	anna.WaitFor("Sven's journal", `document.body.dataset.clientView === 'journal'`)
	if !Eval[bool](anna, first) {
		t.Fatal("the health flags are not first on the client's journal")
	}

	anna.Click("note-new")
	anna.WaitScreen("note")
	if !Eval[bool](anna, first) {
		t.Fatal("the health flags are not first on the note screen")
	}
	Eval[bool](anna, `(location.hash = '#/client/`+sven+`', true)`)
	anna.WaitFor("Sven's overview again", `document.body.dataset.screen === 'client'`)

	// A flag removed by the nurse is gone from the phone after its next sync.
	s.Apply("cecilia", clients.MutationHealthUpdate, map[string]any{"client_id": sven, "infection": ""})
	anna.SyncNow()
	anna.WaitFor("the infection flag to go", `!document.querySelector('[data-testid=health-infection]') && !!document.querySelector('[data-testid=health-hypersensitivity]')`)
}
