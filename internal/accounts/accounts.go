// Package accounts creates accounts: one at a time for a provider, or a unit's staff from a
// CSV file (username;name;phone), all or nothing, each starting with an activation code.
package accounts

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

// MaxImportBytes is the largest CSV file taken (1 MiB: some ten thousand lines).
const MaxImportBytes = 1 << 20

// MaxImportLines is the most accounts one file creates.
const MaxImportLines = 2000

// LineError is one refused cell or line of an import; Message is a code of the catalogue
// (internal/codes), which the phone turns into its own words.
type LineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Created is an account an import created, with its activation code (shown once).
// In a dry run only Username is set.
type Created struct {
	UserID         string    `json:"user_id,omitempty"`
	Username       string    `json:"username"`
	ActivationCode string    `json:"activation_code,omitempty"`
	ExpiresAt      time.Time `json:"activation_expires_at,omitzero"`
}

// Line is one valid line of a file.
type Line struct {
	Number                int
	Username, Name, Phone string
}

// Grants makes the first grant of an imported account in the import's unit (the import
// checks who may grant which role, and that valid_until is at most a year ahead). An
// imported account's grant is in the unit the importer administers, so it needs no
// approval.
type Grants func(userID, unitID string, role identity.Role, validUntil time.Time) identity.Grant

// DirectGrant is a grant as asked for, active at once: the imported accounts are new, so
// the unit the importer administers is their first and needs no approval
// (identity.Store.Grant would ask none either).
func DirectGrant(userID, unitID string, role identity.Role, validUntil time.Time) identity.Grant {
	return identity.Grant{ID: uuids.New(), UserID: userID, UnitID: unitID, Role: role, ValidUntil: validUntil, Status: identity.GrantActive}
}

// formulaStart are the first characters a spreadsheet reads as a formula (OWASP: CSV
// injection): such a cell is refused, never stored, so that no export or hand-out later
// carries it into a spreadsheet.
const formulaStart = "=+-@\t\r"

// ErrBadFile is a file that is not CSV at all (a quote left open, not UTF-8).
var ErrBadFile = errors.New("accounts: the file is not semicolon-separated text")

// ParseCSV reads username;name;phone lines (phone may be left out; a first line
// "username;name;phone" is a header). Every line is checked, and every refusal listed.
func ParseCSV(body []byte, store *identity.Store) ([]Line, []LineError, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma, r.FieldsPerRecord, r.ReuseRecord = ';', -1, false
	var lines []Line
	errs := []LineError{}
	seen := map[string]int{}
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, ErrBadFile
		}
		n, _ := r.FieldPos(0)
		if first {
			first = false
			if len(rec) >= 2 && strings.EqualFold(strings.TrimSpace(rec[0]), "username") && strings.EqualFold(strings.TrimSpace(rec[1]), "name") {
				continue
			}
		}
		if len(lines)+len(errs) >= MaxImportLines {
			errs = append(errs, LineError{Line: n, Field: "line", Message: codes.ImportTooManyLines})
			break
		}
		if len(rec) < 2 || len(rec) > 3 {
			errs = append(errs, LineError{Line: n, Field: "line", Message: codes.CSVColumns})
			continue
		}
		for len(rec) < 3 {
			rec = append(rec, "")
		}
		l := Line{Number: n, Username: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Phone: strings.TrimSpace(rec[2])}
		bad := false
		for i, field := range []string{"username", "name", "phone"} {
			cell := rec[i]
			if cell == "" || !strings.ContainsRune(formulaStart, rune(cell[0])) {
				continue
			}
			if field == "phone" && identity.CheckPhone(cell) == nil {
				continue // +46701234567: digits after the plus, never a formula
			}
			errs = append(errs, LineError{Line: n, Field: field, Message: codes.CSVFormulaCell})
			bad = true
		}
		if bad {
			continue
		}
		if err := identity.CheckUsername(l.Username); err != nil {
			errs = append(errs, LineError{Line: n, Field: "username", Message: codes.InvalidUsername})
		} else if _, dup := seen[l.Username]; dup {
			errs = append(errs, LineError{Line: n, Field: "username", Message: codes.DuplicateUsername})
		} else if _, err := store.UserByUsername(l.Username); err == nil {
			errs = append(errs, LineError{Line: n, Field: "username", Message: codes.UsernameTaken})
		} else if !errors.Is(err, identity.ErrNotFound) {
			return nil, nil, err
		}
		seen[l.Username] = n
		if identity.CheckName(l.Name) != nil {
			errs = append(errs, LineError{Line: n, Field: "name", Message: codes.InvalidName})
		}
		if identity.CheckPhone(l.Phone) != nil {
			errs = append(errs, LineError{Line: n, Field: "phone", Message: codes.InvalidPhone})
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 && len(errs) == 0 {
		errs = append(errs, LineError{Line: 1, Field: "line", Message: codes.ImportEmpty})
	}
	return lines, errs, nil
}

// Import is a unit's staff to create.
type Import struct {
	Lines          []Line
	MunicipalityID string
	ProviderID     string
	UnitID         string
	Role           identity.Role
	ValidUntil     time.Time
}

// Create creates every account of the import with its first grant, in one transaction:
// all or none (identity.ErrDuplicate when a username was taken meanwhile).
func Create(svc *login.Service, store *identity.Store, grants Grants, imp Import) ([]Created, error) {
	users := make([]identity.User, 0, len(imp.Lines))
	gs := make([]identity.Grant, 0, len(imp.Lines))
	created := make([]Created, 0, len(imp.Lines))
	for _, l := range imp.Lines {
		u, code, expires, err := svc.NewAccount(login.NewAccount{ID: uuids.New(), Username: l.Username, Name: l.Name,
			MunicipalityID: imp.MunicipalityID, ProviderID: imp.ProviderID, Phone: l.Phone})
		if err != nil {
			return nil, err
		}
		users = append(users, u)
		gs = append(gs, grants(u.ID, imp.UnitID, imp.Role, imp.ValidUntil))
		created = append(created, Created{UserID: u.ID, Username: u.Username, ActivationCode: code, ExpiresAt: expires})
	}
	if err := store.CreateUsers(users, gs); err != nil {
		return nil, err
	}
	return created, nil
}
