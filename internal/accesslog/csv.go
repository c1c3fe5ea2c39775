package accesslog

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of an extract.
var csvHeader = []string{"at", "user_id", "device_id", "client_id", "units", "what", "count", "source", "view_id", "viewed_at"}

// WriteCSV writes entries as CSV (RFC 4180, CRLF line ends) with a header row: a log
// extract (registerutdrag) that opens in a spreadsheet. Units are separated by spaces.
// A cell that a spreadsheet would take for a formula (starting with = + - @, a tab or a
// carriage return) is prefixed with a single quote (OWASP: CSV injection); device ids,
// which phones choose, are the cells that could.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("accesslog: unable to write the extract: %w", err)
	}
	row := make([]string, len(csvHeader))
	for _, e := range entries {
		viewedAt := ""
		if e.ViewedAt != nil {
			viewedAt = e.ViewedAt.UTC().Format(time.RFC3339)
		}
		count := ""
		if e.Count > 0 {
			count = strconv.Itoa(e.Count)
		}
		for i, cell := range []string{e.At.UTC().Format(time.RFC3339), e.UserID, e.DeviceID, e.ClientID,
			strings.Join(e.Units, " "), e.What, count, e.Source, e.ViewID, viewedAt} {
			row[i] = safeCell(cell)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("accesslog: unable to write the extract: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("accesslog: unable to write the extract: %w", err)
	}
	return nil
}

// safeCell keeps a spreadsheet from running a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
