package assignments

import (
	"encoding/json"
	"slices"
	"time"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/reference"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// Names of the end of a measure in the change log.
const (
	MutationEnd = "assignment.end"
	// KindEnd is the record the authority's integration account reads from its own pull
	// feed: one per ended measure (avslutad verkställighet), in the unit's integration scope.
	KindEnd = "assignment_end"
)

// EndArgs are the arguments of assignment.end (avsluta verkställighet): the measure
// (every measure still running when measure_id is left out), the last day it was carried
// out, and the end reason (GF-avslutsorsak) from the municipality's list.
type EndArgs struct {
	AssignmentID string `json:"assignment_id"`
	MeasureID    string `json:"measure_id,omitempty"`
	EndsOn       string `json:"ends_on"`
	EndReason    string `json:"end_reason"`
}

// End is the provider's end of one measure, as the assignment keeps it and as the
// integration's feed carries it.
type End struct {
	AssignmentID string        `json:"assignment_id"`
	AuthorityID  string        `json:"authority_id"`
	ClientID     string        `json:"client_id"`
	UnitID       string        `json:"unit_id"`
	MeasureID    string        `json:"measure_id"`
	EndsOn       string        `json:"ends_on"`
	EndReason    string        `json:"end_reason"`
	EndedBy      string        `json:"ended_by"`
	Role         identity.Role `json:"role"`
	EndedAt      time.Time     `json:"ended_at"`
}

// EndID is the id of the feed record of a measure's end: one per measure, so the
// integration reads each end once.
func EndID(assignmentID, measureID string) string {
	return uuids.Named("assignment-end/" + assignmentID + "/" + measureID)
}

// enders are the roles that end carrying out a unit's measures.
var enders = []identity.Role{identity.RoleCoordinator, identity.RoleUnitManager}

// EndMeasure is the handler of assignment.end. A coordinator or unit manager of the
// assignment's unit ends a measure (or every running one) at a date not before its start,
// with an end reason on the municipality's end-reasons list. Ending again with the same
// date and reason changes nothing; a measure already ended otherwise is refused
// (measure_ended), as is everything else wrong, changing nothing.
func EndMeasure() syncengine.Handler {
	return syncengine.Handler{
		Decode: func(raw json.RawMessage) (any, error) {
			var a EndArgs
			if err := syncengine.DecodeArgs(raw, &a); err != nil {
				return nil, err
			}
			fields := map[string]string{}
			if !uuids.Valid(a.AssignmentID) {
				fields["assignment_id"] = "must be the UUID of an assignment"
			}
			if len(a.MeasureID) > maxAuthorityID {
				fields["measure_id"] = "must be a measure of the assignment"
			}
			if d, err := time.Parse(dateLayout, a.EndsOn); err != nil || d.Format(dateLayout) != a.EndsOn {
				fields["ends_on"] = "must be a date (YYYY-MM-DD)"
			}
			if a.EndReason == "" || len(a.EndReason) > 64 {
				fields["end_reason"] = "must be a code of the end-reasons list"
			}
			if len(fields) > 0 {
				return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The end is not complete.", Fields: fields}
			}
			return a, nil
		},
		Apply: func(tx *syncengine.Tx, c syncengine.Call) error {
			args := c.Args.(EndArgs)
			access, _ := c.Actor.Domain.(identity.Access)
			a, err := readable(tx, access, args.AssignmentID)
			if err != nil {
				return err
			}
			role, ok := access.RoleIn(a.UnitID, enders...)
			if !ok {
				return syncengine.Reject(codes.Forbidden, "Only a coordinator or a unit manager ends a measure.")
			}
			known, err := endReasonKnown(tx, access.MunicipalityID, args.EndReason)
			if err != nil {
				return err
			}
			if !known {
				return syncengine.Reject(codes.EndReasonUnknown, "The end reason is not on the municipality's list of end reasons.")
			}
			var todo []int
			for i, m := range a.Measures {
				if args.MeasureID != "" && m.MeasureID != args.MeasureID {
					continue
				}
				if e, ended := endOf(a.Ends, m.MeasureID); ended {
					if args.MeasureID != "" && (e.EndsOn != args.EndsOn || e.EndReason != args.EndReason) {
						return syncengine.Reject(codes.MeasureEnded, "This measure has already been ended.")
					}
					continue // the same end again, or one of several already ended
				}
				if args.EndsOn < m.Start {
					return syncengine.Reject(codes.EndBeforeStart, "The end date is before the measure's start.")
				}
				todo = append(todo, i)
			}
			if args.MeasureID != "" && !slices.ContainsFunc(a.Measures, func(m Measure) bool { return m.MeasureID == args.MeasureID }) {
				return syncengine.Reject(codes.MeasureNotFound, "The assignment has no such measure.")
			}
			if len(todo) == 0 {
				return nil // already ended: nothing changes
			}
			for _, i := range todo {
				e := End{AssignmentID: a.AssignmentID, AuthorityID: a.AuthorityID, ClientID: a.ClientID, UnitID: a.UnitID,
					MeasureID: a.Measures[i].MeasureID, EndsOn: args.EndsOn, EndReason: args.EndReason,
					EndedBy: c.Actor.UserID, Role: role, EndedAt: tx.Now()}
				a.Ends = append(a.Ends, e)
				if err := tx.Put(KindEnd, EndID(a.AssignmentID, e.MeasureID), []string{identity.IntegrationScope(a.UnitID)}, e); err != nil {
					return err
				}
			}
			a.Measures = withEnds(a.Measures, a.Ends)
			return put(tx, a)
		},
	}
}

// endOf is the provider's end of a measure, if it has one.
func endOf(ends []End, measureID string) (End, bool) {
	for _, e := range ends {
		if e.MeasureID == measureID {
			return e, true
		}
	}
	return End{}, false
}

// withEnds is measures with the provider's ends written into them: its end date when the
// decision ends later or not at all, and its end reason.
func withEnds(measures []Measure, ends []End) []Measure {
	out := slices.Clone(measures)
	for i, m := range out {
		e, ok := endOf(ends, m.MeasureID)
		if !ok {
			continue
		}
		if m.End == "" || e.EndsOn < m.End {
			out[i].End = e.EndsOn
		}
		out[i].EndReason = e.EndReason
	}
	return out
}

// endReasonKnown tells whether code is on the municipality's end-reasons list (its
// defaults when the list has not been seeded).
func endReasonKnown(tx *syncengine.Tx, municipalityID, code string) (bool, error) {
	items, err := reference.Items(tx, municipalityID, reference.KindEndReasons)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(items, func(it reference.Item) bool { return it.Code == code }), nil
}
