package plans

import (
	"encoding/json"
	"fmt"
	"slices"

	"vardag/internal/assignments"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// SaveArgs are the arguments of plan.save: the whole draft of one version. Version is
// the version the draft is for: 1 for a new plan, the current version while it is a
// draft, the next one after an established version (which is never written again).
type SaveArgs struct {
	PlanID              string `json:"plan_id"`
	ClientID            string `json:"client_id"`
	AssignmentID        string `json:"assignment_id"`
	Version             int    `json:"version"`
	Parts               []Part `json:"parts"`
	ClientParticipation string `json:"client_participation"`
}

func decodeSave(raw json.RawMessage) (any, error) {
	var a SaveArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.PlanID) {
		fields["plan_id"] = "must be a UUID made by the phone"
	}
	if !uuids.Valid(a.ClientID) {
		fields["client_id"] = "must be the UUID of a client"
	}
	if !uuids.Valid(a.AssignmentID) {
		fields["assignment_id"] = "must be the UUID of an assignment"
	}
	if a.Version < 1 {
		fields["version"] = "is required: the version the draft is for, 1 for a new plan"
	}
	switch {
	case len(a.Parts) == 0:
		fields["parts"] = "at least one part: how a measure of the assignment is carried out"
	case len(a.Parts) > maxParts:
		fields["parts"] = fmt.Sprintf("at most %d parts", maxParts)
	}
	seen := map[string]bool{}
	for i, p := range a.Parts {
		f := func(name string) string { return fmt.Sprintf("parts[%d].%s", i, name) }
		if !uuids.Valid(p.PartID) {
			fields[f("part_id")] = "must be a UUID made by the phone"
		} else if seen[p.PartID] {
			fields[f("part_id")] = "is given twice"
		}
		seen[p.PartID] = true
		if !uuids.Valid(p.MeasureID) {
			fields[f("measure_id")] = "is required: the measure of the assignment this part carries out"
		}
		p.What = syncengine.TrimmedText(p.What, f("what"), maxPartText, true, fields)
		p.How = syncengine.TrimmedText(p.How, f("how"), maxPartText, false, fields)
		p.When = syncengine.TrimmedText(p.When, f("when"), maxPartText, false, fields)
		p.Goal = syncengine.TrimmedText(p.Goal, f("goal"), maxPartText, false, fields)
		a.Parts[i] = p
	}
	a.ClientParticipation = syncengine.TrimmedText(a.ClientParticipation, "client_participation", maxPartText, false, fields)
	if err := invalid("The plan is not complete.", fields); err != nil {
		return nil, err
	}
	return a, nil
}

func applySave(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(SaveArgs)
	access, _ := c.Actor.Domain.(identity.Access)
	now := tx.Now()
	asg, ok, err := assignments.Get(tx, a.AssignmentID)
	if err != nil {
		return err
	}
	if !ok || len(access.Roles[asg.UnitID]) == 0 {
		// The same answer whether the assignment is another unit's or nobody's.
		return syncengine.Reject(codes.AssignmentNotFound, "This assignment is not in any of your units.")
	}
	role, allowed := access.RoleIn(asg.UnitID, drafters...)
	if !allowed {
		return syncengine.Reject(codes.Forbidden, "Only the unit's care staff, coordinator or manager draft an implementation plan.")
	}
	if asg.ClientID != a.ClientID {
		return invalid("The plan names another client than its assignment.",
			map[string]string{"client_id": "must be the client of the assignment"})
	}
	for i, p := range a.Parts {
		if !slices.ContainsFunc(asg.Measures, func(m assignments.Measure) bool { return m.MeasureID == p.MeasureID }) {
			return &syncengine.Rejection{Code: codes.PlanMeasureUnknown, Message: "A part of the plan is for a measure that is not in the assignment.",
				Fields: map[string]string{fmt.Sprintf("parts[%d].measure_id", i): "is not a measure of the assignment"}}
		}
	}
	p, exists, err := getPlan(tx, a.PlanID)
	if err != nil {
		return err
	}
	switch {
	case exists && (p.AssignmentID != a.AssignmentID || p.ClientID != a.ClientID):
		return syncengine.Reject(codes.PlanExists, "This plan id belongs to another plan; start a new plan.")
	case exists && p.EndsOn != "":
		return syncengine.Reject(codes.PlanEnded, "This plan has an end date and takes no more changes.")
	case !exists && a.Version != 1:
		return syncengine.Reject(codes.PlanVersionConflict, "A new plan starts at version 1.")
	case exists && p.Status == StatusEstablished && a.Version == p.Version:
		return syncengine.Reject(codes.PlanEstablished, "This version is established and read-only; save the next version to change the plan.")
	case exists && p.Status == StatusEstablished && a.Version != p.Version+1,
		exists && p.Status == StatusDraft && a.Version != p.Version:
		return syncengine.Reject(codes.PlanVersionConflict, "The plan has another version than this draft is for; reload it.")
	}
	if !exists {
		p = Plan{PlanID: a.PlanID, ClientID: a.ClientID, AssignmentID: a.AssignmentID, UnitID: asg.UnitID, FollowUps: []FollowUp{}}
	}
	p.Version, p.Status, p.UpdatedAt = a.Version, StatusDraft, now
	v := Version{VersionID: VersionID(a.PlanID, a.Version), PlanID: a.PlanID, ClientID: a.ClientID, AssignmentID: a.AssignmentID,
		UnitID: asg.UnitID, Version: a.Version, Status: StatusDraft, Parts: a.Parts, ClientParticipation: a.ClientParticipation,
		SavedBy: c.Actor.UserID, SavedRole: role, SavedAt: now}
	if err := tx.Put(KindVersion, v.VersionID, scopes(asg.UnitID), v); err != nil {
		return err
	}
	return tx.Put(KindPlan, p.PlanID, scopes(asg.UnitID), p)
}
