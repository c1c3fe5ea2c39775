// Package terms holds the terms of use (användarvillkor) every user accepts once, before
// the server serves them any data. A new Version asks everyone to accept again.
package terms

// Version of the terms below; change it whenever the text changes in substance.
const Version = "2026-11-01"

// Text is the terms in Swedish (first) and English.
var Text = map[string]string{
	"sv": `Användarvillkor för Vardag

1. Du loggar bara in med din egen behörighet och lånar aldrig ut den, inte heller din telefon med inloggningen öppen.
2. Du läser bara uppgifter om de kunder du arbetar med och bara när ditt arbete kräver det. Varje läsning loggas och granskas av din chef (loggranskning).
3. Du använder Vardag bara för ditt arbete. Uppgifterna omfattas av sekretess och tystnadsplikt, också efter att din anställning har slutat.
4. Du låser telefonen när du inte använder den och anmäler genast till din chef om den kommer bort.
5. Du dokumenterar sant och sakligt och rättar aldrig någon annans anteckning.`,
	"en": `Terms of use for Vardag

1. You log in only with your own account and never lend it to anyone, nor your phone with the app unlocked.
2. You read only the records of clients you work with, and only when your work needs it. Every read is logged and reviewed by your manager.
3. You use Vardag only for your work. The records are confidential, also after your employment ends.
4. You lock the phone when you are not using it and tell your manager at once if it is lost.
5. You write truthfully and to the point, and never correct someone else's note.`,
}
