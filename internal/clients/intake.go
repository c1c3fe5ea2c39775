package clients

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // the Swedish date must not depend on the host's zoneinfo
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/personnummer"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// IntakeArgs are what the authority's system delivers of a client: the whole person each
// time. An address or phone left out keeps what Vardag holds (the provider may have
// updated it, client.contact.update); given as "", it is removed.
type IntakeArgs struct {
	PersonalNumber    string  `json:"personal_number"`
	GivenName         string  `json:"given_name"`
	FamilyName        string  `json:"family_name"`
	Address           *string `json:"address,omitempty"`
	Phone             *string `json:"phone,omitempty"`
	ProtectedIdentity *bool   `json:"protected_identity"`
	DeceasedOn        *string `json:"deceased_on,omitempty"`
}

// Limits of a client's texts.
const (
	maxName    = 200
	maxAddress = 200
	maxNote    = 500
	maxFlag    = 500
	maxRelated = 20
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()

// ID is the client id of a personal number in a municipality: the same person delivered
// again always lands on the same record. pn is the 12-digit form.
func ID(municipalityID, pn string) string {
	return uuids.Named("client/" + municipalityID + "/" + pn)
}

// DecodeIntake reads an intake strictly: unknown fields and wrong types are refused with
// an invalid_args Rejection naming the field.
func DecodeIntake(raw []byte) (IntakeArgs, error) {
	var in IntakeArgs
	err := syncengine.DecodeArgs(json.RawMessage(raw), &in)
	return in, err
}

// ParsePersonalNumber checks a personal number and returns its 12-digit form, or an
// invalid_args Rejection that never repeats the number.
func ParsePersonalNumber(s string, now time.Time) (string, error) {
	pn, err := personnummer.Parse(strings.TrimSpace(s), now)
	if err != nil {
		return "", invalidPersonalNumber(err)
	}
	return pn.String(), nil
}

// validateIntake checks an intake alone and returns it trimmed, with the personal number
// in its 12-digit form.
func validateIntake(in IntakeArgs, now time.Time) (IntakeArgs, error) {
	fields := map[string]string{}
	if pn, err := ParsePersonalNumber(in.PersonalNumber, now); err != nil {
		fields["personal_number"] = err.(*syncengine.Rejection).Fields["personal_number"]
	} else {
		in.PersonalNumber = pn
	}
	in.GivenName, in.FamilyName = strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	if n := utf8.RuneCountInString(in.GivenName); n == 0 || n > maxName {
		fields["given_name"] = "is required, at most 200 characters"
	}
	if n := utf8.RuneCountInString(in.FamilyName); n == 0 || n > maxName {
		fields["family_name"] = "is required, at most 200 characters"
	}
	if in.Address != nil {
		a := strings.TrimSpace(*in.Address)
		if utf8.RuneCountInString(a) > maxAddress {
			fields["address"] = "must be at most 200 characters"
		}
		in.Address = &a
	}
	if in.Phone != nil {
		p := strings.TrimSpace(*in.Phone)
		if p != "" && !e164.MatchString(p) {
			fields["phone"] = "must be a phone number in E.164 form, such as +46701234567"
		}
		in.Phone = &p
	}
	if in.ProtectedIdentity == nil {
		fields["protected_identity"] = "is required: true or false"
	}
	if in.DeceasedOn != nil {
		d := strings.TrimSpace(*in.DeceasedOn)
		if d != "" {
			day, err := time.Parse(time.DateOnly, d)
			today := now.In(stockholm).Format(time.DateOnly)
			switch {
			case err != nil || day.Year() < 1900:
				fields["deceased_on"] = "must be a date (YYYY-MM-DD)"
			case d > today:
				fields["deceased_on"] = "must not be in the future"
			}
		}
		in.DeceasedOn = &d
	}
	if len(fields) > 0 {
		return IntakeArgs{}, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The client is not complete.", Fields: fields}
	}
	return in, nil
}

// Intake receives a client from the authority's system of municipalityID (ta emot
// brukare). It is idempotent on the personal number: the same client again changes nothing
// and returns created=false; a change (a new address, a protected identity, a date of
// death) makes a new version of the same record, keeping what the provider keeps (units,
// door code, relatives, health flags). A new client is visible in no unit until an
// assignment for them arrives. The caller checks that the delivering system holds
// identity.RoleIntegration in a unit of municipalityID.
func Intake(ctx context.Context, e *syncengine.Engine, municipalityID string, in IntakeArgs, now time.Time) (Client, bool, error) {
	in, err := validateIntake(in, now)
	if err != nil {
		return Client{}, false, err
	}
	id := ID(municipalityID, in.PersonalNumber)
	var out Client
	var created bool
	err = e.Do(ctx, func(tx *syncengine.Tx) error {
		c, ok, err := Load(tx, id)
		if err != nil {
			return err
		}
		created = !ok
		if !ok {
			c = Client{ClientID: id, JournalOpen: true}
		}
		// A client placed in a unit before intake (the demo's) is the authority's from now
		// on: its assignments decide where the client is seen.
		c.MunicipalityID = municipalityID
		c.PersonalID, c.GivenName, c.FamilyName = in.PersonalNumber, in.GivenName, in.FamilyName
		c.Name = in.GivenName + " " + in.FamilyName
		if in.Address != nil {
			c.Address = *in.Address
		}
		if in.Phone != nil {
			c.Phone = *in.Phone
		}
		if in.DeceasedOn != nil {
			c.DeceasedOn = *in.DeceasedOn
		}
		c.ProtectedIDs = *in.ProtectedIdentity
		out = c
		return Put(tx, c)
	})
	if err != nil {
		return Client{}, false, err
	}
	return out, created, nil
}
