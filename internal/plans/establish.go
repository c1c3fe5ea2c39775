package plans

import (
	"encoding/json"

	"vardag/internal/codes"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// EstablishArgs are the arguments of plan.establish (upprätta): the plan's current draft
// becomes the agreed version, read-only from then on. Version, when given, must be that
// draft's, so that nobody establishes a draft they have not seen.
type EstablishArgs struct {
	PlanID        string `json:"plan_id"`
	Version       int    `json:"version,omitempty"`
	EstablishedOn string `json:"established_on"`
	WithClient    *bool  `json:"with_client"`
	Note          string `json:"note,omitempty"`
}

func decodeEstablish(raw json.RawMessage) (any, error) {
	var a EstablishArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.PlanID) {
		fields["plan_id"] = "must be the UUID of a plan"
	}
	if a.Version < 0 {
		fields["version"] = "must be the version of the draft"
	}
	date(a.EstablishedOn, "established_on", true, fields)
	if a.WithClient == nil {
		fields["with_client"] = "is required: whether the plan was agreed with the client"
	}
	a.Note = syncengine.TrimmedText(a.Note, "note", maxPartText, false, fields)
	if err := invalid("The establishment is not complete.", fields); err != nil {
		return nil, err
	}
	return a, nil
}

func applyEstablish(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(EstablishArgs)
	now := tx.Now()
	p, role, err := planFor(tx, c.Actor, a.PlanID, establishers, "Only the unit's coordinator or manager establishes a plan.")
	if err != nil {
		return err
	}
	on, _ := date(a.EstablishedOn, "established_on", true, map[string]string{})
	if err := notAfterToday(on, "established_on", now); err != nil {
		return err
	}
	if p.Status != StatusDraft {
		return syncengine.Reject(codes.PlanNoDraft, "This plan has no draft to establish; its current version is established already.")
	}
	if a.Version != 0 && a.Version != p.Version {
		return syncengine.Reject(codes.PlanVersionConflict, "The plan has another draft than this one; reload it.")
	}
	v, ok, err := getVersion(tx, p.PlanID, p.Version)
	if err != nil {
		return err
	}
	if !ok {
		return syncengine.Reject(codes.PlanNoDraft, "This plan has no draft to establish.")
	}
	v.Status, v.EstablishedOn, v.WithClient, v.EstablishNote = StatusEstablished, a.EstablishedOn, a.WithClient, a.Note
	v.EstablishedBy, v.EstablishedRole, v.EstablishedAt = c.Actor.UserID, role, now
	p.Status, p.EstablishedVersion, p.EstablishedOn, p.UpdatedAt = StatusEstablished, p.Version, a.EstablishedOn, now
	if err := tx.Put(KindVersion, v.VersionID, scopes(p.UnitID), v); err != nil {
		return err
	}
	return tx.Put(KindPlan, p.PlanID, scopes(p.UnitID), p)
}
