package deviations

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/messages"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Limits of a report.
const (
	maxText      = 10000
	maxUnitID    = 200
	futureSlack  = 10 * time.Minute     // phones' clocks drift; a report is never about the future
	oldestReport = 366 * 24 * time.Hour // "rapportera så snart som möjligt": a year is the outer bound
)

// reporters are the roles that report deviations: every staff member must
// ("alla medarbetare är skyldiga att rapportera avvikelser").
var reporters = []identity.Role{identity.RoleCareStaff, identity.RoleUnitRep, identity.RoleCoordinator, identity.RoleUnitManager, identity.RoleLicensed}

// ReportArgs are the arguments of deviation.report: on a client (brukare), or on a unit
// when it concerns no person (avvikelse ej person).
type ReportArgs struct {
	DeviationID         string    `json:"deviation_id"`
	ClientID            string    `json:"client_id,omitempty"`
	UnitID              string    `json:"unit_id,omitempty"` // enhet; defaults to the client's
	Type                string    `json:"type"`              // typ
	PersonAlone         *bool     `json:"person_alone,omitempty"`
	Activity            string    `json:"activity"`             // verksamhet
	Area                string    `json:"area"`                 // område
	InvolvedProfessions []string  `json:"involved_professions"` // involverade yrkesgrupper
	OccurredAt          time.Time `json:"occurred_at"`          // händelsedatum och tid
	CourseOfEvents      string    `json:"course_of_events"`     // händelseförlopp
	SuggestedAction     string    `json:"suggested_action,omitempty"`
}

// decodedReport carries the field errors Decode found to Apply, which adds those only the
// server's clock can tell, so that the phone learns every missing field at once.
type decodedReport struct {
	ReportArgs
	fields map[string]string
}

// Report is the handler of deviation.report.
func Report() syncengine.Handler {
	return syncengine.Handler{Decode: decodeReport, Apply: applyReport}
}

func decodeReport(raw json.RawMessage) (any, error) {
	var a ReportArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.DeviationID) {
		fields["deviation_id"] = "must be a UUID made by the phone"
	}
	switch {
	case a.ClientID != "" && !uuids.Valid(a.ClientID):
		fields["client_id"] = "must be the UUID of a client"
	case a.ClientID == "" && a.UnitID == "":
		fields["unit_id"] = "is required when the deviation concerns no client"
	}
	if len(a.UnitID) > maxUnitID || strings.ContainsRune(a.UnitID, 0) {
		fields["unit_id"] = "is not a unit"
	}
	if !slices.Contains(Types, a.Type) {
		fields["type"] = "is required: one of " + strings.Join(Types, ", ")
	}
	// "Var personen ensam" is asked of a deviation on a person; a unit has no person.
	if a.ClientID != "" && a.PersonAlone == nil {
		fields["person_alone"] = "is required: was the person alone"
	} else if a.ClientID == "" && a.PersonAlone != nil {
		fields["person_alone"] = "is asked only of a deviation on a client"
	}
	if !slices.Contains(Activities, a.Activity) {
		fields["activity"] = "is required: one of " + strings.Join(Activities, ", ")
		if a.Area == "" {
			fields["area"] = "is required"
		}
	} else if !areaOf(a.Activity, a.Area) {
		fields["area"] = "is required: one of " + strings.Join(Areas[a.Activity], ", ")
	}
	if len(a.InvolvedProfessions) == 0 {
		fields["involved_professions"] = "is required: at least one profession"
	}
	seen := map[string]bool{}
	for _, p := range a.InvolvedProfessions {
		if !slices.Contains(Professions, p) || seen[p] {
			fields["involved_professions"] = "each one of " + strings.Join(Professions, ", ") + ", once"
		}
		seen[p] = true
	}
	if a.OccurredAt.IsZero() {
		fields["occurred_at"] = "is required: when it happened"
	}
	if n := utf8.RuneCountInString(a.CourseOfEvents); strings.TrimSpace(a.CourseOfEvents) == "" || n > maxText {
		fields["course_of_events"] = "is required, at most 10000 characters"
	}
	if utf8.RuneCountInString(a.SuggestedAction) > maxText {
		fields["suggested_action"] = "at most 10000 characters"
	}
	if fields["occurred_at"] != "" {
		// Nothing the server's clock could add: refuse before the writer.
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The deviation report is not complete.", Fields: fields}
	}
	a.OccurredAt = a.OccurredAt.UTC()
	return decodedReport{ReportArgs: a, fields: fields}, nil
}

func applyReport(tx *syncengine.Tx, c syncengine.Call) error {
	d := c.Args.(decodedReport)
	a := d.ReportArgs
	access, _ := c.Actor.Domain.(identity.Access)
	now := tx.Now()
	fields := d.fields
	if !a.OccurredAt.IsZero() && (a.OccurredAt.After(now.Add(futureSlack)) || a.OccurredAt.Before(now.Add(-oldestReport))) {
		fields["occurred_at"] = "must be within the last year and not in the future"
	}
	if len(fields) > 0 {
		return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The deviation report is not complete.", Fields: fields}
	}
	unit, err := reportUnit(tx, a, access)
	if err != nil {
		return err
	}
	role, _ := access.RoleIn(unit, reporters...)
	if err := refuseExisting(tx, a.DeviationID, access); err != nil {
		return err
	}
	a.UnitID = unit
	dev := Deviation{ReportArgs: a, ReportServerFields: ReportServerFields{ReporterID: c.Actor.UserID, ReporterRole: role,
		ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}}
	if err := tx.Put(Kind, a.DeviationID, dev.scopes(), dev); err != nil {
		return err
	}
	// "Spara, automat meddelande skickas till ansvarig chef på den enhet avvikelsen har
	// registrerats på. Kommer automatisk meddelande upp utan namngiven person har
	// avvikelsen registrerats på fel verksamhet": the message names the client, for the
	// managers and licensed staff of that unit, who analyse it (the deviation's own
	// readers; a licensed reporter may register it on a unit that holds no grant for the
	// client's). The name is a field of its own, never in the text; web push sends only
	// a category and a count.
	m := messages.Message{
		MessageID:      MessageID(a.DeviationID),
		ToUnitManagers: unit,
		Subject:        SubjectReported,
		DeviationID:    a.DeviationID,
		Text:           "En ny avvikelse har registrerats på enheten och väntar på din bedömning.",
	}
	if a.ClientID != "" {
		client, _, err := clients.Get(tx, a.ClientID)
		if err != nil {
			return err
		}
		m.ClientID, m.ClientName = client.ClientID, client.Name
	}
	return messages.SystemToUnitManagers(tx, m)
}

// SubjectReported is the subject code of the message a new deviation sends.
const SubjectReported = "deviation_reported"

// MessageID is the id of the message that tells the unit's managers of a deviation.
func MessageID(deviationID string) string { return uuids.Named("deviation-message/" + deviationID) }

// reportUnit is the unit a deviation is registered on, checked against the reporter's
// grants. Care staff, coordinators and managers register it on the client's unit; licensed
// staff choose (the health-care unit, or the unit of the care staff involved) among their
// own units.
func reportUnit(tx *syncengine.Tx, a ReportArgs, access identity.Access) (string, error) {
	if a.ClientID == "" {
		if !access.Has(a.UnitID, reporters...) {
			return "", syncengine.Reject(codes.UnitNotFound, "This unit is not one of yours.")
		}
		return a.UnitID, nil
	}
	client, ok, err := clients.Get(tx, a.ClientID)
	if err != nil {
		return "", err
	}
	if !ok || !access.Has(client.UnitID, reporters...) {
		// The same answer whether the client exists elsewhere or not at all.
		return "", syncengine.Reject(codes.ClientNotFound, "This client is not in any of your units.")
	}
	if a.UnitID == "" || a.UnitID == client.UnitID {
		return client.UnitID, nil
	}
	if !access.Has(a.UnitID, identity.RoleLicensed) {
		return "", &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The deviation is registered on the client's unit.",
			Fields: map[string]string{"unit_id": "only licensed staff register a client's deviation on another of their units"}}
	}
	return a.UnitID, nil
}

// refuseExisting refuses a deviation id already saved: with the saved report if the user
// may see it, with the code alone if not.
func refuseExisting(tx *syncengine.Tx, id string, access identity.Access) error {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return err
	}
	rej := syncengine.Reject(codes.DeviationExists, "A saved deviation cannot be changed; the unit's manager adds the analysis.")
	if !visible(rec, access) {
		return rej
	}
	return &syncengine.Conflict{Rejection: *rej, Record: rec}
}
