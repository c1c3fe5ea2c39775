package browser

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"vardag/test/testserver"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the app's screenshots to docs/screenshots/<screen>.png")

// screenshotScale is the device pixels per CSS pixel of the screenshots: a phone's.
const screenshotScale = 2

// shoot takes a screenshot of what the phone shows, checks it is a PNG of the phone's
// size, and writes it as <name>.png into docs/screenshots with -update-screenshots, else
// into a temporary folder.
func shoot(t *testing.T, p *Phone, name string) {
	t.Helper()
	p.SetScale(screenshotScale)
	p.Settle()
	shot := p.Screenshot()
	checkPNG(t, name, shot, screenshotScale)
	dir := t.TempDir()
	if *updateScreenshots {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScreenshots goes through the main screens at 390 × 844 and takes a picture of each:
// login, today, the client's journal, writing a note, signing a measure and the messages
// as anna; the nurse's overview as cecilia; the deviations to analyse as david. (The
// "needs attention" picture is taken by TestRejectedNoteNeedsAttention, which makes an
// item to show.)
func TestScreenshots(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.SetScale(screenshotScale)
	anna.Open(s.URL + "/")
	anna.WaitScreen("login")
	shoot(t, anna, "login")

	anna.Login(s, "anna")
	anna.SyncNow()
	shoot(t, anna, "today")

	anna.OpenJournal(astrid)
	anna.WaitText("Värmde middag") // bo's note from yesterday
	shoot(t, anna, "client")

	anna.StartNote(astrid, "Morgonbesök", "Hjälpte Astrid med frukost och morgonmedicin. Hon var pigg och glad.")
	shoot(t, anna, "note")

	anna.StartSigning(astrid, insulin, "given")
	shoot(t, anna, "sign")

	anna.Click("nav-messages")
	anna.WaitScreen("messages")
	shoot(t, anna, "messages")

	cecilia := NewPhone(t, "cecilia")
	cecilia.SetScale(screenshotScale)
	cecilia.Login(s, "cecilia")
	cecilia.SyncNow()
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	shoot(t, cecilia, "overview")

	david := NewPhone(t, "david")
	david.SetScale(screenshotScale)
	david.Login(s, "david")
	david.SyncNow()
	david.Click("nav-deviations")
	david.WaitScreen("analyse")
	david.WaitText("golvet i hallen") // the fall anna reported
	shoot(t, david, "analyse")
}
