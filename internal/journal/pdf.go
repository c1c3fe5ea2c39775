package journal

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"vardag/internal/clients"
	"vardag/internal/identity"
	"vardag/syncengine"
)

// Archive is a client's whole journal (genomförandejournal) for the archive: every note,
// oldest first, each with its corrections in the order they were made.
type Archive struct {
	Client clients.Client
	Notes  []ArchivedNote
}

// ArchivedNote is a note with its corrections (rättelser).
type ArchivedNote struct {
	Note
	Corrections []Correction
}

// ReadArchive reads a client's journal from the scope of the client's journal unit. ok is
// false when there is no such client.
func ReadArchive(r syncengine.ReadTx, clientID string) (Archive, bool, error) {
	rec, ok, err := r.Record(clients.Kind, clientID)
	if err != nil || !ok {
		return Archive{}, false, err
	}
	var a Archive
	if err := json.Unmarshal(rec.Data, &a.Client); err != nil {
		return Archive{}, false, fmt.Errorf("journal: unable to decode client %s: %w", clientID, err)
	}
	byNote := map[string][]Correction{}
	it := r.ScopeRefs(identity.UnitScope(a.Client.UnitID), 0)
	for ref, ok := it.Next(); ok; ref, ok = it.Next() {
		if ref.Deleted || (ref.Kind != KindNote && ref.Kind != KindNoteCorrection) {
			continue
		}
		raw, _, err := r.Entry(ref.Seq)
		if err != nil {
			return Archive{}, false, fmt.Errorf("journal: unable to read sequence %d: %w", ref.Seq, err)
		}
		var ch struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &ch); err != nil {
			return Archive{}, false, fmt.Errorf("journal: unable to decode sequence %d: %w", ref.Seq, err)
		}
		switch ref.Kind {
		case KindNote:
			var n Note
			if err := json.Unmarshal(ch.Data, &n); err != nil {
				return Archive{}, false, fmt.Errorf("journal: unable to decode note %s: %w", ref.ID, err)
			}
			if n.ClientID == clientID {
				a.Notes = append(a.Notes, ArchivedNote{Note: n})
			}
		case KindNoteCorrection:
			var c Correction
			if err := json.Unmarshal(ch.Data, &c); err != nil {
				return Archive{}, false, fmt.Errorf("journal: unable to decode correction %s: %w", ref.ID, err)
			}
			if c.ClientID == clientID {
				byNote[c.NoteID] = append(byNote[c.NoteID], c)
			}
		}
	}
	if err := it.Err(); err != nil {
		return Archive{}, false, err
	}
	slices.SortStableFunc(a.Notes, func(x, y ArchivedNote) int {
		if c := x.OccurredAt.Compare(y.OccurredAt); c != 0 {
			return c
		}
		return x.ServerTime.Compare(y.ServerTime)
	})
	for i := range a.Notes {
		cs := byNote[a.Notes[i].NoteID]
		slices.SortStableFunc(cs, func(x, y Correction) int { return x.ServerTime.Compare(y.ServerTime) })
		a.Notes[i].Corrections = cs
	}
	return a, true, nil
}

// PDF writes the archive as a PDF (A4): the client's name and personal number and the page
// number ("Sida 1 av 3") on every page; each note with its time, author and text; each
// correction with the struck text struck through, the new text, the reason, who and when.
// name gives a staff member's display name. Times are Swedish.
func (a Archive) PDF(w io.Writer, name func(userID string) string, printedAt time.Time) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: the Swedish letters
	pdf.SetTitle(tr("Genomförandejournal"), false)
	pdf.SetCreator("Vardag", false)
	pdf.AliasNbPages("{nb}")
	pn := a.Client.PersonalID
	if len(pn) == 12 {
		pn = pn[:8] + "-" + pn[8:]
	}
	pdf.SetHeaderFunc(func() {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 6, tr("Genomförandejournal – "+a.Client.Name+", "+pn), "B", 1, "L", false, 0, "")
		pdf.Ln(3)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(a.Client.Name+", "+pn+" · utskriven "+local(printedAt)), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("Sida %d av {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddPage()
	if len(a.Notes) == 0 {
		pdf.SetFont("Helvetica", "I", 10)
		pdf.MultiCell(0, 5, tr("Journalen har inga anteckningar."), "", "L", false)
	}
	for _, n := range a.Notes {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.MultiCell(0, 5, tr(local(n.OccurredAt)+"  "+n.Heading), "", "L", false)
		pdf.SetFont("Helvetica", "", 8)
		meta := "Skriven av " + name(n.AuthorID) + " (" + roleSV(n.AuthorRole) + "), sparad " + local(n.ServerTime)
		if len(n.Keywords) > 0 {
			meta += " · Nyckelord: " + strings.Join(n.Keywords, ", ")
		}
		pdf.MultiCell(0, 4, tr(meta), "", "L", false)
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 5, tr(n.Text), "", "L", false)
		for _, c := range n.Corrections {
			pdf.SetX(pdf.GetX() + 6)
			pdf.SetFont("Helvetica", "B", 9)
			pdf.MultiCell(0, 5, tr("Rättelse av "+name(c.CorrectedBy)+" ("+roleSV(c.CorrectedRole)+"), "+local(c.ServerTime)), "", "L", false)
			pdf.SetX(pdf.GetX() + 6)
			pdf.SetFont("Helvetica", "S", 9) // struck through: the original stays legible
			pdf.MultiCell(0, 5, tr("Struken text: "+c.StruckText), "", "L", false)
			pdf.SetX(pdf.GetX() + 6)
			pdf.SetFont("Helvetica", "", 9)
			newText := c.NewText
			if newText == "" {
				newText = "(ingen)"
			}
			pdf.MultiCell(0, 5, tr("Ny text: "+newText), "", "L", false)
			pdf.SetX(pdf.GetX() + 6)
			pdf.MultiCell(0, 5, tr("Skäl: "+c.Reason), "", "L", false)
		}
		pdf.Ln(3)
	}
	return pdf.Output(w)
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()

func local(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") }

// roleSV names a role in Swedish, as the archive is read.
func roleSV(r identity.Role) string {
	switch r {
	case identity.RoleCareStaff:
		return "omsorgspersonal"
	case identity.RoleLicensed:
		return "legitimerad personal"
	case identity.RoleCoordinator:
		return "samordnare"
	case identity.RoleUnitManager:
		return "enhetschef"
	case identity.RoleUnitRep:
		return "verksamhetsombud"
	}
	return string(r)
}
