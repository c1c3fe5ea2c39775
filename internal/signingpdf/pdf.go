// Package signingpdf prints a client's signing list (signeringslista) as a PDF for the
// nurse: on each page the client's name and personal number (personnummer), the list's
// period, and every measure (insats) with its kind, times or "vid behov" and its
// instruction, in Swedish as the list is kept. It writes only what it is given: the
// caller has authorised the read and logged it.
package signingpdf

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"vardag/internal/signing"
)

var stockholm = mustZone("Europe/Stockholm")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// Write writes the PDF of p, printed at (shown in the footer) by printedBy (a name).
func Write(w io.Writer, p signing.Printable, at time.Time, printedBy string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Signeringslista", true)
	pdf.SetCreator("Vardag", true)
	pdf.SetMargins(18, 30, 18)
	pdf.SetAutoPageBreak(true, 20)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // the core fonts' cp1252: å, ä, ö
	pdf.SetHeaderFunc(func() {
		pdf.SetY(12)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 6, tr(p.Client.Name), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(0, 5, tr("Personnummer: "+personalNumber(p.Client.PersonalID)), "B", 1, "L", false, 0, "")
		pdf.Ln(4)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Utskriven %s av %s · sida %d/{nb}", at.In(stockholm).Format("2006-01-02 15:04"), printedBy, pdf.PageNo())), "T", 0, "L", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, tr("Signeringslista"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(0, 6, tr("Gäller "+day(p.List.ValidFrom)+" – "+day(p.List.ValidUntil)), "", 1, "L", false, 0, "")
	pdf.Ln(3)
	for i, m := range p.List.Measures {
		if pdf.GetY() > 250 {
			pdf.AddPage()
		}
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 7, tr(fmt.Sprintf("%d. %s", i+1, p.KindName(m.Kind))), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(0, 6, tr("Tider: "+times(m)), "", 1, "L", false, 0, "")
		pdf.MultiCell(0, 6, tr("Instruktion: "+m.Instruction), "", "L", false)
		pdf.Ln(3)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("signingpdf: %w", err)
	}
	return pdf.Output(w)
}

// times are a measure's times, or "vid behov" for an as-needed one.
func times(m signing.Measure) string {
	if m.PRN || len(m.Times) == 0 {
		return "vid behov"
	}
	return strings.Join(m.Times, ", ")
}

func day(t time.Time) string {
	if t.IsZero() {
		return "tills vidare"
	}
	return t.In(stockholm).Format("2006-01-02")
}

// personalNumber is the 12 digits as YYYYMMDD-NNNN.
func personalNumber(pn string) string {
	if len(pn) == 12 {
		return pn[:8] + "-" + pn[8:]
	}
	return pn
}
