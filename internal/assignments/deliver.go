package assignments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vardag/internal/clients"
	"vardag/internal/codes"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Delivery is an assignment as the authority's system delivers it (beslut → uppdrag).
// The authority sends the whole assignment each time: a measure is ended by sending it
// with end and end_reason, never by leaving it out.
type Delivery struct {
	AuthorityID string `json:"authority_id"` // the authority's own id of the assignment
	ClientID    string `json:"client_id,omitempty"`
	// PersonalNumber names the client instead of ClientID: a client the authority's
	// system has delivered already (POST /api/v1/integration/clients).
	PersonalNumber string    `json:"personal_number,omitempty"`
	UnitID         string    `json:"unit_id"`
	Measures       []Measure `json:"measures"` // insatser
	DecidedAt      time.Time `json:"decided_at"`
	// Municipality is the delivering system's municipality, set by the caller (never read
	// from the delivery).
	Municipality string `json:"-"`
}

// Limits of a delivery.
const (
	maxAuthorityID     = 100
	maxMeasures        = 50
	maxMinutesPerMonth = 31 * 24 * 60
	futureSlack        = 10 * time.Minute // the authority's clock may drift a little
	firstYear          = 2000             // no assignment in Vardag was decided earlier
	yearsAhead         = 10               // a decision reaches at most this far ahead
)

var typeCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// DecodeDelivery reads a delivery's JSON strictly: unknown fields and wrong types are
// refused with an invalid_args Rejection naming the field.
func DecodeDelivery(raw []byte) (Delivery, error) {
	var d Delivery
	err := syncengine.DecodeArgs(json.RawMessage(raw), &d)
	return d, err
}

// Deliver receives an assignment from the authority (ta emot nytt uppdrag). It is
// idempotent on the authority's id: the same delivery again changes nothing and returns
// created=false; a changed delivery (a new measure, an end date) makes a new version of the
// same record, keeping its distribution and acknowledgments. Invalid deliveries are
// refused with an invalid_args Rejection; a delivery that moves the assignment to another
// unit or client (assignment_unit_changed, assignment_client_changed), that is older than
// the stored decision (assignment_outdated) or whose client is a client of another unit
// (ClientNotInUnit) is refused too, changing nothing. The caller checks that the
// delivering system holds identity.RoleIntegration in in.UnitID, a unit of its own
// municipality.
func Deliver(ctx context.Context, e *syncengine.Engine, in Delivery, now time.Time) (Assignment, bool, error) {
	in, err := validate(in, now)
	if err != nil {
		return Assignment{}, false, err
	}
	var out Assignment
	var created bool
	err = e.Do(ctx, func(tx *syncengine.Tx) error {
		out, created = Assignment{}, false
		// The client's personal data arrives with or before the assignment, for the unit
		// that carries it out: an assignment for another unit's client would show that
		// client in this unit and count in its statistics.
		client, known, err := clients.Get(tx, in.ClientID)
		if err != nil {
			return err
		}
		switch {
		case !known && in.PersonalNumber != "":
			return syncengine.Reject(codes.ClientNotReceived, "No client with this personal number has been received: send the client first (POST /api/v1/integration/clients).")
		case known && client.MunicipalityID != "" && client.MunicipalityID != in.Municipality:
			return ClientNotInUnit()
		case known && client.MunicipalityID == "" && client.UnitID != in.UnitID && client.SubUnitID != in.UnitID:
			// A client placed in a unit by other means than intake (the demo's, before the
			// authority's system has delivered them) stays in that unit.
			return ClientNotInUnit()
		}
		if known {
			// The unit carries out an assignment for the client: its staff see the client.
			if err := clients.AddUnit(tx, in.ClientID, in.UnitID); err != nil {
				return err
			}
		}
		id := ID(in.AuthorityID)
		old, exists, err := get(tx, id)
		if err != nil {
			return err
		}
		if !exists {
			a := Assignment{AssignmentID: id, AuthorityID: in.AuthorityID, ClientID: in.ClientID, UnitID: in.UnitID,
				Status: StatusNew, Measures: in.Measures, DecidedAt: in.DecidedAt, Acknowledgments: []Acknowledgment{},
				ReceivedAt: tx.Now(), UpdatedAt: tx.Now()}
			out, created = a, true
			return put(tx, a)
		}
		switch {
		case old.UnitID != in.UnitID:
			return syncengine.Reject(codes.AssignmentUnitChanged, "This assignment belongs to another unit: end it there and send a new assignment.")
		case old.ClientID != in.ClientID:
			return syncengine.Reject(codes.AssignmentClientChanged, "This assignment is for another client: send a new assignment.")
		}
		// The provider's ends stay over a later decision that does not end the measure.
		in.Measures = withEnds(in.Measures, old.Ends)
		switch {
		case old.DecidedAt.Equal(in.DecidedAt) && slices.Equal(old.Measures, in.Measures):
			out = old // the same delivery again
			return nil
		case in.DecidedAt.Before(old.DecidedAt):
			return syncengine.Reject(codes.AssignmentOutdated, "A later decision for this assignment has already been received.")
		}
		for _, m := range old.Measures {
			if !slices.ContainsFunc(in.Measures, func(n Measure) bool { return n.MeasureID == m.MeasureID }) {
				return &syncengine.Rejection{Code: codes.InvalidArgs, Message: "A measure of the assignment is missing.",
					Fields: map[string]string{"measures": fmt.Sprintf("measure %q is missing: end it with end and end_reason instead", m.MeasureID)}}
			}
		}
		old.Measures, old.DecidedAt, old.UpdatedAt = in.Measures, in.DecidedAt, tx.Now()
		out = old
		return put(tx, old)
	})
	if err != nil {
		return Assignment{}, false, err
	}
	return out, created, nil
}

// ClientNotInUnit refuses a delivery for a client who is not a client of the receiving
// unit of the delivering system's municipality.
func ClientNotInUnit() *syncengine.Rejection {
	return syncengine.Reject(codes.ClientNotInUnit, "The client is not a client of this unit in your municipality; the assignment was not received.")
}

// validate checks a delivery alone and returns it normalised: times in UTC, measures in
// the order of their ids (so that the same content is always stored the same way).
func validate(in Delivery, now time.Time) (Delivery, error) {
	fields := map[string]string{}
	in.AuthorityID = strings.TrimSpace(in.AuthorityID)
	if n := utf8.RuneCountInString(in.AuthorityID); n == 0 || n > maxAuthorityID || !printable(in.AuthorityID) {
		fields["authority_id"] = "is required: the authority's id of the assignment, at most 100 characters"
	}
	in.PersonalNumber = strings.TrimSpace(in.PersonalNumber)
	switch {
	case in.PersonalNumber != "" && in.ClientID != "":
		fields["client_id"] = "give client_id or personal_number, not both"
	case in.PersonalNumber != "":
		if pn, err := clients.ParsePersonalNumber(in.PersonalNumber, now); err != nil {
			fields["personal_number"] = err.(*syncengine.Rejection).Fields["personal_number"]
		} else if in.Municipality == "" {
			fields["personal_number"] = "names a client only in a municipality"
		} else {
			in.PersonalNumber, in.ClientID = pn, clients.ID(in.Municipality, pn)
		}
	case !uuids.Valid(in.ClientID):
		fields["client_id"] = "must be the UUID of a client (or give personal_number)"
	}
	if in.UnitID == "" || len(in.UnitID) > 100 || strings.Contains(in.UnitID, ":") || !printable(in.UnitID) {
		fields["unit_id"] = "must be the id of a unit"
	}
	if in.DecidedAt.IsZero() {
		fields["decided_at"] = "is required: when the decision was made"
	} else if in.DecidedAt.UTC().Year() < firstYear || in.DecidedAt.After(now.Add(futureSlack)) {
		fields["decided_at"] = "must be a real date, not in the future"
	}
	if len(in.Measures) == 0 || len(in.Measures) > maxMeasures {
		fields["measures"] = "1 to 50 measures are required"
	}
	seen := map[string]bool{}
	measures := make([]Measure, 0, len(in.Measures))
	for i, m := range in.Measures {
		f := func(name string) string { return fmt.Sprintf("measures[%d].%s", i, name) }
		m.MeasureID = strings.TrimSpace(m.MeasureID)
		m.EndReason = strings.TrimSpace(m.EndReason)
		switch n := utf8.RuneCountInString(m.MeasureID); {
		case n == 0 || n > maxAuthorityID || !printable(m.MeasureID):
			fields[f("measure_id")] = "is required: the authority's id of the measure, at most 100 characters"
		case seen[m.MeasureID]:
			fields[f("measure_id")] = "is given twice"
		}
		seen[m.MeasureID] = true
		if !typeCode.MatchString(m.Type) {
			fields[f("type")] = "must be a code such as personal_care, meals or cleaning"
		}
		if m.MinutesPerMonth < 0 || m.MinutesPerMonth > maxMinutesPerMonth {
			fields[f("minutes_per_month")] = "must be 0 to 44640 minutes"
		}
		start, okStart := parseDate(m.Start, now)
		if !okStart {
			fields[f("start")] = "must be a date (YYYY-MM-DD) from 2000 and at most ten years ahead"
		}
		if m.End != "" {
			end, ok := parseDate(m.End, now)
			if !ok {
				fields[f("end")] = "must be a date (YYYY-MM-DD) from 2000 and at most ten years ahead"
			} else if okStart && end.Before(start) {
				fields[f("end")] = "must not be before start"
			}
		}
		switch {
		case m.EndReason != "" && m.End == "":
			fields[f("end_reason")] = "is given only with an end date"
		case m.EndReason != "" && !slices.Contains(EndReasons, m.EndReason):
			fields[f("end_reason")] = "must be one of " + strings.Join(EndReasons, ", ")
		}
		measures = append(measures, m)
	}
	if len(fields) > 0 {
		return Delivery{}, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The assignment is not complete.", Fields: fields}
	}
	slices.SortFunc(measures, func(a, b Measure) int { return strings.Compare(a.MeasureID, b.MeasureID) })
	in.Measures = measures
	in.DecidedAt = in.DecidedAt.UTC()
	return in, nil
}

// parseDate reads a calendar date within the years a decision can concern.
func parseDate(s string, now time.Time) (time.Time, bool) {
	d, err := time.Parse(dateLayout, s)
	if err != nil || d.Year() < firstYear || d.Year() > now.Year()+yearsAhead {
		return time.Time{}, false
	}
	return d, true
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// conflicts are the refusals of a delivery that conflict with what the server already
// holds (or with where the client is), as against a delivery wrong in itself.
var conflicts = []string{codes.AssignmentUnitChanged, codes.AssignmentClientChanged, codes.AssignmentOutdated, codes.ClientNotInUnit}

// IsConflict tells whether a refused delivery conflicts with what the server holds: the
// authority's system must send another delivery, not the same one mended.
func IsConflict(err error) bool {
	var conflict *syncengine.Conflict
	if errors.As(err, &conflict) {
		return true
	}
	var rej *syncengine.Rejection
	return errors.As(err, &rej) && slices.Contains(conflicts, rej.Code)
}
