// Package deviations holds deviation reports (avvikelser): events that departed from the
// agreed care, or risked to, reported by any staff member on a client or a unit, and the
// analysis (utredning) that the unit's manager, or for health care its licensed staff, adds.
package deviations

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"vardag/internal/identity"
	"vardag/syncengine"
)

// Names in the change log.
const (
	MutationReport  = "deviation.report"
	MutationAnalyse = "deviation.analyse"
	Kind            = "deviation"
	KindAnalysis    = "deviation_analysis"
	KindStatus      = "deviation_status"
)

// Handlers are the mutations of this package, by name.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationReport:  Report(),
		MutationAnalyse: Analyse(),
	}
}

// Deviation is a saved report: what the reporter wrote and what the server adds. It is
// never changed; the analysis is a record of its own.
type Deviation struct {
	ReportArgs
	ReportServerFields
}

// ReportServerFields are set by the server, never taken from the phone. The server also
// fills in unit_id when the phone left it to the client's unit.
type ReportServerFields struct {
	ReporterID   string        `json:"reporter_id"` // rapporterad av
	ReporterRole identity.Role `json:"reporter_role"`
	ClientTime   time.Time     `json:"client_time"`
	ServerTime   time.Time     `json:"server_time"` // rapportdatum
}

// scopes are where a deviation is visible: its reporter, and the managers and licensed
// staff of its unit — never the unit's other care staff.
func (d Deviation) scopes() []string {
	return []string{identity.UnitManagersScope(d.UnitID), identity.UserScope(d.ReporterID)}
}

// Status is where a deviation stands, for its reporter (återkoppling): under
// investigation or closed, and since when. A deviation without one is new. It is the
// analysis' status only: the consequence, causes, actions and the lex Sarah / lex Maria
// assessment stay with the unit's managers and licensed staff.
type Status struct {
	DeviationID string     `json:"deviation_id"`
	Status      string     `json:"status"` // investigating, closed
	ChangedAt   time.Time  `json:"changed_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

// get reads a deviation.
func get(tx *syncengine.Tx, id string) (Deviation, syncengine.Record, bool, error) {
	rec, ok, err := tx.Get(Kind, id)
	if err != nil || !ok {
		return Deviation{}, rec, false, err
	}
	var d Deviation
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return Deviation{}, rec, false, fmt.Errorf("deviations: unable to decode deviation: %w", err)
	}
	return d, rec, true, nil
}

// visible tells whether a record is in one of the scopes the user may see.
func visible(rec syncengine.Record, a identity.Access) bool {
	for _, s := range rec.Scopes {
		if slices.Contains(a.Scopes, s) {
			return true
		}
	}
	return false
}
