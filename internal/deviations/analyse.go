package deviations

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// AnalyseArgs are the arguments of deviation.analyse: the manager's analysis (utredning)
// of a deviation, saved as often as it moves on until it is closed.
type AnalyseArgs struct {
	DeviationID     string `json:"deviation_id"`
	Consequence     string `json:"consequence"`                  // konsekvens
	Analysis        string `json:"analysis"`                     // analys, orsaker
	Actions         string `json:"actions"`                      // åtgärder
	LexSarahOrMaria string `json:"lex_sarah_or_maria,omitempty"` // bedömning lex Sarah / lex Maria
	Status          string `json:"status"`                       // under utredning / avslutad
}

// Analysis is a saved analysis: one per deviation, each save a new version.
type Analysis struct {
	AnalyseArgs
	UnitID      string        `json:"unit_id"`
	AnalystID   string        `json:"analyst_id"`
	AnalystRole identity.Role `json:"analyst_role"`
	ClientTime  time.Time     `json:"client_time"`
	ServerTime  time.Time     `json:"server_time"`
	ClosedAt    *time.Time    `json:"closed_at,omitempty"`
}

// Analyse is the handler of deviation.analyse.
func Analyse() syncengine.Handler {
	return syncengine.Handler{Decode: decodeAnalyse, Apply: applyAnalyse}
}

func decodeAnalyse(raw json.RawMessage) (any, error) {
	var a AnalyseArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.DeviationID) {
		fields["deviation_id"] = "must be the UUID of a deviation"
	}
	if !slices.Contains(AnalysisStatuses, a.Status) {
		fields["status"] = "is required: investigating or closed"
	}
	closing := a.Status == StatusClosed
	for name, text := range map[string]string{"consequence": a.Consequence, "analysis": a.Analysis, "actions": a.Actions} {
		switch {
		case utf8.RuneCountInString(text) > maxText:
			fields[name] = "at most 10000 characters"
		case closing && strings.TrimSpace(text) == "":
			fields[name] = "is required to close the deviation"
		}
	}
	switch {
	case a.LexSarahOrMaria != "" && !slices.Contains(LexAssessments, a.LexSarahOrMaria):
		fields["lex_sarah_or_maria"] = "one of " + strings.Join(LexAssessments, ", ")
	case closing && a.LexSarahOrMaria == "":
		fields["lex_sarah_or_maria"] = "is required to close the deviation: none, lex_sarah or lex_maria"
	}
	if len(fields) > 0 {
		return nil, &syncengine.Rejection{Code: codes.InvalidArgs, Message: "The analysis is not complete.", Fields: fields}
	}
	return a, nil
}

func applyAnalyse(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(AnalyseArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	dev, rec, ok, err := get(tx, a.DeviationID)
	if err != nil {
		return err
	}
	if !ok || !visible(rec, access) {
		return syncengine.Reject(codes.DeviationNotFound, "This deviation is not one of yours.")
	}
	analysts := []identity.Role{identity.RoleUnitManager}
	if dev.Activity == ActivityHSL {
		analysts = append(analysts, identity.RoleLicensed)
	}
	role, allowed := access.RoleIn(dev.UnitID, analysts...)
	if !allowed {
		return syncengine.Reject(codes.Forbidden, "Only the unit's manager, or for health care its licensed staff, analyses a deviation.")
	}
	prev, exists, err := tx.Get(KindAnalysis, a.DeviationID)
	if err != nil {
		return err
	}
	if exists {
		var p Analysis
		if err := json.Unmarshal(prev.Data, &p); err != nil {
			return err
		}
		if p.Status == StatusClosed {
			return &syncengine.Conflict{Rejection: *syncengine.Reject(codes.DeviationClosed, "This deviation is closed; its analysis can no longer be changed."), Record: prev}
		}
	}
	now := tx.Now()
	an := Analysis{AnalyseArgs: a, UnitID: dev.UnitID, AnalystID: c.Actor.UserID, AnalystRole: role,
		ClientTime: c.Mutation.ClientTime.UTC(), ServerTime: now}
	if a.Status == StatusClosed {
		an.ClosedAt = &now
	}
	if err := tx.Put(KindAnalysis, a.DeviationID, []string{identity.UnitManagersScope(dev.UnitID)}, an); err != nil {
		return err
	}
	// The reporter learns where her report stands, not what the analysis says.
	st := Status{DeviationID: a.DeviationID, Status: a.Status, ChangedAt: now, ClosedAt: an.ClosedAt}
	return tx.Put(KindStatus, a.DeviationID, []string{identity.UserScope(dev.ReporterID)}, st)
}
